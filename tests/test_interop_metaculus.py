"""Metaculus' data export: questions, people vs aggregates, quantiles read off the CDF."""

from __future__ import annotations

import contextlib
import csv
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import catalog, ledger
from foretell.errors import ForetellError
from foretell.home import Home, init_home
from foretell.interop.load import import_file
from foretell.interop.metaculus import MetaculusSource
from foretell.interop.source import ImportOptions
from foretell.verify import verify

FIXTURE = Path(__file__).parent / "fixtures" / "interop" / "metaculus"


def payloads(project: Home) -> dict[str, list[tuple[str, str, Any]]]:
    out = {}
    for path in ledger.ledger_files(project.ledger):
        found, problems = ledger.read_file(path)
        assert not problems
        out[path.stem] = [
            (
                e["question"],
                e["at"],
                e.get("p", e.get("probs", e.get("quantiles", e.get("outcome", e.get("why"))))),
            )
            for e in found
        ]
    return out


def test_fixture_imports_people_and_aggregates_apart(home: Home) -> None:
    result = import_file(home, MetaculusSource(FIXTURE))
    got = payloads(home)
    assert got["alice_w"] == [
        ("metaculus-101", "2025-02-01T12:00:00.123456Z", 0.6),
        ("metaculus-101", "2025-03-01T12:00:00.000000Z", 0.75),
        (
            "metaculus-102",
            "2025-02-02T12:00:00.000000Z",
            {"Before 2026": 0.2, "In 2026; or later": 0.3, "Never": 0.5},
        ),
    ]
    assert got["metaculus-recency-weighted"] == [
        ("metaculus-101", "2025-02-01T12:00:00.123456Z", 0.6),
        ("metaculus-101", "2025-03-01T12:00:00.000000Z", 0.7),
        # an option not offered at the time (None in the export) counts as 0
        (
            "metaculus-102",
            "2025-02-02T12:00:00.000000Z",
            {"Before 2026": 0.25, "In 2026; or later": 0.0, "Never": 0.75},
        ),
        ("metaculus-105", "2025-02-05T12:00:00.000000Z", 0.1),
    ]
    assert got["metaculus"] == [
        ("metaculus-101", "2025-11-01T00:00:00.000000Z", "yes"),
        ("metaculus-102", "2025-10-01T00:00:00.000000Z", "Never"),
        ("metaculus-103", "2025-12-01T00:00:00.000000Z", 42.5),
        ("metaculus-104", "2025-09-01T00:00:00.000000Z", "annulled on Metaculus"),
    ]
    linear = {q: v for q, _, v in got["bob"]}["metaculus-103"]
    # CDF from 0.1 at 0 to 0.9 at 100: mass below/above the range pins the tails to its bounds
    assert linear == {
        "0.05": 0.0,
        "0.1": 0.0,
        "0.25": pytest.approx(18.75),
        "0.5": pytest.approx(50.0),
        "0.75": pytest.approx(81.25),
        "0.9": 100.0,
        "0.95": 100.0,
    }
    log_scaled = {q: v for q, _, v in got["bob"]}["metaculus-104"]
    # uniform in the CDF's position t on a log scale from 1 to 1000 (zero point 0): x = 1000**t
    for level, value in log_scaled.items():
        assert value == pytest.approx(1000.0 ** float(level), rel=1e-12)
    assert result.forecasts == 9 and sorted(result.created) == [
        f"metaculus-{n}" for n in range(101, 106)
    ]
    questions = catalog.load_catalog(home.forecasts)
    assert questions["metaculus-103"].range == (0.0, 100.0)
    assert questions["metaculus-103"].title == "Share of output (percent)? (Linear)"
    assert questions["metaculus-101"].tags == ["metaculus", "technology", "economy-business"]
    assert "https://www.metaculus.com/questions/9101/" in questions["metaculus-101"].criteria
    assert verify(home) == []


def test_aggregates_can_be_skipped(home: Home) -> None:
    result = import_file(home, MetaculusSource(FIXTURE, ImportOptions(skip_aggregates=True)))
    assert "metaculus-recency-weighted" not in payloads(home)
    assert result.skipped == {"aggregate forecasts": 4}
    assert "4 aggregate forecasts skipped" in result.describe()


def test_the_zip_and_either_csv_read_the_same(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("question_data.csv", "forecast_data.csv"):
            zf.write(FIXTURE / name, f"export/{name}")
    ledgers = []
    for i, path in enumerate(
        [archive, FIXTURE / "question_data.csv", FIXTURE / "forecast_data.csv", FIXTURE]
    ):
        project = init_home(tmp_path / f"h{i}")
        import_file(project, MetaculusSource(path))
        ledgers.append({p.name: p.read_bytes() for p in ledger.ledger_files(project.ledger)})
    assert all(one == ledgers[0] for one in ledgers)


def test_errors_name_the_file_and_line_they_come_from(home: Home, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURE, folder)
    with (folder / "forecast_data.csv").open("a", newline="") as fh:
        csv.writer(fh).writerow(["999", "11", "alice_w", "", "2025-02-01", "", "", "0.5"])
    with pytest.raises(ForetellError) as caught:
        import_file(home, MetaculusSource(folder))
    assert caught.value.path == folder / "forecast_data.csv" and caught.value.line == 11
    assert "Question ID '999' is not in question_data.csv" in caught.value.message


def test_a_person_named_like_an_aggregate_is_refused(home: Home, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURE, folder)
    with (folder / "forecast_data.csv").open("a", newline="") as fh:
        row = ["101", "77", "Metaculus Recency Weighted", "", "2025-02-01", "", "", "0.5"]
        csv.writer(fh).writerow(row)
    with pytest.raises(ForetellError) as caught:
        import_file(home, MetaculusSource(folder))
    assert caught.value.line == 11 and "aggregate" in caught.value.message


_cell = st.one_of(
    st.text(max_size=12).map(lambda s: s.replace("\x00", "")),
    st.sampled_from(["101", "102", "103", "", "0.5", "[0.2, 0.8]", "[0.1, None]", "2025-01-01"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_cell, min_size=0, max_size=10), max_size=6))
def test_arbitrary_forecast_rows_raise_nothing_but_foretell_errors(rows: list[list[str]]) -> None:
    header = [
        "Question ID",
        "Forecaster ID",
        "Forecaster Username",
        "Is Bot",
        "Start Time",
        "End Time",
        "Forecaster Count",
        "Probability Yes",
        "Probability Yes Per Category",
        "Continuous CDF",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "export"
        folder.mkdir()
        shutil.copy(FIXTURE / "question_data.csv", folder / "question_data.csv")
        with (folder / "forecast_data.csv").open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        project = init_home(root / "home")
        with contextlib.suppress(ForetellError):
            import_file(project, MetaculusSource(folder))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_cell, min_size=0, max_size=18), max_size=4))
def test_arbitrary_question_rows_raise_nothing_but_foretell_errors(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "export"
        folder.mkdir()
        shutil.copy(FIXTURE / "forecast_data.csv", folder / "forecast_data.csv")
        header = (FIXTURE / "question_data.csv").read_text().splitlines()[0].split(",")
        with (folder / "question_data.csv").open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
        project = init_home(root / "home")
        with contextlib.suppress(ForetellError):
            import_file(project, MetaculusSource(folder))
