"""Mending the end of a ledger file after an interrupted write, under the file's lock.

Only the final line is ever touched: a final line without its newline that is a whole entry
extending the chain (its own sha checks out, its seq and prev follow the entry before it) gets
its newline; any other final fragment is removed. No complete entry is ever removed. The line
format and the chains are ``foretell.ledger``'s.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from foretell import ids, ledger


def repair_tail(path: Path) -> tuple[str, int]:
    """Mend the end of a file after an interrupted write, under the lock.

    A final line without its newline that is a whole entry extending the chain gets its
    newline: ("completed", 1). Any other final fragment is removed: ("removed", bytes).
    A file that ends with a newline is left alone: ("", 0). No complete entry is ever removed.
    """
    fd = ids.open_nofollow(path, os.O_RDWR | os.O_APPEND)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return "", 0
        if ledger._unterminated_entry(fd, size):
            ledger._write_all(fd, b"\n")
            os.fsync(fd)
            return "completed", 1
        torn = size - ledger._line_start(fd, size)
        os.ftruncate(fd, size - torn)
        os.fsync(fd)
        return "removed", torn
    finally:
        os.close(fd)


def truncate_torn_tail(path: Path) -> int:
    """Remove an incomplete final line (no newline) under the lock; return bytes removed."""
    fd = ids.open_nofollow(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return 0
        torn = size - ledger._line_start(fd, size)
        os.ftruncate(fd, size - torn)
        os.fsync(fd)
        return torn
    finally:
        os.close(fd)
