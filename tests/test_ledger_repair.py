"""Mending a ledger file's end after an interrupted write: a torn last line is removed, a
whole last entry lacking its newline gets it, and no complete entry is ever removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_chain
from foretell import ledger, ledger_repair
from foretell.errors import ForetellError


def test_truncate_torn_tail_removes_only_the_fragment(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    write_chain(path, 3)
    clean = path.read_bytes()
    assert ledger_repair.truncate_torn_tail(path) == 0
    with path.open("ab") as fh:
        fh.write(b'{"at":"2026')
    assert ledger_repair.truncate_torn_tail(path) == len(b'{"at":"2026')
    assert path.read_bytes() == clean


def test_truncate_torn_tail_of_a_single_fragment_empties_the_file(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    path.write_bytes(b'{"seq":1')
    assert ledger_repair.truncate_torn_tail(path) == 8
    assert path.read_bytes() == b""


def test_a_whole_last_entry_missing_only_its_newline_is_completed_not_removed(
    tmp_path: Path,
) -> None:
    for p in (0.3, 0.4):
        ledger.append(
            tmp_path,
            "alice",
            {
                "at": ledger.now_at(),
                "kind": "forecast",
                "question": "q1",
                "question_sha": "s",
                "p": p,
            },
        )
    path = tmp_path / "alice.jsonl"
    whole = path.read_bytes()
    path.write_bytes(whole[:-1])
    entries, problems = ledger.read_file(path)
    assert [e["p"] for e in entries] == [0.3, 0.4]
    assert [(pr.line, pr.message) for pr in problems] == [(2, ledger.UNTERMINATED)]
    with pytest.raises(ForetellError, match="lacks its newline"):
        ledger.append(tmp_path, "alice", {"at": ledger.now_at(), "kind": "forecast", "p": 0.5})
    assert ledger_repair.repair_tail(path) == ("completed", 1)
    assert path.read_bytes() == whole
    assert ledger_repair.repair_tail(path) == ("", 0)


def test_repair_removes_a_fragment_that_does_not_extend_the_chain(tmp_path: Path) -> None:
    ledger.append(tmp_path, "alice", {"at": ledger.now_at(), "kind": "forecast", "p": 0.3})
    path = tmp_path / "alice.jsonl"
    before = path.read_bytes()
    stray, _ = ledger.encode_entry({"at": "2026-01-01T00:00:00.000000Z", "seq": 7, "prev": None})
    path.write_bytes(before + stray[:-1])  # hashes fine on its own but does not chain
    assert ledger_repair.repair_tail(path) == ("removed", len(stray) - 1)
    assert path.read_bytes() == before
