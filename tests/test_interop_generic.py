"""The generic CSV / JSON Lines import: parsing, checking, and round trips of the format."""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import snapshot
from foretell import catalog, ledger
from foretell.catalog import describe_validation_error
from foretell.errors import ForetellError
from foretell.home import Home, init_home
from foretell.interop.formats import open_source
from foretell.interop.load import import_file
from foretell.interop.rows import ForecastRow, canonical_at
from foretell.interop.source import ImportOptions
from foretell.ledger import format_at
from foretell.model import check_forecast_fits
from foretell.verify import verify

FIXTURES = Path(__file__).parent / "fixtures" / "interop"


def entries(project: Home) -> dict[str, list[dict[str, Any]]]:
    """Each author's entries without the chain fields (seq, prev, sha) and the line number."""
    out: dict[str, list[dict[str, Any]]] = {}
    for path in ledger.ledger_files(project.ledger):
        found, problems = ledger.read_file(path)
        assert not problems
        out[path.stem] = [
            {k: v for k, v in e.items() if k not in ("seq", "prev", "sha", "_line", "question_sha")}
            for e in found
        ]
    return out


def run_import(project: Home, name: str, path: Path, **options: Any) -> Any:
    return import_file(project, open_source(name, path, ImportOptions(**options)))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


EXPECTED = {
    "alice-smith": [
        {
            "at": "2025-03-02T10:00:00.000000Z",
            "kind": "forecast",
            "question": "chip-ships-2025",
            "p": 0.7,
            "note": "first look",
            "imported": "generic",
        },
        {
            "at": "2025-06-01T00:00:00.000000Z",
            "kind": "forecast",
            "question": "chip-ships-2025",
            "p": 0.8,
            "imported": "generic",
        },
        {
            "at": "2025-03-31T22:00:00.000000Z",
            "kind": "forecast",
            "question": "launch-quarter",
            "probs": {"q2": 0.2, "q3": 0.5, "later": 0.3},
            "imported": "generic",
        },
        {
            "at": "2025-02-02T00:00:00.000000Z",
            "kind": "forecast",
            "question": "units-2025",
            "quantiles": {"0.05": 500000.0, "0.5": 700000.0, "0.95": 1000000.0},
            "imported": "generic",
        },
    ],
    "bob": [
        {
            "at": "2025-03-05T08:30:00.000000Z",
            "kind": "forecast",
            "question": "chip-ships-2025",
            "p": 0.65,
            "imported": "generic",
        },
        {
            "at": "2025-04-02T12:00:00.000000Z",
            "kind": "forecast",
            "question": "launch-quarter",
            "probs": {"q2": 0.3, "q3": 0.6, "later": 0.1},
            "imported": "generic",
        },
        {
            "at": "2025-05-01T00:00:00.000000Z",
            "kind": "forecast",
            "question": "void-question",
            "p": 0.1,
            "imported": "generic",
        },
        {
            "at": "2025-09-30T00:00:00.000000Z",
            "kind": "resolution",
            "question": "launch-quarter",
            "outcome": "q3",
            "resolved_on": "2025-09-30",
            "imported": "generic",
        },
        {
            "at": "2025-05-20T00:00:00.000000Z",
            "kind": "annulment",
            "question": "void-question",
            "why": "the source was withdrawn",
            "resolved_on": "2025-05-20",
            "imported": "generic",
        },
    ],
    "carol": [
        {
            "at": "2025-10-15T09:00:00.000000Z",
            "kind": "resolution",
            "question": "chip-ships-2025",
            "outcome": "yes",
            "resolved_on": "2025-10-15",
            "evidence": "vendor press release",
            "imported": "generic",
        }
    ],
}


@pytest.mark.parametrize("name", ["generic.csv", "generic.jsonl"])
def test_fixture_imports_as_the_expected_entries(home: Home, name: str) -> None:
    result = run_import(home, "generic", FIXTURES / name)
    assert entries(home) == EXPECTED
    assert result.forecasts == 7 and result.closings == 3
    assert sorted(result.created) == [
        "chip-ships-2025",
        "launch-quarter",
        "units-2025",
        "void-question",
    ]
    assert verify(home) == []


def test_csv_and_jsonl_forms_give_identical_ledgers_and_questions(tmp_path: Path) -> None:
    a, b = init_home(tmp_path / "a"), init_home(tmp_path / "b")
    run_import(a, "generic", FIXTURES / "generic.csv")
    run_import(b, "generic", FIXTURES / "generic.jsonl")
    sa, sb = snapshot(a), snapshot(b)
    # the question files differ only in naming their source file
    assert sa.keys() == sb.keys()
    for key in sa:
        if key.startswith("ledger/"):
            assert sa[key] == sb[key], key
    qa = catalog.load_catalog(a.forecasts)
    qb = catalog.load_catalog(b.forecasts)
    assert {k: q.sha() for k, q in qa.items()} == {k: q.sha() for k, q in qb.items()}


def test_question_terms_come_from_the_rows_and_defaults(home: Home) -> None:
    run_import(home, "generic", FIXTURES / "generic.csv")
    questions = catalog.load_catalog(home.forecasts)
    chip = questions["chip-ships-2025"]
    assert chip.opened.isoformat() == "2025-03-01"
    assert chip.resolve_by.isoformat() == "2025-10-31"
    assert chip.tags == ["chips", "shipping"]
    assert chip.criteria == "Yes if a customer confirms delivery."
    units = questions["units-2025"]
    assert units.range == (0.0, 3000000.0) and units.thresholds == [750000.0]
    void = questions["void-question"]
    # no opened/resolve_by given: first forecast's date, then the annulment's date
    assert void.opened.isoformat() == "2025-05-01"
    assert void.resolve_by.isoformat() == "2025-05-20"
    assert "generic format" in void.criteria
    launch = questions["launch-quarter"]
    assert launch.options == ["q2", "q3", "later"]


HEADER = ["question", "title", "author", "at", "p", "outcome"]


def good_rows(n: int) -> list[list[str]]:
    return [["q-a", "Will A?", "ann", f"2025-01-{1 + i % 28:02d}", "0.5", ""] for i in range(n)]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (["q-a", "Will A?", "ann", "2025-02-01", "1.7", ""], "probability 1.7 is outside [0, 1]"),
        (["q-a", "Will A?", "ann", "not a time", "0.2", ""], "at: 'not a time' is not a timestamp"),
        (["q-a", "Other title", "ann", "2025-02-01", "0.2", ""], "title is 'Other title' here"),
        (["Q A", "Will A?", "ann", "2025-02-01", "0.2", ""], "must be lowercase-kebab"),
        (["q-a", "Will A?", "", "2025-02-01", "0.2", ""], "author is empty"),
        (["q-a", "Will A?", "ann", "2025-02-01", "0.2", "maybe"], "the outcome is yes or no"),
        (["q-a", "Will A?", "ann", "", "", ""], "no forecast"),
    ],
)
def test_a_bad_row_anywhere_is_reported_at_its_line_and_nothing_is_written(
    home: Home, tmp_path: Path, bad: list[str], message: str
) -> None:
    run_import(home, "generic", FIXTURES / "generic.csv")
    before = snapshot(home)
    rows = good_rows(40)
    rows.insert(30, bad)
    path = write_csv(tmp_path / "bad.csv", HEADER, rows)
    with pytest.raises(ForetellError) as caught:
        run_import(home, "generic", path)
    assert caught.value.path == path
    assert caught.value.line == 32, str(caught.value)
    assert message in caught.value.message
    assert snapshot(home) == before


def test_the_same_mistake_gets_typed_inputs_message(home: Home, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "mc.csv",
        ["question", "title", "type", "options", "author", "at", "probs"],
        [["mc", "Which?", "multiple_choice", "a,b", "ann", "2025-01-01", "a=0.5,b=0.6"]],
    )
    with pytest.raises(ForetellError) as caught:
        run_import(home, "generic", path)
    typed = catalog.parse_question(
        'title="Which?"\ntype="multiple_choice"\nopened=2025-01-01\nresolve_by=2025-02-01\n'
        'criteria="c"\noptions=["a","b"]\n',
        "mc",
    )
    with pytest.raises(ValueError) as by_hand:
        check_forecast_fits(typed, {"probs": {"a": 0.5, "b": 0.6}})
    assert caught.value.message == describe_validation_error(by_hand.value)  # type: ignore[arg-type]
    assert caught.value.line == 2


def test_forecasts_after_the_given_resolve_by_are_refused(home: Home, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "late.csv",
        ["question", "title", "resolve_by", "author", "at", "p"],
        [
            ["q-a", "Will A?", "2025-01-10", "ann", "2025-01-02", "0.5"],
            ["q-a", "Will A?", "2025-01-10", "ann", "2025-01-12", "0.6"],
        ],
    )
    with pytest.raises(ForetellError) as caught:
        run_import(home, "generic", path)
    assert caught.value.line == 3
    assert "closed for forecasts on its resolve_by date 2025-01-10" in caught.value.message


def test_forecasts_after_the_resolution_are_refused(home: Home, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "after.csv",
        ["question", "title", "resolve_by", "author", "at", "p", "outcome", "resolved_at"],
        [
            ["q-a", "Will A?", "2025-03-01", "ann", "2025-01-02", "0.5", "yes", "2025-01-05"],
            ["q-a", "Will A?", "2025-03-01", "ann", "2025-01-09", "0.6", "yes", "2025-01-05"],
        ],
    )
    with pytest.raises(ForetellError) as caught:
        run_import(home, "generic", path)
    assert caught.value.line == 3
    assert "is resolved (2025-01-05); cannot log a forecast" in caught.value.message


def test_unknown_columns_are_refused_at_the_header(home: Home, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "typo.csv", ["question", "author", "at", "prob"], [])
    with pytest.raises(ForetellError) as caught:
        run_import(home, "generic", path)
    assert caught.value.line == 1 and "'prob'" in caught.value.message


def test_resolution_rows_without_forecasts_and_multiline_cells(home: Home, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "multi.csv",
        ["question", "title", "criteria", "author", "at", "p", "outcome", "resolver"],
        [
            ["q-a", "Will A?", "Line one.\nLine two.", "ann", "2025-01-02", "0.4", "", ""],
            ["q-a", "", "", "", "", "", "no", "judge"],
        ],
    )
    run_import(home, "generic", path)
    question = catalog.load_catalog(home.forecasts)["q-a"]
    assert question.criteria == "Line one.\nLine two."
    found = entries(home)
    assert found["judge"][0]["outcome"] == "no"
    # the resolution is dated at the question's last forecast
    assert found["judge"][0]["at"] == "2025-01-02T00:00:00.000000Z"


def test_author_option_fills_an_absent_author_column(home: Home, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "me.csv", ["question", "title", "at", "p"], [["q-a", "A?", "2025-01-01", "0.3"]]
    )
    run_import(home, "generic", path, author="Zoë Q")
    assert list(entries(home)) == ["zoe-q"]


# ----------------------------------------------------------------------------- properties

_cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
_names = st.sampled_from(
    [
        "question",
        "title",
        "type",
        "author",
        "at",
        "p",
        "probs",
        "q0.5",
        "q0.1",
        "outcome",
        "resolved_at",
        "range_low",
        "range_high",
        "unit",
        "options",
        "resolve_by",
        "tags",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(_names, min_size=1, max_size=8, unique=True),
    rows=st.lists(st.lists(_cells, max_size=9), max_size=6),
)
def test_arbitrary_csv_rows_raise_nothing_but_foretell_errors(
    tmp_path_factory: pytest.TempPathFactory, header: list[str], rows: list[list[str]]
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    project = init_home(root / "home")
    path = write_csv(root / "in.csv", header, rows)
    with contextlib.suppress(ForetellError):
        run_import(project, "generic", path, author="fuzzer")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_nothing_but_foretell_errors(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = init_home(root / "home")
        for name in ("in.csv", "in.jsonl"):
            path = root / name
            path.write_bytes(data)
            with contextlib.suppress(ForetellError):
                run_import(project, "generic", path, author="fuzzer")


_probability = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
_moment = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2024, 12, 31))


@settings(max_examples=60, deadline=None)
@given(
    forecasts=st.lists(
        st.tuples(
            st.sampled_from(["q-a", "q-b"]), st.sampled_from(["ann", "Bo B"]), _moment, _probability
        ),
        min_size=1,
        max_size=15,
    ),
    as_jsonl=st.booleans(),
)
def test_generic_rows_round_trip_to_the_same_payloads_and_times(
    forecasts: list[tuple[str, str, Any, float]], as_jsonl: bool
) -> None:
    import orjson

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = init_home(root / "home")
        rows = [
            {"question": q, "title": f"Will {q}?", "author": a, "at": t.isoformat(), "p": repr(p)}
            for q, a, t, p in forecasts
        ]
        if as_jsonl:
            path = root / "in.jsonl"
            path.write_bytes(
                b"".join(orjson.dumps({**r, "p": float(r["p"])}) + b"\n" for r in rows)
            )
        else:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
            path = root / "in.csv"
            path.write_text(buffer.getvalue(), encoding="utf-8")
        source = open_source("generic", path)
        got = [r for r in source.records() if isinstance(r, ForecastRow)]
        expect = [(q, format_at(t.replace(tzinfo=UTC)), p) for q, _, t, p in forecasts]
        assert [(r.question, r.at, r.payload["p"]) for r in got] == expect
        import_file(project, source)
        written = entries(project)
        total = sum(len(v) for v in written.values())
        assert total == len(forecasts)
        got_entries = [(e["question"], e["at"], e["p"]) for v in written.values() for e in v]
        assert sorted(got_entries) == sorted(expect)


_json: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _cells,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_cells, inner, max_size=3),
    max_leaves=5,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.dictionaries(_names | st.just("quantiles") | st.just("range"), _json), max_size=5)
)
def test_arbitrary_jsonl_objects_raise_nothing_but_foretell_errors(
    objects: list[dict[str, Any]],
) -> None:
    import json

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = init_home(root / "home")
        path = root / "in.jsonl"
        path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
        with contextlib.suppress(ForetellError):
            run_import(project, "generic", path, author="fuzzer")


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31)))
@settings(max_examples=200, deadline=None)
def test_canonical_at_reads_every_written_form_of_a_time_alike(moment: datetime) -> None:
    moment = moment.replace(tzinfo=UTC)
    whole = moment.replace(microsecond=0)
    expected = format_at(whole)
    for text in (
        whole.strftime("%Y-%m-%dT%H:%M:%SZ"),  # the fast path
        whole.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        whole.strftime("%Y-%m-%d %H:%M:%S"),
        expected,
    ):
        assert canonical_at(text) == expected
    assert canonical_at(format_at(moment)) == format_at(moment)


@pytest.mark.parametrize(
    "text", ["2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "2025-01-01T24:00:00Z"]
)
def test_canonical_at_refuses_impossible_times(text: str) -> None:
    with pytest.raises(ValueError):
        canonical_at(text)
