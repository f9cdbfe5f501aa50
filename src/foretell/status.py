"""Which questions are resolved or annulled, without reading every chain on each command.

The answer is derived from the ledger files and cached under ``ledger/.index/`` (git-ignored,
rebuildable), per ledger file: a small header ``<author>.json`` (the file's size and last
sha, and which shards hold rows) and the rows in ``<author>.rows/<kk>.json``, one of
``SHARDS`` shards chosen by a CRC-32 of the question id. A file whose size, mtime, ctime and
inode are those its header noted has not been touched since (ctime cannot be set back) and
is not opened. Otherwise the header is checked against the file: same size and same last
sha, or, when the file has grown, the sha of the line at the old end still matches, in which
case only the new bytes are read and only the shards they touch are rewritten. Anything
else: that file is read again from the start. Each shard carries a token that its header
names; a shard whose token differs (a write interrupted between the two), or that is missing
or damaged, makes that file's rows rebuilt. So ``log``/``resolve`` read one header per
ledger file and one shard per file that has closed questions: their cost grows with what was
appended since the last command, not with the ledger.
"""

from __future__ import annotations

import binascii
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


SHARDS = 64
FORMAT = 2


def shard_of(question: str) -> str:
    """The shard holding a question's rows: CRC-32 of its id, modulo SHARDS, two digits."""
    return f"{binascii.crc32(question.encode()) % SHARDS:02d}"


def _row(value: object, length: int, at: int) -> bool:
    return isinstance(value, list) and len(value) == length and isinstance(value[at], str)


def index_path(ledger_dir: Path, ledger_file: str) -> Path:
    """The header of a ledger file's index (its shards sit in the directory of that stem)."""
    return ledger_dir / INDEX_DIR / f"{ledger_file.removesuffix(ledger.SUFFIX)}.json"


def shard_dir(ledger_dir: Path, ledger_file: str) -> Path:
    """``.index/<author>.rows/``: ".rows" keeps it apart from other indexes' folders there
    (``questions/``, ``claims/``), whatever an author is called."""
    return ledger_dir / INDEX_DIR / f"{ledger_file.removesuffix(ledger.SUFFIX)}.rows"


def shard_path(ledger_dir: Path, ledger_file: str, shard: str) -> Path:
    return shard_dir(ledger_dir, ledger_file) / f"{shard}.json"


def _read_cached(path: Path) -> object:
    if not ids.real_dir(path.parent):
        return None
    try:
        return orjson.loads(ids.read_bytes(path))
    except (OSError, ValueError, ForetellError):
        return None


def _write_cached(path: Path, record: dict[str, Any]) -> None:
    """Write a header (``.index/<stem>.json``) or a shard (``.index/<stem>/<kk>.json``)."""
    index_dir = path.parent if path.parent.name == INDEX_DIR else path.parent.parent
    if ids.prepare_cache_dir(index_dir):
        ids.write_cache(path, orjson.dumps(record))


def _stamp(info: os.stat_result) -> list[int]:
    """What says a file is untouched: size, mtime, ctime (set by the system on every change,
    and not settable back by ``utime``), inode and device."""
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def _header(record: object) -> dict[str, Any] | None:
    """A cached header of the expected shape, or None (a damaged cache is rebuilt).

    A header must name the sha at its end (``size`` 0 has none): without it there is no way to
    tell whether the file still begins with the bytes that were scanned.
    """
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return None
    size, sha, shards = record.get("size"), record.get("last_sha"), record.get("shards")
    if type(size) is not int or size <= 0 or not isinstance(sha, str):
        return None
    if not isinstance(shards, dict) or not all(isinstance(v, str) for v in shards.values()):
        return None
    return record


class _Damaged(Exception):
    """A shard missing, of another write, or with a row of the wrong shape: rebuild the file."""


def _read_shard(ledger_dir: Path, name: str, header: dict[str, Any], shard: str) -> dict[str, Any]:
    """The rows of one shard (empty when the header names none); _Damaged when unusable."""
    token = header["shards"].get(shard)
    if token is None:
        return {"status": {}, "amended": {}}
    record = _read_cached(shard_path(ledger_dir, name, shard))
    if not isinstance(record, dict) or record.get("token") != token:
        raise _Damaged
    status, amended = record.get("status"), record.get("amended")
    if not (isinstance(status, dict) and isinstance(amended, dict)):
        raise _Damaged
    if not all(_row(v, 4, 1) for v in status.values()):
        raise _Damaged
    if not all(_row(v, 2, 0) for v in amended.values()):
        raise _Damaged
    return {"status": status, "amended": amended}


def _split(rows: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Rows {"status": .., "amended": ..} grouped by shard."""
    out: dict[str, dict[str, Any]] = {}
    for part in ("status", "amended"):
        for question, row in rows[part].items():
            shard = out.setdefault(shard_of(question), {"status": {}, "amended": {}})
            shard[part][question] = row
    return out


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    """Fold rows of later bytes into a shard by ``_scan``'s rule (the latest ``at`` wins; of
    equal ones, the later line)."""
    for question, row in new["status"].items():
        old = into["status"].get(question)
        if old is None or old[1] <= row[1]:
            into["status"][question] = row
    for question, row in new["amended"].items():
        old = into["amended"].get(question)
        if old is None or old[0] <= row[0]:
            into["amended"][question] = row


def _store(
    ledger_dir: Path, name: str, header: dict[str, Any], shards: dict[str, dict[str, Any]]
) -> None:
    """Write changed shards (each with a fresh token), then the header naming them."""
    for shard, rows in shards.items():
        token = os.urandom(6).hex()
        _write_cached(shard_path(ledger_dir, name, shard), {"token": token, **rows})
        header["shards"][shard] = token
    _write_cached(index_path(ledger_dir, name), header)


def _sync(ledger_dir: Path, path: Path, rebuild: bool = False) -> dict[str, Any]:
    """The current header of one ledger file, brought up to date (see the module docstring)."""
    cached = None if rebuild else _header(_read_cached(index_path(ledger_dir, path.name)))
    if cached is not None and cached.get("stat") == _stamp(os.lstat(path)):
        return cached  # not touched since the header was written (ctime cannot be set back)
    fd = ids.open_nofollow(path)
    try:
        info = os.fstat(fd)
        size = info.st_size
        end = complete_end(fd, size)
        start = 0
        if cached is not None and cached["size"] <= end:
            old = cached["size"]
            if tail_sha(fd, old) == cached["last_sha"]:
                if old == end:
                    stamp = _stamp(info) if end == size else None
                    if cached.get("stat") != stamp:  # touched, not changed: note the new stamp
                        cached["stat"] = stamp
                        _write_cached(index_path(ledger_dir, path.name), cached)
                    return cached
                start = old
        new: dict[str, Any] = {"status": {}, "amended": {}}
        if end > start:
            _scan(os.pread(fd, end - start, start), new)
        header: dict[str, Any] = {
            "format": FORMAT,
            "size": end,
            "last_sha": tail_sha(fd, end),
            "shards": dict(cached["shards"]) if start else {},
            "stat": _stamp(info) if end == size else None,
        }
    finally:
        os.close(fd)
    changed = _split(new)
    if start:
        for shard, rows in changed.items():
            current = _read_shard(ledger_dir, path.name, header, shard)
            _merge(current, rows)
            changed[shard] = current
    elif cached is not None or rebuild:
        old_dir = shard_dir(ledger_dir, path.name)
        if ids.real_dir(old_dir):
            for stale in old_dir.glob("*.json"):
                stale.unlink(missing_ok=True)
    _store(ledger_dir, path.name, header, changed)
    return header


def _each_file(
    ledger_dir: Path, read: Callable[[str, dict[str, Any]], Any]
) -> list[tuple[str, Any]]:
    """``read(name, header)`` for every ledger file, rebuilding a file whose shards fail."""
    out = []
    for path in ledger.ledger_files(ledger_dir):
        try:
            header = _sync(ledger_dir, path)
        except _Damaged:
            header = _sync(ledger_dir, path, rebuild=True)
        try:
            out.append((path.name, read(path.name, header)))
        except _Damaged:
            out.append((path.name, read(path.name, _sync(ledger_dir, path, rebuild=True))))
    return out


def _all_rows(ledger_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    def read(name: str, header: dict[str, Any]) -> dict[str, Any]:
        rows: dict[str, Any] = {"status": {}, "amended": {}}
        for shard in sorted(header["shards"]):
            part = _read_shard(ledger_dir, name, header, shard)
            rows["status"].update(part["status"])
            rows["amended"].update(part["amended"])
        return rows

    return _each_file(ledger_dir, read)


def load_index(ledger_dir: Path) -> dict[str, dict[str, Any]]:
    """Per-file records {size, last_sha, status, amended}, brought up to date with the files."""
    out = {}
    for name, rows in _all_rows(ledger_dir):
        header = _header(_read_cached(index_path(ledger_dir, name))) or {}
        out[name] = {"size": header.get("size"), "last_sha": header.get("last_sha"), **rows}
    return out


def question_statuses(ledger_dir: Path) -> dict[str, Status]:
    """Final status per question across all authors: the latest entry by ``at``."""
    best: dict[str, Status] = {}
    for name, rows in _all_rows(ledger_dir):
        author = name.removesuffix(ledger.SUFFIX)
        for question, (kind, at, sha, outcome) in rows["status"].items():
            if question not in best or best[question].at <= at:
                best[question] = Status(kind, at, sha, author, outcome)
    return best


def question_status(ledger_dir: Path, question: str) -> Status | None:
    """The final status of one question: one header per ledger file, and one shard of each
    file whose header says it holds rows there."""
    shard = shard_of(question)

    def read(name: str, header: dict[str, Any]) -> list[Any] | None:
        if shard not in header["shards"]:
            return None
        return _read_shard(ledger_dir, name, header, shard)["status"].get(question)

    best: Status | None = None
    for name, row in _each_file(ledger_dir, read):
        if row is not None and (best is None or best.at <= row[1]):
            best = Status(row[0], row[1], row[2], name.removesuffix(ledger.SUFFIX), row[3])
    return best


def latest_amendment(ledger_dir: Path, question: str) -> str | None:
    """The question_sha its latest amendment pins, or None: read as ``question_status``
    reads (one header per ledger file, one shard of each file holding rows there)."""
    shard = shard_of(question)

    def read(name: str, header: dict[str, Any]) -> list[Any] | None:
        if shard not in header["shards"]:
            return None
        return _read_shard(ledger_dir, name, header, shard)["amended"].get(question)

    best: list[Any] | None = None
    for _name, row in _each_file(ledger_dir, read):
        if row is not None and (best is None or best[0] <= row[0]):
            best = row
    return None if best is None else str(best[1])


def latest_amendments(ledger_dir: Path) -> dict[str, str]:
    """question -> question_sha pinned by its latest amendment."""
    best: dict[str, list[str]] = {}
    for _name, rows in _all_rows(ledger_dir):
        for question, (at, sha) in rows["amended"].items():
            if question not in best or best[question][0] <= at:
                best[question] = [at, sha]
    return {q: v[1] for q, v in best.items()}
