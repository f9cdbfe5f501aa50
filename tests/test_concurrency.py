"""Appends from many processes at once, and a process killed in the middle of one."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from foretell import ledger, ledger_repair
from foretell.home import Home
from foretell.verify import verify

WORKERS = 8
EACH = 100
CTX = multiprocessing.get_context("fork")


def _appender(ledger_dir: str, author: str, worker: int, sha: str, barrier: Any) -> None:
    barrier.wait()
    for i in range(EACH):
        entry = {  # no "at": the append stamps it under the lock
            "kind": "forecast",
            "question": "q1",
            "question_sha": sha,
            "p": 0.5,
            "note": f"w{worker}-{i}",
        }
        ledger.append(Path(ledger_dir), author, entry)


def _run_all(home: Home, sha: str, authors: list[str]) -> None:
    barrier = CTX.Barrier(len(authors))
    procs = [
        CTX.Process(target=_appender, args=(str(home.ledger), author, w, sha, barrier))
        for w, author in enumerate(authors)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * len(procs)


def _notes(path: Path) -> list[str]:
    entries, problems = ledger.read_file(path)
    assert problems == []
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert [e["prev"] for e in entries] == [None] + [e["sha"] for e in entries[:-1]]
    return [e["note"] for e in entries]


def test_eight_processes_appending_to_one_file_leave_one_valid_chain(
    home: Home, questions: dict
) -> None:
    _run_all(home, questions["q1"].sha(), ["alice"] * WORKERS)
    notes = _notes(home.ledger / "alice.jsonl")
    assert len(notes) == WORKERS * EACH
    assert sorted(notes) == sorted(f"w{w}-{i}" for w in range(WORKERS) for i in range(EACH))
    for w in range(WORKERS):  # each process's own entries stay in its order
        mine = [n for n in notes if n.startswith(f"w{w}-")]
        assert mine == [f"w{w}-{i}" for i in range(EACH)]
    assert verify(home) == []


def test_processes_appending_to_different_authors_at_once(home: Home, questions: dict) -> None:
    authors = ["alice", "bob", "carol", "alice", "bob", "dave"]
    _run_all(home, questions["q1"].sha(), authors)
    for author in set(authors):
        notes = _notes(home.ledger / f"{author}.jsonl")
        workers = [w for w, a in enumerate(authors) if a == author]
        assert sorted(notes) == sorted(f"w{w}-{i}" for w in workers for i in range(EACH))
    assert verify(home) == []


# ------------------------------------------------------------------ killed mid-append

KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from foretell import ledger

def half_then_die(fd, data):
    os.write(fd, data[: len(data) // 2])
    os.kill(os.getpid(), signal.SIGKILL)

ledger._write_all = half_then_die
ledger.append(Path(sys.argv[1]), "alice", {
    "at": ledger.now_at(), "kind": "forecast", "question": "q1",
    "question_sha": sys.argv[2], "p": 0.9, "note": "never finished",
})
"""


def _append_forecasts(home: Home, sha: str, n: int) -> list[dict[str, Any]]:
    entry = {"kind": "forecast", "question": "q1", "question_sha": sha, "p": 0.25}
    return [ledger.append(home.ledger, "alice", {**entry, "at": ledger.now_at()}) for _ in range(n)]


def test_a_process_killed_mid_append_leaves_a_torn_line_that_is_reported(
    home: Home, questions: dict
) -> None:
    sha = questions["q1"].sha()
    written = _append_forecasts(home, sha, 3)
    path = home.ledger / "alice.jsonl"
    intact = path.read_bytes()
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(home.ledger), sha], check=False)
    assert done.returncode == -signal.SIGKILL
    torn = path.read_bytes()[len(intact) :]
    assert torn and not torn.endswith(b"\n")

    found = verify(home)
    assert [(p.path, p.line) for p in found] == [(path, 4)]
    assert f"incomplete last line ({len(torn)} bytes" in found[0].message

    entries, problems = ledger.read_file(path)
    assert [e["sha"] for e in entries] == [w["sha"] for w in written]
    assert [p.line for p in problems] == [4]

    # the dead process's lock is gone: repair takes it, then the chain continues
    assert ledger_repair.truncate_torn_tail(path) == len(torn)
    assert path.read_bytes() == intact
    nxt = _append_forecasts(home, sha, 1)[0]
    assert (nxt["seq"], nxt["prev"]) == (4, written[-1]["sha"])
    assert verify(home) == []


def test_a_process_killed_holding_the_lock_does_not_block_others(
    home: Home, questions: dict
) -> None:
    sha = questions["q1"].sha()
    holder = (
        "import fcntl, os, signal, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_APPEND)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    path = home.ledger / "alice.jsonl"
    done = subprocess.run([sys.executable, "-c", holder, str(path)], check=False)
    assert done.returncode == -signal.SIGKILL
    assert _append_forecasts(home, sha, 1)[0]["seq"] == 1
