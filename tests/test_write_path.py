"""The write path stays light: no heavy imports, and appends read only the tail of a chain."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Result
from foretell import actions, ledger, status
from foretell.home import Home

HEAVY = ("pandas", "statsmodels", "matplotlib", "scipy")
PROBE = (
    "import sys\n"
    "from foretell.cli.app import run\n"
    "import foretell.cli\n"
    "code = run(sys.argv[1:])\n"
    f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    "sys.exit(code)\n"
)


def _run_fresh(home: Home, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FORETELL_USER": "alice"}
    env.pop("FORETELL_HOME", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE, *argv, "--home", str(home.root)],
        capture_output=True,
        text=True,
        env=env,
        cwd=home.root,
        check=False,
    )


@pytest.mark.parametrize(
    "argv",
    [
        [
            "ask",
            "fresh",
            "--title",
            "T?",
            "--criteria",
            "YES if a named outlet reports it.",
            "--resolve-by",
            "2099-01-01",
        ],
        ["log", "q1", "0.7", "--note", "why not"],
        ["log", "mc", "--probs", "a=0.2", "b=0.3", "c=0.5"],
        ["log", "num", "--quantiles", "0.1=1", "0.5=5", "0.9=9"],
        ["resolve", "q1", "yes"],
        ["annul", "mc", "--why", "withdrawn"],
    ],
)
def test_writing_commands_import_nothing_heavy(
    home: Home, questions: dict, argv: list[str]
) -> None:
    done = _run_fresh(home, *argv)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_probe_would_see_a_heavy_import(home: Home, questions: dict) -> None:
    done = _run_fresh(
        home,
        "ask",
        "x",
        "--title",
        "T",
        "--criteria",
        "YES if a named outlet reports it.",
        "--resolve-by",
        "bad",
    )
    assert done.returncode == 1
    probe = PROBE.replace("code = run", "import pandas\ncode = run")
    env = {**os.environ, "FORETELL_USER": "alice"}
    seen = subprocess.run(
        [sys.executable, "-c", probe, "verify", "--home", str(home.root)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert "'pandas'" in seen.stdout


# ------------------------------------------------------------------ reading only the tail


@pytest.fixture
def big_ledger(home: Home, questions: dict) -> Path:
    """3000 forecasts by alice (close to a megabyte)."""
    entry = {"kind": "forecast", "question": "q1", "question_sha": questions["q1"].sha()}
    with ledger.AppendSession(home.ledger) as session:
        for i in range(3000):
            session.append("alice", {**entry, "at": ledger.now_at(), "p": i / 3000})
    path = home.ledger / "alice.jsonl"
    assert path.stat().st_size > 900_000
    return path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Bytes read through os.pread, and whole-file reads of ledger files."""
    seen: dict[str, Any] = {"pread": 0, "whole": []}
    real_pread, real_read_bytes = os.pread, Path.read_bytes

    def pread(fd: int, n: int, offset: int) -> bytes:
        data = real_pread(fd, n, offset)
        seen["pread"] += len(data)
        return data

    def read_bytes(self: Path) -> bytes:
        if self.suffix == ".jsonl":
            seen["whole"].append(self.name)
        return real_read_bytes(self)

    monkeypatch.setattr(os, "pread", pread)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    return seen


def test_append_reads_only_the_tail_of_a_large_file(
    home: Home, big_ledger: Path, reads: dict[str, Any]
) -> None:
    before = big_ledger.stat().st_size
    full = ledger.append(home.ledger, "alice", {"at": ledger.now_at(), "kind": "x"})
    assert full["seq"] == 3001
    assert reads["whole"] == []
    assert 0 < reads["pread"] < 3 * 4096
    assert big_ledger.stat().st_size > before


def test_log_with_a_warm_index_reads_only_new_bytes(
    home: Home, big_ledger: Path, reads: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    scanned: list[int] = []
    real_scan = status._scan

    def scan(data: bytes, record: dict[str, Any]) -> None:
        scanned.append(len(data))
        real_scan(data, record)

    monkeypatch.setattr(status, "_scan", scan)
    start = big_ledger.stat().st_size
    actions.log_forecast(home, "q1", {"p": 0.5}, "alice")  # builds the index: one full scan
    assert scanned == [start]
    after_first = big_ledger.stat().st_size
    scanned.clear()
    reads["pread"] = 0

    actions.log_forecast(home, "q1", {"p": 0.6}, "alice")
    assert scanned == [after_first - start]  # only the line the previous log appended
    assert reads["pread"] < 6 * 4096
    assert reads["whole"] == []
    assert big_ledger.stat().st_size > after_first


def test_cli_log_twice_scans_only_the_new_line(
    home: Home,
    questions: dict,
    invoke: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanned: list[int] = []
    real_scan = status._scan
    monkeypatch.setattr(status, "_scan", lambda d, r: (scanned.append(len(d)), real_scan(d, r)))
    assert invoke("log", "q1", "0.1").code == 0
    first_line = (home.ledger / "alice.jsonl").stat().st_size
    assert invoke("log", "q1", "0.2").code == 0
    assert scanned == [first_line]
