"""Fatebook's CSV export: mapping, multiple-choice grouping, non-exclusive options, fuzzing."""

from __future__ import annotations

import contextlib
import csv
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import catalog, ledger
from foretell.errors import ForetellError
from foretell.home import Home, init_home
from foretell.interop.fatebook import FatebookSource
from foretell.interop.load import import_file
from foretell.interop.source import ImportOptions
from foretell.verify import verify

FIXTURE = Path(__file__).parent / "fixtures" / "interop" / "fatebook.csv"
COLUMNS = [
    "Question title",
    "Multiple choice option",
    "Forecast created by",
    "Forecast (scale = 0-1)",
    "Forecast created at",
    "Question created by",
    "Question created at",
    "Question resolve by",
    "Resolution",
    "Resolved at",
    "Your Brier score for this question",
    "Your relative Brier score for this question",
    "Question notes",
    "Question shared with",
    "Question shared publicly",
    "Question comments",
    "Question tags",
]


def entries(project: Home) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for path in ledger.ledger_files(project.ledger):
        found, problems = ledger.read_file(path)
        assert not problems
        out[path.stem] = [
            (
                e["kind"],
                e["question"],
                e["at"],
                e.get("p", e.get("probs", e.get("outcome", e.get("why")))),
                e.get("imported"),
            )
            for e in found
        ]
    return out


def test_fixture_imports_as_the_expected_entries(home: Home) -> None:
    result = import_file(home, FatebookSource(FIXTURE))
    q3 = "fatebook-will-the-950pr-ship-in-q3"
    v4 = "fatebook-which-quarter-will-v4-launch"
    probs_ann = {"Q2": 0.5, "Q3": 0.3, "Later; or never": 0.2}
    probs_bo = {"Q2": 0.1, "Q3": 0.6, "Later; or never": 0.3}
    assert entries(home) == {
        "ann-lee": [
            ("forecast", q3, "2025-05-01T10:00:00.000000Z", 0.6, "fatebook"),
            ("forecast", q3, "2025-06-01T10:00:00.000000Z", 0.8, "fatebook"),
            ("forecast", v4, "2025-05-01T10:00:00.000000Z", probs_ann, "fatebook"),
            (
                "forecast",
                "fatebook-which-features-ship-benchmarks",
                "2025-05-01T10:00:00.000000Z",
                0.7,
                "fatebook",
            ),
            (
                "forecast",
                "fatebook-which-features-ship-cuda-layer",
                "2025-05-01T10:00:00.000000Z",
                0.5,
                "fatebook",
            ),
            (
                "forecast",
                "fatebook-will-the-rumour-hold",
                "2025-05-01T10:00:00.000000Z",
                0.5,
                "fatebook",
            ),
            ("resolution", q3, "2025-09-15T12:00:00.000000Z", "yes", "fatebook"),
            ("resolution", v4, "2025-08-01T00:00:00.000000Z", "Q3", "fatebook"),
            (
                "resolution",
                "fatebook-which-features-ship-benchmarks",
                "2025-11-01T00:00:00.000000Z",
                "yes",
                "fatebook",
            ),
            (
                "resolution",
                "fatebook-which-features-ship-cuda-layer",
                "2025-11-02T00:00:00.000000Z",
                "no",
                "fatebook",
            ),
            (
                "annulment",
                "fatebook-will-the-rumour-hold",
                "2025-06-01T00:00:00.000000Z",
                "resolved AMBIGUOUS on Fatebook",
                "fatebook",
            ),
        ],
        "bo-chen": [
            # unpadded seconds ("11:00:5") as older exports write them
            ("forecast", q3, "2025-05-02T11:00:05.000000Z", 0.3, "fatebook"),
            ("forecast", v4, "2025-05-03T10:00:00.000000Z", probs_bo, "fatebook"),
            ("forecast", "fatebook-still-open", "2025-05-01T10:00:00.000000Z", 0.4, "fatebook"),
            ("forecast", "fatebook-still-open", "2025-06-01T10:00:00.000000Z", 0.45, "fatebook"),
        ],
    }
    assert result.forecasts == 10 and result.closings == 5
    assert verify(home) == []


def test_question_files_record_where_they_came_from(home: Home) -> None:
    import_file(home, FatebookSource(FIXTURE))
    questions = catalog.load_catalog(home.forecasts)
    q3 = questions["fatebook-will-the-950pr-ship-in-q3"]
    assert q3.opened.isoformat() == "2025-04-30" and q3.resolve_by.isoformat() == "2025-09-30"
    assert q3.tags == ["chips", "huawei"]
    assert "Imported from a Fatebook CSV export" in q3.criteria
    assert "Counts if any customer confirms." in q3.criteria
    assert q3.sources[0].outlet == "Fatebook"
    v4 = questions["fatebook-which-quarter-will-v4-launch"]
    assert v4.type == "multiple_choice" and v4.options == ["Q2", "Q3", "Later; or never"]
    split = questions["fatebook-which-features-ship-benchmarks"]
    assert split.type == "binary" and split.title == "Which features ship?: Benchmarks"
    # a forecast after the resolve-by date moves it, and the criteria say so
    late = questions["fatebook-still-open"]
    assert late.resolve_by.isoformat() == "2025-06-01"
    assert "was 2025-05-15" in late.criteria


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return path


def test_two_questions_with_one_title_get_distinct_ids(home: Home, tmp_path: Path) -> None:
    base = {
        "Question title": "Will it rain?",
        "Forecast created by": "Ann",
        "Forecast (scale = 0-1)": "0.5",
        "Question resolve by": "2025-12-31",
    }
    path = write_rows(
        tmp_path / "f.csv",
        [
            {
                **base,
                "Question created at": "2025-01-01 00:00:00",
                "Forecast created at": "2025-01-02 00:00:00",
            },
            {
                **base,
                "Question created at": "2025-03-01 00:00:00",
                "Forecast created at": "2025-03-02 00:00:00",
            },
        ],
    )
    result = import_file(home, FatebookSource(path))
    assert sorted(result.created) == ["fatebook-will-it-rain", "fatebook-will-it-rain-20250301"]


def test_a_bad_probability_is_reported_at_its_line(home: Home, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "f.csv",
        [
            {
                "Question title": "Q?",
                "Forecast created by": "Ann",
                "Forecast (scale = 0-1)": "0.5",
                "Forecast created at": "2025-01-02 00:00:00",
            },
            {
                "Question title": "Q?",
                "Forecast created by": "Ann",
                "Forecast (scale = 0-1)": "7",
                "Forecast created at": "2025-01-03 00:00:00",
            },
        ],
    )
    try:
        import_file(home, FatebookSource(path))
    except ForetellError as err:
        assert (err.path, err.line) == (path, 3)
        assert "outside [0, 1]" in err.message
    else:
        raise AssertionError("expected an error")
    assert [p.name for p in home.ledger.iterdir()] == [".lock"]  # made by init
    assert list(home.forecasts.iterdir()) == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                c: st.one_of(
                    st.text(max_size=10),
                    st.sampled_from(["YES", "NO", "AMBIGUOUS", "0.5", "2025-01-02 10:00:00", "A"]),
                )
                for c in COLUMNS[:10]
            },
        ),
        max_size=8,
    )
)
def test_arbitrary_rows_raise_nothing_but_foretell_errors(rows: list[dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = init_home(root / "home")
        cleaned = [{k: v.replace("\x00", "") for k, v in r.items()} for r in rows]
        path = write_rows(root / "f.csv", cleaned)
        with contextlib.suppress(ForetellError):
            import_file(project, FatebookSource(path, ImportOptions(author="fuzz")))
