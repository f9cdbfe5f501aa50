"""Report data: numbers against scikit-learn and the scoring functions, rules, filters, groups."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss

from foretell.errors import ForetellError
from foretell.frames import load_frames
from foretell.report.build import build_report
from foretell.report.notes import NOT_VERIFIED
from foretell.report.options import ReportOptions
from foretell.report.scope import Filters
from foretell.scoring import calibration as cal
from foretell.scoring import decompose, quantiles
from test_report_fixtures import (
    QUESTIONS,
    at,
    closing,
    forecast,
    make_home,
    question,
    small_frames,
)


def _all(report) -> dict:
    return report.data["groups"][0]


def _pair(report, author: str, qid: str, derived: bool = False):
    b = report.binary
    row = b[(b["author"] == author) & (b["question"] == qid) & (b["derived"] == derived)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.fixture
def frames(tmp_path: Path):
    return small_frames(tmp_path / "home")


def test_time_averaged_weighs_days_in_effect_as_hand_worked(frames) -> None:
    report = build_report(frames, ReportOptions(rule="time-averaged"))
    alice = _pair(report, "alice", "q-a")
    assert alice["p"] == pytest.approx(0.6 * 0.8 + 0.3 * 0.6 + 0.1 * 0.9)
    assert alice["brier"] == pytest.approx(0.6 * 0.04 + 0.3 * 0.16 + 0.1 * 0.01)
    assert alice["n_forecasts"] == 3
    bob = _pair(report, "bob", "q-a")
    assert bob["p"] == pytest.approx(0.3)
    assert bob["brier"] == pytest.approx(0.49)


@pytest.mark.parametrize(("rule", "p", "brier"), [("last", 0.9, 0.01), ("first", 0.8, 0.04)])
def test_last_and_first_pick_one_forecast(frames, rule: str, p: float, brier: float) -> None:
    report = build_report(frames, ReportOptions(rule=rule))
    alice = _pair(report, "alice", "q-a")
    assert alice["p"] == pytest.approx(p)
    assert alice["brier"] == pytest.approx(brier)


def test_the_three_rules_give_different_headline_scores(frames) -> None:
    scores = {
        rule: _all(build_report(frames, ReportOptions(rule=rule)))["binary"]["brier"]
        for rule in ("time-averaged", "last", "first")
    }
    assert scores["time-averaged"] == pytest.approx((0.073 + 0.49 + 0.25) / 3)
    assert scores["last"] == pytest.approx((0.01 + 0.49 + 0.25) / 3)
    assert scores["first"] == pytest.approx((0.04 + 0.49 + 0.25) / 3)


def test_binary_scores_match_sklearn_under_last(frames) -> None:
    report = build_report(frames, ReportOptions(rule="last"))
    block = _all(report)["binary"]
    p = np.array([0.9, 0.3, 0.5])  # alice q-a, bob q-a, alice's derived q-n >= 50
    y = np.array([1, 1, 1])
    assert block["brier"] == pytest.approx(brier_score_loss(y, p))
    assert block["brier_of_pair_probabilities"] == pytest.approx(brier_score_loss(y, p))
    assert block["log_score"] == pytest.approx(log_loss(y, p, labels=[0, 1]))
    assert block["skill_vs_half"] == pytest.approx(1 - brier_score_loss(y, p) / 0.25)
    assert block["skill_vs_base_rate"] is None  # every outcome YES: the reference is 0
    assert block["n_pairs"] == 3
    assert block["n_derived_pairs"] == 1


def test_numeric_pair_matches_the_quantile_scores(frames) -> None:
    report = build_report(frames)
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    values = np.array([20.0, 40.0, 50.0, 60.0, 80.0])
    block = _all(report)["numeric"]
    assert block["wis"] == pytest.approx(quantiles.weighted_interval_score(levels, values, 60.0))
    assert block["crps"] == pytest.approx(quantiles.crps_from_quantiles(levels, values, 60.0))
    assert block["coverage_50"] == 1.0 and block["coverage_90"] == 1.0
    losses = quantiles.pinball_loss(levels, values, 60.0)
    assert [r["mean_loss"] for r in block["pinball"]] == pytest.approx(list(losses))
    derived = _pair(report, "alice", "q-n", derived=True)
    assert derived["p"] == pytest.approx(0.5)
    assert derived["event"] == ">= 50"


def test_multiple_choice_uses_the_multi_category_brier(frames) -> None:
    block = _all(build_report(frames))["multiple_choice"]
    assert block["brier_multi"] == pytest.approx(0.2**2 + 0.5**2 + 0.3**2)
    assert block["log_score"] == pytest.approx(-math.log(0.5))
    assert block["n_option_events"] == 3


def test_counts_name_every_skipped_forecast(frames) -> None:
    counts = build_report(frames).data["counts"]
    assert counts["questions"] == {"in_scope": 5, "resolved": 3, "annulled": 1, "open": 1}
    skipped = counts["forecasts"]["skipped"]
    assert skipped["after_close"] == 1
    assert skipped["question_annulled"] == 1
    assert skipped["question_open"] == 1
    assert counts["forecasts"]["selected"] == 9
    assert counts["forecasts"]["scored"] == 6
    assert counts["pairs"]["binary"] == 2 and counts["pairs"]["derived"] == 1


def test_too_few_pairs_say_so_instead_of_testing(frames) -> None:
    block = _all(build_report(frames))["binary"]
    message = block["cox"]["unavailable"]
    assert message == "calibration tests need at least 20 resolved binary pairs; have 3"
    assert "unavailable" in block["murphy"]
    assert block["calibration_table"]  # a table needs only one pair


def test_filter_by_forecaster(frames) -> None:
    report = build_report(frames, ReportOptions(filters=Filters(by=("bob",))))
    assert set(report.binary["author"].astype(str)) == {"bob"}
    assert report.data["counts"]["questions"]["in_scope"] == 2  # q-a and q-b


def test_filter_by_tag_and_question(frames) -> None:
    by_tag = build_report(frames, ReportOptions(filters=Filters(tags=("models",))))
    assert set(by_tag.binary["question"].astype(str)) == {"q-n"}
    assert [q["id"] for q in by_tag.data["open_questions"]] == ["q-c"]
    by_id = build_report(frames, ReportOptions(filters=Filters(questions=("q-a",))))
    assert set(by_id.binary["question"].astype(str)) == {"q-a"}
    assert by_id.data["counts"]["questions"]["in_scope"] == 1


def test_since_drops_earlier_forecasts_before_weighing(frames) -> None:
    since = dt.date(2025, 1, 7)
    report = build_report(frames, ReportOptions(filters=Filters(since=since)))
    alice = _pair(report, "alice", "q-a")
    assert alice["p"] == pytest.approx(0.75 * 0.6 + 0.25 * 0.9)  # days 6..9
    until = build_report(frames, ReportOptions(filters=Filters(until=dt.date(2025, 1, 5))))
    assert _pair(until, "alice", "q-a")["p"] == pytest.approx(0.8)


def test_unknown_filter_values_are_user_errors(frames) -> None:
    for filters in (Filters(by=("carol",)), Filters(tags=("nope",)), Filters(questions=("q-z",))):
        with pytest.raises(ForetellError):
            build_report(frames, ReportOptions(filters=filters))
    with pytest.raises(ForetellError, match="rule"):
        build_report(frames, ReportOptions(rule="best"))


@pytest.mark.parametrize(
    ("group_by", "names"),
    [
        ("forecaster", ["all", "alice", "bob"]),
        ("tag", ["all", "chips", "models", "(no tag)"]),
        ("type", ["all", "binary", "multiple_choice", "numeric"]),
        ("horizon", ["all", "<7d", "7-29d"]),
    ],
)
def test_group_by_names_the_groups(frames, group_by: str, names: list[str]) -> None:
    report = build_report(frames, ReportOptions(group_by=group_by))
    assert [g["name"] for g in report.data["groups"]] == names


def test_horizon_is_measured_from_the_first_forecast_under_time_averaged(frames) -> None:
    groups = build_report(frames, ReportOptions(group_by="horizon")).data["groups"]
    by_name = {g["name"]: g["binary"]["n_pairs"] for g in groups}
    # alice q-a: day 0 -> close day 9 (7-29d); bob q-a: day 4 -> 9 (<7d);
    # alice q-n: day 1 -> close day 20 (7-29d)
    assert by_name == {"all": 3, "<7d": 1, "7-29d": 2}
    last = build_report(frames, ReportOptions(group_by="horizon", rule="last")).data["groups"]
    assert {g["name"]: g["binary"]["n_pairs"] for g in last}["<7d"] == 2


def test_group_by_forecaster_scores_each_forecaster(frames) -> None:
    groups = build_report(frames).data["groups"]
    bob = next(g for g in groups if g["name"] == "bob")
    assert bob["binary"]["brier"] == pytest.approx(0.49)
    assert bob["multiple_choice"]["n_pairs"] == 0


def test_nothing_resolved_reports_what_is_open(tmp_path: Path) -> None:
    qa, qc = QUESTIONS[0], QUESTIONS[2]
    entries = [("alice", {**_forecast_entry(qa, 1, 0.4)}), ("bob", _forecast_entry(qc, 2, 0.6))]
    frames = load_frames(make_home(tmp_path / "h", [qa, qc], entries))
    data = build_report(frames).data
    assert data["notes"][0].startswith("Nothing is resolved yet")
    assert [q["id"] for q in data["open_questions"]] == ["q-a", "q-c"]
    assert data["groups"][0]["binary"]["n_pairs"] == 0
    assert data["counts"]["forecasts"]["skipped"]["question_open"] == 2


def test_empty_ledger_reports_nothing_to_score(tmp_path: Path) -> None:
    frames = load_frames(make_home(tmp_path / "h", [], []))
    data = build_report(frames).data
    assert data["notes"] == ["No questions match: nothing to report.", NOT_VERIFIED]
    assert data["ledger"] == {"verified": False, "problems": None}
    assert data["groups"][0]["binary"]["unavailable"] == "no resolved binary forecasts"


def _forecast_entry(q, day: int, p: float) -> dict:
    return {"at": at(day), "kind": "forecast", "question": q.id, "question_sha": q.sha(), "p": p}


def _random_home(root: Path, n: int = 60, seed: int = 3):
    rng = np.random.default_rng(seed)
    questions, entries = [], []
    for i in range(n):
        q = question(f"r-{i:03d}")
        questions.append(q)
        truth = float(rng.uniform(0.05, 0.95))
        for author in ("ann", "ben"):
            for day in sorted(rng.integers(0, 20, size=int(rng.integers(1, 4)))):
                p = round(float(np.clip(truth + rng.normal(0, 0.15), 0.01, 0.99)), 2)
                entries.append((author, _forecast_entry(q, int(day), p)))
        entries.append(("judge", closing(q, 20, "yes" if rng.random() < truth else "no")))
    return load_frames(make_home(root, questions, entries))


@pytest.mark.parametrize("rule", ["time-averaged", "last"])
def test_diagnostics_match_the_scoring_functions_on_the_pairs(tmp_path: Path, rule: str) -> None:
    frames = _random_home(tmp_path / "h")
    report = build_report(frames, ReportOptions(rule=rule, bins="quantile"))
    block = _all(report)["binary"]
    p = report.binary["p"].to_numpy()
    o = report.binary["o"].to_numpy()
    assert block["n_pairs"] == 120
    assert block["brier_of_pair_probabilities"] == pytest.approx(brier_score_loss(o, p))
    assert block["log_score"] == pytest.approx(report.binary["log"].mean())
    m = decompose.murphy(p, o, "quantile")
    assert block["murphy"]["rel"] == pytest.approx(m.rel)
    assert block["murphy"]["brier"] == pytest.approx(brier_score_loss(o, p))
    parts = block["murphy"]
    total = parts["rel"] - parts["res"] + parts["unc"] + parts["wbv"] - parts["wbc"]
    assert total == pytest.approx(brier_score_loss(o, p))
    c = decompose.corp(p, o)
    assert block["corp"]["mcb"] == pytest.approx(c.mcb)
    assert block["corp"]["dsc"] == pytest.approx(c.dsc)
    fit = cal.cox(p, o)
    assert block["cox"]["slope"] == pytest.approx(fit.slope)
    assert block["cox"]["se_intercept"] == pytest.approx(fit.se_intercept)
    s = cal.spiegelhalter(p, o)
    assert block["spiegelhalter"]["z"] == pytest.approx(s.z)
    table = block["calibration_table"]
    assert sum(r["n"] for r in table) == 120
    if rule == "last":
        assert block["brier"] == pytest.approx(block["murphy"]["brier"])
    else:
        assert block["brier"] >= block["brier_of_pair_probabilities"] - 1e-12


def test_more_groups_than_the_cap_keep_scores_but_skip_diagnostics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foretell.report import build

    monkeypatch.setattr(build, "MAX_DIAGNOSED_GROUPS", 1)
    frames = _random_home(tmp_path / "h", n=30)
    groups = build_report(frames).data["groups"]
    assert [g["name"] for g in groups] == ["all", "ann", "ben"]
    assert "cox" in groups[0]["binary"] and "slope" in groups[0]["binary"]["cox"]
    diagnosed = ["slope" in g["binary"]["cox"] for g in groups[1:]]
    assert sorted(diagnosed) == [False, True]
    assert all(g["binary"]["brier"] is not None for g in groups)


def test_each_threshold_is_a_derived_event_read_off_the_quantiles(tmp_path: Path) -> None:
    qn = question("n-1", "numeric", unit="u", range=(0, 100), thresholds=[30, 50, 70])
    quants = {0.1: 25.0, 0.5: 45.0, 0.9: 80.0}
    entries = [
        ("al", forecast(qn, 0, {"quantiles": quants})),
        ("judge", closing(qn, 9, 55.0)),
    ]
    report = build_report(load_frames(make_home(tmp_path / "h", [qn], entries)))
    derived = report.binary.sort_values("event")
    levels, values = np.array([0.1, 0.5, 0.9]), np.array([25.0, 45.0, 80.0])
    expected = [quantiles.prob_at_least(levels, values, t, 0, 100) for t in (30, 50, 70)]
    assert list(derived["event"]) == [">= 30", ">= 50", ">= 70"]
    assert list(derived["p"]) == pytest.approx(expected)
    assert list(derived["o"]) == [1.0, 1.0, 0.0]  # the outcome 55 is >= 30 and >= 50, not >= 70
    block = _all(report)["binary"]
    assert block["n_derived_events"] == 3 and block["n_questions"] == 1
    assert block["n_pairs"] == 3


def test_a_zero_probability_on_what_happened_makes_the_log_score_infinite(tmp_path: Path) -> None:
    qa, qc = question("z-a"), question("z-c")
    entries = [
        ("al", forecast(qa, 0, {"p": 0.0})),
        ("al", forecast(qc, 0, {"p": 0.5})),
        ("judge", closing(qa, 5, "yes")),
        ("judge", closing(qc, 5, "no")),
    ]
    report = build_report(load_frames(make_home(tmp_path / "h", [qa, qc], entries)))
    block = _all(report)["binary"]
    assert block["log_score"] is None
    assert block["n_log_infinite"] == 1
    assert block["brier"] == pytest.approx((1.0 + 0.25) / 2)


def test_custom_bin_edges_bin_the_table_and_the_murphy_decomposition(tmp_path: Path) -> None:
    frames = _random_home(tmp_path / "h")
    edges = (0.0, 0.2, 0.5, 1.0)
    report = build_report(frames, ReportOptions(bins=[0, 0.2, 0.5, 1]))
    assert report.data["options"]["bins"] == list(edges)
    assert "3 bins with the edges 0, 0.2, 0.5, 1" in report.data["conventions"]["calibration"]
    block = _all(report)["binary"]
    table = block["calibration_table"]
    assert {(r["lower"], r["upper"]) for r in table} <= set(itertools.pairwise(edges))
    assert sum(r["n"] for r in table) == block["n_pairs"]
    p = report.binary["p"].to_numpy()
    o = report.binary["o"].to_numpy()
    # Stephenson, Coelho & Jolliffe (2008): WBC = 2/N sum_k sum_i (o - obar_k)(p - pbar_k)
    k = np.clip(np.digitize(p, edges[1:-1]), 0, len(edges) - 2)
    pbar = np.array([p[k == j].mean() if (k == j).any() else 0.0 for j in range(3)])
    obar = np.array([o[k == j].mean() if (k == j).any() else 0.0 for j in range(3)])
    wbc = 2.0 * np.mean((o - obar[k]) * (p - pbar[k]))
    assert block["murphy"]["wbc"] == pytest.approx(wbc)
    assert [r["n"] for r in table] == [int((k == j).sum()) for j in range(3) if (k == j).any()]


@pytest.mark.parametrize(
    ("bins", "message"),
    [
        ((0.0, 0.5, 0.4, 1.0), "strictly increasing"),
        ((0.1, 0.5, 1.0), "start at 0 and end at 1"),
        ((0.0, 0.5, 1.2), "start at 0 and end at 1"),
        ((0.0, 1.0), "at least 3 edges"),
        ((0.0, math.nan, 1.0), "finite"),
        ("0,x,1", "'x' is not a number"),
        ("many", "--bins takes a number of bins, 'quantile' or increasing edges"),
        (0, "between 1 and 100"),
    ],
)
def test_bad_bins_are_user_errors(frames, bins, message: str) -> None:
    with pytest.raises(ForetellError, match=message):
        build_report(frames, ReportOptions(bins=bins))


def test_bins_given_as_text_are_parsed_like_the_cli(frames) -> None:
    data = build_report(frames, ReportOptions(bins="0, 0.25,1")).data
    assert data["options"]["bins"] == [0.0, 0.25, 1.0]
    assert build_report(frames, ReportOptions(bins="7")).data["options"]["bins"] == 7


def test_wbc_is_named_twice_the_within_bin_covariance(frames) -> None:
    text = build_report(frames).data["conventions"]["decompositions"]
    assert "WBC twice the within-bin covariance of forecasts and outcomes" in text


def test_every_count_left_by_the_ledger_reader_reaches_the_notes(frames) -> None:
    tampered = "entries whose sha does not match their content (run foretell verify)"
    skipped = {tampered: 2, "unreadable lines": 1, "entries naming an unknown question": 3}
    notes = build_report(dataclasses.replace(frames, skipped=skipped)).data["notes"]
    joined = " ".join(notes)
    assert f"2 {tampered}" in joined
    assert "1 unreadable lines" in joined and "3 entries naming an unknown question" in joined
    kept = next(n for n in notes if tampered in n)
    assert "Left out" not in kept  # those entries are still read and scored
    assert build_report(frames).data["notes"] == [NOT_VERIFIED]
    assert build_report(frames, verification=[]).data["notes"] == [
        "The ledger was verified for this report: no problems."
    ]


def test_a_question_without_forecasts_in_the_window_is_not_called_unmatched(frames) -> None:
    window = Filters(questions=("q-a",), since=dt.date(2025, 6, 1))
    notes = build_report(frames, ReportOptions(filters=window)).data["notes"]
    assert notes == [
        "No forecasts of the 1 selected question(s) fall in the selection "
        "(made on or after 2025-06-01): nothing to report.",
        NOT_VERIFIED,
    ]
    nobody = Filters(by=("bob",), tags=("models",))
    notes = build_report(frames, ReportOptions(filters=nobody)).data["notes"]
    assert notes[0].startswith("No forecasts of the 2 selected question(s) fall in the selection")
    assert "(by bob)" in notes[0]
    late = Filters(since=dt.date(2026, 1, 1))
    assert build_report(frames, ReportOptions(filters=late)).data["notes"] == [
        "No forecasts fall in the selection (made on or after 2026-01-01): nothing to report.",
        NOT_VERIFIED,
    ]
