"""Claims end to end: ``foretell claim`` -> a chained entry -> report; refusals; parsing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import OPENED, TODAY, Result, question
from foretell import claims, ledger
from foretell.home import Home
from foretell.model import Question
from foretell.verify import verify

Invoke = Callable[..., Result]
ON = (OPENED - timedelta(days=40)).isoformat()  # sources often predate the question


def claim(invoke: Invoke, qid: str, value: str, by: str = "huawei", **opts: str) -> Result:
    argv = ["claim", qid, value, "--by", by, "--source", opts.pop("source", "004_seed.txt")]
    argv += ["--on", opts.pop("on", ON), "--hedge", opts.pop("hedge", "probable")]
    for key, val in opts.items():
        argv += [f"--{key}", val]
    return invoke(*argv)


def entries(home: Home, author: str) -> list[dict]:
    found, problems = ledger.read_file(home.ledger / f"{author}.jsonl")
    assert problems == []
    return found


def test_a_claim_is_a_chained_entry_in_the_claimants_file(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    done = claim(invoke, "num", "750", figure="750,000", note="aim for the year")
    assert done.code == 0, done.err
    assert "recorded huawei's claim 750 (probable) on num" in done.out
    (entry,) = entries(home, "huawei")
    assert entry["kind"] == "claim" and entry["on"] == ON
    assert entry["value"] == 750.0 and entry["hedge"] == "probable"
    assert entry["source"] == "004_seed.txt" and entry["figures"] == ["750,000"]
    assert entry["question_sha"] == questions["num"].sha()
    assert entry["at"][:10] == TODAY.isoformat()  # recorded now, dated by --on
    assert "p" not in entry  # a claim carries no probability of its own
    assert verify(home) == []


def test_claims_append_to_the_chain_like_any_entry(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    assert claim(invoke, "q1", "yes").code == 0
    assert claim(invoke, "mc", "b").code == 0
    first, second = entries(home, "huawei")
    assert (first["seq"], second["seq"]) == (1, 2)
    assert second["prev"] == first["sha"]
    assert first["at"] <= second["at"]


def test_round_trip_from_the_command_line_to_the_report(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    assert claim(invoke, "q1", "yes", by="Daily Scout", hedge="likely").code == 0
    assert claim(invoke, "q1", "no", by="startupnews.fyi", hedge="certain").code == 0
    assert claim(invoke, "num", "400-600", by="analyst").code == 0
    assert invoke("log", "q1", "0.6").code == 0
    before = json.loads(invoke("report", "--format", "json").out)["claims"]
    assert before["n_claims"] == 3 and before["n_resolved"] == 0
    assert before["disagreements"] == ["q1"]
    assert {d["question"] for d in before["due"]} == {"q1", "num"}

    assert invoke("resolve", "q1", "yes").code == 0
    assert invoke("resolve", "num", "550").code == 0
    data = json.loads(invoke("report", "--format", "json").out)
    records = {r["claimant"]: r for r in data["claims"]["claimants"]}
    scout = records["daily-scout"]
    assert (scout["n_hits"], scout["n_event_claims"]) == (1, 1)
    assert scout["brier"] == pytest.approx((1 - 0.75) ** 2)
    assert scout["brier_at_low"] == pytest.approx((1 - 0.63) ** 2)
    assert scout["brier_at_high"] == pytest.approx((1 - 0.87) ** 2)
    assert records["startupnews.fyi"]["brier"] == pytest.approx(1.0)
    analyst = records["analyst"]
    assert analyst["median_relative_error"] == pytest.approx(50 / 550)
    assert (analyst["n_in_range"], analyst["n_range_claims"]) == (1, 1)
    assert (analyst["n_threshold_hits"], analyst["n_threshold_calls"]) == (0, 0)  # straddles 500
    # claims never count as forecasters
    assert data["groups"][0]["binary"]["n_forecasters"] == 1
    assert {g["name"] for g in data["groups"]} == {"all", "alice"}

    text = invoke("report").out
    assert "Claims on record" in text and "Claimants' records" in text
    assert "daily-scout" in text and "the sources disagree" in text


@pytest.mark.parametrize(
    ("qid", "value", "opts", "message"),
    [
        ("q1", "maybe", {}, "q1 is binary: claim yes or no, not 'maybe'"),
        ("mc", "d", {}, "'d' is not an option of mc: a, b, c"),
        ("mc", "a,b,c", {}, "a claim naming every option claims nothing"),
        ("num", "lots", {}, "'lots' is not a number or a range such as 700000-800000"),
        ("num", "5000", {}, "'5000' lies outside num's range [0, 1,000] units"),
        ("num", "600-400", {}, "must go from low to high"),
        ("q1", "yes", {"hedge": "perhaps"}, "--hedge: unknown hedge word 'perhaps'"),
        ("q1", "yes", {"on": "2999-01-01"}, "is in the future"),
        ("q1", "yes", {"on": "1 May"}, "--on: '1 May' is not a date"),
        ("q1", "yes", {"source": " "}, "--source names the document"),
        ("nope", "yes", {}, "no question 'nope'"),
    ],
)
def test_claims_that_do_not_fit_are_refused_with_one_line(
    home: Home,
    questions: dict[str, Question],
    invoke: Invoke,
    qid: str,
    value: str,
    opts: dict[str, str],
    message: str,
) -> None:
    done = claim(invoke, qid, value, **opts)
    assert done.code == 1
    assert message in done.err
    assert done.err.count("\n") == 1 and "Traceback" not in done.err
    assert not (home.ledger / "huawei.jsonl").exists()


def test_a_claimant_is_required(home: Home, questions: dict[str, Question], invoke: Invoke) -> None:
    done = invoke("claim", "q1", "yes", "--source", "d.txt", "--on", ON, "--hedge", "probable")
    assert done.code == 2 and "--by" in done.err


def test_the_same_claim_twice_is_refused(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    assert claim(invoke, "q1", "yes").code == 0
    again = claim(invoke, "q1", "yes")
    assert (
        again.code == 1 and "ledger/huawei.jsonl:1: the same claim is already recorded" in again.err
    )
    assert claim(invoke, "q1", "yes", source="other.txt").code == 0


def test_a_claim_after_the_question_closed_or_on_an_annulled_one_is_refused(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    assert invoke("resolve", "q1", "yes", "--on", OPENED.isoformat()).code == 0
    late = claim(invoke, "q1", "yes", on=(OPENED + timedelta(days=1)).isoformat())
    assert late.code == 1 and f"after q1 closed ({OPENED})" in late.err
    assert claim(invoke, "q1", "yes", on=OPENED.isoformat()).code == 0  # recorded late is fine
    assert invoke("annul", "mc", "--why", "no data").code == 0
    annulled = claim(invoke, "mc", "a")
    assert annulled.code == 1 and "mc is annulled" in annulled.err


def test_a_choice_claim_may_name_several_options(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    assert claim(invoke, "mc", "B, a").code == 0
    (entry,) = entries(home, "huawei")
    assert entry["value"] == ["a", "b"]
    assert claims.describe(entry) == "one of a, b"


def test_verify_reports_a_claim_that_does_not_fit_its_question(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    bad = {"at": ledger.now_at(), "kind": "claim", "question": "q1", "on": ON,
           "question_sha": questions["q1"].sha(), "source": "d.txt", "hedge": "sure",
           "value": "yes"}  # fmt: skip
    ledger.append(home.ledger, "huawei", bad)
    (problem,) = verify(home)
    assert problem.line == 1 and "hedge 'sure' is not a word of the verbal scale" in problem.message


def test_show_lists_the_claims_beside_the_forecasts(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    assert invoke("log", "num", "--quantiles", "0.5=450", "0.9=700").code == 0
    assert claim(invoke, "num", "700", by="analyst", hedge="unlikely").code == 0
    text = invoke("show", "num").out
    assert "claims (the sources' own predictions" in text
    assert "analyst" in text and "probably-not" in text and "004_seed.txt" in text
    data = json.loads(invoke("show", "num", "--format", "json").out)
    assert len(data["history"]) == 1  # the forecast; the claim is listed apart
    (c,) = data["claims"]
    assert c["claimant"] == "analyst" and c["claim"] == "700" and c["on"] == ON


# ------------------------------------------------------------------ parsing values


@pytest.mark.parametrize(
    ("text", "unit", "bounds"),
    [
        ("750000", "units", (750_000, 750_000)),
        ("750,000", "units", (750_000, 750_000)),
        ("750k units", "units", (750_000, 750_000)),
        ("about $12B", "USD billions", (12, 12)),
        ("~12", "USD billions", (12, 12)),
        ("$404 million", "USD billions", (0.404, 0.404)),
        ("700000-800000", "units", (700_000, 800_000)),
        ("700,000 to 800,000", "units", (700_000, 800_000)),
        ("0.6m..0.7m", "units", (600_000, 700_000)),
        ("2.88bn", "CNY billions", (2.88, 2.88)),
    ],
)
def test_numeric_claims_read_units_commas_and_ranges(
    text: str, unit: str, bounds: tuple[float, float]
) -> None:
    assert claims.parse_numeric_claim(text, unit) == pytest.approx(bounds)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_formatted_ranges_parse_back(a: int, b: int) -> None:
    low, high = sorted((a, b))
    if low == high:
        assert claims.parse_numeric_claim(f"{low:,}", "units") == (low, low)
    else:
        assert claims.parse_numeric_claim(f"{low:,}-{high:,}", "units") == (low, high)


def test_a_numeric_claim_is_stored_as_a_point_or_a_range() -> None:
    q = question("n", "numeric")
    assert claims.claim_value(q, "450") == {"value": 450.0}
    assert claims.claim_value(q, "400 to 600") == {"low": 400.0, "high": 600.0}


def test_the_write_path_reads_claims_without_pandas(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import sys, foretell.claims, foretell.cli.claims; print('pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_python_api_records_and_reads_claims(
    home: Home, questions: dict[str, Question]
) -> None:
    import foretell

    book = foretell.open_ledger(home.root)
    entry = book.claim("q1", True, by="Huawei", source="d.txt", on=OPENED, hedge="likely")
    assert (entry["value"], entry["hedge"]) == ("yes", "probable")
    frame = book.claims()
    assert frame["kind"].tolist() == ["claim"] and frame["claimant"].tolist() == ["huawei"]
    assert book.forecasts().empty  # a claim is never a forecast
    data = book.report(claims="only").data
    assert data["claims"]["n_claims"] == 1 and "groups" not in data
