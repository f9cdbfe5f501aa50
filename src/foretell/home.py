"""Finding the project: a directory holding ``forecasts/`` and ``ledger/``.

Order: an explicit path (``--home``), then ``FORETELL_HOME``, then the current directory and
its parents (as git finds ``.git``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from foretell import ids
from foretell.errors import ForetellError

HOME_ENV = "FORETELL_HOME"


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def forecasts(self) -> Path:
        return self.root / "forecasts"

    @property
    def ledger(self) -> Path:
        return self.root / "ledger"


def is_home(path: Path) -> bool:
    return (path / "forecasts").is_dir() and (path / "ledger").is_dir()


def _no_links(home: Home) -> Home:
    for part in (home.forecasts, home.ledger):
        ids.refuse_link(part)
    return home


def find_home(explicit: str | Path | None = None) -> Home:
    """The project, found as the module docstring says; its ``forecasts/`` and ``ledger/``
    must be real directories, not links out of it."""
    given = explicit if explicit is not None else os.environ.get(HOME_ENV) or None
    if given is not None:
        root = Path(given).expanduser().resolve()
        if not is_home(root):
            source = "--home" if explicit is not None else HOME_ENV
            raise ForetellError(
                f"{source} {root} has no forecasts/ and ledger/ (create one with `foretell init`)"
            )
        return _no_links(Home(root))
    start = Path.cwd().resolve()
    for candidate in (start, *start.parents):
        if is_home(candidate):
            return _no_links(Home(candidate))
    raise ForetellError(
        "no foretell project here or above (a directory with forecasts/ and ledger/); "
        "run `foretell init`, or pass --home PATH"
    )


def init_home(path: Path) -> Home:
    """Create ``forecasts/`` and ``ledger/`` under ``path``; refuse if it already is a home."""
    root = path.expanduser().resolve()
    if is_home(root):
        raise ForetellError(f"{root} already holds a foretell project")
    if root.exists() and not root.is_dir():
        raise ForetellError(f"{root} exists and is not a directory")
    (root / "forecasts").mkdir(parents=True, exist_ok=True)
    (root / "ledger").mkdir(exist_ok=True)
    home = Home(root)
    write_gitignore(root)
    from foretell.lock import lock_path

    lock_path(home.ledger).touch()  # exists from the start, so no command adds a file
    return home


GITIGNORE = """\
# foretell: derived caches (rebuilt from ledger/ when missing), the lock, the journal of an
# import in progress, and temporary files of interrupted writes
/ledger/.index/
/ledger/.cache/
/ledger/.lock
/ledger/.import-journal
.*.tmp
"""


def write_gitignore(root: Path) -> Path:
    """Write ``.gitignore`` at the project root, or add foretell's lines to the one there
    (each line once; the user's own lines are kept as they were)."""
    from foretell import atomic

    path = root / ".gitignore"
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = ""
    have = set(old.splitlines())
    missing = [line for line in GITIGNORE.splitlines() if line not in have]
    if not any(line and not line.startswith("#") for line in missing):
        return path
    text = old + ("\n" if old and not old.endswith("\n") else "") + "\n".join(missing) + "\n"
    atomic.write_text(path, text)
    return path
