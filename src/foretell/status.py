"""Which questions are resolved or annulled, without reading every chain on each command.

The answer is derived from the ledger files and cached in ``ledger/.index/<author>.json``,
one small record per ledger file (git-ignored, rebuildable). Before a file's cached record is
used it is checked against the file: same size and same last sha, or, when the file has
grown, the sha of the line at the old end still matches, in which case only the new bytes are
read. Anything else: that file is read again from the start. Only records that changed are
written back. So the cost of ``log``/``resolve`` grows with what was appended since the last
command, not with the ledger.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from foretell import ids, ledger
from foretell.errors import ForetellError

INDEX_DIR = ".index"
_FINAL_KINDS = (b'"kind":"resolution"', b'"kind":"annulment"', b'"kind":"amendment"')


@dataclass(frozen=True)
class Status:
    """The final word on a question: its latest resolution or annulment (by ``at``)."""

    kind: str  # "resolution" | "annulment"
    at: str
    sha: str
    author: str
    outcome: object = None


def _scan(data: bytes, record: dict[str, Any]) -> None:
    """Fold the complete lines of ``data`` into a file's record (statuses, amendments)."""
    status: dict[str, list[Any]] = record["status"]
    amended: dict[str, list[str]] = record["amended"]
    for line in data.split(b"\n"):
        if not line or not any(k in line for k in _FINAL_KINDS):
            continue
        try:
            entry = ledger.decode_line(line)
            kind, question, at, sha = entry["kind"], entry["question"], entry["at"], entry["sha"]
        except (ValueError, KeyError):
            continue
        if not (isinstance(question, str) and isinstance(at, str)):
            continue  # a damaged line: verify reports it
        if kind == "amendment":
            if question not in amended or amended[question][0] <= at:
                amended[question] = [at, entry.get("question_sha", "")]
        elif question not in status or status[question][1] <= at:
            status[question] = [kind, at, sha, entry.get("outcome")]


def tail_sha(fd: int, end: int) -> str | None:
    """Sha of the complete line that ends just before offset ``end`` (which follows a newline)."""
    if end == 0:
        return None
    if os.pread(fd, 1, end - 1) != b"\n":
        return None
    start = ledger._line_start(fd, end - 1)
    try:
        return str(ledger.decode_line(os.pread(fd, end - 1 - start, start))["sha"])
    except (ValueError, KeyError):
        return None


def complete_end(fd: int, size: int) -> int:
    """Offset just past the last newline (a torn final line is left out)."""
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    return ledger._line_start(fd, size)


def _usable(record: object) -> dict[str, Any] | None:
    """A cached record of the expected shape, or None (a damaged cache is rebuilt).

    A record must name the sha at its end (``size`` 0 has none): without it there is no way to
    tell whether the file still begins with the bytes that were scanned.
    """
    if not isinstance(record, dict):
        return None
    size, sha = record.get("size"), record.get("last_sha")
    status, amended = record.get("status"), record.get("amended")
    if type(size) is not int or size <= 0 or not isinstance(sha, str):
        return None
    if not (isinstance(status, dict) and isinstance(amended, dict)):
        return None
    return record  # rows are checked where they are used (``_rows``)


def _row(value: object, length: int, at: int) -> bool:
    return isinstance(value, list) and len(value) == length and isinstance(value[at], str)


def _refresh(path: Path, cached: dict[str, Any] | None) -> dict[str, Any]:
    fd = ids.open_nofollow(path)
    try:
        size = os.fstat(fd).st_size
        end = complete_end(fd, size)
        start = 0
        record: dict[str, Any] = {"size": 0, "last_sha": None, "status": {}, "amended": {}}
        if cached is not None and cached.get("size", -1) <= end:
            old = int(cached["size"])
            if tail_sha(fd, old) == cached.get("last_sha"):
                if old == end:
                    return cached  # unchanged: the same object, so nothing is rewritten
                record = {
                    "size": old,
                    "last_sha": cached.get("last_sha"),
                    "status": dict(cached.get("status", {})),
                    "amended": dict(cached.get("amended", {})),
                }
                start = old
        if end > start:
            _scan(os.pread(fd, end - start, start), record)
        record["size"] = end
        record["last_sha"] = tail_sha(fd, end)
        return record
    finally:
        os.close(fd)


def index_path(ledger_dir: Path, ledger_file: str) -> Path:
    return ledger_dir / INDEX_DIR / f"{ledger_file.removesuffix(ledger.SUFFIX)}.json"


def _read_cached(path: Path) -> object:
    if not ids.real_dir(path.parent):
        return None
    try:
        return orjson.loads(ids.read_bytes(path))
    except (OSError, ValueError, ForetellError):
        return None


def _write_cached(path: Path, record: dict[str, Any]) -> None:
    ids.write_cache(path, orjson.dumps(record))


def load_index(ledger_dir: Path) -> dict[str, dict[str, Any]]:
    """Per-file records, brought up to date with the files; stale cache files are rewritten."""
    fresh: dict[str, dict[str, Any]] = {}
    for path in ledger.ledger_files(ledger_dir):
        where = index_path(ledger_dir, path.name)
        cached = _usable(_read_cached(where))
        record = _refresh(path, cached)
        if record is not cached:
            _write_cached(where, record)
        fresh[path.name] = record
    return fresh


class _Damaged(Exception):
    """A cached row of the wrong shape: the file's record is rebuilt from the ledger file."""


def _rows(record: dict[str, Any], part: str, length: int, at: int) -> dict[str, list[Any]]:
    """``record[part]`` with each row checked: status rows are [kind, at, sha, outcome],
    amended rows are [at, question_sha]."""
    rows = record[part]
    for value in rows.values():
        if not _row(value, length, at):
            raise _Damaged
    return rows


def _load_checked(ledger_dir: Path, check: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """load_index, rebuilding the record of any file whose cached rows ``check`` rejects."""
    index = load_index(ledger_dir)
    for name, record in index.items():
        try:
            check(record)
        except _Damaged:
            index_path(ledger_dir, name).unlink(missing_ok=True)
            index[name] = _refresh(ledger_dir / name, None)
            _write_cached(index_path(ledger_dir, name), index[name])
    return index


def question_statuses(ledger_dir: Path) -> dict[str, Status]:
    """Final status per question across all authors: the latest entry by ``at``."""
    index = _load_checked(ledger_dir, lambda r: _rows(r, "status", 4, 1))
    best: dict[str, Status] = {}
    for name, record in index.items():
        author = name.removesuffix(ledger.SUFFIX)
        for question, (kind, at, sha, outcome) in record["status"].items():
            if question not in best or best[question].at <= at:
                best[question] = Status(kind, at, sha, author, outcome)
    return best


def question_status(ledger_dir: Path, question: str) -> Status | None:
    """The final status of one question: reads one cached row per ledger file."""

    def check(record: dict[str, Any]) -> None:
        row = record["status"].get(question)
        if row is not None and not _row(row, 4, 1):
            raise _Damaged

    best: Status | None = None
    for name, record in _load_checked(ledger_dir, check).items():
        row = record["status"].get(question)
        if row is not None and (best is None or best.at <= row[1]):
            best = Status(row[0], row[1], row[2], name.removesuffix(ledger.SUFFIX), row[3])
    return best


def latest_amendments(ledger_dir: Path) -> dict[str, str]:
    """question -> question_sha pinned by its latest amendment."""
    index = _load_checked(ledger_dir, lambda r: _rows(r, "amended", 2, 0))
    best: dict[str, list[str]] = {}
    for record in index.values():
        for question, (at, sha) in record["amended"].items():
            if question not in best or best[question][0] <= at:
                best[question] = [at, sha]
    return {q: v[1] for q, v in best.items()}
