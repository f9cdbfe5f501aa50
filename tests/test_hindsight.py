"""Hindsight: forecasts and claims dated once the asked-about period has begun are flagged."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from conftest import OPENED, RESOLVE_BY, TODAY, Result, question
from foretell.hindsight import hindsight_note, in_hindsight
from foretell.home import Home
from foretell.model import Question

Invoke = Callable[..., Result]


def test_a_day_on_or_after_period_start_is_hindsight() -> None:
    q = question("rev", "numeric", period_start=date(2026, 1, 1), opened=date(2025, 10, 1),
                 resolve_by=date(2027, 6, 30))  # fmt: skip
    assert not in_hindsight(q, date(2025, 12, 31))
    assert in_hindsight(q, date(2026, 1, 1))
    assert in_hindsight(q, date(2026, 5, 1))
    note = hindsight_note(q, date(2026, 5, 1), "claim")
    assert note is not None and "claim is dated 2026-05-01" in note and "2026-01-01" in note


def test_a_question_without_period_start_is_never_flagged() -> None:
    q = question("window")
    assert q.period_start is None
    assert hindsight_note(q, RESOLVE_BY) is None


def test_period_start_is_bookkeeping_not_a_term() -> None:
    plain = question("q")
    dated = question("q", period_start=OPENED)
    assert plain.sha() == dated.sha()


def test_period_start_after_resolve_by_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"period_start .* is after resolve_by"):
        question("q", period_start=RESOLVE_BY + timedelta(days=1))


def test_log_says_when_a_forecast_is_made_in_hindsight(
    home: Home, make_question: Callable[..., Question], invoke: Invoke
) -> None:
    make_question("begun", period_start=OPENED)
    make_question("later", period_start=TODAY + timedelta(days=10))
    flagged = invoke("log", "begun", "0.6")
    assert flagged.code == 0 and "counted as made in hindsight" in flagged.out
    quiet = invoke("log", "later", "0.6")
    assert quiet.code == 0 and "hindsight" not in quiet.out


def test_claim_says_when_it_was_made_in_hindsight(
    home: Home, make_question: Callable[..., Question], invoke: Invoke
) -> None:
    make_question("begun", period_start=OPENED)
    argv = ["--by", "huawei", "--source", "d.txt", "--hedge", "probable"]
    before = invoke("claim", "begun", "yes", *argv, "--on", (OPENED - timedelta(1)).isoformat())
    assert before.code == 0 and "hindsight" not in before.out
    after = invoke("claim", "begun", "no", *argv, "--on", OPENED.isoformat())
    assert after.code == 0 and "counted as made in hindsight" in after.out


def test_the_report_counts_forecasts_and_claims_made_in_hindsight(
    home: Home, make_question: Callable[..., Question], invoke: Invoke
) -> None:
    make_question("begun", period_start=OPENED)
    make_question("window")
    for qid in ("begun", "window"):
        assert invoke("log", qid, "0.6").code == 0
    args = ["--by", "x", "--source", "d.txt", "--hedge", "probable", "--on", OPENED.isoformat()]
    assert invoke("claim", "begun", "yes", *args).code == 0
    data = json.loads(invoke("report", "--format", "json").out)
    assert data["hindsight"] == {"forecasts": 1, "claims": 1}
    (claim,) = data["claims"]["claims"]
    assert claim["hindsight"] is True
    assert data["claims"]["claimants"][0]["n_hindsight"] == 1
    text = invoke("report").out
    assert "made in hindsight (after the asked period began)" in text
