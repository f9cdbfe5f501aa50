"""An import killed with -9 at each stage leaves the project as before, as after, or in a
state ``verify`` names and ``repair`` rolls back (or completes); re-running finishes it.

Each case kills a child process at one chosen point of the import (the benchmark
``benchmarks/trust.py`` kills at random moments of a large import instead).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, question, snapshot, write_question
from foretell import actions, journal
from foretell.home import Home
from foretell.interop.formats import open_source
from foretell.interop.load import import_file
from foretell.interop.source import ImportOptions
from foretell.verify import verify

HEADER = "question,title,type,opened,resolve_by,criteria,author,at,p\n"


def _csv(path: Path, questions: int = 6, per_question: int = 60) -> Path:
    rows = [
        f"crash-{q},Will {q} happen?,binary,2025-01-01,2025-12-31,Yes if it does.,"
        f"{'ann' if i % 2 else f'imp{i % 5}'},2025-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z,"
        f"0.{1 + i % 9}\n"
        for q in range(questions)
        for i in range(per_question)
    ]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


# Each snippet runs in the child before the import and arranges for it to die at one point.
KILL = "os.kill(os.getpid(), signal.SIGKILL)"
POINTS = {
    "writing the journal": f"""
real = os.replace
def replace(src, dst):
    if str(dst).endswith(".import-journal"):
        {KILL}
    return real(src, dst)
os.replace = replace
""",
    "creating question files": f"""
from foretell import atomic
real = atomic._give_name
calls = []
def give_name(src, dst):
    if str(dst).endswith(".toml"):  # the third question file put in place
        calls.append(1)
        if len(calls) == 3:
            {KILL}
    return real(src, dst)
atomic._give_name = give_name
""",
    "appending to the ledger": f"""
ledger.AppendSession.FLUSH_EVERY = 40
real = ledger._write_all
calls = []
def write_all(fd, data):
    calls.append(1)
    if len(calls) == 3:
        os.write(fd, data[: len(data) // 2])
        {KILL}
    return real(fd, data)
ledger._write_all = write_all
""",
    "removing the committed journal": f"""
def finish(self):
    {KILL}
journal.Journal.finish = finish
""",
}

CHILD = """
import os, signal, sys
from pathlib import Path
from foretell import catalog, journal, ledger
from foretell.home import Home
from foretell.interop.formats import open_source
from foretell.interop.load import import_file
from foretell.interop.source import ImportOptions
{arrange}
import_file(Home(Path(sys.argv[1])), open_source("generic", Path(sys.argv[2]), ImportOptions()))
"""


def _import(home: Home, path: Path) -> None:
    import_file(home, open_source("generic", path, ImportOptions()))


@pytest.fixture
def before(home: Home) -> Home:
    """A project with entries of its own, some by an author the import also appends to."""
    write_question(home, question("own"))
    actions.log_forecast(home, "own", {"p": 0.3}, by="ann")
    actions.log_forecast(home, "own", {"p": 0.6}, by="bo")
    return home


@pytest.mark.parametrize("point", list(POINTS))
def test_an_import_killed_at_any_stage_is_named_by_verify_and_undone_by_repair(
    before: Home, tmp_path: Path, point: str, invoke: Callable[..., Result]
) -> None:
    source = _csv(tmp_path / "rows.csv")
    reference = tmp_path / "reference"
    shutil.copytree(before.root, reference)
    _import(Home(reference), source)
    after = snapshot(Home(reference))
    start = snapshot(before)

    child = CHILD.format(arrange=POINTS[point])
    done = subprocess.run([sys.executable, "-c", child, str(before.root), str(source)])
    assert done.returncode == -signal.SIGKILL

    found = verify(before)
    assert found, "a killed import must leave something verify names"
    assert all("`foretell repair`" in p.message for p in found), found
    if journal.journal_path(before.ledger).exists():  # nothing else writes before repair
        refused = invoke("log", "own", "0.5")
        assert refused.code == 1 and "foretell repair" in refused.err

    repaired = invoke("repair")
    assert repaired.code == 0, repaired
    assert verify(before) == []
    assert snapshot(before) in (start, after)
    if snapshot(before) == start:
        _import(before, source)
    assert snapshot(before) == after
    assert not journal.journal_path(before.ledger).exists()


def test_a_failed_import_leaves_no_journal_and_the_project_as_before(
    before: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foretell import ledger

    source = _csv(tmp_path / "rows.csv")
    start = snapshot(before)
    calls = []
    real = ledger.AppendSession.append

    def failing(self: ledger.AppendSession, author: str, entry: dict) -> dict:
        calls.append(1)
        if len(calls) == 100:
            raise OSError("disk full")
        return real(self, author, entry)

    monkeypatch.setattr(ledger.AppendSession, "append", failing)
    encoded = ledger.AppendSession.append_encoded

    def failing_encoded(self: ledger.AppendSession, author: str, *args: object) -> bool:
        calls.append(1)
        if len(calls) == 2:  # the column-wise path: the second chain
            raise OSError("disk full")
        return encoded(self, author, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ledger.AppendSession, "append_encoded", failing_encoded)
    with pytest.raises(OSError):
        _import(before, source)
    assert snapshot(before) == start
    assert not journal.journal_path(before.ledger).exists()
    assert verify(before) == []


def test_a_damaged_journal_is_named_and_blocks_writes(
    before: Home, invoke: Callable[..., Result]
) -> None:
    journal.journal_path(before.ledger).write_bytes(b"{not json")
    found = verify(before)
    assert len(found) == 1 and "import journal is not readable" in found[0].message
    assert invoke("log", "own", "0.5").code == 1
