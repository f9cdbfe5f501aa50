"""``foretell repair``: mend what an interrupted write or a damaged last line left.

In order, under the project lock:

1. an interrupted import (its journal in ``ledger/``) is rolled back, or, when it had
   committed, its journal is removed (``journal.py``);
2. temporary files of interrupted whole-file writes (``.<name>.<pid>.<hex>.tmp``, of
   processes that are gone) are removed from ``ledger/`` and ``forecasts/``;
3. per ledger file: an incomplete last line is removed; a whole last entry lacking its
   newline gets it (``ledger_repair.repair_tail``);
4. per ledger file: a last line that is complete but not a valid entry of the chain (not a
   JSON object, its sha missing or wrong, its seq or prev not following the entry before)
   is moved to ``ledger/<name>.jsonl.quarantine`` (kept there, never deleted) when the
   caller confirms it (``--yes``, or a yes to the question).

Nothing else is ever removed; a complete valid entry never is.
"""

from __future__ import annotations

import base64
import fcntl
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from foretell import atomic, journal, ledger, ledger_repair
from foretell.errors import display_path
from foretell.home import Home
from foretell.lock import project_lock

QUARANTINE_SUFFIX = ".quarantine"
STALE = "left by an interrupted write"


def quarantine_path(path: Path) -> Path:
    return path.with_name(path.name + QUARANTINE_SUFFIX)


@dataclass(frozen=True)
class BadTail:
    """A complete last line that is no valid entry of its chain."""

    path: Path
    line: int  # its line number
    start: int  # its byte offset
    data: bytes  # without the newline
    reason: str

    def describe(self) -> str:
        return f"{display_path(self.path)}:{self.line}: {self.reason}"


def bad_tail(path: Path) -> BadTail | None:
    """The last line of ``path`` when it is complete but invalid, else None."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) != b"\n":
            return None
        start = ledger._line_start(fd, size - 1)
        data = os.pread(fd, size - 1 - start, start)
        prev = None
        if start > 0:
            prev_start = ledger._line_start(fd, start - 1)
            prev_line = os.pread(fd, start - 1 - prev_start, prev_start)
            try:
                prev = ledger.decode_line(prev_line)
            except ValueError:
                return None  # the chain is broken before its end: not a last-line matter
        number = 1 + (os.pread(fd, start, 0).count(b"\n") if start else 0)
    finally:
        os.close(fd)
    reason = _invalid(data, prev)
    return None if reason is None else BadTail(path, number, start, data, reason)


def _invalid(data: bytes, prev: dict[str, object] | None) -> str | None:
    try:
        entry = ledger.decode_line(data)
    except ValueError:
        return "the last line is complete but not a JSON object"
    trouble = ledger.check_line_hash(data)
    if trouble:
        return f"the last entry: {trouble}"
    seq = prev.get("seq") if prev else 0
    if type(seq) is int and entry.get("seq") != seq + 1:
        return f"the last entry's seq is {entry.get('seq')!r}, expected {seq + 1}"
    if entry.get("prev") != (prev.get("sha") if prev else None):
        return "the last entry's prev is not the sha of the entry before it"
    return None


def quarantine(bad: BadTail, moved_at: str) -> Path:
    """Move ``bad`` out of its ledger file into the quarantine file beside it.

    The quarantine file is written whole first (old records + this one), then the ledger
    file is cut back to the start of the line, under its lock. A crash between the two
    leaves the line in both; running repair again does not record it twice.
    """
    target = quarantine_path(bad.path)
    try:
        old = target.read_bytes()
    except FileNotFoundError:
        old = b""
    try:
        text: dict[str, str] = {"text": bad.data.decode("utf-8")}
    except UnicodeDecodeError:
        text = {"base64": base64.b64encode(bad.data).decode("ascii")}
    record = {"file": bad.path.name, "line": bad.line, "moved_at": moved_at, "reason": bad.reason}
    line = orjson.dumps({**record, **text}, option=orjson.OPT_SORT_KEYS) + b"\n"
    if not any(_same_line(r, text) for r in old.splitlines()):
        atomic.write_bytes(target, old + line)
    fd = os.open(bad.path, os.O_RDWR | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_size == bad.start + len(bad.data) + 1:
            os.ftruncate(fd, bad.start)
            os.fsync(fd)
    finally:
        os.close(fd)
    return target


def _same_line(record: bytes, text: dict[str, str]) -> bool:
    try:
        old = orjson.loads(record)
    except ValueError:
        return False
    return isinstance(old, dict) and all(old.get(k) == v for k, v in text.items())


def repair(home: Home, confirm: Callable[[BadTail], bool]) -> tuple[list[str], list[BadTail]]:
    """Do every repair (see the module docstring); returns what was done, one line each, and
    the bad last lines left where they are because ``confirm`` said no."""
    done: list[str] = []
    kept: list[BadTail] = []
    with project_lock(home.ledger, repairing=True):
        pending = journal.load(home.ledger, home.forecasts)
        if pending is not None:
            done += pending.complete() if pending.committed is not None else pending.roll_back()
            if pending.committed is None:
                done.append(f"rolled back the interrupted import ({pending.what})")
        for directory in (home.ledger, home.forecasts):
            for path in atomic.remove_stale_temps(directory):
                done.append(
                    f"{display_path(path)}: removed a temporary file of an interrupted write"
                )
        for path in ledger.ledger_files(home.ledger):
            what, n = ledger_repair.repair_tail(path)
            if what == "completed":
                done.append(f"{display_path(path)}: added the newline the last entry lacked")
            elif what == "removed":
                done.append(f"{display_path(path)}: removed an incomplete last line ({n} bytes)")
            bad = bad_tail(path)
            if bad is None:
                continue
            if confirm(bad):
                target = quarantine(bad, ledger.now_at())
                done.append(f"{bad.describe()}; moved to {display_path(target)}")
            else:
                kept.append(bad)
    return done, kept
