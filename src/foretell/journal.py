"""The journal that makes an import all or nothing, even when the process is killed.

Before an import changes anything it writes ``ledger/.import-journal`` (whole: temporary
file, fsync, rename) naming every ledger file it will append to, with the file's size and
last sha before the import (or that the file is new), and every question file it will
create. Then it writes the question files (each whole), appends to the ledger files and
fsyncs them; then it marks the journal committed (with each file's size after), and finally
removes it. So at any moment a kill leaves one of:

- no journal: the project as before, or as after (a left-over temporary file at most, which
  ``verify`` names and ``repair`` removes);
- a journal not committed: ``verify`` names it; ``repair`` rolls the import back: each
  ledger file is truncated to its recorded size (a file the import created is removed) and
  the question files it created are removed, leaving the project as before;
- a committed journal: every byte is written; ``repair`` checks the files hold at least the
  committed sizes and removes the journal, leaving the project as after.

While a journal is there, no command writes (the project lock refuses, naming ``repair``),
so a rollback never removes anything but the import's own bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from foretell import atomic, ledger
from foretell.errors import ForetellError, Problem

JOURNAL_NAME = ".import-journal"
VERSION = 1


def journal_path(ledger_dir: Path) -> Path:
    return ledger_dir / JOURNAL_NAME


INTERRUPTED = (
    "an import ({what}) was interrupted; the ledger may hold part of it. `foretell repair` "
    "rolls it back (the project is left as before), then the import can be run again"
)
COMMITTED = (
    "an import ({what}) finished writing but its journal remains; `foretell repair` removes it"
)


def refuse_if_pending(ledger_dir: Path) -> None:
    """Called by every write under the project lock: an interrupted import comes first."""
    path = journal_path(ledger_dir)
    if os.path.lexists(path):
        raise ForetellError(
            "an interrupted import must be rolled back first: run `foretell repair`", path
        )


@dataclass
class Journal:
    """An import in progress. ``files``: ledger file name -> [size before, last sha before
    or None, whether the file is new]; ``questions``: question file names it creates."""

    ledger_dir: Path
    forecasts_dir: Path
    what: str
    files: dict[str, list[Any]]
    questions: list[str]
    records: list[str]  # files under ledger/ it creates (terms of question versions)
    committed: dict[str, int] | None = None

    @property
    def path(self) -> Path:
        return journal_path(self.ledger_dir)

    def _save(self) -> None:
        data = {
            "version": VERSION,
            "what": self.what,
            "files": self.files,
            "questions": self.questions,
            "records": self.records,
            "committed": self.committed,
        }
        atomic.write_bytes(self.path, orjson.dumps(data, option=orjson.OPT_INDENT_2))

    @classmethod
    def begin(
        cls,
        ledger_dir: Path,
        forecasts_dir: Path,
        what: str,
        authors: set[str],
        creates: list[str],
        records: list[str] | None = None,
    ) -> Journal:
        """Record the state before the import (the caller holds the project lock)."""
        files: dict[str, list[Any]] = {}
        for author in sorted(authors):
            path = ledger.ledger_path(ledger_dir, author)
            if path.exists():
                size, sha = _head(path)
                files[path.name] = [size, sha, False]
            else:
                files[path.name] = [0, None, True]
        journal = cls(
            ledger_dir, forecasts_dir, what, files, sorted(creates), sorted(records or [])
        )
        journal._save()
        return journal

    def commit(self) -> None:
        """Everything is written and fsynced: mark it, then remove the journal."""
        self.committed = {
            name: (self.ledger_dir / name).stat().st_size
            for name in self.files
            if (self.ledger_dir / name).exists()
        }
        self._save()
        self.finish()

    def finish(self) -> None:
        self.path.unlink(missing_ok=True)
        atomic.fsync_dir(self.ledger_dir)

    def roll_back(self) -> list[str]:
        """Undo the import: what was done, one line each (the journal is removed last)."""
        done: list[str] = []
        for name, (size, sha, new) in sorted(self.files.items()):
            path = self.ledger_dir / name
            if not path.exists():
                continue
            if new:
                path.unlink()
                done.append(f"removed {name}, which the import had created")
                continue
            now = path.stat().st_size
            if now < size:
                raise ForetellError(
                    f"is shorter ({now} bytes) than before the import ({size}); "
                    "not rolled back: restore it from git, then run `foretell repair` again",
                    path,
                )
            if now > size:
                with open(path, "r+b") as fh:
                    fh.truncate(size)
                    fh.flush()
                    os.fsync(fh.fileno())
                done.append(f"{name}: removed {now - size:,} bytes appended by the import")
            if _head(path) != (size, sha):
                raise ForetellError(
                    "does not end with the entry it ended with before the import", path
                )
        for name in self.questions:
            path = self.forecasts_dir / name
            if path.exists():
                path.unlink()
                done.append(f"removed forecasts/{name}, which the import had created")
        for name in self.records:
            path = self.ledger_dir / name
            if path.exists():
                path.unlink()
        atomic.fsync_dir(self.forecasts_dir)
        self.finish()
        return done

    def complete(self) -> list[str]:
        """A committed import: check the files hold what was committed, drop the journal."""
        for name, size in (self.committed or {}).items():
            path = self.ledger_dir / name
            if not path.exists() or path.stat().st_size < size:
                raise ForetellError(
                    f"holds less than the committed import wrote ({size} bytes)", path
                )
        self.finish()
        return [f"the import ({self.what}) had finished; removed its journal"]


def _head(path: Path) -> tuple[int, str | None]:
    """Size and last sha of a ledger file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        size = os.fstat(fd).st_size
        sha = None
        if size and os.pread(fd, 1, size - 1) == b"\n":
            start = ledger._line_start(fd, size - 1)
            try:
                sha = ledger.decode_line(os.pread(fd, size - 1 - start, start)).get("sha")
            except ValueError:
                sha = None
        return size, sha if isinstance(sha, str) else None
    finally:
        os.close(fd)


def load(ledger_dir: Path, forecasts_dir: Path) -> Journal | None:
    """The journal left in ``ledger/``, or None; a damaged one raises ForetellError."""
    path = journal_path(ledger_dir)
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise ForetellError(f"the import journal is not readable ({err})", path) from None
    try:
        files = {
            str(k): [int(v[0]), v[1] if isinstance(v[1], str) else None, bool(v[2])]
            for k, v in data["files"].items()
        }
        names = [*files, *data["questions"]]
        if any("/" in n or n.startswith(".") for n in names):
            raise ValueError("a file name with a path")
        records = [str(r) for r in data.get("records", [])]
        for name in records:
            parts = name.split("/")
            if len(parts) != 3 or parts[0] != "terms" or any(p.startswith(".") for p in parts):
                raise ValueError(f"not a terms record: {name!r}")
        committed = data.get("committed")
        return Journal(
            ledger_dir,
            forecasts_dir,
            str(data.get("what", "?")),
            files,
            [str(q) for q in data["questions"]],
            records,
            {str(k): int(v) for k, v in committed.items()} if committed else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise ForetellError(f"the import journal is damaged ({err})", path) from None


def problems(ledger_dir: Path, forecasts_dir: Path) -> list[Problem]:
    """What ``verify`` says about a journal left behind (or an import running now)."""
    from foretell.lock import is_locked

    path = journal_path(ledger_dir)
    if not os.path.lexists(path):
        return []
    if is_locked(ledger_dir):
        return [Problem(path, None, "an import is running; verify again when it has finished")]
    try:
        journal = load(ledger_dir, forecasts_dir)
    except ForetellError as err:
        return [Problem(path, None, f"{err.message}; `foretell repair` cannot use it")]
    if journal is None:
        return []
    template = COMMITTED if journal.committed is not None else INTERRUPTED
    return [Problem(path, None, template.format(what=journal.what))]
