"""Which questions are resolved or annulled, without reading every chain on each command.

The answer is derived from the ledger files and cached under ``ledger/.index/`` (git-ignored,
rebuildable) as one index for the whole ledger: a header ``status.json`` naming, for every
ledger file, its size, the sha of its last line, its stamp (size, mtime, ctime, inode,
device) and which shards hold its rows, and the rows themselves in
``status.rows/<kkk>.json``, one of ``SHARDS`` shards chosen by a CRC-32 of the question id,
each holding the rows of every file for its questions. A file whose stamp is the one the
header noted has not been touched since (ctime cannot be set back) and is not opened.
Otherwise the header is checked against the file: same size and same last sha, or, when the
file has grown, the sha of the line at the old end still matches, in which case only the new
bytes are read and only the shards they touch are rewritten; new bytes holding no closing
leave the header as it was until ``LAG`` bytes have gathered (so a ``log`` does not rewrite a
header naming every file: the next command reads those few bytes again). Anything else (and a file
added): that file is read again from the start and its rows replace the ones it had; a file
removed takes its rows with it. Each shard carries a token that the header names; a shard
whose token differs (a write interrupted between the two, or two commands updating the
index at once), or that is missing or damaged, is rebuilt from the files the header says hold
rows there, and a damaged header makes the whole index rebuilt. So ``log``/``resolve``/``ask``
read one header, stat each ledger file and read one shard, whatever the number of files:
their cost grows with what was appended since the last command, not with the ledger.
Where the header and shards live, the shapes they must have and how they are written:
``foretell.status_store``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foretell import ids, ledger
from foretell.status_store import (
    FORMAT,
    Damaged,
    Rows,
    drop_per_file_layout,
    header_path,
    read_cached,
    read_shard,
    shard_of,
    store_shards,
    valid_header,
    write_cached,
)

LAG = 1 << 16  # bytes without closings appended to a file before its header entry is rewritten
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


def _stamp(info: os.stat_result) -> list[int]:
    """What says a file is untouched: size, mtime, ctime (set by the system on every change,
    and not settable back by ``utime``), inode and device."""
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def _split(rows: Rows) -> dict[str, Rows]:
    """Rows {"status": .., "amended": ..} grouped by shard."""
    out: dict[str, Rows] = {}
    for part in ("status", "amended"):
        for question, row in rows[part].items():
            shard = out.setdefault(shard_of(question), {"status": {}, "amended": {}})
            shard[part][question] = row
    return out


def _merge(into: Rows, new: Rows) -> None:
    """Fold rows of later bytes into a file's rows by ``_scan``'s rule (the latest ``at``
    wins; of equal ones, the later line)."""
    for question, row in new["status"].items():
        old = into["status"].get(question)
        if old is None or old[1] <= row[1]:
            into["status"][question] = row
    for question, row in new["amended"].items():
        old = into["amended"].get(question)
        if old is None or old[0] <= row[0]:
            into["amended"][question] = row


class _Change:
    """What one ledger file's bytes say since the header: ``add`` rows of appended bytes, or
    ``set`` (replace) all of the file's rows. (A plain class: a dataclass costs every command
    its code generation at import.)"""

    __slots__ = ("entry", "mode", "rows")

    def __init__(self, mode: str, entry: dict[str, Any], rows: dict[str, Rows]) -> None:
        self.mode, self.entry, self.rows = mode, entry, rows


def _check(path: Path, cached: dict[str, Any] | None) -> _Change | dict[str, Any]:
    """A file's new header entry when its bytes are those noted (only its stamp may differ),
    else the change to fold in."""
    fd = ids.open_nofollow(path)
    try:
        info = os.fstat(fd)
        size = info.st_size
        end = complete_end(fd, size)
        stamp = _stamp(info) if end == size else None
        start = 0
        if cached is not None and isinstance(cached["last_sha"], str) and cached["size"] <= end:
            old = cached["size"]
            if tail_sha(fd, old) == cached["last_sha"]:
                if old == end:
                    return {**cached, "stat": stamp}
                start = old
        new: Rows = {"status": {}, "amended": {}}
        if end > start:
            _scan(os.pread(fd, end - start, start), new)
        entry = {"size": end, "last_sha": tail_sha(fd, end), "stat": stamp, "shards": []}
    finally:
        os.close(fd)
    rows = _split(new)
    if start:
        entry["shards"] = sorted(set(cached["shards"]) | set(rows))  # type: ignore[index]
        return _Change("add", entry, rows)
    entry["shards"] = sorted(rows)
    return _Change("set", entry, rows)


def _listing(ledger_dir: Path) -> list[tuple[str, os.stat_result]]:
    """(name, lstat) of each regular ledger file (as ``ledger.ledger_files``)."""
    out = []
    try:
        with os.scandir(ledger_dir) as entries:
            for e in entries:
                if e.name.endswith(ledger.SUFFIX) and e.is_file(follow_symlinks=False):
                    try:
                        out.append((e.name, e.stat(follow_symlinks=False)))
                    except FileNotFoundError:
                        continue  # removed meanwhile
    except (FileNotFoundError, NotADirectoryError):
        return []
    out.sort()  # by name: names are unique, stats never compared
    return out


class _View:
    """The header as brought up to date, and the shards this command read or wrote."""

    __slots__ = ("header", "ledger_dir", "shards")

    def __init__(self, ledger_dir: Path, header: dict[str, Any]) -> None:
        self.ledger_dir, self.header = ledger_dir, header
        self.shards: dict[str, dict[str, Rows]] = {}

    def rows(self, shard: str) -> dict[str, Rows]:
        if shard not in self.shards:
            token = self.header["shards"].get(shard)
            self.shards[shard] = {} if token is None else read_shard(self.ledger_dir, shard, token)
        return self.shards[shard]


def _fold(
    current: dict[str, Rows], dropped: Iterable[str], changes: dict[str, _Change], shard: str
) -> dict[str, Rows]:
    """A shard's rows by file after the changes: the rows of ``dropped`` files leave, those
    of ``add`` changes are merged in, those of ``set`` changes replace the file's."""
    out = {name: rows for name, rows in current.items() if name not in dropped}
    for name, change in changes.items():
        part = change.rows.get(shard)
        if part is None:
            continue
        if change.mode == "add" and name in out:
            merged = {"status": dict(out[name]["status"]), "amended": dict(out[name]["amended"])}
            _merge(merged, part)
            out[name] = merged
        else:
            out[name] = part
    return out


def _update(ledger_dir: Path, full: bool, redo: set[str]) -> _View:
    """Bring the index up to date with the files (see the module docstring). ``full``: ignore
    the cached index; ``redo``: shards to rebuild from the files holding rows there."""
    header = None if full else valid_header(read_cached(header_path(ledger_dir)))
    listed = _listing(ledger_dir)
    if header is None:
        header, full = {"format": FORMAT, "shards": {}, "files": {}}, True
        drop_per_file_layout(ledger_dir, (name for name, _ in listed))
    view = _View(ledger_dir, header)
    old: dict[str, dict[str, Any]] = header["files"]
    files: dict[str, dict[str, Any]] = {}
    changes: dict[str, _Change] = {}
    for name, info in listed:
        cached = None if full else old.get(name)
        if cached is not None and redo and redo.intersection(cached["shards"]):
            cached = None
        if cached is not None and cached["stat"] == _stamp(info):
            files[name] = cached  # not touched since the header was written
            continue
        try:
            found = _check(ledger_dir / name, cached)
        except FileNotFoundError:
            continue  # removed since the listing: its rows go with it
        if isinstance(found, _Change):
            quiet = found.mode == "add" and not found.rows
            if quiet and cached is not None and found.entry["size"] - cached["size"] <= LAG:
                files[name] = cached  # no closings in the new bytes: header left as is
                continue
            changes[name] = found
            files[name] = found.entry
        else:
            files[name] = found
    gone = {name: entry["shards"] for name, entry in old.items() if name not in files}
    dropped: dict[str, list[str]] = dict(gone)  # files whose old rows leave their shards
    for name, change in changes.items():
        if change.mode == "set" and name in old:
            dropped[name] = old[name]["shards"]
    touched = set(redo)
    for shards in dropped.values():
        touched.update(shards)
    for change in changes.values():
        touched.update(change.rows)
    if full:
        touched = {s for change in changes.values() for s in change.rows}
    fold = {
        shard: _fold({} if full or shard in redo else view.rows(shard), dropped, changes, shard)
        for shard in sorted(touched)
    }  # every shard read (and checked) before any is written
    tokens = store_shards(ledger_dir, fold, {} if full else dict(header["shards"]), full)
    view.shards.update(fold)
    fresh = {"format": FORMAT, "shards": tokens, "files": files}
    if fresh != header:
        write_cached(ledger_dir, header_path(ledger_dir), fresh)
    view.header = fresh
    return view


def _read(
    ledger_dir: Path, wanted: Iterable[str] | None
) -> tuple[_View, dict[str, dict[str, Rows]]]:
    """The up-to-date view and the rows of the ``wanted`` shards (None: all), rebuilding a
    damaged shard from the files holding rows there, and everything when that fails."""
    full, redo = False, set()
    while True:
        try:
            view = _update(ledger_dir, full, redo)
            names = sorted(view.header["shards"]) if wanted is None else list(wanted)
            return view, {shard: view.rows(shard) for shard in names}
        except Damaged as err:
            if err.shard in redo:  # damaged again (a concurrent write): start afresh
                full = True
            redo.add(err.shard)


def _per_file(rows: dict[str, dict[str, Rows]]) -> dict[str, Rows]:
    out: dict[str, Rows] = {}
    for files in rows.values():
        for name, part in files.items():
            mine = out.setdefault(name, {"status": {}, "amended": {}})
            mine["status"].update(part["status"])
            mine["amended"].update(part["amended"])
    return out


def load_index(ledger_dir: Path) -> dict[str, dict[str, Any]]:
    """Per-file records {size, last_sha, status, amended}, brought up to date with the files."""
    view, rows = _read(ledger_dir, None)
    per_file = _per_file(rows)
    out = {}
    for name, entry in view.header["files"].items():
        mine = per_file.get(name, {"status": {}, "amended": {}})
        out[name] = {"size": entry["size"], "last_sha": entry["last_sha"], **mine}
    return out


def _best_status(files: dict[str, Rows], question: str, best: Status | None) -> Status | None:
    for name in sorted(files):
        row = files[name]["status"].get(question)
        if row is not None and (best is None or best.at <= row[1]):
            best = Status(row[0], row[1], row[2], name.removesuffix(ledger.SUFFIX), row[3])
    return best


def question_statuses(ledger_dir: Path) -> dict[str, Status]:
    """Final status per question across all authors: the latest entry by ``at``."""
    _view, rows = _read(ledger_dir, None)
    best: dict[str, Status] = {}
    for files in rows.values():
        for name in sorted(files):
            author = name.removesuffix(ledger.SUFFIX)
            for question, (kind, at, sha, outcome) in files[name]["status"].items():
                if question not in best or best[question].at <= at:
                    best[question] = Status(kind, at, sha, author, outcome)
    return best


def question_status(ledger_dir: Path, question: str) -> Status | None:
    """The final status of one question: the header and the one shard of the question."""
    shard = shard_of(question)
    _view, rows = _read(ledger_dir, [shard])
    return _best_status(rows[shard], question, None)


def latest_amendment(ledger_dir: Path, question: str) -> str | None:
    """The question_sha its latest amendment pins, or None: read as ``question_status``
    reads (the header and one shard)."""
    shard = shard_of(question)
    _view, rows = _read(ledger_dir, [shard])
    best: list[Any] | None = None
    for name in sorted(rows[shard]):
        row = rows[shard][name]["amended"].get(question)
        if row is not None and (best is None or best[0] <= row[0]):
            best = row
    return None if best is None else str(best[1])


def latest_amendments(ledger_dir: Path) -> dict[str, str]:
    """question -> question_sha pinned by its latest amendment."""
    best: dict[str, list[str]] = {}
    for _name, part in sorted(_per_file(_read(ledger_dir, None)[1]).items()):
        for question, (at, sha) in part["amended"].items():
            if question not in best or best[question][0] <= at:
                best[question] = [at, sha]
    return {q: v[1] for q, v in best.items()}
