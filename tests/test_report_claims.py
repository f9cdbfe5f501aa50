"""The report's Claims section in every format, and ``--claims with|none|only``."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from conftest import OPENED, Result
from foretell.home import Home
from foretell.model import Question

Invoke = Callable[..., Result]
ON = (OPENED - timedelta(days=3)).isoformat()


@pytest.fixture
def claimed(home: Home, questions: dict[str, Question], invoke: Invoke) -> Home:
    """q1: two claimants disagree and alice forecasts; mc: a two-option claim; num: a point."""
    common = ["--source", "doc.txt", "--on", ON]
    for argv in (
        ["q1", "yes", "--by", "outlet-a", "--hedge", "almost-certain"],
        ["q1", "no", "--by", "outlet-b", "--hedge", "probable"],
        ["mc", "a,b", "--by", "outlet-a", "--hedge", "probable"],
        ["num", "640", "--by", "analyst", "--hedge", "probable"],
    ):
        done = invoke("claim", *argv, *common)
        assert done.code == 0, done.err
    assert invoke("log", "q1", "0.8").code == 0
    return home


def resolve_all(invoke: Invoke) -> None:
    for qid, outcome in (("q1", "yes"), ("mc", "b"), ("num", "400")):
        assert invoke("resolve", qid, outcome).code == 0


def test_claims_are_scored_per_claim_once_resolved(claimed: Home, invoke: Invoke) -> None:
    resolve_all(invoke)
    data = json.loads(invoke("report", "--format", "json").out)["claims"]
    by = {(c["claimant"], c["question"]): c for c in data["claims"]}
    a = by[("outlet-a", "q1")]
    assert a["came_true"] and a["brier"] == pytest.approx(0.07**2)
    assert a["brier_at_low"] == pytest.approx(0.13**2)
    assert a["brier_at_high"] == pytest.approx(0.01**2)
    assert by[("outlet-b", "q1")]["came_true"] is False
    assert by[("outlet-a", "mc")]["came_true"] is True  # b is among the claimed a, b
    n = by[("analyst", "num")]
    assert n["abs_error"] == pytest.approx(240) and n["rel_error"] == pytest.approx(0.6)
    assert n["in_range"] is None  # a point claim has no range
    assert [(t["threshold"], t["hit"]) for t in n["thresholds"]] == [(500.0, False)]
    record = {r["claimant"]: r for r in data["claimants"]}["outlet-a"]
    assert (record["n_hits"], record["n_event_claims"]) == (2, 2)
    assert record["brier"] == pytest.approx((0.07**2 + 0.25**2) / 2)
    q1 = {q["question"]: q for q in data["questions"]}["q1"]
    assert q1["people"]["n_forecasters"] == 1
    assert q1["people"]["brier"] == pytest.approx(0.04)  # alice's 0.8 on a YES


def test_before_resolution_the_section_compares_the_claims(claimed: Home, invoke: Invoke) -> None:
    data = json.loads(invoke("report", "--format", "json").out)["claims"]
    verdicts = {q["question"]: q["verdict"] for q in data["questions"]}
    assert verdicts == {"q1": "disagree", "mc": "single", "num": "single"}
    assert [d["question"] for d in data["due"]] == sorted(verdicts)  # same resolve_by: by id
    assert data["n_resolved"] == 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_rendered_format_holds_the_claims_section(
    claimed: Home, invoke: Invoke, fmt: str
) -> None:
    out = html.unescape(invoke("report", "--format", fmt).out)
    for heading in ("Claims on record", "Claims question by question", "Claimants' records"):
        assert heading in out
    assert "outlet-b" in out and "the sources disagree" in out


def test_csv_adds_one_row_per_claim(claimed: Home, invoke: Invoke) -> None:
    resolve_all(invoke)
    rows = list(csv.DictReader(io.StringIO(invoke("report", "--format", "csv").out)))
    kinds = [r["kind"] for r in rows]
    assert kinds.count("claim") == 4 and kinds.count("pair") >= 1
    claim = next(r for r in rows if r["kind"] == "claim" and r["forecaster"] == "outlet-a"
                 and r["question"] == "q1")  # fmt: skip
    assert float(claim["probability"]) == pytest.approx(0.93)
    assert claim["came_true"] == "True" and claim["claimed_on"] == ON


def test_claims_none_leaves_the_section_out(claimed: Home, invoke: Invoke) -> None:
    data = json.loads(invoke("report", "--format", "json", "--claims", "none").out)
    assert "claims" not in data and "claims" not in data["conventions"]
    assert "Claims on record" not in invoke("report", "--claims", "none").out
    rows = list(
        csv.DictReader(io.StringIO(invoke("report", "--format", "csv", "--claims", "none").out))
    )
    assert {r["kind"] for r in rows} <= {"pair"}


def test_claims_only_shows_the_section_alone(claimed: Home, invoke: Invoke) -> None:
    text = invoke("report", "--claims", "only").out
    assert "Claims on record" in text and "Counts" not in text and "Scores by" not in text
    data = json.loads(invoke("report", "--format", "json", "--claims", "only").out)
    assert "groups" not in data and data["claims"]["n_claims"] == 4
    rows = list(
        csv.DictReader(io.StringIO(invoke("report", "--format", "csv", "--claims", "only").out))
    )
    assert [r["kind"] for r in rows] == ["claim"] * 4


def test_an_unknown_claims_mode_is_a_usage_error(claimed: Home, invoke: Invoke) -> None:
    done = invoke("report", "--claims", "some")
    assert done.code == 2 and "--claims" in done.err


def test_claims_in_scope_follow_the_question_filters(claimed: Home, invoke: Invoke) -> None:
    data = json.loads(invoke("report", "--format", "json", "--question", "num").out)
    assert [c["question"] for c in data["claims"]["claims"]] == ["num"]


def test_a_project_without_claims_says_so(home: Home, questions: dict, invoke: Invoke) -> None:
    assert "No claims on record for the questions in scope." in invoke("report").out


def test_a_claimant_is_compared_with_the_people_on_the_same_questions(
    claimed: Home, invoke: Invoke
) -> None:
    resolve_all(invoke)
    data = json.loads(invoke("report", "--format", "json").out)["claims"]
    records = {r["claimant"]: r for r in data["claimants"]}
    a, analyst = records["outlet-a"], records["analyst"]
    assert a["n_shared_with_people"] == 1  # q1 only: mc is not binary
    assert a["brier_on_shared"] == pytest.approx(0.07**2)
    assert a["people_brier_on_shared"] == pytest.approx(0.2**2)
    assert analyst["n_shared_with_people"] == 0 and analyst["people_brier_on_shared"] is None
    assert "against the people's 0.0400 (1 question(s))" in invoke("report").out
