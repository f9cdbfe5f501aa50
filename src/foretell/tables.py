"""One ledger file read column-wise into an Arrow table, with a derived, checked Parquet copy.

Reading: lines are parsed in chunks with orjson; columns are pulled out of the records with
list comprehensions and turned into Arrow arrays in C (timestamps by ``foretell.stamps``: the
ledger's own form with integer arithmetic, anything else through pandas). No hashes are
checked here: ``verify`` is the check of the chains and of each entry's sha. Entries of the
wrong shape are counted, not loaded.

The copy (README, "Scale"): ``ledger/.columnar/<author>/`` holds the forecasts of
``<author>.jsonl`` as Parquet parts, each covering a byte range of the file, and a
``manifest.json`` naming them with the file's size, modification time and, for the end of each
part, the sha of the line that ends there. It is used only when it matches the file: the same
size, modification time and last sha; when the file has grown and the line at each part's end
still has that part's sha (appends only add lines), only the new bytes are converted, into a
new part (small parts are merged, so a file keeps a few parts). Anything else: the copy is
rebuilt from the file. Like the status index, these checks cannot see a line edited inside the
file when an append follows before the next read (the modification time then moves anyway):
``verify`` checks every entry, and ``report --verify`` reads the files afresh.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from foretell import atomic, claim_index, ids
from foretell.errors import ForetellError
from foretell.stamps import NAT, parse_stamps
from foretell.verify import MAX_SEQ, TEXT_FIELDS, at_problem, day_problem, latest_at

COLUMNAR_DIR = ".columnar"
MANIFEST = "manifest.json"
COPY_VERSION = 2  # 2: entries verify flags are left out
CHUNK_LINES = 100_000
MERGE_FACTOR = 2  # a part is merged into the one before it once that one is <= 2x its size
EXTRA_COLUMNS = ("probs", "quantiles", "note", "imported")
CLOSING_KEYS = ("at", "kind", "question", "outcome", "resolved_on")
MALFORMED = "malformed entries (see foretell verify)"
EDITED = "entries whose sha does not match their content (run foretell verify)"
UNREADABLE = "unreadable lines"
TORN = "incomplete last lines"

DICT = pa.dictionary(pa.int32(), pa.string())
SCHEMA = pa.schema(
    [
        ("author", DICT),
        ("seq", pa.int64()),
        ("at", pa.timestamp("ns", tz="UTC")),
        ("question", DICT),
        ("question_sha", DICT),
        ("p", pa.float64()),
        *((col, pa.string()) for col in EXTRA_COLUMNS),  # JSON text, null when absent
    ]
)
"""The forecasts of a file: one row per forecast entry of the right shape, in file order.
``p`` is NaN for non-binary forecasts; ``probs``/``quantiles``/``note``/``imported`` hold the
entry's value as JSON text (null when the entry has none)."""


@dataclass
class FileTable:
    """The forecasts of one file as an Arrow table (``SCHEMA``); closings as records."""

    forecasts: pa.Table
    closings: list[dict[str, Any]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return self.forecasts.num_rows

    @classmethod
    def empty(cls) -> FileTable:
        return cls(SCHEMA.empty_table())

    def extend(self, other: FileTable) -> FileTable:
        return FileTable(
            pa.concat_tables([self.forecasts, other.forecasts]),
            self.closings + other.closings,
            self.skipped + other.skipped,
        )


# ------------------------------------------------------------------------ parsing


def _records(chunk: bytes, skipped: Counter[str]) -> list[dict[str, Any]]:
    """The objects of the non-blank lines of ``chunk``, each line parsed alone (a line that
    does not parse, or is not an object, is counted unreadable). Done as one JSON array of the
    lines joined by commas, which gives one value per line when every line is one value; when
    it does not parse or gives another count, line by line."""
    body = chunk.strip(b"\n")
    if not body:
        return []
    lines: list[bytes] | None = None
    if b"\n\n" in body:
        lines = [line for line in body.split(b"\n") if line]
        joined, count = b",".join(lines), len(lines)
    else:  # the same text, without splitting the lines
        joined, count = body.replace(b"\n", b","), body.count(b"\n") + 1
    try:
        parsed = orjson.loads(b"[" + joined + b"]")
    except orjson.JSONDecodeError:
        parsed = None
    if parsed is None or len(parsed) != count:  # "[ ]" or "[1,2]" from lines " " or "1,2"
        parsed = []
        for line in lines if lines is not None else body.split(b"\n"):
            try:
                parsed.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                skipped[UNREADABLE] += 1
    records = [r for r in parsed if type(r) is dict]
    skipped[UNREADABLE] += len(parsed) - len(records)
    return records


NS_1900 = int(np.datetime64("1900-01-01T00:00:00", "ns").astype(np.int64))


def _closing_ok(rec: dict[str, Any], latest: str) -> bool:
    """A resolution or annulment that verify accepts, bar the checks against its question
    (its outcome: see ``frames``)."""
    seq = rec.get("seq")
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        return False
    if type(rec.get("question")) is not str or type(rec.get("question_sha")) is not str:
        return False
    if at_problem(rec.get("at"), latest) or day_problem(rec.get("resolved_on"), ""):
        return False
    if not all(k not in rec or type(rec[k]) is str for k in TEXT_FIELDS):
        return False
    if "amends" in rec and not rec.get("why"):
        return False
    if rec["kind"] == "annulment":
        return bool(rec.get("why"))
    return type(rec.get("outcome")) in (str, int, float)


def _json_texts(values: list[Any]) -> pa.Array:
    """The JSON text of each value, null for None. A text value's JSON is made once per
    distinct text (a column such as ``imported`` repeats one)."""
    if all(v is None for v in values):
        return pa.nulls(len(values), pa.string())
    dumps = orjson.dumps
    memo: dict[str, str] = {}
    texts: list[str | None] = [None] * len(values)
    for i, v in enumerate(values):
        if v is None:
            continue
        if type(v) is str:
            text = memo.get(v)
            if text is None:
                text = memo[v] = dumps(v).decode()
            texts[i] = text
        else:
            texts[i] = dumps(v, option=orjson.OPT_NON_STR_KEYS).decode()
    return pa.array(texts, type=pa.string())


def _chunk_table(chunk: bytes, author: str = "") -> FileTable:
    skipped: Counter[str] = Counter()
    closings: list[dict[str, Any]] = []
    fc: list[dict[str, Any]] = []
    latest = latest_at()
    for rec in _records(chunk, skipped):
        kind = rec.get("kind")
        if kind == "forecast":
            fc.append(rec)
        elif kind == "resolution" or kind == "annulment":
            if _closing_ok(rec, latest):
                closings.append({k: v for k, v in rec.items() if k in CLOSING_KEYS})
            else:
                skipped[MALFORMED] += 1
    n = len(fc)
    question = [r.get("question") for r in fc]
    at_raw = [r.get("at") for r in fc]
    shas = [r.get("question_sha") for r in fc]
    # what verify checks of a forecast's shape: exact types (True is no number, "0.5" none),
    # ``at`` in the stored form from 1900 to a day from now, seq 1..2**63-1, text where text
    good = np.fromiter(
        (
            type(q) is str and type(s) is str and type(a) is str and len(a) == 27
            for q, a, s in zip(question, at_raw, shas, strict=True)
        ),
        bool,
        count=n,
    )
    p_raw = [r.get("p") for r in fc]
    if all(type(v) is float or v is None for v in p_raw):
        p = np.array([np.nan if v is None else v for v in p_raw], dtype=np.float64)
    else:  # ints and other types: pandas' coercion (imported only for such a file)
        import pandas as pd

        good &= np.fromiter((type(v) in (float, int) or v is None for v in p_raw), bool, n)
        p_series = pd.Series(_blanked(p_raw, good, None), dtype=object)
        p = pd.to_numeric(p_series, errors="coerce").to_numpy(dtype=np.float64)
    good &= np.isnan(p) | ((p >= 0.0) & (p <= 1.0))
    extras = {col: [r.get(col) for r in fc] for col in EXTRA_COLUMNS}
    for col in ("probs", "quantiles"):
        values = extras[col]
        good &= np.fromiter((v is None or type(v) is dict for v in values), bool, count=n)
    for col in ("note", "imported"):
        values = extras[col]
        good &= np.fromiter((v is None or type(v) is str for v in values), bool, count=n)
    at = parse_stamps(_blanked(at_raw, good, None))
    latest_ns = int(parse_stamps([latest])[0])
    good &= (at != NAT) & (at >= NS_1900) & (at <= latest_ns)
    seq_raw = [r.get("seq") for r in fc]
    good &= np.fromiter((type(v) is int and 1 <= v <= MAX_SEQ for v in seq_raw), bool, count=n)
    seq = np.array(_blanked(seq_raw, good, 0), dtype=np.int64)
    skipped[MALFORMED] += int((~good).sum())
    rows = None if good.all() else np.flatnonzero(good)  # None: every row is kept
    picked = None if rows is None else rows.tolist()
    m = n if rows is None else rows.shape[0]

    def kept(values: list[Any]) -> list[Any]:
        return values if picked is None else [values[r] for r in picked]

    table = pa.table(
        {
            "author": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(m, np.int32)), pa.array([author], pa.string())
            ),
            "seq": pa.array(seq if rows is None else seq[rows]),
            "at": pa.array(at if rows is None else at[rows]).cast(pa.timestamp("ns", tz="UTC")),
            "question": pa.array(kept(question), pa.string()).dictionary_encode(),
            # a kept row's sha is text
            "question_sha": pa.array(kept(shas), pa.string()).dictionary_encode(),
            "p": pa.array(p if rows is None else p[rows]),
            **{col: _json_texts(kept(extras[col])) for col in EXTRA_COLUMNS},
        },
        schema=SCHEMA,
    )
    return FileTable(table, closings, skipped)


def _blanked(values: list[Any], good: np.ndarray, blank: Any) -> list[Any]:
    """``values`` with ``blank`` where not ``good`` (the list itself when all are)."""
    if good.all():
        return values
    return [v if g else blank for v, g in zip(values, good, strict=True)]


def parse_bytes(data: bytes, author: str = "") -> FileTable:
    """A table from the complete lines of ``data`` (which must end at a line boundary)."""
    if data.count(b"\n") < CHUNK_LINES:  # at most CHUNK_LINES lines: one chunk
        chunks = [data] if data.strip(b"\n") else []
    else:  # chunks of CHUNK_LINES non-blank lines
        lines = [line for line in data.split(b"\n") if line]
        chunks = [
            b"\n".join(lines[start : start + CHUNK_LINES])
            for start in range(0, len(lines), CHUNK_LINES)
        ]
    parts = [_chunk_table(chunk, author) for chunk in chunks]
    if not parts:
        return FileTable.empty()
    return FileTable(
        pa.concat_tables([t.forecasts for t in parts]),
        [c for t in parts for c in t.closings],
        sum((t.skipped for t in parts), Counter()),
    )


# ------------------------------------------------------------------------ the copy


def copy_dir(path: Path) -> Path:
    """Where the columnar copy of ledger file ``path`` lives."""
    return path.parent / COLUMNAR_DIR / path.stem


def cache_path(path: Path) -> Path:
    """The copy's manifest (its modification time says when the copy was last brought up)."""
    return copy_dir(path) / MANIFEST


@dataclass
class Copy:
    """A manifest: the file state it matches and its parts (byte ranges of the file)."""

    size: int
    mtime_ns: int
    last_sha: str | None
    parts: list[dict[str, Any]]  # {"file", "start", "end", "end_sha", "rows"}
    closings: list[dict[str, Any]]
    skipped: Counter[str]

    def files(self, directory: Path) -> list[Path]:
        return [directory / part["file"] for part in self.parts]


def load_manifest(path: Path) -> Copy | None:
    """The copy's manifest if it is readable and of this version (not yet checked)."""
    try:
        if not ids.real_dir(copy_dir(path)):
            return None  # missing, or a link: never read through it
        data = orjson.loads(ids.read_bytes(cache_path(path)))
        if data.get("version") != COPY_VERSION:
            return None
        parts = data["parts"]
        for part in parts:
            if not (isinstance(part["file"], str) and "/" not in part["file"]):
                return None
            int(part["start"]), int(part["end"]), int(part["rows"])
        return Copy(
            int(data["size"]),
            int(data["mtime_ns"]),
            data["last_sha"],
            parts,
            list(data["closings"]),
            Counter({str(k): int(v) for k, v in data["skipped"].items()}),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ForetellError):
        return None


def write_whole(target: Path, data: bytes) -> None:
    """Write a file of the copy whole: temporary file, fsync, rename (OSError on failure)."""
    atomic.write_bytes(target, data)


def _write_part(directory: Path, table: pa.Table, start: int, end: int) -> str:
    name = f"part-{start:015d}-{end:015d}.parquet"
    with atomic.replacing(directory / name) as fh:
        pq.write_table(table, fh, row_group_size=1_000_000, compression="lz4")
    return name


def _save(path: Path, copy: Copy) -> None:
    directory = copy_dir(path)
    manifest = {
        "version": COPY_VERSION,
        "source": path.name,
        "size": copy.size,
        "mtime_ns": copy.mtime_ns,
        "last_sha": copy.last_sha,
        "parts": copy.parts,
        "closings": copy.closings,
        "skipped": dict(copy.skipped),
    }
    write_whole(directory / MANIFEST, orjson.dumps(manifest, option=orjson.OPT_NON_STR_KEYS))
    keep = {part["file"] for part in copy.parts} | {MANIFEST}
    for stale in directory.iterdir():
        if stale.name not in keep and not stale.name.startswith("."):
            with contextlib.suppress(OSError):
                stale.unlink()


def _read_parts(directory: Path, copy: Copy) -> pa.Table:
    if not copy.parts:
        return SCHEMA.empty_table()
    files = copy.files(directory)
    if any(ids.is_link(f) for f in files):
        raise OSError("a part of the copy is a link")
    tables = [pq.read_table(f, schema=SCHEMA) for f in files]
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def _matches(fd: int, copy: Copy, end: int) -> bool:
    """Every part still ends on a line with the sha it ended on when it was converted."""
    from foretell.status import tail_sha

    return all(
        part["end"] <= end and tail_sha(fd, int(part["end"])) == part["end_sha"]
        for part in copy.parts
    )


def _merge_small(directory: Path, copy: Copy) -> None:
    """Merge the last two parts while the one before is at most MERGE_FACTOR x the last."""
    while len(copy.parts) > 1 and (
        copy.parts[-2]["rows"] <= MERGE_FACTOR * max(copy.parts[-1]["rows"], 1)
    ):
        a, b = copy.parts[-2], copy.parts[-1]
        table = pa.concat_tables(
            [pq.read_table(directory / part["file"], schema=SCHEMA) for part in (a, b)]
        )
        name = _write_part(directory, table, int(a["start"]), int(b["end"]))
        copy.parts[-2:] = [
            {
                "file": name,
                "start": a["start"],
                "end": b["end"],
                "end_sha": b["end_sha"],
                "rows": a["rows"] + b["rows"],
            }
        ]


def update_copy(path: Path) -> tuple[Copy, bool]:
    """Bring the copy of ``path`` up to date with the file; (manifest, whether it changed).

    Raises ``OSError`` when the copy cannot be written (the caller then reads the file).
    """
    from foretell.status import complete_end, tail_sha

    directory = copy_dir(path)
    fd = ids.open_nofollow(path)
    try:
        stat = os.fstat(fd)
        size, mtime = stat.st_size, stat.st_mtime_ns
        end = complete_end(fd, size)
        last_sha = tail_sha(fd, end)
        copy = load_manifest(path)
        if copy is not None and all((directory / f).exists() for f in _names(copy)):
            if copy.size == end and copy.last_sha == last_sha and copy.mtime_ns == mtime:
                return _torn(copy, size, end), False
            if copy.size < end and copy.last_sha is not None and _matches(fd, copy, end):
                new = parse_bytes(os.pread(fd, end - copy.size, copy.size), path.stem)
                _add_part(directory, copy, new, copy.size, end, last_sha)
                _merge_small(directory, copy)
                copy.size, copy.mtime_ns, copy.last_sha = end, mtime, last_sha
                _save(path, copy)
                return _torn(copy, size, end), True
        if not (ids.prepare_cache_dir(directory.parent) and ids.real_dir(directory.parent)):
            raise OSError("the copy's directory is not a real directory")
        if ids.real_dir(directory):
            shutil.rmtree(directory)
        elif os.path.lexists(directory):
            os.unlink(directory)  # a link or a file where the copy goes: replaced, not followed
        directory.mkdir()
        copy = Copy(end, mtime, last_sha, [], [], Counter())
        if end:
            data = os.pread(fd, end, 0)
            table = parse_bytes(data, path.stem)
            _add_part(directory, copy, table, 0, end, last_sha)
            claim_index.record_scanned(path, data, last_sha)  # the bytes are at hand
            del data
        _save(path, copy)
        return _torn(copy, size, end), True
    finally:
        os.close(fd)


def _names(copy: Copy) -> list[str]:
    return [part["file"] for part in copy.parts]


def _add_part(
    directory: Path, copy: Copy, table: FileTable, start: int, end: int, end_sha: str | None
) -> None:
    if len(table):
        name = _write_part(directory, table.forecasts, start, end)
        copy.parts.append(
            {"file": name, "start": start, "end": end, "end_sha": end_sha, "rows": len(table)}
        )
    elif copy.parts:  # nothing to add: the last part now reaches to the new end
        copy.parts[-1] = {**copy.parts[-1], "end": end, "end_sha": end_sha}
    copy.closings.extend(table.closings)
    copy.skipped.update(table.skipped)


def _torn(copy: Copy, size: int, end: int) -> Copy:
    skipped = Counter(copy.skipped)
    if size > end:
        skipped[TORN] += 1
    return Copy(copy.size, copy.mtime_ns, copy.last_sha, copy.parts, copy.closings, skipped)


def prepare_copy(path: Path) -> None:
    """Bring the copy up to date if it can be written (for worker processes)."""
    with contextlib.suppress(OSError):
        update_copy(path)


def read_table(path: Path, use_cache: bool = True) -> FileTable:
    """The table of one ledger file, through its columnar copy when ``use_cache``.

    Without the cache (or when the copy cannot be written) the file itself is parsed.
    """
    for _attempt in range(2 if use_cache else 0):
        try:
            copy, _ = update_copy(path)
            table = _read_parts(copy_dir(path), copy)
            return FileTable(table, copy.closings, copy.skipped)
        except (OSError, pa.ArrowException):  # unwritable, or a damaged part: rebuild once
            if ids.real_dir(copy_dir(path)):
                with contextlib.suppress(OSError):
                    shutil.rmtree(copy_dir(path))
    data = ids.read_bytes(path)
    end = data.rfind(b"\n") + 1
    table = parse_bytes(data[:end], path.stem) if end else FileTable.empty()
    if len(data) > end:
        table.skipped[TORN] += 1
    return table
