"""PredictionBook's CSV: mean confidence 0..100 as p, judgements as resolutions."""

from __future__ import annotations

import contextlib
import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import catalog, ledger
from foretell.errors import ForetellError
from foretell.home import Home, init_home
from foretell.interop.load import import_file
from foretell.interop.predictionbook import PredictionBookSource
from foretell.verify import verify

FIXTURE = Path(__file__).parent / "fixtures" / "interop" / "predictionbook.csv"
HEADER = FIXTURE.read_text().splitlines()[0].split(",")


def test_fixture_imports_as_the_expected_entries(home: Home) -> None:
    import_file(home, PredictionBookSource(FIXTURE))
    found, problems = ledger.read_file(home.ledger / "dana-fox.jsonl")
    assert not problems
    summary = [
        (e["kind"], e["question"], e["at"], e.get("p", e.get("outcome", e.get("why"))))
        for e in found
    ]
    # forecasts in file order, then the resolutions and annulments
    assert summary == [
        ("forecast", "predictionbook-1001", "2025-01-10T12:00:00.000000Z", 0.7),
        ("forecast", "predictionbook-1002", "2025-01-11T12:00:00.000000Z", 0.255),
        ("forecast", "predictionbook-1003", "2025-01-12T12:00:00.000000Z", 0.5),
        ("forecast", "predictionbook-1004", "2025-01-13T12:00:00.000000Z", 0.12),
        ("resolution", "predictionbook-1001", "2025-06-01T08:00:00.000000Z", "yes"),
        ("resolution", "predictionbook-1002", "2025-12-31T10:00:00.000000Z", "no"),
        (
            "annulment",
            "predictionbook-1003",
            "2025-02-01T00:00:00.000000Z",
            "withdrawn on PredictionBook",
        ),
    ]
    assert all(e["imported"] == "predictionbook" for e in found)
    q = catalog.load_catalog(home.forecasts)["predictionbook-1001"]
    assert (q.title, q.opened.isoformat(), q.resolve_by.isoformat()) == (
        "The chip is announced by June",
        "2025-01-10",
        "2025-06-30",
    )
    assert verify(home) == []


def test_mean_confidence_outside_0_to_100_is_refused(home: Home, tmp_path: Path) -> None:
    lines = FIXTURE.read_text().splitlines()
    lines[2] = lines[2].replace(",25.5,", ",125,")
    path = tmp_path / "pb.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ForetellError) as caught:
        import_file(home, PredictionBookSource(path))
    assert caught.value.line == 3
    assert "mean_confidence 125 is outside 0..100" in caught.value.message
    assert [p.name for p in home.ledger.iterdir()] == [".lock"]  # made by init


_cell = st.one_of(
    st.text(max_size=10).map(lambda s: s.replace("\x00", "")),
    st.sampled_from(["1", "50", "true", "false", "2025-01-01 00:00:00 UTC", "", "Dana"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_cell, max_size=17), max_size=6))
def test_arbitrary_rows_raise_nothing_but_foretell_errors(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "pb.csv"
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(rows)
        project = init_home(root / "home")
        with contextlib.suppress(ForetellError):
            import_file(project, PredictionBookSource(path))
