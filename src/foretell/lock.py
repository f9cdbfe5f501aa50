"""The project lock: ``ledger/.lock``, held by every command that decides whether a write is
allowed, for as long as it decides and writes.

Rule: a check that a write depends on (is the question open? already resolved? does the
ledger already hold these rows?) is made while holding this lock, and the entry's timestamp
is taken under it. Appends also lock their own file (``ledger.py``), always after this lock,
never before, so two commands cannot deadlock. The lock is an ``flock`` on an empty file: the
kernel drops it when the holder exits, however it exits (kill -9 included).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from foretell.errors import ForetellError
from foretell.journal import refuse_if_pending

LOCK_NAME = ".lock"


def lock_path(ledger_dir: Path) -> Path:
    return ledger_dir / LOCK_NAME


def _open(ledger_dir: Path) -> int:
    path = lock_path(ledger_dir)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise ForetellError(f"cannot open the project lock: {err.strerror or err}", path) from None


_GUARD = threading.RLock()  # one holder per process at a time: threads queue here
_HELD: dict[tuple[int, Path], tuple[int, int]] = {}  # (pid, lock path) -> (fd, depth)


@contextlib.contextmanager
def project_lock(ledger_dir: Path, repairing: bool = False) -> Iterator[None]:
    """Hold the project's exclusive lock (waiting for it if another command holds it).

    Once held, an interrupted import (its journal still in ``ledger/``) stops every command
    but ``repair`` (``repairing=True``): its bytes must be rolled back before anything else
    is written. Re-entrant within a process: an action that calls another action under the
    lock keeps the one lock (a second ``flock`` on a new descriptor would wait for itself).
    """
    key = (os.getpid(), lock_path(ledger_dir).absolute())  # a forked child holds nothing
    with _GUARD:
        held = _HELD.get(key)
        if held is not None:
            _HELD[key] = (held[0], held[1] + 1)
        else:
            fd = _open(ledger_dir)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            _HELD[key] = (fd, 1)
            if not repairing:
                try:
                    refuse_if_pending(ledger_dir)
                except BaseException:
                    del _HELD[key]
                    os.close(fd)
                    raise
        try:
            yield
        finally:
            fd, depth = _HELD[key]
            if depth > 1:
                _HELD[key] = (fd, depth - 1)
            else:
                del _HELD[key]
                os.close(fd)  # closing releases the flock


def is_locked(ledger_dir: Path) -> bool:
    """Whether another process holds the lock right now (tried without waiting)."""
    if not lock_path(ledger_dir).exists():
        return False
    fd = _open(ledger_dir)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
