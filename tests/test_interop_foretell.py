"""foretell's own export, and reading it back: export -> import -> export gives the same bytes."""

from __future__ import annotations

import contextlib
import io
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import OPENED, question, snapshot, write_question
from foretell import actions, ledger
from foretell.errors import ForetellError
from foretell.home import Home, init_home
from foretell.interop.fatebook import FatebookSource
from foretell.interop.foretell_format import ForetellSource, write_export
from foretell.interop.load import import_file
from foretell.interop.source import ImportOptions
from foretell.verify import verify

FIXTURES = Path(__file__).parent / "fixtures" / "interop"


def export_text(project: Home, fmt: str) -> str:
    out = io.StringIO()
    write_export(project, fmt, out)
    return out.getvalue()


def chains(project: Home) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in ledger.ledger_files(project.ledger)}


@pytest.fixture
def rich(home: Home) -> Home:
    """Typed forecasts of every type, a resolution amended, an annulment, a question amended
    after forecasts were made, and entries imported from Fatebook."""
    write_question(home, question("bin"))
    write_question(home, question("mc", "multiple_choice"))
    write_question(home, question("num", "numeric"))
    write_question(home, question("gone"))
    moment = datetime.combine(OPENED, datetime.min.time(), UTC) + timedelta(hours=9)
    actions.log_forecast(home, "bin", {"p": 0.25}, by="ann", note='why, "quoted"\nand more')
    actions.log_forecast(home, "mc", {"probs": {"a": 0.2, "b": 0.3, "c": 0.5}}, by="bo", at=moment)
    actions.log_forecast(
        home, "num", {"quantiles": {0.1: 100.0, 0.5: 400.0, 0.9: 1e-7 + 900}}, by="ann"
    )
    actions.log_forecast(home, "gone", {"p": 1e-9}, by="bo")
    actions.resolve(home, "mc", "b", by="ann", evidence="a report, page 3")
    actions.resolve(home, "mc", "c", by="bo", amend=True, why="misread the report")
    actions.resolve(home, "num", "612,000.5", by="ann")
    actions.annul(home, "gone", by="bo", why="the source was retracted")
    write_question(home, question("bin", criteria="YES if two outlets report it."))
    actions.amend_question(home, "bin", by="ann", why="asked for a second outlet")
    actions.log_forecast(home, "bin", {"p": 0.3}, by="ann")
    import_file(home, FatebookSource(FIXTURES / "fatebook.csv"))
    assert verify(home) == []
    return home


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_import_export_gives_identical_bytes(rich: Home, tmp_path: Path, fmt: str) -> None:
    first = export_text(rich, fmt)
    path = tmp_path / f"export.{fmt}"
    path.write_text(first, encoding="utf-8", newline="")
    empty = init_home(tmp_path / "copy")
    import_file(empty, ForetellSource(path))
    assert export_text(empty, fmt) == first
    # the chains themselves are rebuilt entry for entry: same payloads, authors, times, shas
    assert chains(empty) == chains(rich)
    assert {k: v for k, v in snapshot(empty).items() if k.startswith("forecasts/")} == {
        k: v for k, v in snapshot(rich).items() if k.startswith("forecasts/")
    }
    assert verify(empty) == []


def test_entries_keep_their_imported_mark_or_none(rich: Home, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text(export_text(rich, "jsonl"))
    empty = init_home(tmp_path / "copy")
    import_file(empty, ForetellSource(path))
    found, _ = ledger.read_file(empty.ledger / "ann.jsonl")
    assert "imported" not in found[0]
    found, _ = ledger.read_file(empty.ledger / "ann-lee.jsonl")
    assert {e["imported"] for e in found} == {"fatebook"}


def test_the_csv_and_jsonl_exports_hold_the_same_records(rich: Home) -> None:
    import csv

    import orjson

    rows = list(csv.DictReader(io.StringIO(export_text(rich, "csv"))))
    objects = [orjson.loads(line) for line in export_text(rich, "jsonl").splitlines()]
    assert [r["record"] for r in rows] == [o["record"] for o in objects]
    assert [r["sha"] for r in rows] == [o["sha"] for o in objects]
    kinds = {o["record"] for o in objects}
    assert kinds == {"question", "forecast", "resolution", "annulment", "amendment"}


def test_an_amends_reference_follows_the_rewritten_entry(rich: Home, tmp_path: Path) -> None:
    """Into a home whose chains already have entries, the shas change; ``amends`` must point
    at the new sha of the resolution it replaces."""
    path = tmp_path / "e.jsonl"
    path.write_text(export_text(rich, "jsonl"))
    other = init_home(tmp_path / "other")
    write_question(other, question("unrelated"))
    actions.log_forecast(other, "unrelated", {"p": 0.5}, by="ann")
    actions.log_forecast(other, "unrelated", {"p": 0.5}, by="bo")
    import_file(other, ForetellSource(path))
    assert verify(other) == []
    found, _ = ledger.read_file(other.ledger / "bo.jsonl")
    amended = next(e for e in found if e.get("amends"))
    first, _ = ledger.read_file(other.ledger / "ann.jsonl")
    target = next(e for e in first if e["kind"] == "resolution" and e["question"] == "mc")
    assert amended["amends"] == target["sha"]


def test_reimporting_an_export_into_its_own_home_is_refused(rich: Home, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(export_text(rich, "csv"), newline="")
    before = snapshot(rich)
    with pytest.raises(ForetellError) as caught:
        import_file(rich, ForetellSource(path))
    assert "imported before" in caught.value.message
    assert snapshot(rich) == before


def test_a_bad_record_is_reported_at_its_line(home: Home, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text('{"record": "question", "question": "q"}\n{"record": "guess"}\n')
    with pytest.raises(ForetellError) as caught:
        import_file(home, ForetellSource(path))
    assert caught.value.line == 1 and "type must be" in caught.value.message


_note = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=20,
)


@settings(max_examples=40, deadline=None)
@given(
    items=st.lists(
        st.tuples(
            st.sampled_from(["ann", "bo", "c.d_e"]),
            st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
            st.integers(min_value=0, max_value=10**9),
            _note,
        ),
        min_size=1,
        max_size=12,
    ),
    fmt=st.sampled_from(["csv", "jsonl"]),
)
def test_arbitrary_ledgers_round_trip(items: list[tuple[str, float, int, str]], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = init_home(root / "a")
        q = question("q-1")
        write_question(project, q)
        base = datetime(2024, 1, 1, tzinfo=UTC)
        # a chain's own entries are in time order (appends refuse anything else)
        for author, p, micros, note in sorted(items, key=lambda item: item[2]):
            entry = {
                "at": ledger.format_at(base + timedelta(microseconds=micros)),
                "kind": "forecast",
                "question": "q-1",
                "question_sha": q.sha(),
                "p": p,
                "note": note or None,
            }
            ledger.append(project.ledger, author, entry)
        text = export_text(project, fmt)
        path = root / f"e.{fmt}"
        path.write_text(text, encoding="utf-8", newline="")
        copy = init_home(root / "b")
        import_file(copy, ForetellSource(path))
        assert chains(copy) == chains(project)
        assert export_text(copy, fmt) == text


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["e.csv", "e.jsonl"]))
def test_arbitrary_bytes_raise_nothing_but_foretell_errors(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / name
        path.write_bytes(data)
        project = init_home(root / "home")
        with contextlib.suppress(ForetellError):
            import_file(project, ForetellSource(path, ImportOptions()))
