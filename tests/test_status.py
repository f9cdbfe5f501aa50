"""foretell.status: final status per question from a cached, self-checking index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from foretell import ledger, ledger_repair, status, status_store


def _close(
    ledger_dir: Path, author: str, question: str, at: str, outcome: Any = "yes", **extra: Any
) -> dict[str, Any]:
    entry = {"at": at, "kind": "resolution", "question": question, "outcome": outcome, **extra}
    return ledger.append(ledger_dir, author, entry)


def _forecast(ledger_dir: Path, author: str, question: str, at: str) -> dict[str, Any]:
    entry = {"at": at, "kind": "forecast", "question": question, "p": 0.5}
    return ledger.append(ledger_dir, author, entry)


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes handed to the index's line scanner, one item per call."""
    calls: list[int] = []
    real = status._scan

    def spy(data: bytes, record: dict[str, Any]) -> None:
        calls.append(len(data))
        real(data, record)

    monkeypatch.setattr(status, "_scan", spy)
    return calls


def test_open_questions_have_no_status(tmp_path: Path) -> None:
    _forecast(tmp_path, "alice", "q1", "2026-01-01T00:00:00.000000Z")
    assert status.question_statuses(tmp_path) == {}
    assert status.question_status(tmp_path, "q1") is None


def test_final_status_is_the_latest_closing_entry_across_authors(tmp_path: Path) -> None:
    first = _close(tmp_path, "bob", "q1", "2026-02-01T00:00:00.000000Z", "yes")
    later = _close(tmp_path, "alice", "q1", "2026-03-01T00:00:00.000000Z", "no", amends="x")
    annulled = ledger.append(
        tmp_path,
        "bob",
        {  # imported history keeps its time, which may precede the chain's last entry
            "at": "2026-01-01T00:00:00.000000Z",
            "kind": "annulment",
            "question": "q2",
            "why": "w",
            "imported": "test",
        },
    )
    got = status.question_statuses(tmp_path)
    assert got["q1"] == status.Status("resolution", later["at"], later["sha"], "alice", "no")
    assert first["sha"] != got["q1"].sha
    assert got["q2"].kind == "annulment"
    assert got["q2"].sha == annulled["sha"]


def test_latest_amendments_pins_the_newest_question_version(tmp_path: Path) -> None:
    for at, sha in (("2026-01-02", "v2"), ("2026-01-01", "v1")):
        ledger.append(
            tmp_path,
            "alice",
            {
                "at": at,
                "kind": "amendment",
                "question": "q1",
                "question_sha": sha,
                "why": "w",
                "imported": "test",
            },
        )
    assert status.latest_amendments(tmp_path) == {"q1": "v2"}


def test_index_is_written_and_reused_without_rescanning(tmp_path: Path, scanned: list[int]) -> None:
    for day in range(1, 10):
        _forecast(tmp_path, "alice", "q1", f"2026-01-0{day}T00:00:00.000000Z")
    size = (tmp_path / "alice.jsonl").stat().st_size
    status.load_index(tmp_path)
    assert scanned == [size]
    assert status_store.header_path(tmp_path).exists()
    scanned.clear()
    status.load_index(tmp_path)
    assert scanned == []


def test_after_one_append_only_the_new_bytes_are_scanned(
    tmp_path: Path, scanned: list[int]
) -> None:
    for day in range(1, 10):
        _forecast(tmp_path, "alice", "q1", f"2026-01-0{day}T00:00:00.000000Z")
    status.load_index(tmp_path)
    scanned.clear()
    size = (tmp_path / "alice.jsonl").stat().st_size
    _close(tmp_path, "alice", "q1", "2026-02-01T00:00:00.000000Z")
    grown = (tmp_path / "alice.jsonl").stat().st_size
    assert status.question_status(tmp_path, "q1") is not None
    assert scanned == [grown - size]


def test_same_size_rewrite_with_a_different_last_sha_is_rescanned(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    _close(tmp_path, "alice", "q1", "2026-02-01T00:00:00.000000Z", "a")
    assert status.question_status(tmp_path, "q1").outcome == "a"  # type: ignore[union-attr]
    original = path.read_bytes()
    path.write_bytes(b"")
    _close(tmp_path, "alice", "q1", "2026-02-01T00:00:00.000000Z", "b")
    assert len(path.read_bytes()) == len(original)
    assert path.read_bytes() != original
    assert status.question_status(tmp_path, "q1").outcome == "b"  # type: ignore[union-attr]


def test_a_shrunk_file_is_rescanned(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    _forecast(tmp_path, "alice", "q1", "2026-01-01T00:00:00.000000Z")
    keep = path.read_bytes()
    _close(tmp_path, "alice", "q1", "2026-02-01T00:00:00.000000Z")
    assert status.question_status(tmp_path, "q1") is not None
    path.write_bytes(keep)
    assert status.question_status(tmp_path, "q1") is None


def test_a_removed_file_drops_out_of_the_index(tmp_path: Path) -> None:
    _close(tmp_path, "bob", "q1", "2026-02-01T00:00:00.000000Z")
    assert status.question_status(tmp_path, "q1") is not None
    (tmp_path / "bob.jsonl").unlink()
    assert status.question_status(tmp_path, "q1") is None
    assert status.load_index(tmp_path) == {}


@pytest.mark.parametrize(
    "damage",
    [
        b"\x00\xffnot json",
        b"[1, 2, 3]",
        b"5",
        b'{"size": "12"}',
        b'{"size": 0, "last_sha": null, "status": [], "amended": {}}',
        b'{"size": 0, "last_sha": null, "status": {"q9": [1]}, "amended": {}}',
        b'{"size": 0, "last_sha": null, "status": {}, "amended": {"q": 1}}',
        b'{"format": 3, "shards": {}, "files": []}',
        b'{"format": 3, "shards": {"000": 1}, "files": {}}',
        b'{"format": 3, "shards": {}, "files": {"alice.jsonl": {"size": -1}}}',
        b'{"format": 3, "shards": {}, "files": {"alice.jsonl": {"size": 9, "last_sha": null, '
        b'"stat": null, "shards": [0]}}}',
    ],
)
def test_a_corrupt_index_is_ignored_and_rebuilt(tmp_path: Path, damage: bytes) -> None:
    closing = _close(tmp_path, "alice", "q1", "2026-02-01T00:00:00.000000Z")
    good = status.load_index(tmp_path)
    cache = status_store.header_path(tmp_path)
    cache.write_bytes(damage)
    assert status.load_index(tmp_path) == good
    assert (
        status_store.valid_header(orjson.loads(cache.read_bytes())) is not None
    )  # rewritten whole
    assert status.question_status(tmp_path, "q1").sha == closing["sha"]  # type: ignore[union-attr]


def test_a_cached_record_without_a_last_sha_is_not_trusted(tmp_path: Path) -> None:
    closing = _close(tmp_path, "alice", "q1", "2026-02-01T00:00:00.000000Z")
    status.load_index(tmp_path)
    ghost = ["resolution", "2026-01-01T00:00:00.000000Z", "0" * 64, "no"]
    header = orjson.loads(status_store.header_path(tmp_path).read_bytes())
    shard = status_store.shard_of("ghost")
    header["files"]["alice.jsonl"].update(last_sha=None, stat=None, shards=[shard])
    header["shards"] = {shard: "t"}
    rows = {"alice.jsonl": {"status": {"ghost": ghost}, "amended": {}}}
    status_store.shard_path(tmp_path, shard).write_bytes(
        orjson.dumps({"token": "t", "files": rows})
    )
    status_store.header_path(tmp_path).write_bytes(orjson.dumps(header))
    got = status.question_statuses(tmp_path)
    assert set(got) == {"q1"}
    assert got["q1"].sha == closing["sha"]


def test_a_torn_last_line_is_left_out_until_it_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    _forecast(tmp_path, "alice", "q1", "2026-01-01T00:00:00.000000Z")
    whole, _ = ledger.encode_entry(
        {"at": "2026-02-01T00:00:00.000000Z", "kind": "resolution", "question": "q1", "seq": 2}
    )
    with path.open("ab") as fh:
        fh.write(whole[:-1])  # everything but the newline: a torn write
    assert status.question_status(tmp_path, "q1") is None
    assert ledger_repair.truncate_torn_tail(path) == len(whole) - 1
    _close(tmp_path, "alice", "q1", "2026-03-01T00:00:00.000000Z")
    assert status.question_status(tmp_path, "q1").at.startswith("2026-03")  # type: ignore[union-attr]


def test_damaged_lines_are_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    path.write_bytes(
        b'{"kind":"resolution","question":["q1"],"at":"2026","sha":"x"}\n'
        b'{"kind":"resolution","question":"q2","at":7,"sha":"x"}\n'
        b'{"kind":"resolution","question":"q3"}\n'
        b'{"kind":"resolution", broken\n'
    )
    assert status.question_statuses(tmp_path) == {}


def test_a_damaged_row_in_an_otherwise_current_record_triggers_a_rebuild(tmp_path: Path) -> None:
    closing = _close(tmp_path, "alice", "q1", "2026-02-01T00:00:00.000000Z")
    good = status.load_index(tmp_path)
    header = orjson.loads(status_store.header_path(tmp_path).read_bytes())
    ((shard, token),) = header["shards"].items()
    where = status_store.shard_path(tmp_path, shard)
    rows = {"status": {"q1": ["resolution"], "q2": 7}, "amended": {}}
    damaged = {"token": token, "files": {"alice.jsonl": rows}}
    where.write_bytes(orjson.dumps(damaged))
    assert status.question_status(tmp_path, "q1").sha == closing["sha"]  # type: ignore[union-attr]
    assert status.load_index(tmp_path) == good
    header = orjson.loads(status_store.header_path(tmp_path).read_bytes())
    where.write_bytes(orjson.dumps({**damaged, "token": header["shards"][shard]}))
    assert set(status.question_statuses(tmp_path)) == {"q1"}
