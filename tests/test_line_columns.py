"""foretell.line_columns: Arrow's JSON reader gives what orjson gives, or steps aside.

Every test compares ``line_columns.chunk_table`` with ``line_records.chunk_table`` on the same
text: where the first returns a table, it must be the second's, bit for bit (NaN included),
with the same closings and counts."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import actions, line_columns, line_records, tables
from foretell.file_table import FileTable
from foretell.home import Home
from foretell.ledger import format_at

NOW = datetime.now(UTC)


def same_tables(a: FileTable, b: FileTable) -> bool:
    """Equal forecasts (``p`` compared by its bits: NaN equals NaN), closings and counts."""
    if a.forecasts.schema != b.forecasts.schema or a.forecasts.num_rows != b.forecasts.num_rows:
        return False
    for name in a.forecasts.column_names:
        x = a.forecasts.column(name).combine_chunks()
        y = b.forecasts.column(name).combine_chunks()
        if name == "p":
            if not np.array_equal(x.to_numpy().view(np.int64), y.to_numpy().view(np.int64)):
                return False
        elif not x.equals(y):
            return False
    return a.closings == b.closings and a.skipped == b.skipped


def agree(chunk: bytes) -> FileTable | None:
    """The column-wise table of ``chunk`` (None if it stepped aside), checked against the
    record-wise one."""
    fast = line_columns.chunk_table(chunk, "alice")
    if fast is not None:
        slow = line_records.chunk_table(chunk, "alice")
        assert same_tables(fast, slow), chunk[:300]
    return fast


def stamp(hours: float) -> str:
    return format_at(NOW - timedelta(hours=hours))


def forecast(i: int, fields: dict[str, Any] | None = None, **given: Any) -> dict[str, Any]:
    """A well-formed forecast entry, ``fields`` and ``given`` put in (``...`` removes a key)."""
    entry = {
        "at": stamp(1000 - i % 1000),
        "imported": "bench",
        "kind": "forecast",
        "p": round((i % 97) / 97, 3),
        "prev": None,
        "question": f"q{i % 7}",
        "question_sha": f"{i % 7:064x}",
        "seq": i + 1,
        "sha": f"{i:064x}",
    }
    entry.update(fields or {})
    entry.update(given)
    return {k: v for k, v in entry.items() if v is not ...}


def text(entries: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(e, option=orjson.OPT_NON_STR_KEYS) + b"\n" for e in entries)


PLAIN = [forecast(i) for i in range(40)]


def test_a_plain_ledger_text_is_read_by_arrow_and_equals_orjsons() -> None:
    assert agree(text(PLAIN)) is not None


def test_a_ledger_written_by_foretell_is_read_by_arrow(home: Home, questions: dict) -> None:
    at = NOW - timedelta(days=3)
    for i in range(30):
        actions.log_forecast(home, "q1", {"p": i / 30}, "alice", at=at + timedelta(hours=i))
    actions.log_forecast(
        home, "mc", {"probs": {"a": 0.5, "b": 0.25, "c": 0.25}}, "alice", note="é ü", at=at
    )
    actions.log_forecast(home, "num", {"quantiles": {0.1: 1.0, 0.9: 9.0}}, "alice", at=at)
    data = (home.ledger / "alice.jsonl").read_bytes()
    fast = agree(data)
    assert fast is not None and len(fast) == 32
    assert fast.forecasts.column("probs").null_count == 31
    assert fast.forecasts.column("quantiles").null_count == 31


def test_closings_among_forecasts_are_read_by_orjson_in_line_order() -> None:
    resolution = {
        "at": stamp(1),
        "kind": "resolution",
        "outcome": "yes",
        "question": "q1",
        "question_sha": "a" * 64,
        "resolved_on": "2026-01-02",
        "seq": 99,
    }
    bad = {**resolution, "resolved_on": "soon", "seq": 100}
    annulment = {**resolution, "kind": "annulment", "why": "void", "seq": 101}
    fast = agree(text([*PLAIN[:5], resolution, *PLAIN[5:9], bad, annulment, *PLAIN[9:]]))
    assert fast is not None
    assert [c["kind"] for c in fast.closings] == ["resolution", "annulment"]
    assert fast.skipped[tables.MALFORMED] == 1


@pytest.mark.parametrize(
    ("name", "chunk"),
    [
        ("NaN in a field Arrow ignores", text(PLAIN[:3]) + b'{"kind":"forecast","x":NaN}\n'),
        ("Infinity as p", text(PLAIN[:3]).replace(b'"p":0.0', b'"p":Infinity')),
        ("a \\u escape in a key", text(PLAIN[:3]).replace(b'"question"', b'"\\u0071uestion"')),
        ("a blank line", text(PLAIN[:3]).replace(b"}\n", b"}\n\n", 1)),
        ("a line of spaces", text(PLAIN[:3]) + b"   \n" + text(PLAIN[3:5])),
        ("two objects on a line", text(PLAIN[:3]).replace(b"}\n", b"}{}\n", 1)),
        ("a byte order mark", b"\xef\xbb\xbf" + text(PLAIN[:3])),
        ("a line that is not UTF-8", text(PLAIN[:3]) + b'{"kind":"x","note":"\xff"}\n'),
        ("a key given twice", text(PLAIN[:3]).replace(b'"kind"', b'"p":0.5,"kind"', 1)),
        ("seq 1.0", text([forecast(1, seq=1.0)])),
        ("p as text", text([forecast(1, p="0.5")])),
        ("p true", text([forecast(1, p=True)])),
        ("p above 1", text([forecast(1, p=1.5)])),
        ("p -0, an integer to orjson", text(PLAIN[:3]).replace(b'"p":0.0', b'"p":-0')),
        ("seq 0", text([forecast(1, seq=0)])),
        ("no question", text([forecast(1, question=...)])),
        ("at in another form", text([forecast(1, at="2025-01-01 00:00:00.000000Z")])),
        ("at in the future", text([forecast(1, at=format_at(NOW + timedelta(days=3)))])),
        ("at before 1900", text([forecast(1, at="1899-12-31T00:00:00.000000Z")])),
        ("probs a list", text([forecast(1, p=None, probs=[0.5])])),
        ("a file of resolutions", text([{"kind": "resolution", "seq": 1}, *PLAIN[:3]])),
        (
            "a line too deep for orjson",
            text(PLAIN[:3]) + b'{"x":' + b"[" * 1100 + b"]" * 1100 + b"}\n",
        ),
        ("CRLF line ends", text(PLAIN[:3]).replace(b"\n", b"\r\n")),
        ("a line indented", b"  " + text(PLAIN[:3])),
    ],
)
def test_arrow_steps_aside_where_it_could_differ(name: str, chunk: bytes) -> None:
    assert line_columns.chunk_table(chunk, "alice") is None, name
    line_records.chunk_table(chunk, "alice")  # the path taken instead reads it


def test_parse_bytes_gives_the_record_wise_table_whichever_path_reads_it() -> None:
    lenient = text(PLAIN[:3]) + b'{"kind":"forecast","x":NaN}\n' + text(PLAIN[3:])
    for chunk in (text(PLAIN), lenient):
        assert same_tables(
            tables.parse_bytes(chunk, "alice"), line_records.chunk_table(chunk, "alice")
        )


# ------------------------------------------------------------------ generated lines

texts = st.text(st.characters(codec="utf-8"), max_size=6)
plain_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cc",)), max_size=6)
anything = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), texts
)
maybe = st.one_of(st.just(...), anything)  # ... leaves the key out


@st.composite
def good_entries(draw: st.DrawFn) -> dict[str, Any]:
    """An entry both parsers load: a forecast of any question type, a resolution or an
    annulment, or a line of another kind; with keys of its own sometimes."""
    i = draw(st.integers(0, 10_000))
    kind = draw(st.sampled_from(["forecast"] * 6 + ["resolution", "annulment", "claim"]))
    fields: dict[str, Any] = {"kind": kind, "note": draw(st.one_of(st.just(...), plain_texts))}
    if kind == "forecast":
        fields["p"] = draw(st.one_of(st.floats(0, 1), st.sampled_from([0, 1]), st.none()))
        if fields["p"] is None:
            key = draw(st.sampled_from(["probs", "quantiles"]))
            fields[key] = draw(st.dictionaries(plain_texts, st.floats(0, 1), max_size=3))
    else:
        fields |= {"p": ..., "resolved_on": "2026-01-02", "why": draw(plain_texts)}
        fields["outcome"] = draw(st.one_of(plain_texts, st.integers(-(2**63), 2**63), st.floats()))
    if draw(st.integers(0, 3)) == 0:
        fields[draw(plain_texts)] = draw(anything)
    return forecast(i, fields)


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    """A good entry with one field drawn anew, of any value or left out, now and then."""
    entry = draw(good_entries())
    if draw(st.integers(0, 3)) == 0:
        key = draw(st.sampled_from([*entry, "probs", "quantiles", "at", "seq"]))
        entry[key] = draw(
            st.one_of(
                maybe,
                st.integers(-1, 2**63),
                st.sampled_from([stamp(-30), stamp(1e6), "2025-02-30T00:00:00.000000Z"]),
                st.dictionaries(texts, anything, max_size=2),
            )
        )
        entry = {k: v for k, v in entry.items() if v is not ...}
    return entry


@settings(max_examples=300, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=12))
def test_generated_entries_read_alike(batch: list[dict[str, Any]]) -> None:
    agree(text(batch))


@settings(max_examples=200, deadline=None)
@given(st.lists(good_entries(), min_size=1, max_size=12))
def test_good_entries_after_a_forecast_are_read_by_arrow(batch: list[dict[str, Any]]) -> None:
    chunk = text([forecast(0), *batch])
    lenient = any(word in chunk for word in line_columns.LENIENT)
    assert (agree(chunk) is None) == lenient  # only a word Arrow reads leniently sends it back


@settings(max_examples=300, deadline=None)
@given(
    st.lists(entries(), min_size=1, max_size=6),
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.sampled_from(
                [b" ", b"\n", b"{", b"}", b",", b"NaN", b"\\u00e9", b"\\n", b"\xff", b"1e999"]
            ),
        ),
        max_size=3,
    ),
)
def test_text_with_bytes_put_in_reads_alike(batch: list[dict[str, Any]], inserts: list) -> None:
    data = text(batch)
    for at, piece in inserts:
        at %= len(data) + 1
        data = data[:at] + piece + data[at:]
    agree(data)


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(rb"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?\Z"),
    st.sampled_from(["p", "seq", "x"]),
)
def test_numbers_written_any_way_read_alike(number: bytes, key: str) -> None:
    entry = forecast(1)
    entry.pop(key, None)
    agree(b'{"%s":%s,' % (key.encode(), number) + orjson.dumps(entry)[1:] + b"\n")


def test_lines_of_other_kinds_after_a_forecast_are_left_out_alike() -> None:
    claim = {"kind": "claim", "seq": 2, "text": "x", "probs": "not an object here"}
    fast = agree(text([forecast(0), {"kind": "claim", "seq": 2}, {}, forecast(3, kind=None)]))
    assert fast is not None and len(fast) == 1
    assert line_columns.chunk_table(text([forecast(0), claim]), "alice") is None


def test_the_conversion_module_and_its_reading_import_no_pandas() -> None:
    # the converting processes are forked once foretell.tables is imported (conversions.ahead)
    code = (
        "import sys\n"
        "from foretell import tables\n"
        "print('pandas' in sys.modules)\n"
        "from foretell.interop.arrow import arrow\n"
        "arrow()\n"
        f"table = tables.parse_bytes({text(PLAIN)!r}, 'alice')\n"
        "print(len(table), 'pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "40", "False"], done.stderr
