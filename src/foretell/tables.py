"""One ledger file read column-wise into typed arrays, with a derived on-disk cache.

Reading: lines are parsed in chunks with orjson into records and turned into columns by
pandas (``DataFrame.from_records``), so there is no per-entry Python work beyond the parse.
Entries of the wrong shape are counted, not loaded (``verify`` says what is wrong with them).

Cache: ``ledger/.cache/<author>.npz`` holds a file's table as plain arrays plus a JSON
header (no pickles: loading executes nothing). It is used only when it matches the file:
same size and last sha; when the file has grown and the sha of the line at the old end still
matches, only the new bytes are parsed and appended. Anything else: the file is read again.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from foretell import ids, ledger
from foretell.errors import ForetellError

CACHE_DIR = ".cache"
CACHE_VERSION = 2
CHUNK_LINES = 50_000
RAW_COLUMNS = [
    "seq", "at", "kind", "question", "question_sha", "p", "probs", "quantiles", "note",
    "imported", "outcome", "resolved_on",
]  # fmt: skip
EXTRA_COLUMNS = ("probs", "quantiles", "note", "imported")
MALFORMED = "malformed entries (see foretell verify)"
EDITED = "entries whose sha does not match their content (run foretell verify)"
UNREADABLE = "unreadable lines"
TORN = "incomplete last lines"


@dataclass
class FileTable:
    """The forecasts of one file as arrays; closings (resolutions, annulments) as records.

    ``question`` and ``question_sha`` are codes into ``questions`` / ``shas``; ``extras``
    maps a column of ``EXTRA_COLUMNS`` to {row: value} for the rows that have one.
    """

    seq: np.ndarray
    at: np.ndarray  # int64 nanoseconds since the epoch, UTC
    p: np.ndarray
    question: np.ndarray
    question_sha: np.ndarray
    questions: list[str]
    shas: list[str]
    extras: dict[str, dict[int, Any]] = field(default_factory=dict)
    closings: list[dict[str, Any]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return len(self.seq)

    @classmethod
    def empty(cls) -> FileTable:
        ints = np.zeros(0, dtype=np.int64)
        return cls(
            ints, ints.copy(), np.zeros(0), ints.astype(np.int32), ints.astype(np.int32), [], []
        )

    def extend(self, other: FileTable) -> FileTable:
        """This table followed by ``other`` (codes re-based onto merged vocabularies)."""
        questions, qmap = _merge_vocab(self.questions, other.questions)
        shas, smap = _merge_vocab(self.shas, other.shas)
        offset = len(self)
        extras = {k: dict(v) for k, v in self.extras.items()}
        for col, rows in other.extras.items():
            extras.setdefault(col, {}).update({r + offset: v for r, v in rows.items()})
        return FileTable(
            np.concatenate([self.seq, other.seq]),
            np.concatenate([self.at, other.at]),
            np.concatenate([self.p, other.p]),
            np.concatenate([self.question, qmap[other.question]]).astype(np.int32),
            np.concatenate([self.question_sha, smap[other.question_sha]]).astype(np.int32),
            questions,
            shas,
            extras,
            self.closings + other.closings,
            self.skipped + other.skipped,
        )


def _merge_vocab(base: list[str], more: list[str]) -> tuple[list[str], np.ndarray]:
    index = {v: i for i, v in enumerate(base)}
    merged = list(base)
    mapping = np.empty(len(more), dtype=np.int32)
    for i, v in enumerate(more):
        if v not in index:
            index[v] = len(merged)
            merged.append(v)
        mapping[i] = index[v]
    return merged, mapping


# ------------------------------------------------------------------------ parsing


def _records(lines: list[bytes], skipped: Counter[str]) -> list[dict[str, Any]]:
    try:
        parsed = orjson.loads(b"[" + b",".join(lines) + b"]")
    except orjson.JSONDecodeError:
        parsed = []
        for line in lines:
            try:
                parsed.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                skipped[UNREADABLE] += 1
    records = [r for r in parsed if type(r) is dict]
    skipped[UNREADABLE] += len(parsed) - len(records)
    return records


def _is_type(column: pd.Series, kind: type) -> np.ndarray:
    values = column.to_numpy(dtype=object)
    return np.fromiter((type(v) is kind for v in values), dtype=bool, count=len(values))


def _chunk_table(lines: list[bytes]) -> FileTable:
    skipped: Counter[str] = Counter()
    check = ledger.check_line_hash
    failing = sum(1 for line in lines if check(line) is not None)
    raw = pd.DataFrame.from_records(_records(lines, skipped), columns=RAW_COLUMNS)
    if failing > skipped[UNREADABLE]:  # entries still loaded: the report warns, verify names them
        skipped[EDITED] += failing - skipped[UNREADABLE]
    kind = raw["kind"]
    closing = kind.isin(["resolution", "annulment"]).to_numpy()
    forecast = kind.eq("forecast").to_numpy()
    good = _is_type(raw["question"], str) & _is_type(raw["at"], str)
    closings = [
        {k: v for k, v in rec.items() if k in ("at", "kind", "question", "outcome", "resolved_on")}
        for rec in raw.loc[closing & good].to_dict("records")
    ]
    fc = raw.loc[forecast]
    good = good[forecast]
    p = pd.to_numeric(fc["p"], errors="coerce").astype(np.float64)
    good &= ~(fc["p"].notna().to_numpy() & p.isna().to_numpy())
    for col in ("probs", "quantiles"):
        present = fc[col].notna().to_numpy()
        good[present] &= _is_type(fc.loc[present, col], dict)
    at = pd.to_datetime(fc["at"].where(good), utc=True, format="ISO8601", errors="coerce")
    good &= at.notna().to_numpy()
    seq = pd.to_numeric(fc["seq"], errors="coerce")
    skipped[MALFORMED] += int((~good).sum()) + int(closing.sum()) - len(closings)
    fc, p, at, seq = fc.loc[good], p[good], at[good], seq[good]
    q_codes, questions = pd.factorize(fc["question"])
    sha_given = _is_type(fc["question_sha"], str)
    s_codes, shas = pd.factorize(fc["question_sha"].where(sha_given, ""))
    extras: dict[str, dict[int, Any]] = {}
    for col in EXTRA_COLUMNS:
        values = fc[col].to_numpy()
        rows = np.flatnonzero(pd.notna(values))
        if len(rows):
            extras[col] = {int(r): values[r] for r in rows}
    return FileTable(
        seq.fillna(0).to_numpy(dtype=np.int64),
        at.to_numpy(dtype="datetime64[ns]").view(np.int64),
        p.to_numpy(),
        q_codes.astype(np.int32),
        s_codes.astype(np.int32),
        questions.tolist(),
        shas.tolist(),
        extras,
        closings,
        skipped,
    )


def parse_bytes(data: bytes) -> FileTable:
    """A table from the complete lines of ``data`` (which must end at a line boundary)."""
    lines = [line for line in data.split(b"\n") if line]
    table = FileTable.empty()
    for start in range(0, len(lines), CHUNK_LINES):
        table = table.extend(_chunk_table(lines[start : start + CHUNK_LINES]))
    return table


# ------------------------------------------------------------------------ cache


def cache_path(path: Path) -> Path:
    return path.parent / CACHE_DIR / f"{path.stem}.npz"


def _save(path: Path, table: FileTable, size: int, last_sha: str | None, mtime: int) -> None:
    header = {
        "version": CACHE_VERSION,
        "size": size,
        "last_sha": last_sha,
        "mtime_ns": mtime,
        "questions": table.questions,
        "shas": table.shas,
        "extras": {c: [[r, v] for r, v in rows.items()] for c, rows in table.extras.items()},
        "closings": table.closings,
        "skipped": dict(table.skipped),
    }
    buffer = io.BytesIO()
    with contextlib.suppress(TypeError):
        np.savez(
            buffer,
            header=np.frombuffer(orjson.dumps(header, option=orjson.OPT_NON_STR_KEYS), np.uint8),
            seq=table.seq, at=table.at, p=table.p,
            question=table.question, question_sha=table.question_sha,
        )  # fmt: skip
        ids.write_cache(cache_path(path), buffer.getvalue())


def _load(path: Path) -> tuple[FileTable, int, str | None, int] | None:
    target = cache_path(path)
    try:
        if not ids.real_dir(target.parent):
            return None  # a link: never read through it
        with np.load(io.BytesIO(ids.read_bytes(target)), allow_pickle=False) as data:
            header = orjson.loads(data["header"].tobytes())
            if header.get("version") != CACHE_VERSION:
                return None
            table = FileTable(
                data["seq"], data["at"], data["p"], data["question"], data["question_sha"],
                header["questions"], header["shas"],
                {c: {int(r): v for r, v in rows} for c, rows in header["extras"].items()},
                header["closings"], Counter(header["skipped"]),
            )  # fmt: skip
        return table, int(header["size"]), header["last_sha"], int(header["mtime_ns"])
    except (OSError, ValueError, KeyError, TypeError, ForetellError):
        return None


def read_table(path: Path, use_cache: bool = True) -> FileTable:
    """The table of one ledger file, from the cache when it still matches the file.

    Unchanged: same size, last sha and modification time. Grown: the line at the old end
    still has the cached last sha (appends only add lines), so only the new bytes are read.
    """
    from foretell.status import complete_end, tail_sha

    fd = ids.open_nofollow(path)
    try:
        stat = os.fstat(fd)
        size, mtime = stat.st_size, stat.st_mtime_ns
        end = complete_end(fd, size)
        last_sha = tail_sha(fd, end)
        cached = _load(path) if use_cache else None
        if cached is not None:
            table, old_size, old_sha, old_mtime = cached
            if old_size == end and old_sha == last_sha and old_mtime == mtime:
                return _with_torn(table, size, end)
            if old_size < end and tail_sha(fd, old_size) == old_sha:
                table = table.extend(parse_bytes(os.pread(fd, end - old_size, old_size)))
                _save(path, table, end, last_sha, mtime)
                return _with_torn(table, size, end)
        table = parse_bytes(os.pread(fd, end, 0)) if end else FileTable.empty()
        if use_cache:
            _save(path, table, end, last_sha, mtime)
        return _with_torn(table, size, end)
    finally:
        os.close(fd)


def _with_torn(table: FileTable, size: int, end: int) -> FileTable:
    if size > end:
        table.skipped = table.skipped + Counter({TORN: 1})
    return table
