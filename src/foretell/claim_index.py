"""Where each ledger file's claims are: a derived index, so reading claims skips the rest.

``ledger/.index/_claims/<author>.json`` holds, per ledger file, the size scanned, the sha of
the last entry scanned, the number of lines scanned and, for every line holding a claim, its
byte offset, length and line number. Like ``status``'s index it is git-ignored, rebuildable
and checked against the file before use: when the file has the same size and last sha it is
used as is; when the file has grown and the line at the old end still has the recorded sha
(appends only add lines), only the new bytes are scanned; anything else: the whole file is
scanned again. A file is scanned by searching for the claim kind marker, so a file without
claims costs one search and no parsing. A caller that has read a whole file's complete lines
anyway (the conversion to the columnar copy, ``tables.update_copy``, in the worker processes
of a report's first run) writes its index from those bytes (``record_scanned``), so that
reading the claims does not read the file again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from foretell import ids
from foretell.errors import ForetellError
from foretell.status import complete_end, tail_sha

INDEX_DIR = ".index"  # shared with ``status``, whose files sit beside this one's directory
SUBDIR = "_claims"  # no ledger name starts with "_", so no author's shard directory is this one
NEEDLE = b'"kind":"claim"'


def index_path(path: Path) -> Path:
    return path.parent / INDEX_DIR / SUBDIR / f"{path.stem}.json"


def _usable(record: object) -> dict[str, Any] | None:
    if not isinstance(record, dict):
        return None
    size, sha, lines, spans = (record.get(k) for k in ("size", "last_sha", "lines", "spans"))
    if type(size) is not int or size <= 0 or not isinstance(sha, str) or type(lines) is not int:
        return None
    if not isinstance(spans, list) or not all(
        isinstance(s, list) and len(s) == 3 and all(type(x) is int for x in s) for s in spans
    ):
        return None
    return record


def _scan(data: bytes, base: int, lines_before: int, spans: list[list[int]]) -> int:
    """Append [offset, length, line] of each claim line of ``data`` (complete lines starting
    at file offset ``base``); return the number of lines in ``data``."""
    counted, newlines = 0, 0
    pos = data.find(NEEDLE)
    while pos != -1:
        start = data.rfind(b"\n", 0, pos) + 1
        end = data.find(b"\n", pos)
        newlines += data.count(b"\n", counted, start)
        counted = start
        spans.append([base + start, end - start, lines_before + newlines + 1])
        pos = data.find(NEEDLE, end)
    return newlines + data.count(b"\n", counted)


def _refresh(fd: int, cached: dict[str, Any] | None) -> dict[str, Any]:
    end = complete_end(fd, os.fstat(fd).st_size)
    start, lines, spans = 0, 0, []
    if (
        cached is not None
        and cached["size"] <= end
        and tail_sha(fd, cached["size"]) == cached["last_sha"]
    ):
        if cached["size"] == end:
            return cached
        start, lines, spans = cached["size"], cached["lines"], list(cached["spans"])
    if end > start:
        lines += _scan(os.pread(fd, end - start, start), start, lines, spans)
    return {"size": end, "last_sha": tail_sha(fd, end), "lines": lines, "spans": spans}


def record_scanned(path: Path, data: bytes, last_sha: str | None) -> None:
    """Write the index of ``path`` from ``data``, the file's complete lines from its start
    (``status.complete_end``), whose last entry's sha is ``last_sha``: the record
    ``claim_lines`` would make of the file (nothing is written for an empty file, as there)."""
    if not data or last_sha is None:
        return
    spans: list[list[int]] = []
    lines = _scan(data, 0, 0, spans)
    _write(path, {"size": len(data), "last_sha": last_sha, "lines": lines, "spans": spans})


def _write(path: Path, record: dict[str, Any]) -> None:
    """Keep ``record`` as the index of ``path`` (skipped where the cache cannot be written)."""
    where = index_path(path)
    if ids.prepare_cache_dir(where.parent.parent):
        ids.write_cache(where, orjson.dumps(record))


def claim_lines(path: Path) -> list[tuple[int, bytes]]:
    """(line number, line bytes without the newline) of every line of ``path`` that holds a
    claim marker, brought up to date with the file (the index is rewritten when stale)."""
    where = index_path(path)
    cached = None
    if ids.real_dir(where.parent):
        try:
            cached = _usable(orjson.loads(ids.read_bytes(where)))
        except (OSError, ValueError, ForetellError):
            cached = None
    fd = ids.open_nofollow(path)
    try:
        record = _refresh(fd, cached)
        found = [(line, os.pread(fd, length, offset)) for offset, length, line in record["spans"]]
    finally:
        os.close(fd)
    if record is not cached and record["size"] > 0:
        _write(path, record)
    return found
