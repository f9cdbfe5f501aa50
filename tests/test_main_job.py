"""The main job, ``foretell verify && foretell report`` on the project, shows the claims.

Before anything is resolved the report lists the claims on record by claimant and question,
says where the sources disagree (the 950PR mass-production month), and what is due next.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_cli

REPO = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def report_text() -> str:
    verified = run_cli("verify", "--home", str(REPO))
    assert verified.code == 0, verified.out + verified.err
    done = run_cli("report", "--home", str(REPO))
    assert done.code == 0, done.err
    return done.out


def test_the_report_lists_the_claims_by_claimant_and_question(report_text: str) -> None:
    section = report_text[report_text.index("Claims on record") :]
    for claimant in ("huawei", "the-daily-scout", "startupnews.fyi", "charlie-zheng"):
        assert re.search(rf"^{re.escape(claimant)}:$", section, re.M), claimant
    assert "ascend-950pr-shipments-2026" in section and "750,000" in section


def test_the_report_says_where_the_sources_disagree(report_text: str) -> None:
    compare = report_text[report_text.index("Claims question by question") :]
    paragraph = compare[compare.index("ascend-950pr-mass-production-month") :].split("\n\n")[0]
    assert "the sources disagree" in paragraph
    assert "2026-03" in paragraph and "2026-04" in paragraph


def test_the_report_says_what_is_due_next(report_text: str) -> None:
    due = report_text[report_text.index("Claims due next") :]
    assert "huawei-ai-chip-revenue-2026" in due and "2027-06-30" in due


def test_the_json_report_counts_every_claim_in_the_ledger() -> None:
    from foretell.claims import read_claims

    data = json.loads(run_cli("report", "--home", str(REPO), "--format", "json").out)
    assert data["claims"]["n_claims"] == len(read_claims(REPO / "ledger"))
    assert "ascend-950pr-mass-production-month" in data["claims"]["disagreements"]
    assert data["claims"]["n_hindsight"] >= 1
