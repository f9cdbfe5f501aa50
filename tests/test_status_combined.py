"""The status index is one header and one set of shards for the whole ledger: a lookup reads
the header and one shard whatever the number of files, files added, removed, appended or
replaced by anyone are noticed, and damage or racing updates never leave a wrong answer."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import ids, ledger, status, status_store

CTX = multiprocessing.get_context("fork")


def _close(ledger_dir: Path, author: str, question: str, day: int = 1, **extra: Any) -> None:
    entry = {
        "at": f"2026-02-{day:02d}T00:00:00.000000Z",
        "kind": "resolution",
        "question": question,
        "outcome": "yes",
        "imported": "test",
        **extra,
    }
    ledger.append(ledger_dir, author, entry)


def _forecast(ledger_dir: Path, author: str, question: str) -> None:
    entry = {"kind": "forecast", "question": question, "p": 0.5, "imported": "test"}
    ledger.append(ledger_dir, author, {"at": "2026-01-01T00:00:00.000000Z", **entry})


def naive(ledger_dir: Path) -> dict[str, tuple[str, str, str]]:
    """Final status per question straight from the files: the latest closing entry by at
    (of equal ones, the later file by name)."""
    best: dict[str, tuple[str, str, str]] = {}
    for path in ledger.ledger_files(ledger_dir):
        for line in path.read_bytes().splitlines():
            e = orjson.loads(line)
            if e["kind"] in ("resolution", "annulment"):
                q = e["question"]
                if q not in best or best[q][1] <= e["at"]:
                    best[q] = (e["kind"], e["at"], path.stem)
    return best


def seen(ledger_dir: Path) -> dict[str, tuple[str, str, str]]:
    return {q: (s.kind, s.at, s.author) for q, s in status.question_statuses(ledger_dir).items()}


def same_shard(n: int) -> list[str]:
    """n question ids that share one shard."""
    target = status_store.shard_of("q0")
    found = [f"q{i}" for i in range(100_000) if status_store.shard_of(f"q{i}") == target]
    return found[:n]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the ledger files the index opens."""
    names: list[str] = []
    real = ids.open_nofollow

    def spy(path: Path, *args: Any, **kwargs: Any) -> int:
        if path.name.endswith(ledger.SUFFIX):
            names.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ids, "open_nofollow", spy)
    return names


def test_a_lookup_reads_the_header_and_one_shard_whatever_the_number_of_files(
    tmp_path: Path, cache_reads: list[str]
) -> None:
    for i in range(30):
        _close(tmp_path, f"author-{i:02d}", f"q{i}")
        _forecast(tmp_path, f"author-{i:02d}", "q-open")
    status.question_statuses(tmp_path)
    cache_reads.clear()
    assert status.question_status(tmp_path, "q17").author == "author-17"  # type: ignore[union-attr]
    assert cache_reads == [
        status_store.HEADER,
        f"{status_store.ROWS_DIR}/{status_store.shard_of('q17')}.json",
    ]
    assert not any(
        p.name.startswith("author-") for p in (tmp_path / status_store.INDEX_DIR).iterdir()
    )


def test_a_file_untouched_since_is_not_opened(tmp_path: Path, opened: list[str]) -> None:
    for author in ("alice", "bob", "carol"):
        _close(tmp_path, author, f"q-{author}")
    status.question_statuses(tmp_path)
    opened.clear()
    assert status.question_status(tmp_path, "q-bob") is not None
    assert opened == []
    _close(tmp_path, "bob", "q-new")
    opened.clear()
    assert status.question_status(tmp_path, "q-new").author == "bob"  # type: ignore[union-attr]
    assert opened == ["bob.jsonl"]


def test_forecasts_appended_leave_the_header_unwritten_until_lag_bytes_gather(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _close(tmp_path, "alice", "q1")
    _forecast(tmp_path, "bob", "q1")
    status.question_statuses(tmp_path)
    header = status_store.header_path(tmp_path)
    before = (header.read_bytes(), header.stat().st_mtime_ns)
    start = (tmp_path / "bob.jsonl").stat().st_size
    scanned: list[int] = []
    real = status._scan
    monkeypatch.setattr(status, "_scan", lambda d, r: (scanned.append(len(d)), real(d, r)))
    monkeypatch.setattr(status, "LAG", 1500)
    for _ in range(20):
        _forecast(tmp_path, "bob", "q2")
        assert status.question_status(tmp_path, "q1").author == "alice"  # type: ignore[union-attr]
        size = (tmp_path / "bob.jsonl").stat().st_size
        if (header.read_bytes(), header.stat().st_mtime_ns) != before:
            break
        assert scanned[-1] == size - start  # the bytes since the header, read again
    assert 1500 < size - start < 3000  # rewritten once LAG bytes had gathered
    scanned.clear()
    assert status.question_status(tmp_path, "q1") is not None
    assert scanned == []
    _close(tmp_path, "bob", "q2")  # a closing is written at once
    assert status.question_status(tmp_path, "q2").author == "bob"  # type: ignore[union-attr]
    assert (
        orjson.loads(header.read_bytes())["files"]["bob.jsonl"]["size"]
        == (tmp_path / "bob.jsonl").stat().st_size
    )


def test_a_file_appended_by_another_process_is_noticed(tmp_path: Path) -> None:
    _close(tmp_path, "alice", "q1")
    assert status.question_status(tmp_path, "q2") is None
    child = CTX.Process(target=_close, args=(tmp_path, "alice", "q2"))
    child.start()
    child.join()
    assert child.exitcode == 0
    assert status.question_status(tmp_path, "q2").author == "alice"  # type: ignore[union-attr]
    assert seen(tmp_path) == naive(tmp_path)


def test_a_file_removed_takes_only_its_own_rows_from_a_shared_shard(tmp_path: Path) -> None:
    first, second = same_shard(2)
    _close(tmp_path, "alice", first)
    _close(tmp_path, "bob", second)
    _close(tmp_path, "bob", first, day=2)
    assert status.question_status(tmp_path, first).author == "bob"  # type: ignore[union-attr]
    (tmp_path / "bob.jsonl").unlink()
    assert status.question_status(tmp_path, first).author == "alice"  # type: ignore[union-attr]
    assert status.question_status(tmp_path, second) is None
    assert set(status.load_index(tmp_path)) == {"alice.jsonl"}
    assert seen(tmp_path) == naive(tmp_path)


def test_a_file_added_or_renamed_is_noticed(tmp_path: Path) -> None:
    _close(tmp_path, "alice", "q1")
    assert status.question_status(tmp_path, "q2") is None
    _close(tmp_path, "bob", "q2")
    assert status.question_status(tmp_path, "q2").author == "bob"  # type: ignore[union-attr]
    os.rename(tmp_path / "bob.jsonl", tmp_path / "dave.jsonl")  # same inode, another name
    assert status.question_status(tmp_path, "q2").author == "dave"  # type: ignore[union-attr]
    assert seen(tmp_path) == naive(tmp_path)


def test_a_file_replaced_by_another_of_other_rows_drops_its_old_rows(tmp_path: Path) -> None:
    _close(tmp_path, "alice", "q1")
    _close(tmp_path, "bob", "q2")
    status.question_statuses(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    _close(other, "alice", "q3")
    os.replace(other / "alice.jsonl", tmp_path / "alice.jsonl")
    assert status.question_status(tmp_path, "q1") is None
    assert seen(tmp_path) == naive(tmp_path) and set(naive(tmp_path)) == {"q2", "q3"}


@pytest.mark.parametrize("damage", ["missing", "other token", "not json", "bad row"])
def test_a_damaged_shared_shard_is_rebuilt_from_the_files_holding_rows_there(
    tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = same_shard(2)
    _close(tmp_path, "alice", first)
    _close(tmp_path, "bob", second)
    elsewhere = next(
        q for q in ("x", "y", "z") if status_store.shard_of(q) != status_store.shard_of(first)
    )
    _close(tmp_path, "carol", elsewhere)
    good = status.question_statuses(tmp_path)
    shard = status_store.shard_path(tmp_path, status_store.shard_of(first))
    record = orjson.loads(shard.read_bytes())
    assert set(record["files"]) == {"alice.jsonl", "bob.jsonl"}
    if damage == "missing":
        shard.unlink()
    elif damage == "other token":  # written by an update whose header never landed
        shard.write_bytes(orjson.dumps({**record, "token": "0" * 12, "files": {}}))
    elif damage == "not json":
        shard.write_bytes(b"\x00")
    else:
        bad = {"status": {first: ["resolution"]}, "amended": {}}
        shard.write_bytes(orjson.dumps({**record, "files": {"alice.jsonl": bad}}))
    rescanned: list[int] = []
    real = status._scan
    monkeypatch.setattr(
        status, "_scan", lambda data, rows: (rescanned.append(len(data)), real(data, rows))
    )
    assert status.question_status(tmp_path, second) == good[second]
    assert status.question_statuses(tmp_path) == good
    sizes = sorted((tmp_path / f"{a}.jsonl").stat().st_size for a in ("alice", "bob"))
    assert sorted(rescanned) == sizes  # carol's file holds no rows there: not read again


def test_an_update_interrupted_before_its_header_is_not_trusted(tmp_path: Path) -> None:
    question = same_shard(1)[0]
    _close(tmp_path, "alice", question)
    status.question_statuses(tmp_path)
    header = status_store.header_path(tmp_path).read_bytes()
    _close(tmp_path, "alice", question, day=3, outcome="no")
    status.question_statuses(tmp_path)  # rewrites the shard, then the header
    status_store.header_path(tmp_path).write_bytes(header)  # as if the header write never landed
    found = status.question_status(tmp_path, question)
    assert found is not None and found.outcome == "no" and found.at.startswith("2026-02-03")


def test_a_leftover_index_of_the_per_file_layout_is_not_read_and_is_removed(tmp_path: Path) -> None:
    index = tmp_path / status_store.INDEX_DIR
    (index / "alice.rows").mkdir(parents=True)
    ghost = ["resolution", "2026-01-01T00:00:00.000000Z", "0" * 64, "no"]
    (index / "alice.json").write_bytes(orjson.dumps({"format": 2, "size": 1, "last_sha": "x"}))
    rows = {"token": "t", "status": {"ghost": ghost}, "amended": {}}
    (index / "alice.rows" / f"{status_store.shard_of('ghost')[1:]}.json").write_bytes(
        orjson.dumps(rows)
    )
    (index / "notes.json").write_bytes(b"{}")  # not the earlier layout's: left alone
    _close(tmp_path, "alice", "q1")
    assert set(status.question_statuses(tmp_path)) == {"q1"}
    assert not (index / "alice.json").exists() and not (index / "alice.rows").exists()
    assert (index / "notes.json").exists()


def _writer(ledger_dir: Path, author: str, rounds: int, barrier: Any) -> None:
    barrier.wait()
    for i in range(rounds):
        _close(ledger_dir, author, f"q{i}", day=1 + i % 20)
        status.question_status(ledger_dir, f"q{i}")
        if i % 3 == 0:
            status.question_statuses(ledger_dir)


@pytest.mark.parametrize("trial", range(2))
def test_concurrent_writers_and_readers_leave_an_index_that_agrees_with_the_ledger(
    tmp_path: Path, trial: int
) -> None:
    """Commands updating the index at once (no lock: reads take none) may throw each other's
    shards away, but never leave an answer the files do not give."""
    authors = ["alice", "bob", "carol", "dave"]
    barrier = CTX.Barrier(len(authors))
    procs = [CTX.Process(target=_writer, args=(tmp_path, a, 12, barrier)) for a in authors]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * len(procs)
    expected = naive(tmp_path)
    assert seen(tmp_path) == expected
    for q in expected:
        found = status.question_status(tmp_path, q)
        assert found is not None and (found.kind, found.at, found.author) == expected[q]


operation = st.tuples(
    st.sampled_from(["close", "forecast", "remove", "replace", "damage", "drop header", "touch"]),
    st.sampled_from(["alice", "bob", "carol"]),
    st.integers(0, 7),
)


@settings(max_examples=25, deadline=None)
@given(st.lists(operation, min_size=1, max_size=12))
def test_the_index_agrees_with_the_files_after_any_edit_or_damage(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, str, int]]
) -> None:
    where = tmp_path_factory.mktemp("ledger")
    for op, author, n in ops:
        path = where / f"{author}.jsonl"
        if op == "close":
            _close(where, author, f"q{n}", day=1 + n)
        elif op == "forecast":
            _forecast(where, author, f"q{n}")
        elif op == "remove":
            path.unlink(missing_ok=True)
        elif op == "replace" and path.exists():  # a shorter history, same name
            lines = path.read_bytes().splitlines(keepends=True)
            path.write_bytes(b"".join(lines[: n % (len(lines) + 1)]))
        elif op == "damage":
            shards = sorted(status_store.shard_dir(where).glob("*.json"))
            if shards:
                shards[n % len(shards)].write_bytes(b"{}")
        elif op == "drop header":
            status_store.header_path(where).unlink(missing_ok=True)
        elif op == "touch" and path.exists():
            os.utime(path, ns=(n, n))
        expected = naive(where)
        assert seen(where) == expected
        for q in (f"q{i}" for i in range(8)):
            one = status.question_status(where, q)
            assert (one.kind, one.at, one.author) == expected[q] if one else q not in expected
