"""Names that become paths (question ids, ledger names) and the rule for following links.

One rule per name, used by every entry point (the CLI, the Python API, the importers):

- a question id is lowercase-kebab: ``a-z``, ``0-9`` and single hyphens, at most
  ``MAX_ID_LENGTH`` characters, so ``forecasts/<id>.toml`` is always one file directly in
  ``forecasts/`` (no ``/``, no ``..``, no absolute path, no hidden file);
- a ledger (author) name is ``[a-z0-9][a-z0-9._-]{0,63}``: ``ledger/<name>.jsonl``, likewise.

Links: foretell follows no symbolic link inside a project. ``forecasts/``, ``ledger/``, every
question and ledger file, and the derived caches (``ledger/.columnar/``, ``ledger/.index/``) must
be the real thing; a link is refused with a message naming it (a ledger or question file), or
ignored and never written through (a cache, which is rebuilt from the files). Files are opened
with ``O_NOFOLLOW`` so a link swapped in after the check is refused too.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path

from foretell import atomic
from foretell.errors import ForetellError

MAX_ID_LENGTH = 200
# \Z, not $: "$" also matches before a final newline, and "q1\n" is no id
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
AUTHOR_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}\Z")
LINKED = "is a symbolic link; foretell follows no links in a project (put the file itself here)"


def id_problem(value: object) -> str | None:
    """Why ``value`` is not a question id, or None."""
    if not isinstance(value, str):
        return f"a question id is text, not {type(value).__name__}"
    if len(value) > MAX_ID_LENGTH:
        return f"question id {value[:40]!r}... is longer than {MAX_ID_LENGTH} characters"
    if not ID_PATTERN.match(value):
        return f"question id {value!r} must be lowercase-kebab (a-z, 0-9, single hyphens)"
    return None


def check_id(value: object) -> str:
    """``value`` when it is a valid question id; else ForetellError saying why."""
    problem = id_problem(value)
    if problem:
        raise ForetellError(problem)
    return value  # type: ignore[return-value]


def author_problem(value: object) -> str | None:
    """Why ``value`` is not a ledger name, or None."""
    if not isinstance(value, str) or not AUTHOR_PATTERN.match(value):
        return f"{value!r} is not a valid ledger name (a-z, 0-9, '.', '_', '-'; at most 64)"
    return None


def check_author(value: object) -> str:
    """``value`` when it is a valid ledger name; else ForetellError saying why."""
    problem = author_problem(value)
    if problem:
        raise ForetellError(problem)
    return value  # type: ignore[return-value]


# --------------------------------------------------------------------------- links


def is_link(path: Path) -> bool:
    """Whether ``path`` itself is a symbolic link (a missing path is not)."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def refuse_link(path: Path) -> None:
    """ForetellError at ``path`` when it is a symbolic link."""
    if is_link(path):
        raise ForetellError(LINKED, path)


def real_dir(path: Path) -> bool:
    """Whether ``path`` is a directory and not a link (a cache is used only then)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def open_nofollow(path: Path, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
    """``os.open`` that refuses a symbolic link at ``path`` with ForetellError."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW, mode)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise ForetellError(LINKED, path) from None
        raise


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file, refusing a link (as ``Path.read_bytes`` otherwise)."""
    fd = open_nofollow(path)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 24):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def prepare_cache_dir(path: Path) -> bool:
    """Create a cache directory if missing; True when it may be written (a real directory
    whose parent is one too: never a link, so nothing is written outside the project)."""
    if not real_dir(path.parent):
        return False
    try:
        path.mkdir(exist_ok=True)
    except OSError:
        return False
    return real_dir(path)


def write_cache(path: Path, data: bytes) -> None:
    """Write a derived cache file whole (``atomic.write_bytes``: temporary file, fsync,
    rename) inside a real cache directory; silently skipped when that directory is a link or
    anything fails (a cache is only an optimisation). The temporary file is created
    exclusively, never through a link, and the rename replaces a link at ``path`` itself,
    never its target."""
    if not prepare_cache_dir(path.parent):
        return
    with contextlib.suppress(OSError):
        atomic.write_bytes(path, data)
