"""The column-wise generic CSV import (columns.py, bulk.py) writes exactly what the row-by-row
import writes, refuses exactly what it refuses, and leaves files it cannot follow to it."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foretell import ledger
from foretell.errors import ForetellError
from foretell.home import Home, init_home
from foretell.interop import load
from foretell.interop.formats import open_source
from foretell.interop.generic import GenericSource
from foretell.interop.load import import_file
from foretell.interop.source import ImportOptions

HEADER = ["question", "title", "author", "at", "p", "probs", "outcome", "resolved_at", "note"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def snapshot(home: Home) -> dict[str, bytes]:
    files = {}
    for directory in (home.ledger, home.forecasts):
        for path in sorted(directory.rglob("*")):
            name = path.relative_to(home.root)
            if path.is_file() and not any(part.startswith(".") for part in name.parts):
                files[str(name)] = path.read_bytes()  # derived caches (.index/) left out
    return files


def outcome(home: Home, path: Path, columns: bool, **kw: Any) -> tuple[str, Any]:
    """('ok', files) or ('error', (message, line)) of one import."""
    source = open_source("generic", path, ImportOptions(author="fallback"))
    if not columns:
        source.columns = lambda: None  # type: ignore[attr-defined]
    try:
        import_file(home, source, **kw)
    except ForetellError as err:
        return "error", (err.message, err.line)
    return "ok", snapshot(home)


def both(tmp_path: Path, path: Path, prepare: Any = None, **kw: Any) -> tuple[Any, Any]:
    results = []
    for name, columns in (("columns", True), ("rows", False)):
        home = init_home(tmp_path / name)
        if prepare is not None:
            prepare(home)
        results.append(outcome(home, path, columns, **kw))
    return results[0], results[1]


def plain_rows(n: int, questions: int = 3) -> list[list[str]]:
    return [
        [
            f"q-{i % questions}",
            f"Question {i % questions}?",
            f"person-{i % 4}",
            f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:{i % 60:02d}Z",
            f"{(i * 37 % 1000) / 1000:.3f}",
            "",
            "yes" if i % questions else "no",
            "2026-01-15T00:00:00Z",
            "",
        ]
        for i in range(n)
    ]


def test_a_plain_file_takes_the_column_wise_path(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", plain_rows(50))
    home = init_home(tmp_path / "home")
    source = open_source("generic", path, ImportOptions())
    plan = load._plan_columns(home, source, None, datetime.now(UTC).date(), load.Progress(False))
    assert plan is not None and plan.planner.forecasts == 50


def test_a_plain_file_is_imported_byte_for_byte_as_row_by_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", plain_rows(300, questions=7))
    columns, rows = both(tmp_path, path)
    assert columns[0] == "ok"
    assert columns == rows


@pytest.mark.parametrize(
    "text",
    [
        'question,title,author,at,p\nq-a,"A, quoted",ann,2025-01-01T00:00:00Z,0.5\n',
        "question,title,author,at,p\nq-a,A,ann,2025-01-01T00:00:00Z,0.5\n\n",
        "question,title,author,at,p\rq-a,A,ann,2025-01-01T00:00:00Z,0.5\r",
        "question,title,author,at,p\nq-a,A,ann,2025-01-01T00:00:00Z,0.5,extra\n",
    ],
    ids=["quotes", "blank line", "lone carriage returns", "extra cell"],
)
def test_files_it_cannot_follow_line_for_line_are_left_to_the_row_by_row_reader(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode())
    home = init_home(tmp_path / "home")
    source = open_source("generic", path, ImportOptions())
    plan = load._plan_columns(home, source, None, datetime.now(UTC).date(), load.Progress(False))
    assert plan is None
    columns, rows = both(tmp_path, path)
    assert columns == rows


def test_an_existing_chain_is_extended_and_a_reimport_refused_at_the_same_line(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "in.csv", plain_rows(40))
    first = write_csv(tmp_path / "first.csv", plain_rows(40)[:20])

    def prepare(home: Home) -> None:
        import_file(home, open_source("generic", first, ImportOptions()))

    columns, rows = both(tmp_path, path, prepare)
    assert columns == rows
    assert columns[0] == "error" and columns[1][1] == 2
    columns, rows = both(tmp_path / "skip", path, prepare, skip_existing=True)
    assert columns[0] == "ok" and columns == rows


def test_a_chain_that_moved_before_the_lock_is_encoded_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "in.csv", plain_rows(30))
    peek = ledger.peek_tail
    monkeypatch.setattr(ledger, "peek_tail", lambda d, a: (-1, None))  # a stale guess
    columns = outcome(init_home(tmp_path / "columns"), path, True)
    monkeypatch.setattr(ledger, "peek_tail", peek)
    rows = outcome(init_home(tmp_path / "rows"), path, False)
    assert columns[0] == "ok" and columns == rows


def test_notes_are_escaped_as_the_canonical_json_of_the_entry(tmp_path: Path) -> None:
    rows = plain_rows(12)
    for i, row in enumerate(rows):
        row[-1] = ["", "back\\slash é", "tab\there", "\u2028 line sep"][i % 4]
    path = write_csv(tmp_path / "in.csv", rows)
    columns, by_rows = both(tmp_path, path)
    assert columns[0] == "ok" and columns == by_rows
    home = init_home(tmp_path / "again")
    import_file(home, open_source("generic", path, ImportOptions()))
    for file in ledger.ledger_files(home.ledger):
        for line in file.read_bytes().splitlines():
            entry = orjson.loads(line)
            entry.pop("sha")
            assert line + b"\n" == ledger.encode_entry(entry)[0]


# --------------------------------------------------------------------------- property

QUESTIONS = ["q-a", "q-b", " q-a", "Q_bad"]
AUTHORS = ["ann", "Bob Smith", "", "José", "!!!"]
TIMES = [
    "2025-01-02T03:04:05Z",
    "2025-01-02T03:04:05.250000Z",
    "2025-01-02t03:04:05z",
    "2025-01-02T03:04:05z",
    "2025-02-29T00:00:00Z",
    "2024-02-29T23:59:59Z",
    "2025-01-02",
    "2025-01-02T03:04:05+02:00",
    "1899-12-31T23:59:59Z",
    "",
]
PS = ["0.5", ".25", "1", "0", "1.", "50%", "1.5", "", "0.3333333333333333333", "nan"]
TITLES = ["A?", "B?", ""]
OUTCOMES = ["", "", "yes", "no", "annulled"]

row_strategy = st.tuples(
    st.sampled_from(QUESTIONS),
    st.sampled_from(TITLES),
    st.sampled_from(AUTHORS),
    st.sampled_from(TIMES),
    st.sampled_from(PS),
    st.sampled_from(["", "", "", "x=0.4,y=0.6"]),
    st.sampled_from(OUTCOMES),
    st.sampled_from(["", "2026-01-01T00:00:00Z"]),
    st.sampled_from(["", "", "a note"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(row_strategy, min_size=1, max_size=30))
def test_any_file_imports_or_fails_as_the_row_by_row_import_does(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, ...]]
) -> None:
    tmp_path = tmp_path_factory.mktemp("case")
    path = write_csv(tmp_path / "in.csv", [list(r) for r in rows])
    columns, by_rows = both(tmp_path, path)
    assert columns == by_rows


def test_the_generic_source_offers_no_column_reader_for_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"question": "q-a", "p": 0.5, "at": "2025-01-01", "title": "A?"}\n')
    source = GenericSource(path, ImportOptions(author="ann"))
    assert source.columns() is None


def _plain_by_definition(data: bytes) -> bool:
    """No quote, no blank line, every carriage return just before a newline."""
    return (
        b'"' not in data
        and b"\n\n" not in data
        and b"\n\r\n" not in data
        and data.count(b"\r") == data.count(b"\r\n")
    )


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.binary(max_size=40)
    | st.lists(st.sampled_from([b"a", b",", b"\n", b"\r", b"\r\n", b'"']), max_size=30).map(
        b"".join
    ),
    st.integers(1, 6),
)
def test_the_first_look_at_the_bytes_follows_its_definition_across_chunk_edges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, chunk: int
) -> None:
    from foretell.interop import columns

    monkeypatch.setattr(columns, "BLOCK_BYTES", chunk)
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert columns._plain_bytes(path) == _plain_by_definition(data)


_DIGIT = st.sampled_from("0123456789")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(*[st.text(_DIGIT, min_size=w, max_size=w) for w in (4, 2, 2, 2, 2, 2, 6)]),
        min_size=1,
        max_size=40,
    ),
    st.integers(0, 5),
)
def test_stored_times_read_from_the_bytes_equal_pyarrows_slices(
    fields: list[tuple[str, ...]], skip: int
) -> None:
    import pyarrow as pa

    from foretell.interop import columns

    texts = [f"{y}-{mo}-{d}T{h}:{mi}:{s}.{us}Z" for y, mo, d, h, mi, s, us in fields]
    stored = pa.array(texts, pa.string()).slice(min(skip, len(texts) - 1))
    fixed = columns._fixed_digits(stored)
    assert fixed is not None
    for read, sliced in zip(fixed, columns._sliced_digits(stored), strict=True):
        assert read.tolist() == sliced.tolist()


def test_stored_times_of_another_layout_are_sliced_by_pyarrow() -> None:
    import pyarrow as pa

    from foretell.interop import columns

    assert columns._fixed_digits(pa.array(["2025-01-01T00:00:00Z"])) is None
    assert columns._fixed_digits(pa.array(["2025-01-01T00:00:00.000000Z", None])) is None
    ok, key = columns._real_times(pa.array(["2025-02-29T00:00:00.000000Z"] * 2))
    assert ok.tolist() == [False, False]  # 2025 is not a leap year
    ok, key = columns._real_times(pa.array(["2024-02-29T23:59:59.999999Z"]))
    assert ok.tolist() == [True] and key[0] > 0
