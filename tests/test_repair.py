"""``foretell repair``: quarantine of a complete but invalid last entry, and what it never
touches."""

from __future__ import annotations

from collections.abc import Callable

import orjson

from conftest import Result, question, snapshot, write_question
from foretell import actions, ledger
from foretell.home import Home
from foretell.repair import bad_tail, quarantine_path
from foretell.verify import verify


def _three(home: Home) -> bytes:
    write_question(home, question("q1"))
    for p in (0.2, 0.4, 0.6):
        actions.log_forecast(home, "q1", {"p": p}, "alice")
    return (home.ledger / "alice.jsonl").read_bytes()


def test_an_edited_last_entry_is_moved_to_quarantine_with_yes(
    home: Home, invoke: Callable[..., Result]
) -> None:
    data = _three(home)
    path = home.ledger / "alice.jsonl"
    lines = data.splitlines(keepends=True)
    edited = lines[-1].replace(b'"p":0.6', b'"p":0.9')
    path.write_bytes(b"".join(lines[:-1]) + edited)
    assert verify(home) != []
    done = invoke("repair", "--yes")
    assert done.code == 0 and "alice.jsonl:3" in done.out and "quarantine" in done.out
    assert path.read_bytes() == b"".join(lines[:-1])
    kept = [orjson.loads(x) for x in quarantine_path(path).read_bytes().splitlines()]
    assert [(k["file"], k["line"], k["text"]) for k in kept] == [
        ("alice.jsonl", 3, edited.rstrip(b"\n").decode())
    ]
    assert verify(home) == []
    # the chain continues after the entry before it
    nxt = actions.log_forecast(home, "q1", {"p": 0.5}, "alice")
    assert nxt["seq"] == 3


def test_without_yes_and_no_terminal_the_entry_stays_and_the_exit_is_1(
    home: Home, invoke: Callable[..., Result]
) -> None:
    _three(home)
    path = home.ledger / "alice.jsonl"
    path.write_bytes(path.read_bytes() + b"this is not json\n")
    before = snapshot(home)
    done = invoke("repair")
    assert done.code == 1 and "repair --yes" in done.err
    assert snapshot(home) == before


def test_a_line_that_breaks_the_chain_is_found_and_a_valid_tail_is_not(home: Home) -> None:
    data = _three(home)
    path = home.ledger / "alice.jsonl"
    assert bad_tail(path) is None
    lines = data.splitlines(keepends=True)
    path.write_bytes(lines[0] + lines[2])  # the second entry removed: seq and prev break
    bad = bad_tail(path)
    assert bad is not None and bad.line == 2 and "seq" in bad.reason


def test_repair_twice_records_the_entry_once(home: Home) -> None:
    from foretell.repair import quarantine

    _three(home)
    path = home.ledger / "alice.jsonl"
    path.write_bytes(path.read_bytes() + b"{}\n")
    bad = bad_tail(path)
    assert bad is not None
    quarantine(bad, ledger.now_at())
    path.write_bytes(path.read_bytes() + b"{}\n")  # as if the cut had not happened
    quarantine(bad_tail(path), ledger.now_at())  # type: ignore[arg-type]
    assert len(quarantine_path(path).read_bytes().splitlines()) == 1
