"""Shared fixtures: a temporary project, a CLI runner, question files and project snapshots."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from foretell import ids, ledger, status_store
from foretell.catalog import dump_question, question_path
from foretell.home import Home, find_home, init_home
from foretell.model import Question

TODAY = datetime.now(UTC).date()
OPENED = TODAY - timedelta(days=30)
RESOLVE_BY = TODAY + timedelta(days=365)


REPORT_SMALL = Path(__file__).parent / "fixtures" / "report_small"


def project_copy(tmp_path: Path, source: Path = REPORT_SMALL) -> Home:
    """A copy of a fixture project (by default the small report project) in ``tmp_path``."""
    root = tmp_path / "project"
    shutil.copytree(source, root)
    return find_home(root)


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run_cli(*argv: str) -> Result:
    """Run ``foretell.cli.app.run(argv)`` in-process, capturing stdout and stderr."""
    import foretell.cli  # noqa: F401  (registers every command)
    from foretell.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(argv))
    return Result(code, out.getvalue(), err.getvalue())


def run_cli_watching(module: str, *argv: str) -> tuple[subprocess.CompletedProcess[str], bool]:
    """``foretell ARGV`` in a fresh interpreter: its run and whether it imported ``module``
    (told on the last line of standard error, as the interpreter exits)."""
    code = (
        "import sys; from foretell.cli import main; "
        f"sys.argv = ['foretell', *{list(argv)!r}]; "
        f"import atexit; atexit.register(lambda: print({module!r} in sys.modules, "
        "file=sys.stderr)); main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = done.stderr.strip().splitlines()
    return done, bool(lines) and lines[-1] == "True"


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output as for a pipe: no COLUMNS from the test runner's terminal, no FORETELL_BLIND."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("FORETELL_BLIND", raising=False)


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """``invoke("log", "q1", "0.7")`` -> Result(code, out, err)."""
    return run_cli


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    """An empty project; the current directory is its root; FORETELL_USER=alice."""
    monkeypatch.setenv("FORETELL_USER", "alice")
    monkeypatch.delenv("FORETELL_HOME", raising=False)
    project = init_home(tmp_path / "project")
    monkeypatch.chdir(project.root)
    return project


def question(qid: str = "q1", kind: str = "binary", **fields: Any) -> Question:
    """A valid question of the given type; ``fields`` override the defaults."""
    data: dict[str, Any] = {
        "id": qid,
        "title": f"Will {qid} happen?",
        "type": kind,
        "opened": OPENED,
        "resolve_by": RESOLVE_BY,
        "criteria": "YES if a named outlet reports it.\nNO otherwise.",
    }
    if kind == "multiple_choice":
        data["options"] = ["a", "b", "c"]
    if kind == "numeric":
        data.update(unit="units", range=(0.0, 1000.0), thresholds=[500.0])
    data.update(fields)
    return Question.model_validate(data)


def write_chain(path: Path, n: int) -> list[dict[str, Any]]:
    """``n`` entries appended to the ledger file ``path`` (dated 2026-01-01 onwards)."""
    return [
        ledger.append(path.parent, path.stem, {"at": f"2026-01-0{1 + i % 9}", "kind": "x"})
        for i in range(n)
    ]


def write_question(project: Home, q: Question) -> Path:
    """Write (or overwrite) ``forecasts/<id>.toml``, as a hand edit would."""
    path = question_path(project.forecasts, q.id)
    path.write_text(dump_question(q), encoding="utf-8")
    return path


@pytest.fixture
def make_question(home: Home) -> Callable[..., Question]:
    """``make_question("mc", "multiple_choice")`` writes the file and returns the Question."""

    def make(qid: str = "q1", kind: str = "binary", **fields: Any) -> Question:
        q = question(qid, kind, **fields)
        write_question(home, q)
        return q

    return make


@pytest.fixture
def questions(make_question: Callable[..., Question]) -> dict[str, Question]:
    """Three open questions: q1 (binary), mc (options a, b, c), num (0..1000 units)."""
    return {
        "q1": make_question("q1"),
        "mc": make_question("mc", "multiple_choice"),
        "num": make_question("num", "numeric"),
    }


def snapshot(project: Home) -> dict[str, bytes]:
    """Every file of the project (bar the derived caches) by relative path, as bytes."""
    derived = {project.ledger / ".index", project.ledger / ".cache"}
    return {
        str(p.relative_to(project.root)): p.read_bytes()
        for p in sorted(project.root.rglob("*"))
        if p.is_file() and not any(p.is_relative_to(d) for d in derived)
    }


@pytest.fixture
def cache_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the status index files read (the header and shards), relative to the index."""
    names: list[str] = []
    real = ids.read_bytes

    def spy(path: Path) -> bytes:
        if status_store.INDEX_DIR in path.parts:
            names.append("/".join(path.parts[path.parts.index(status_store.INDEX_DIR) + 1 :]))
        return real(path)

    monkeypatch.setattr(ids, "read_bytes", spy)
    return names
