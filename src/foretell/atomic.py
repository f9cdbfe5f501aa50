"""Writing a file whole: a temporary file beside it, fsynced, then renamed over it.

A reader (or a crash at any moment) sees the old file or the new one, never a part. The
temporary file is named ``.<name>.<pid>.<random>.tmp`` in the target's directory (so the
rename stays on one file system); names of that shape are git-ignored and removed by
``foretell repair`` when a crash leaves one behind. After the rename the directory itself is
fsynced, so the new name survives a power cut too.

``exclusive=True`` refuses to replace an existing file: the temporary file is hard-linked to
the target name (``link`` fails if the name exists, atomically), then removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TMP_SUFFIX = ".tmp"


def temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is a temporary file this module makes (``.<name>.<pid>.<hex>.tmp``)."""
    if not (name.startswith(".") and name.endswith(TMP_SUFFIX)):
        return False
    parts = name[1 : -len(TMP_SUFFIX)].rsplit(".", 2)
    return len(parts) == 3 and parts[1].isdigit() and len(parts[2]) == 8


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replacing(path: Path, exclusive: bool = False) -> Iterator[IO[bytes]]:
    """A binary file to write; on leaving the block it is fsynced and becomes ``path``.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    ``exclusive``: raise FileExistsError instead of replacing an existing ``path``.
    """
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if exclusive:
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_bytes(path: Path, data: bytes, exclusive: bool = False) -> None:
    """Write ``data`` as the whole of ``path`` (see the module docstring)."""
    with replacing(path, exclusive) as out:
        out.write(data)


def write_text(path: Path, text: str, exclusive: bool = False) -> None:
    write_bytes(path, text.encode("utf-8"), exclusive)


def remove_stale_temps(directory: Path) -> list[Path]:
    """Remove temporary files a crash left in ``directory`` (only names this module makes,
    whose process is gone); returns what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if not is_temp_name(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            pid = int(entry.name[1 : -len(TMP_SUFFIX)].rsplit(".", 2)[1])
            if pid != os.getpid() and _alive(pid):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
