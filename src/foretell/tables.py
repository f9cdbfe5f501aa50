"""One ledger file read column-wise into an Arrow table, with a derived, checked Parquet copy.

Reading: the lines are parsed in chunks of at most ``CHUNK_LINES`` into a ``FileTable``
(``file_table``): by Arrow's JSON reader where it gives what orjson gives (``line_columns``),
else record by record with orjson (``line_records``). No hashes are checked here: ``verify``
is the check of the chains and of each entry's sha. Entries of the wrong shape are counted,
not loaded.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from foretell import atomic, claim_index, ids, line_columns, line_records
from foretell.errors import ForetellError
from foretell.file_table import (  # the names the rest of foretell reads from here
    CLOSING_KEYS,
    DICT,
    EDITED,
    EXTRA_COLUMNS,
    MALFORMED,
    SCHEMA,
    TORN,
    UNREADABLE,
    FileTable,
)

COLUMNAR_DIR = ".columnar"
MANIFEST = "manifest.json"
COPY_VERSION = 2  # 2: entries verify flags are left out
CHUNK_LINES = 100_000
MERGE_FACTOR = 2  # a part is merged into the one before it once that one is <= 2x its size
__all__ = [  # the names of file_table read from here, and this module's own
    "CLOSING_KEYS",
    "DICT",
    "EDITED",
    "EXTRA_COLUMNS",
    "MALFORMED",
    "SCHEMA",
    "TORN",
    "UNREADABLE",
    "FileTable",
    "parse_bytes",
    "read_table",
    "update_copy",
]


# ------------------------------------------------------------------------ parsing


def _chunk_table(chunk: bytes, author: str) -> FileTable:
    table = line_columns.chunk_table(chunk, author)
    return table if table is not None else line_records.chunk_table(chunk, author)


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
