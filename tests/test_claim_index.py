"""The derived index of claim lines: used when current, extended on append, rebuilt otherwise."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson

from foretell import ledger
from foretell.claim_index import claim_lines, index_path
from foretell.home import Home

FORECAST = {"kind": "forecast", "question": "q1", "question_sha": "s", "p": 0.5}
CLAIM = {"kind": "claim", "question": "q1", "question_sha": "s", "on": "2026-01-01",
         "source": "d.txt", "hedge": "probable", "value": "yes"}  # fmt: skip


def append(home: Home, entry: dict) -> None:
    ledger.append(home.ledger, "huawei", {"at": ledger.now_at(), **entry})


def lines_of(path: Path) -> list[int]:
    return [number for number, _ in claim_lines(path)]


def test_a_file_without_claims_yields_none_and_is_indexed(home: Home) -> None:
    append(home, FORECAST)
    path = home.ledger / "huawei.jsonl"
    assert claim_lines(path) == []
    record = orjson.loads(index_path(path).read_bytes())
    assert record["size"] == path.stat().st_size and record["spans"] == [] and record["lines"] == 1


def test_claims_appended_later_are_found_with_their_line_numbers(home: Home) -> None:
    path = home.ledger / "huawei.jsonl"
    append(home, FORECAST)
    append(home, CLAIM)
    assert lines_of(path) == [2]
    append(home, FORECAST)
    append(home, {**CLAIM, "value": "no"})
    found = claim_lines(path)
    assert [n for n, _ in found] == [2, 4]
    assert orjson.loads(found[1][1])["value"] == "no"
    assert found[1][1] == path.read_bytes().split(b"\n")[3]


def test_a_rewritten_file_is_scanned_again(home: Home) -> None:
    path = home.ledger / "huawei.jsonl"
    append(home, CLAIM)
    append(home, FORECAST)
    assert lines_of(path) == [1]
    path.unlink()
    append(home, FORECAST)
    append(home, FORECAST)
    append(home, CLAIM)  # longer than before, but its old end no longer has the old sha
    assert lines_of(path) == [3]


def test_a_damaged_index_is_ignored(home: Home) -> None:
    path = home.ledger / "huawei.jsonl"
    append(home, CLAIM)
    claim_lines(path)
    index_path(path).write_bytes(b'{"size": 3, "spans": "nonsense"}')
    assert lines_of(path) == [1]


def test_reading_claims_gives_the_same_entries_with_or_without_the_index(
    home: Home, questions: dict
) -> None:
    from foretell.claims import read_claims, record_claim

    record_claim(home, "q1", "yes", "huawei", "d.txt", date(2026, 1, 1), "probable")
    first = read_claims(home.ledger)
    assert index_path(home.ledger / "huawei.jsonl").exists()
    again = read_claims(home.ledger)
    for item in index_path(home.ledger / "huawei.jsonl").parent.iterdir():
        item.unlink()
    rebuilt = read_claims(home.ledger)
    assert first == again == rebuilt and len(first) == 1


def test_the_columnar_conversion_writes_the_index_claim_lines_would(home: Home) -> None:
    from foretell import tables

    path = home.ledger / "huawei.jsonl"
    for entry in (FORECAST, CLAIM, FORECAST, {**CLAIM, "value": "no"}, FORECAST):
        append(home, entry)
    tables.update_copy(path)  # the whole file converted: its index written from its bytes
    written = index_path(path).read_bytes()
    index_path(path).unlink()
    assert lines_of(path) == [2, 4]  # scanned by claim_lines itself
    assert orjson.loads(index_path(path).read_bytes()) == orjson.loads(written)


def test_after_the_conversion_claims_are_read_without_scanning_the_file(
    home: Home, monkeypatch
) -> None:
    from foretell import claim_index, tables

    path = home.ledger / "huawei.jsonl"
    for entry in (CLAIM, FORECAST, CLAIM):
        append(home, entry)
    tables.update_copy(path)

    def no_scan(*args: object) -> int:
        raise AssertionError("the file was scanned again")

    monkeypatch.setattr(claim_index, "_scan", no_scan)
    assert lines_of(path) == [1, 3]


def test_an_index_written_by_the_conversion_is_extended_on_append(home: Home) -> None:
    from foretell import tables

    path = home.ledger / "huawei.jsonl"
    append(home, CLAIM)
    tables.update_copy(path)
    append(home, FORECAST)
    append(home, CLAIM)
    assert lines_of(path) == [1, 3]
