"""A derived, checked cache of the DuckDB engine's sorted stream (``engine_stream``).

Sorting the ledger's Parquet copy by question is the largest single step of a streamed report
on an unchanged project, so the two sorted files are kept in ``ledger/.columnar/.sorted/<key>/``
(with ``meta.json``) and used again while the key matches. The key is the sha256 of what the
files are made of:

- each Parquet part of the copy in order (its path, size, modification time, inode and row
  count: parts are written whole under new names, so any change to the copy changes the key);
- the catalog's question ids in catalog order (they give each forecast its position ``gpos``);
- the row-group size the files were written with, and this module's ``VERSION``.

An entry is used only when its ``meta.json`` names that key and the two files have the sizes
and row counts it records; anything else is ignored and the files are written afresh. Writing
goes to a staging directory under ``.sorted/`` that is renamed to its key once complete, so a
crash leaves no entry that looks whole. Entries other than the current one are removed after a
report has its own, except while another report reads them: a reader holds a shared ``flock``
on the entry's ``lock`` file for as long as it reads, a writer an exclusive one on its staging
directory's, and only entries whose lock can be taken at once are removed (renamed out of the
way first, then deleted). Where the ledger directory cannot be written (a read-only checkout),
or the cache's directory is a symbolic link (never followed), the files go to a temporary
directory for the one report, as without a cache.

Disk: about 20-25 bytes per forecast (uncompressed, read fast); the cache may be deleted at any
time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from foretell.engine import Ledger
    from foretell.engine_stream import Sorted

VERSION = 1
SORTED_DIR = ".sorted"  # under ledger/.columnar/
META = "meta.json"
LOCK = "lock"
STAGING = ".staging-"
TRASH = ".trash-"
STALE_SECONDS = 3600  # a staging directory without its lock file this old: a dead writer's


def cache_key(book: Ledger, row_group: int) -> str:
    """The sha256 (hex) of the copy's parts, the catalog's ids and the file layout."""
    from foretell.engine import _ids

    h = hashlib.sha256(orjson.dumps({"version": VERSION, "row_group": row_group}))
    rows = book.part_rows or (0,) * len(book.files)
    for name, n in zip(book.files, rows, strict=True):
        st = os.stat(name)
        h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\0{n}\n".encode())
    h.update(b"\0ids\0")
    h.update("\0".join(_ids(book.questions)).encode())
    return h.hexdigest()


@contextlib.contextmanager
def cached_sorted(book: Ledger, root: Path, row_group: int, write: Any) -> Iterator[Sorted]:
    """The sorted files of ``book`` from the cache under ``root`` (``ledger/.columnar/.sorted``),
    written by ``write(directory) -> Sorted`` when no valid entry is there; the entry stays
    locked (shared) while the context lasts. OSError when ``root`` cannot be written."""
    from foretell import ids

    key = cache_key(book, row_group)
    for path in (root.parent, root, root / key):
        if ids.is_link(path):
            raise OSError(f"{path} is a symbolic link: the sorted cache is not used through it")
    entry = root / key
    found = _open_entry(entry, key)
    if found is None:
        _write_entry(root, key, write)
        found = _open_entry(entry, key)
        if found is None:
            raise OSError(f"the sorted cache {entry} was not readable after writing it")
    done, fd = found
    try:
        _remove_others(root, key)
        yield done
    finally:
        os.close(fd)  # releases the shared lock


def _open_entry(entry: Path, key: str) -> tuple[Sorted, int] | None:
    """The entry's files and a descriptor holding a shared lock on it, if the entry is whole
    and is the one for ``key`` (see the module doc); None otherwise."""
    from foretell.engine_stream import Sorted

    try:
        fd = os.open(entry / LOCK, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        meta = orjson.loads((entry / META).read_bytes())
        if meta.get("version") != VERSION or meta.get("key") != key:
            raise ValueError("another key")
        stream, extras = entry / "stream.parquet", entry / "extras.parquet"
        for path, size, rows in (
            (stream, meta["stream_size"], meta["rows"]),
            (extras, meta["extras_size"], meta["extras_rows"]),
        ):
            if path.stat().st_size != int(size) or pq.read_metadata(path).num_rows != int(rows):
                raise ValueError("a file of another size")
        return Sorted(stream, extras, int(meta["rows"]), int(meta["total"])), fd
    except (OSError, ValueError, KeyError, TypeError):
        os.close(fd)
        return None


def _write_entry(root: Path, key: str, write: Any) -> None:
    """Write the entry for ``key`` in a staging directory and rename it into place (a
    concurrent report that got there first keeps its entry; this one's is dropped)."""
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f"{STAGING}{secrets.token_hex(8)}"
    staging.mkdir()
    fd = os.open(staging / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        done = write(staging)
        meta = {
            "version": VERSION,
            "key": key,
            "rows": done.rows,
            "total": done.total,
            "extras_rows": pq.read_metadata(done.extras).num_rows,
            "stream_size": done.stream.stat().st_size,
            "extras_size": done.extras.stat().st_size,
        }
        for path in (done.stream, done.extras):
            _fsync(path)
        (staging / META).write_bytes(orjson.dumps(meta))
        _fsync(staging / META)
        _fsync(staging)
        entry = root / key
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)  # an entry that did not open: not whole
        try:
            os.rename(staging, entry)
        except OSError:
            if not entry.is_dir():
                raise
        _fsync(root)
    finally:
        os.close(fd)
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _remove_others(root: Path, key: str) -> None:
    """Remove every entry but ``key``'s that no report holds (module doc)."""
    try:
        names = [n for n in os.listdir(root) if n != key]
    except OSError:
        return
    for name in names:
        path = root / name
        if name.startswith(TRASH):
            shutil.rmtree(path, ignore_errors=True)
            continue
        try:
            fd = os.open(path / LOCK, os.O_RDONLY)
        except FileNotFoundError:
            if path.is_dir() and (not name.startswith(STAGING) or _age(path) > STALE_SECONDS):
                shutil.rmtree(path, ignore_errors=True)  # no lock file: never whole
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # in use
        try:
            trash = root / f"{TRASH}{secrets.token_hex(8)}"
            os.rename(path, trash)
        except OSError:
            os.close(fd)
            continue
        os.close(fd)
        shutil.rmtree(trash, ignore_errors=True)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def temporary(temp_dir: str | None = None) -> Iterator[Path]:
    """A temporary directory for the files of one report (no cache)."""
    with tempfile.TemporaryDirectory(prefix="foretell-", dir=temp_dir) as work:
        yield Path(work)
