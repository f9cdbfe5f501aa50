"""Check-then-write under the project lock: racing commands see each other's entries.

Each race starts its processes at a barrier so that they reach the check together; a few
trials each (the benchmark ``benchmarks/trust.py`` runs the hundreds the README quotes).
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from conftest import question, write_question
from foretell import actions, ledger
from foretell.errors import ForetellError
from foretell.home import Home
from foretell.interop.formats import open_source
from foretell.interop.load import import_file
from foretell.interop.source import ImportOptions
from foretell.verify import verify

CTX = multiprocessing.get_context("fork")
TRIALS = 3


def _race(targets: list[tuple[Any, tuple[Any, ...]]]) -> list[str]:
    """Run each ``(function, args)`` in its own process, all released at once; returns
    "ok" or the ForetellError message of each, in order."""
    barrier = CTX.Barrier(len(targets))
    queue = CTX.Queue()

    def run(i: int, fn: Any, args: tuple[Any, ...]) -> None:
        barrier.wait()
        try:
            fn(*args)
            queue.put((i, "ok"))
        except ForetellError as err:
            queue.put((i, err.message))

    procs = [CTX.Process(target=run, args=(i, fn, args)) for i, (fn, args) in enumerate(targets)]
    for p in procs:
        p.start()
    results = dict(queue.get(timeout=60) for _ in procs)
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * len(procs)
    return [results[i] for i in range(len(procs))]


def _closings(home: Home) -> list[dict[str, Any]]:
    found = []
    for path in ledger.ledger_files(home.ledger):
        entries, problems = ledger.read_file(path)
        assert problems == []
        found += [e for e in entries if e["kind"] in ("resolution", "annulment")]
    return found


@pytest.mark.parametrize("trial", range(TRIALS))
def test_eight_concurrent_resolutions_leave_exactly_one(home: Home, trial: int) -> None:
    write_question(home, question(f"q{trial}"))
    authors = [f"r{i}" for i in range(8)]
    outcomes = ["yes", "no"] * 4
    results = _race(
        [
            (actions.resolve, (home, f"q{trial}", outcome, author))
            for author, outcome in zip(authors, outcomes, strict=True)
        ]
    )
    assert results.count("ok") == 1
    assert all("already resolved" in r for r in results if r != "ok")
    closings = _closings(home)
    assert len(closings) == 1
    assert closings[0]["outcome"] == outcomes[results.index("ok")]
    assert verify(home) == []


def _log(home: Home, qid: str) -> None:
    actions.log_forecast(home, qid, {"p": 0.4}, "fore")


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_forecast_racing_a_resolution_never_lands_after_it(home: Home, trial: int) -> None:
    qid = f"q{trial}"
    write_question(home, question(qid))
    results = _race([(_log, (home, qid)), (actions.resolve, (home, qid, "yes", "judge"))])
    assert results[1] == "ok"
    resolved = _closings(home)[0]
    forecasts, _ = ledger.read_file(home.ledger / "fore.jsonl") if results[0] == "ok" else ([], [])
    if results[0] != "ok":
        assert "is resolved" in results[0]
    assert all(f["at"] < resolved["at"] for f in forecasts)
    assert verify(home) == []


CSV = "question,title,type,opened,resolve_by,criteria,author,at,p\n" + "".join(
    f"imp-{i % 3},Will {i % 3} happen?,binary,2025-01-01,2025-12-31,Yes if it does.,"
    f"a{i % 4},2025-02-{1 + i % 27:02d}T10:00:{i % 60:02d}Z,0.{1 + i % 9}\n"
    for i in range(60)
)


def _import(home: Home, path: Path) -> None:
    import_file(home, open_source("generic", path, ImportOptions()))


@pytest.mark.parametrize("trial", range(3))
def test_three_identical_imports_at_once_import_once(
    home: Home, tmp_path: Path, trial: int
) -> None:
    path = tmp_path / f"rows-{trial}.csv"
    path.write_text(CSV, encoding="utf-8")
    results = _race([(_import, (home, path))] * 3)
    assert results.count("ok") == 1
    assert all("imported before" in r for r in results if r != "ok"), results
    total = sum(len(ledger.read_file(p)[0]) for p in ledger.ledger_files(home.ledger))
    assert total == 60
    assert verify(home) == []


def test_an_import_racing_a_resolution_of_its_question_is_decided_under_the_lock(
    home: Home, tmp_path: Path
) -> None:
    """The file resolves imp-0 yes while a user resolves it no: whichever comes first wins,
    the other is refused, and the question ends with one resolution."""
    header, *rows = CSV.splitlines()
    seed = tmp_path / "seed.csv"  # one forecast per question: the race reuses them
    seed.write_text("\n".join([header, *rows[:3]]) + "\n", encoding="utf-8")
    _import(home, seed)
    racing = tmp_path / "resolving.csv"
    body = [f"{row},," for row in rows[3:]] + ["imp-0,,,,,,a0,,,yes,2025-06-01T00:00:00Z"]
    racing.write_text("\n".join([f"{header},outcome,resolved_at", *body]) + "\n", encoding="utf-8")
    results = _race([(_import, (home, racing)), (actions.resolve, (home, "imp-0", "no", "j"))])
    assert results.count("ok") == 1
    refused = next(r for r in results if r != "ok")
    assert "already resolved" in refused or "closes it differently" in refused
    assert len([c for c in _closings(home) if c["question"] == "imp-0"]) == 1
    assert verify(home) == []


# ------------------------------------------------------------------ time order


def test_a_forecast_is_timed_under_the_lock_and_never_before_the_last_entry(home: Home) -> None:
    write_question(home, question("q1"))
    future = "2999-01-01T00:00:00.000000Z"
    ledger.append(
        home.ledger,
        "alice",
        {"at": future, "kind": "forecast", "question": "q1", "question_sha": "x", "p": 0.5},
    )
    entry = actions.log_forecast(home, "q1", {"p": 0.6}, "alice")
    assert entry["at"] == future  # a clock behind the file's last entry does not go back


def test_an_append_dated_before_the_chains_last_entry_is_refused(tmp_path: Path) -> None:
    base = {"kind": "forecast", "question": "q1", "question_sha": "x", "p": 0.5}
    ledger.append(tmp_path, "alice", {**base, "at": "2026-02-01T00:00:00.000000Z"})
    before = (tmp_path / "alice.jsonl").read_bytes()
    with pytest.raises(ForetellError, match="time order"):
        ledger.append(tmp_path, "alice", {**base, "at": "2026-01-01T00:00:00.000000Z"})
    assert (tmp_path / "alice.jsonl").read_bytes() == before
    # imported history keeps its own time
    old = ledger.append(
        tmp_path, "alice", {**base, "at": "2025-01-01T00:00:00.000000Z", "imported": "x"}
    )
    assert old["at"] == "2025-01-01T00:00:00.000000Z"


def test_a_backdated_forecast_is_marked_and_keeps_its_time(home: Home) -> None:
    from datetime import UTC, datetime, timedelta

    write_question(home, question("q1"))
    actions.log_forecast(home, "q1", {"p": 0.6}, "alice")
    moment = datetime.now(UTC) - timedelta(days=2)
    entry = actions.log_forecast(home, "q1", {"p": 0.3}, "alice", at=moment)
    assert entry["imported"] == actions.BACKDATED
    assert entry["at"] == ledger.format_at(moment)
    assert verify(home) == []


def test_verify_names_an_entry_whose_time_goes_backwards(home: Home) -> None:
    write_question(home, question("q1"))
    sha = question("q1").sha()
    lines, prev = [], None
    for seq, at in enumerate(("2026-01-02T00:00:00.000000Z", "2026-01-01T00:00:00.000000Z"), 1):
        entry = {"at": at, "kind": "forecast", "question": "q1", "question_sha": sha, "p": 0.5}
        line, prev = ledger.encode_entry({**entry, "seq": seq, "prev": prev})
        lines.append(line)
    path = home.ledger / "alice.jsonl"
    path.write_bytes(b"".join(lines))
    found = verify(home)
    assert [(p.path, p.line) for p in found] == [(path, 2)]
    assert "time goes backwards" in found[0].message and "line 1" in found[0].message
