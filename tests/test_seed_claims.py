"""The project's own ledger holds the seed documents' claims, cited faithfully.

Each claim in ``ledger/`` cites a seed document by file name, and the question it is on cites
that document too; it is dated as the catalog dates that document; every figure it lists
occurs in the document (after the normalisation of ``test_forecasts_catalog``); its note
copies no run of eight words from any seed. Checks needing ``../shared/seeds`` skip, with the
reason, when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from foretell import claims
from foretell.catalog import load_catalog
from foretell.home import Home
from foretell.model import Question
from foretell.verify import verify
from test_forecasts_catalog import is_url, normalise, seed_sources, seed_text, seeds_dir, word_runs

REPO = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def catalog() -> dict[str, Question]:
    return load_catalog(REPO / "forecasts")


@pytest.fixture(scope="module")
def recorded() -> list[dict]:
    return claims.read_claims(REPO / "ledger")


def test_the_ledger_holds_the_seed_claims(recorded: list[dict]) -> None:
    claimants = {c["claimant"] for c in recorded}
    assert {"huawei", "the-daily-scout", "startupnews.fyi", "charlie-zheng"} <= claimants
    assert len(recorded) >= 10
    assert not any(c["edited"] for c in recorded)


def test_the_mass_production_disagreement_is_on_record(recorded: list[dict]) -> None:
    said = {
        c["claimant"]: c["value"]
        for c in recorded
        if c["question"] == "ascend-950pr-mass-production-month"
    }
    assert said == {"the-daily-scout": ["2026-03"], "startupnews.fyi": ["2026-04"]}


def test_the_headline_figures_are_claimed_by_huawei(recorded: list[dict]) -> None:
    mine = {c["question"]: c for c in recorded if c["claimant"] == "huawei"}
    assert mine["ascend-950pr-shipments-2026"]["value"] == 750_000
    assert mine["huawei-ai-chip-revenue-2026"]["value"] == 12


def test_every_claim_cites_a_seed_document_its_question_cites(
    catalog: dict[str, Question], recorded: list[dict]
) -> None:
    for c in recorded:
        assert not is_url(c["source"]), c
        cited = {s.document for s in seed_sources(catalog[c["question"]])}
        assert c["source"] in cited, (c["claimant"], c["question"], c["source"])


def test_every_claim_is_dated_as_the_catalog_dates_its_document(
    catalog: dict[str, Question], recorded: list[dict]
) -> None:
    dates = {s.document: s.date for q in catalog.values() for s in seed_sources(q)}
    for c in recorded:
        assert c["on"] == dates[c["source"]].isoformat(), (c["question"], c["source"])


def test_every_claim_lists_a_figure(recorded: list[dict]) -> None:
    assert [c["question"] for c in recorded if not c.get("figures")] == []


def test_each_claims_figures_occur_in_its_cited_document(recorded: list[dict]) -> None:
    seeds_dir()
    absent = [
        (c["claimant"], c["question"], f)
        for c in recorded
        for f in c.get("figures", [])
        if normalise(f) not in seed_text(c["source"])
    ]
    assert absent == []


def test_claim_notes_do_not_copy_the_seed_documents(recorded: list[dict]) -> None:
    seeds = seeds_dir()
    runs = set().union(*(word_runs(p.read_text(encoding="utf-8")) for p in seeds.iterdir()))
    copied = [
        (c["claimant"], c["question"]) for c in recorded if word_runs(c.get("note") or "") & runs
    ]
    assert copied == []


def test_verify_on_the_project_is_clean_and_finds_every_cited_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORETELL_DOCUMENTS", str(seeds_dir()))
    assert [str(p) for p in verify(Home(REPO))] == []
