"""Looking up one question's state reads the header and one shard, never the whole index,
whatever the number of ledger files; the sharded index agrees with the ledger and survives
damage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import ledger, status, status_store

RESOLVER = "resolver"


def many_closed(ledger_dir: Path, n: int) -> None:
    """n resolved questions by one resolver (imported history: any time order)."""
    with ledger.AppendSession(ledger_dir) as session:
        for i in range(n):
            session.append(
                RESOLVER,
                {
                    "at": f"2026-01-01T00:00:{i % 60:02d}.000000Z",
                    "kind": "resolution",
                    "question": f"q{i}",
                    "outcome": "yes" if i % 2 else "no",
                    "imported": "test",
                },
            )


def test_one_lookup_reads_one_header_and_one_shard(tmp_path: Path, cache_reads: list[str]) -> None:
    many_closed(tmp_path, 2000)
    status.question_statuses(tmp_path)  # builds the index
    cache_reads.clear()
    found = status.question_status(tmp_path, "q1234")
    assert found is not None and found.outcome == "no"
    assert len(cache_reads) == 2  # the header and the one shard of q1234
    shard = status_store.shard_path(tmp_path, status_store.shard_of("q1234"))
    whole = sum(p.stat().st_size for p in shard.parent.glob("*.json"))
    assert shard.stat().st_size < whole / 20


def test_a_lookup_in_a_file_without_closed_questions_reads_its_header_only(
    tmp_path: Path, cache_reads: list[str]
) -> None:
    ledger.append(tmp_path, "alice", {"kind": "forecast", "question": "q1", "p": 0.5})
    status.question_status(tmp_path, "q1")
    cache_reads.clear()
    assert status.question_status(tmp_path, "q1") is None
    assert cache_reads == [status_store.HEADER]


def naive(ledger_dir: Path) -> dict[str, tuple[str, str, str]]:
    """Final status per question straight from the files: the latest closing entry by at."""
    best: dict[str, tuple[str, str, str]] = {}
    for path in ledger.ledger_files(ledger_dir):
        for line in path.read_bytes().splitlines():
            e = orjson.loads(line)
            if e["kind"] in ("resolution", "annulment"):
                q = e["question"]
                if q not in best or best[q][1] <= e["at"]:
                    best[q] = (e["kind"], e["at"], path.stem)
    return best


closing = st.tuples(
    st.sampled_from(["alice", "bob"]),
    st.sampled_from([f"q{i}" for i in range(12)]),
    st.sampled_from(["resolution", "annulment", "forecast"]),
    st.integers(0, 5),
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(closing, max_size=6), min_size=1, max_size=4))
def test_the_sharded_index_agrees_with_the_ledger_after_every_batch(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[tuple[str, str, str, int]]]
) -> None:
    where = tmp_path_factory.mktemp("ledger")
    for batch in batches:
        for author, question, kind, day in batch:
            entry: dict[str, Any] = {
                "at": f"2026-01-0{day + 1}T00:00:00.000000Z",
                "kind": kind,
                "question": question,
                "imported": "test",
            }
            entry.update({"p": 0.5} if kind == "forecast" else {"outcome": "yes"})
            ledger.append(where, author, entry)
        expected = naive(where)
        got = status.question_statuses(where)
        assert {q: (s.kind, s.at, s.author) for q, s in got.items()} == expected
        for q in {f"q{i}" for i in range(12)}:
            one = status.question_status(where, q)
            assert (one.kind, one.at, one.author) == expected[q] if one else q not in expected


def test_an_author_named_like_another_index_keeps_its_rows_apart(tmp_path: Path) -> None:
    for author in ("questions", "claims"):
        ledger.append(
            tmp_path, author, {"kind": "resolution", "question": f"by-{author}", "outcome": "no"}
        )
    assert set(status.question_statuses(tmp_path)) == {"by-questions", "by-claims"}
    assert not (tmp_path / status_store.INDEX_DIR / "questions").exists()


@pytest.mark.parametrize("damage", ["missing", "other token", "not json", "bad row"])
def test_a_damaged_shard_is_rebuilt_from_the_ledger(tmp_path: Path, damage: str) -> None:
    many_closed(tmp_path, 300)
    good = status.question_statuses(tmp_path)
    shard = status_store.shard_path(tmp_path, status_store.shard_of("q7"))
    record = orjson.loads(shard.read_bytes())
    if damage == "missing":
        shard.unlink()
    elif damage == "other token":  # a shard written by a write whose header never landed
        shard.write_bytes(orjson.dumps({**record, "token": "0" * 12, "files": {}}))
    elif damage == "not json":
        shard.write_bytes(b"\x00")
    else:
        rows = {"status": {"q7": ["resolution"]}, "amended": {}}
        shard.write_bytes(orjson.dumps({**record, "files": {f"{RESOLVER}.jsonl": rows}}))
    assert status.question_status(tmp_path, "q7") == good["q7"]
    assert status.question_statuses(tmp_path) == good


def test_growth_rewrites_only_the_shards_it_touches(tmp_path: Path) -> None:
    many_closed(tmp_path, 300)
    status.question_statuses(tmp_path)
    folder = status_store.shard_dir(tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.json")}
    ledger.append(
        tmp_path,
        RESOLVER,
        {"at": "2026-02-01T00:00:00.000000Z", "kind": "annulment", "question": "q5", "why": "w"},
    )
    assert status.question_status(tmp_path, "q5").kind == "annulment"  # type: ignore[union-attr]
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.json")}
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {f"{status_store.shard_of('q5')}.json"}
