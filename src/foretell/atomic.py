"""Writing a file whole: a temporary file beside it, fsynced, then renamed over it.

A reader (or a crash at any moment) sees the old file or the new one, never a part. The
temporary file is named ``.<name>.<pid>.<random>.tmp`` in the target's directory (so the
rename stays on one file system); names of that shape are git-ignored and removed by
``foretell repair`` when a crash leaves one behind. After the rename the directory itself is
fsynced, so the new name survives a power cut too.

``exclusive=True`` refuses to replace an existing file: the temporary file is hard-linked to
the target name (``link`` fails if the name exists, atomically), then removed.

Many files at once (``stage_many``, ``flush_staged``, ``place_staged``: an import's question
files and terms versions) follow the same rule with one flush per batch instead of one per
file: every file is written whole under its temporary name; then one ``syncfs`` of the file
system (an ``fsync`` of each file where that call is missing) makes them all durable before
any of them gets its name; then each gets its name (a rename that refuses an existing name)
and the names are made durable (one ``fsync`` of the directory when they share it, else one
more ``syncfs``, which also covers the new directories) before ``place_staged`` returns. So a
name never shows a part of its file, and once the command that placed them returns success,
every file and every name is on disk.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

TMP_SUFFIX = ".tmp"


def temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")


def temp_pid(name: str) -> int | None:
    """The process id in a temporary file's name (``.<name>.<pid>.<hex>.tmp``), or None
    when ``name`` is not one."""
    if not (name.startswith(".") and name.endswith(TMP_SUFFIX)):
        return None
    parts = name[1 : -len(TMP_SUFFIX)].rsplit(".", 2)
    if len(parts) == 3 and parts[1].isdigit() and len(parts[2]) == 8:
        return int(parts[1])
    return None


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot fsync a directory
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replacing(path: Path, exclusive: bool = False, sync_dir: bool = True) -> Iterator[IO[bytes]]:
    """A binary file to write; on leaving the block it is fsynced and becomes ``path``.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    ``exclusive``: raise FileExistsError instead of replacing an existing ``path``.
    ``sync_dir=False``: the caller fsyncs the directory once after writing many files.
    """
    if _special(path):  # a device or pipe (/dev/stdout): there is no file to replace
        with open(path, "wb") as out:
            yield out
        return
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
    if sync_dir:
        fsync_dir(path.parent)


def create_many(
    files: list[tuple[Path, bytes]], directory: Path, exist_ok: bool = False
) -> list[Path]:
    """Create many new files in ``directory`` (or in directories below it, which must
    exist), each whole, with one flush to disk for all; returns the files created.

    ``stage_many`` then ``place_staged``: every file is written to its temporary name first;
    then the file system is flushed once (``syncfs``, or one ``fsync`` per file where that
    call is missing), and only then is each linked to its name (refusing a name that exists:
    FileExistsError, after removing what this call created; with ``exist_ok`` an existing
    name is left as it is, for content-addressed files) and the directories are made durable
    (one fsync of ``directory``, or one more flush when the files sit in several). So, as
    with ``write_bytes(exclusive=True)``, a name never shows a part of its file, at the cost
    of one flush instead of one per file.
    """
    return place_staged(stage_many(files, directory), exist_ok)


@dataclass
class Staged:
    """Files written whole and flushed under temporary names, not yet given their own."""

    directory: Path
    temps: list[tuple[str, Path]] = field(default_factory=list)  # (temporary, final name)

    def discard(self) -> None:
        for tmp, _ in self.temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self.temps = []


def stage_many(
    files: list[tuple[Path, bytes]],
    directory: Path,
    temp_dir: Path | None = None,
    flush: bool = True,
) -> Staged:
    """The first half of ``create_many``: each file written under a temporary name (beside
    its target, or in ``temp_dir``, on the same file system), then one flush for all. The
    names stay untouched until ``place_staged`` (so this may run before taking a lock);
    ``Staged.discard`` removes the temporary files, and ``repair`` removes those of a
    process that died. ``flush=False``: the caller flushes (``flush_staged``) before
    placing them, once for several stagings."""
    staged = Staged(directory)
    pid, into = os.getpid(), None if temp_dir is None else os.fspath(temp_dir)
    # ``temp_name``'s names, joined as text (no pathlib parse), their 8 hex digits counted on
    # from one random number per call (O_EXCL still refuses a name that exists)
    base = secrets.randbits(32)
    try:
        for k, (path, data) in enumerate(files):
            where, name = os.path.split(os.fspath(path))
            where = (where or ".") if into is None else into
            tmp = f"{where}/.{name}.{pid}.{(base + k) & 0xFFFFFFFF:08x}{TMP_SUFFIX}"
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644
            )
            staged.temps.append((tmp, path))
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
        if flush:
            _flush(directory, [tmp for tmp, _ in staged.temps])
    except BaseException:
        staged.discard()
        raise
    return staged


def flush_staged(*stagings: Staged) -> None:
    """One flush to disk for the files of several stagings made with ``flush=False`` (one
    ``syncfs`` when they share a file system, else one per file system)."""
    by_device: dict[int, tuple[Path, list[Path]]] = {}
    for staged in stagings:
        if not staged.temps:
            continue
        device = os.stat(staged.directory).st_dev
        _, paths = by_device.setdefault(device, (staged.directory, []))
        paths.extend(tmp for tmp, _ in staged.temps)
    for directory, paths in by_device.values():
        _flush(directory, paths)


def place_staged(staged: Staged, exist_ok: bool = False) -> list[Path]:
    """The second half of ``create_many``: give each staged file its name (a rename that
    refuses an existing name, where the system has one, else a link and the temporary name
    removed), make the new names durable; returns the files created."""
    done: list[Path] = []
    left: list[tuple[Path, Path]] = []  # temporary names still there
    try:
        for k, (tmp, path) in enumerate(staged.temps):
            try:
                if _give_name(tmp, path):
                    done.append(path)
                    continue
            except FileExistsError:
                if not exist_ok:
                    left.extend(staged.temps[k:])
                    raise
                left.append((tmp, path))
                continue
            except BaseException:
                left.extend(staged.temps[k:])
                raise
            left.append((tmp, path))
            done.append(path)
    except BaseException:
        for path in done:
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise
    finally:
        staged.temps = left
        staged.discard()
    directory = staged.directory
    parents = {os.path.dirname(path) or "." for path in done}
    if parents <= {os.fspath(directory)}:
        fsync_dir(directory)
    else:  # new names in many directories (and maybe the directories themselves)
        _flush(directory, [*parents, *{os.path.dirname(p) for p in parents}])
    return done


def _give_name(tmp: str, path: Path) -> bool:
    """Give the file at ``tmp`` the name ``path`` too, refusing an existing name
    (FileExistsError); True when ``tmp`` is gone (renamed), False when it stays (linked)."""
    if _rename_noreplace(tmp, path):
        return True
    os.link(tmp, path)
    return False


_NO_RENAME: list[bool] = []  # set once renameat2 turns out to be missing or unsupported


def _rename_noreplace(tmp: str | Path, path: Path) -> bool:
    """Rename ``tmp`` to ``path`` unless ``path`` exists (FileExistsError), atomically
    (Linux ``renameat2`` with ``RENAME_NOREPLACE``): one call instead of link and unlink.
    False when the system or the file system has no such rename: nothing was done."""
    if _NO_RENAME:
        return False
    call = _renameat2()
    if call is None:
        _NO_RENAME.append(True)
        return False
    import ctypes

    if call(-100, os.fsencode(tmp), -100, os.fsencode(path), 1) == 0:  # AT_FDCWD, NOREPLACE
        return True
    err = ctypes.get_errno()
    if err == errno.EEXIST:
        raise FileExistsError(err, os.strerror(err), str(path))
    if err in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        _NO_RENAME.append(True)
        return False
    raise OSError(err, os.strerror(err), str(path))


@functools.cache
def _renameat2() -> Any:
    try:
        import ctypes

        call = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    call.restype = ctypes.c_int
    return call


def _flush(directory: Path, paths: list[Path] | list[str]) -> None:
    """Make ``paths`` (files or directories on ``directory``'s file system) durable: one
    syncfs, else an fsync of each."""
    if not paths:
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _special(path: Path) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode) and not stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def write_bytes(path: Path, data: bytes, exclusive: bool = False, sync_dir: bool = True) -> None:
    """Write ``data`` as the whole of ``path`` (see the module docstring)."""
    with replacing(path, exclusive, sync_dir) as out:
        out.write(data)


def write_text(path: Path, text: str, exclusive: bool = False, sync_dir: bool = True) -> None:
    write_bytes(path, text.encode("utf-8"), exclusive, sync_dir)


@contextlib.contextmanager
def replacing_text(path: Path, newline: str | None = None) -> Iterator[IO[str]]:
    """``replacing`` for UTF-8 text."""
    import io

    with replacing(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline=newline)
        try:
            yield text
            text.flush()
        finally:
            text.detach()


def remove_stale_temps(directory: Path) -> list[Path]:
    """Remove temporary files a crash left in ``directory`` (only names this module makes,
    whose process is gone); returns what was removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            pid = temp_pid(entry.name)
            if pid is None or not entry.is_file(follow_symlinks=False):
                continue
            if pid != os.getpid() and _alive(pid):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def stale_temps(directory: Path) -> list[Path]:
    """Temporary files in ``directory`` whose writing process is gone."""
    found = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            pid = temp_pid(entry.name)
            if pid is not None and pid != os.getpid() and not _alive(pid):
                found.append(Path(entry.path))
    return sorted(found)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
