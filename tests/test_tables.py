"""foretell.tables: one ledger file as typed columns, and the derived cache beside it."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime, timedelta

import orjson
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from foretell import actions, ledger, tables
from foretell.frames import load_frames
from foretell.home import Home

T0 = datetime.now(UTC) - timedelta(days=30)


@pytest.fixture
def filled(home: Home, questions: dict) -> Home:
    for i in range(40):
        actions.log_forecast(home, "q1", {"p": i / 40}, "alice", at=T0 + timedelta(hours=i))
    actions.log_forecast(
        home, "mc", {"probs": {"a": 0.5, "b": 0.25, "c": 0.25}}, "alice", note="mc note", at=T0
    )
    actions.log_forecast(home, "num", {"quantiles": {0.1: 10.0, 0.9: 90.0}}, "bob", at=T0)
    actions.resolve(home, "q1", "yes", "bob")
    return home


def assert_same_frames(home: Home) -> None:
    cached = load_frames(home)
    fresh = load_frames(home, use_cache=False)
    pd.testing.assert_frame_equal(cached.forecasts, fresh.forecasts)
    pd.testing.assert_frame_equal(cached.outcomes, fresh.outcomes)
    assert cached.skipped == fresh.skipped


def test_cached_frames_equal_a_fresh_read(filled: Home) -> None:
    load_frames(filled)  # writes the copy
    assert (tables.copy_dir(filled.ledger / "alice.jsonl") / tables.MANIFEST).exists()
    assert list(tables.copy_dir(filled.ledger / "alice.jsonl").glob("part-*.parquet"))
    assert_same_frames(filled)


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    parsed: list[int] = []
    real = tables.parse_bytes
    monkeypatch.setattr(
        tables,
        "parse_bytes",
        lambda data, author="": parsed.append(len(data)) or real(data, author),
    )
    return parsed


def test_an_append_after_caching_converts_only_the_new_lines_and_matches(
    filled: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_frames(filled)
    actions.log_forecast(filled, "mc", {"probs": {"a": 0.1, "b": 0.1, "c": 0.8}}, "alice")
    parsed = _parsed(monkeypatch)
    frames = load_frames(filled)
    assert len(parsed) == 1  # only alice's file changed
    assert parsed[0] == len((filled.ledger / "alice.jsonl").read_bytes().splitlines()[-1]) + 1
    assert frames.forecasts["probs"].iloc[-1] == {"a": 0.1, "b": 0.1, "c": 0.8}
    monkeypatch.undo()
    assert_same_frames(filled)


def test_an_unchanged_ledger_is_read_from_the_copy_without_parsing(
    filled: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_frames(filled)
    parsed = _parsed(monkeypatch)
    load_frames(filled)
    assert parsed == []


def test_many_appends_keep_few_parts_and_the_same_frames(filled: Home) -> None:
    load_frames(filled)
    for _ in range(20):
        actions.log_forecast(filled, "mc", {"probs": {"a": 0.5, "b": 0.5, "c": 0}}, "alice")
        load_frames(filled)
    parts = tables.load_manifest(filled.ledger / "alice.jsonl").parts
    assert len(parts) <= 6
    assert [p["start"] for p in parts[1:]] == [p["end"] for p in parts[:-1]]
    assert_same_frames(filled)


def _rewrite(path, data: bytes, keep_mtime: bool) -> None:
    stat = path.stat()
    path.write_bytes(data)
    if keep_mtime:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize(
    "edit",
    [
        "grown by a rewritten line",
        "same size, content changed",
        "same size and mtime, content changed",
        "mtime only",
        "truncated",
        "earlier line edited",
    ],
)
def test_every_kind_of_edit_rebuilds_the_copy_and_it_matches_the_file(
    filled: Home, edit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_frames(filled)
    path = filled.ledger / "alice.jsonl"
    data = path.read_bytes()
    if edit == "grown by a rewritten line":
        _rewrite(path, data.replace(b'"p":0.5,', b'"p":0.55,', 1), False)
    elif edit == "same size, content changed":
        _rewrite(path, data.replace(b'"p":0.5,', b'"p":0.6,', 1), False)
    elif edit == "same size and mtime, content changed":
        lines = data.splitlines(keepends=True)  # the last line changes: its sha differs
        last = lines[-1].replace(b'"sha":"', b'"sha":"0', 1)[:-1]
        _rewrite(path, b"".join(lines[:-1]) + last[: len(lines[-1]) - 1] + b"\n", True)
    elif edit == "mtime only":
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    elif edit == "truncated":
        _rewrite(path, b"".join(data.splitlines(keepends=True)[:-5]), False)
    else:
        actions.log_forecast(filled, "mc", {"probs": {"a": 0.5, "b": 0.5, "c": 0}}, "alice")
        load_frames(filled)  # the copy now has two parts; edit the first
        lines = path.read_bytes().splitlines(keepends=True)
        lines[3] = lines[3].replace(b'"p":0.075,', b'"p":0.085,', 1)
        assert b'"p":0.085,' in lines[3]
        path.write_bytes(b"".join(lines))
    parsed = _parsed(monkeypatch)
    cached = load_frames(filled)
    assert parsed == [len(path.read_bytes().rstrip(b"x"))]  # the whole file was read again
    monkeypatch.undo()
    fresh = load_frames(filled, use_cache=False)
    pd.testing.assert_frame_equal(cached.forecasts, fresh.forecasts)
    assert cached.skipped == fresh.skipped


def test_files_added_and_removed_are_seen(filled: Home) -> None:
    load_frames(filled)
    actions.log_forecast(filled, "mc", {"probs": {"a": 0.5, "b": 0.5, "c": 0}}, "carol")
    assert "carol" in set(load_frames(filled).forecasts["author"])
    (filled.ledger / "carol.jsonl").unlink()
    assert "carol" not in set(load_frames(filled).forecasts["author"])
    assert_same_frames(filled)


def test_a_part_file_gone_from_the_copy_rebuilds_it(filled: Home) -> None:
    load_frames(filled)
    for part in tables.copy_dir(filled.ledger / "alice.jsonl").glob("part-*"):
        part.unlink()
    assert_same_frames(filled)


def test_a_corrupt_or_foreign_copy_is_ignored(filled: Home) -> None:
    load_frames(filled)
    manifest = tables.cache_path(filled.ledger / "alice.jsonl")
    manifest.write_bytes(b"not a manifest")
    assert_same_frames(filled)
    load_frames(filled)
    for part in tables.copy_dir(filled.ledger / "alice.jsonl").glob("part-*"):
        part.write_bytes(b"PAR1 not parquet")
    assert_same_frames(filled)  # a damaged part is never used: the copy is rebuilt


def test_a_torn_last_line_is_counted_with_and_without_the_cache(filled: Home) -> None:
    load_frames(filled)
    with (filled.ledger / "bob.jsonl").open("ab") as fh:
        fh.write(b'{"at":"2026-01-01T00:00:00.000000Z","kind":"fore')
    assert load_frames(filled).skipped == {"incomplete last lines": 1}
    assert_same_frames(filled)


def test_a_file_of_many_chunks_reads_like_one(
    home: Home, questions: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tables, "CHUNK_LINES", 7)
    for i in range(30):
        actions.log_forecast(home, "q1" if i % 3 else "mc", _payload(i), f"p{i % 2}", at=T0)
    small = load_frames(home, use_cache=False)
    monkeypatch.setattr(tables, "CHUNK_LINES", 50_000)
    large = load_frames(home, use_cache=False)
    pd.testing.assert_frame_equal(small.forecasts, large.forecasts)


def _payload(i: int) -> dict:
    if i % 3:
        return {"p": (i % 10) / 10}
    return {"probs": {"a": 0.2, "b": 0.3, "c": 0.5}}


def test_unwritable_cache_directory_does_not_stop_reading(filled: Home) -> None:
    (filled.ledger / tables.COLUMNAR_DIR).write_text("a file where the copy would go")
    frames = load_frames(filled)
    assert len(frames.forecasts) == 42
    assert_same_frames(filled)


def test_ledger_entries_are_untouched_by_reading(filled: Home) -> None:
    before = {p.name: p.read_bytes() for p in ledger.ledger_files(filled.ledger)}
    load_frames(filled)
    load_frames(filled)
    after = {p.name: p.read_bytes() for p in ledger.ledger_files(filled.ledger)}
    assert before == after


def test_an_edited_entry_is_loaded_without_a_hash_check(filled: Home) -> None:
    path = filled.ledger / "alice.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"p":0.5,', b'"p":0.6,', 1))
    for use_cache in (False, True, True):
        frames = load_frames(filled, use_cache=use_cache)
        assert frames.skipped == {}  # verify is the check (report --verify runs it)
        assert 0.6 in set(frames.forecasts["p"])


def test_the_parallel_read_of_a_large_ledger_equals_the_serial_one(
    filled: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foretell import conversions

    serial = load_frames(filled, use_cache=False)
    monkeypatch.setattr(conversions, "PARALLEL_BYTES", 0)
    parallel = load_frames(filled, use_cache=False)
    pd.testing.assert_frame_equal(parallel.forecasts, serial.forecasts)
    pd.testing.assert_frame_equal(parallel.outcomes, serial.outcomes)


def _record(i: int) -> bytes:
    return orjson.dumps(
        {"at": (T0 + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "kind": "forecast",
         "p": (i % 11) / 10, "question": f"q{i % 3}", "question_sha": "ab" * 32, "seq": i + 1,
         "imported": "from a file" if i % 2 else None, "note": "é" if i % 5 == 0 else None}
    )  # fmt: skip


LINES = st.one_of(
    st.integers(0, 50).map(_record),
    st.sampled_from([b"", b" ", b"\r", b"{", b"[1]", b'"text"', b"7", b'{"kind": "forecast"}']),
)


def _columns(table: tables.FileTable) -> dict[str, list]:
    out = {}
    for name in table.forecasts.column_names:
        values = table.forecasts[name].to_pylist()
        out[name] = [("nan" if v != v else v) for v in values]  # NaN equal to NaN
    return out


@given(st.lists(LINES, max_size=25), st.sampled_from([3, 100_000]))
def test_a_chunk_of_lines_parses_as_its_lines_one_at_a_time(
    lines: list[bytes], chunk_lines: int
) -> None:
    """Blank lines are skipped and every other line is one entry, read or counted unreadable,
    whether the chunk parses whole (its lines joined) or line by line, in one chunk or many."""
    data = b"".join(line + b"\n" for line in lines)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tables, "CHUNK_LINES", chunk_lines)
        whole = tables.parse_bytes(data, "ann")
    one_by_one = [tables.parse_bytes(line + b"\n", "ann") for line in lines if line]
    expected: dict[str, list] = {name: [] for name in tables.SCHEMA.names}
    for part in one_by_one:
        for name, values in _columns(part).items():
            expected[name] += values
    assert _columns(whole) == expected
    assert whole.skipped == sum((t.skipped for t in one_by_one), Counter())
