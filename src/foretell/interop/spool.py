"""Where an import keeps its temporary files."""

from __future__ import annotations

import os

MEMORY_FS = "/dev/shm"


def spool_dir(size: int | None) -> str | None:
    """Where the import's temporary files go: a memory file system when there is one with
    room to spare (eight times the input), else the usual temporary directory. The flushes to
    disk the import makes (``syncfs``, for the question files) would otherwise write these
    files out too, though they are dropped unread once the import ends."""
    if size is None or not os.path.isdir(MEMORY_FS):
        return None
    try:
        info = os.statvfs(MEMORY_FS)
    except OSError:
        return None
    return MEMORY_FS if info.f_bavail * info.f_frsize > 8 * size else None
