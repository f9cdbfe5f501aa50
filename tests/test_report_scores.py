"""Report wiring of the scores that fit each question: rules each and spot:N on a hand-worked
timeline, lead-time bins, ordered options, numeric diagnostics, periods and trends."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli
from foretell.errors import ForetellError
from foretell.frames import load_frames
from foretell.report.build import build_report
from foretell.report.options import ReportOptions
from foretell.report.scope import Filters
from foretell.scoring import quantile_parts as qp
from foretell.scoring import weighted_interval_score
from foretell.scoring.ordinal import rps
from test_report_fixtures import (
    DAY0,
    QUANTILES,
    QUESTIONS,
    closing,
    forecast,
    make_home,
    question,
    small_entries,
    small_frames,
)


def _all(report) -> dict:
    return report.data["groups"][0]


def _own(report):
    b = report.binary
    return b[~b["derived"].to_numpy(dtype=bool)]


# The small ledger (see test_report_fixtures): q-a resolves YES with close day 9; alice
# forecasts 0.8 (day 0), 0.6 (day 6), 0.9 (day 9), 0.1 (day 11, after close); bob 0.3 (day 4).


def test_rule_each_scores_every_forecast_with_its_lead_time(tmp_path: Path) -> None:
    report = build_report(small_frames(tmp_path), ReportOptions(rule="each"))
    own = _own(report).sort_values(["author", "horizon_days"])
    got = [(str(r.author), r.p, int(r.horizon_days)) for r in own.itertuples()]
    # alice's 0.9 (day 9: lead 0), 0.6 (day 6: lead 3), 0.8 (day 0: lead 9); bob 0.3 (lead 5)
    assert got == [("alice", 0.9, 0), ("alice", 0.6, 3), ("alice", 0.8, 9), ("bob", 0.3, 5)]
    assert own["brier"].tolist() == pytest.approx([(p - 1) ** 2 for _, p, _ in got])
    counts = report.data["counts"]
    assert counts["pairs"]["binary"] == 4
    assert counts["forecasts"]["skipped"]["after_close"] == 1


def test_rule_each_with_horizon_bins_groups_lead_times(tmp_path: Path) -> None:
    options = ReportOptions(rule="each", group_by="horizon", horizons=(7, 14))
    report = build_report(small_frames(tmp_path), options)
    sizes = {g["name"]: g["binary"]["n_pairs"] for g in report.data["groups"]}
    # own units at leads 0, 3, 5 (< 7) and 9 (7-13); the derived event of q-n: alice's day-1
    # forecast, close day 20 -> lead 19 (>= 14)
    assert sizes == {"all": 5, "<7d": 3, "7-13d": 1, ">=14d": 1}
    assert "7-13d" in report.data["conventions"]["horizon"]


def test_group_by_forecaster_and_horizon_combines_the_keys(tmp_path: Path) -> None:
    options = ReportOptions(rule="each", group_by="forecaster,horizon", horizons=(7,))
    report = build_report(small_frames(tmp_path), options)
    sizes = {g["name"]: g["binary"]["n_pairs"] for g in report.data["groups"][1:]}
    assert sizes == {"alice / <7d": 2, "alice / >=7d": 2, "bob / <7d": 1}


def test_rule_spot_takes_the_forecast_standing_then_and_counts_the_missing(tmp_path) -> None:
    # spot:6 looks at day 3 of q-a: alice's 0.8 (day 0) stands; bob's first forecast is on
    # day 4, so bob has none then
    report = build_report(small_frames(tmp_path), ReportOptions(rule="spot:6"))
    own = _own(report)
    assert [(str(a), p) for a, p in zip(own["author"], own["p"], strict=True)] == [("alice", 0.8)]
    assert int(own["horizon_days"].iat[0]) == 9
    assert report.data["counts"]["pairs"]["skipped_no_forecast_at_spot"] == 1
    # spot:5 looks at day 4: bob's forecast made that day counts
    five = build_report(small_frames(tmp_path / "b"), ReportOptions(rule="spot:5"))
    assert sorted(_own(five)["p"].tolist()) == [0.3, 0.8]
    assert five.data["counts"]["pairs"]["skipped_no_forecast_at_spot"] == 0
    assert "spot:5" in five.data["conventions"]["rule"]


@pytest.mark.parametrize("rule", ["spot", "spot:x", "every", "spot:-1"])
def test_bad_rules_are_refused(tmp_path: Path, rule: str) -> None:
    with pytest.raises(ForetellError, match="rule"):
        build_report(small_frames(tmp_path), ReportOptions(rule=rule))


def test_lead_time_runs_to_the_target_date_when_the_question_names_one(tmp_path: Path) -> None:
    qn = question(
        "q-t", "numeric", unit="units", range=(0, 100), thresholds=[50],
        target_date=DAY0 + dt.timedelta(days=5),
    )  # fmt: skip
    entries = [
        ("alice", forecast(qn, 1, {"quantiles": QUANTILES})),
        ("alice", forecast(qn, 8, {"quantiles": QUANTILES})),
        ("judge", closing(qn, 20, 60.0)),
    ]
    frames = load_frames(make_home(tmp_path, [qn], entries))
    report = build_report(frames, ReportOptions(rule="each"))
    # target day 5: leads 4 and -3 (made after the date the quantity refers to)
    assert sorted(report.numeric["horizon_days"].tolist()) == [-3, 4]


def test_ordered_questions_get_the_ranked_probability_score(tmp_path: Path) -> None:
    ordered = list(QUESTIONS)
    ordered[4] = question("q-m", "multiple_choice", options=["a", "b", "c"], ordered=True)
    frames = load_frames(make_home(tmp_path, ordered))
    m = _all(build_report(frames)).get("multiple_choice")
    # alice: a 0.2, b 0.5, c 0.3, outcome b -> ((0.2)^2 + (0.7 - 1)^2) / 2 = 0.065
    assert m["rps"] == pytest.approx(0.065)
    assert m["rps"] == pytest.approx(rps([[0.2, 0.5, 0.3]], [1])[0])
    assert m["n_ordered_pairs"] == 1 and m["n_ordered_questions"] == 1
    unordered = _all(build_report(small_frames(tmp_path / "u")))["multiple_choice"]
    assert unordered["rps"] is None and unordered["n_ordered_pairs"] == 0


def test_numeric_block_gives_wis_parts_bias_pit_and_every_interval(tmp_path: Path) -> None:
    n = _all(build_report(small_frames(tmp_path)))["numeric"]
    levels = np.array(sorted(QUANTILES))
    values = np.array([[QUANTILES[k] for k in levels]])
    y = np.array([60.0])
    parts = qp.wis_parts(levels, values, y)
    # by hand: dispersion (0.05*60 + 0.25*20) / 2.5 = 3.2; underprediction 0.5*10 / 2.5 = 2
    assert n["dispersion"] == pytest.approx(3.2)
    assert n["underprediction"] == pytest.approx(2.0)
    assert n["overprediction"] == pytest.approx(0.0)
    assert n["wis"] == pytest.approx(weighted_interval_score(levels, values, y)[0])
    assert n["dispersion"] + n["underprediction"] == pytest.approx(parts.wis[0])
    # y = 60 above the median, the lowest quantile >= 60 is q_0.75: bias 1 - 1.5 = -0.5
    assert n["bias"] == pytest.approx(-0.5)
    assert n["ae_median"] == pytest.approx(10.0)
    assert [(r["level"], r["empirical"]) for r in n["coverage_levels"]] == [(0.5, 1.0), (0.9, 1.0)]
    # PIT of 60 lies in [0.5, 0.95]: bins 5..9 only, one pair in all
    counts = np.array(n["pit"]["counts"])
    assert counts.sum() == pytest.approx(1.0) and counts[:5].sum() == 0
    assert n["by_unit"][0]["unit"] == "units" and n["by_unit"][0]["n_pairs"] == 1
    assert n["wis_log"]["n"] == 1


def _two_unit_home(root: Path):
    qs = [
        question("q-u1", "numeric", unit="units", range=(0, 100)),
        question("q-u2", "numeric", unit="tonnes", range=(0, 1000)),
    ]
    small = {0.05: 20.0, 0.25: 40.0, 0.5: 50.0, 0.75: 60.0, 0.95: 80.0}
    big = {k: v * 10 for k, v in small.items()}
    wide = {0.05: 0.0, 0.25: 30.0, 0.5: 50.0, 0.75: 70.0, 0.95: 100.0}
    entries = [
        ("alice", forecast(qs[0], 1, {"quantiles": small})),
        ("base", forecast(qs[0], 1, {"quantiles": wide})),
        ("alice", forecast(qs[1], 1, {"quantiles": big})),
        ("base", forecast(qs[1], 1, {"quantiles": {k: v * 10 for k, v in wide.items()}})),
        ("judge", closing(qs[0], 20, 55.0)),
        ("judge", closing(qs[1], 20, 700.0)),
    ]
    return load_frames(make_home(root, qs, entries))


def test_numeric_scores_are_given_per_unit_and_relative_wis_is_scale_free(tmp_path) -> None:
    frames = _two_unit_home(tmp_path)
    report = build_report(frames, ReportOptions(wis_baseline="base", group_by=None))
    n = _all(report)["numeric"]
    assert n["units"] == ["tonnes", "units"]
    by_unit = {u["unit"]: u for u in n["by_unit"]}
    pairs = report.numeric.astype({"author": str, "question": str})
    wis = {(r.author, r.question): r.wis for r in pairs.itertuples()}
    assert by_unit["tonnes"]["wis"] == pytest.approx(
        (wis["alice", "q-u2"] + wis["base", "q-u2"]) / 2
    )
    rel = report.data["relative_wis"]["forecasters"]
    ratio = np.sqrt(
        wis["alice", "q-u1"] / wis["base", "q-u1"] * wis["alice", "q-u2"] / wis["base", "q-u2"]
    )
    assert rel == [
        {"forecaster": "alice", "n_shared_questions": 2, "relative_wis": pytest.approx(ratio)}
    ]
    # scaling one question's unit by 10 leaves the ratio for that question unchanged
    assert wis["alice", "q-u2"] / wis["base", "q-u2"] == pytest.approx(
        weighted_interval_score(
            [0.05, 0.25, 0.5, 0.75, 0.95], [[200, 400, 500, 600, 800]], [700.0]
        )[0]
        / weighted_interval_score(
            [0.05, 0.25, 0.5, 0.75, 0.95], [[0, 300, 500, 700, 1000]], [700.0]
        )[0]
    )
    assert report.data["conventions"]["numeric_units"]


def test_outcomes_and_quantiles_outside_the_range_get_a_note(tmp_path: Path) -> None:
    qn = question("q-r", "numeric", unit="units", range=(0, 100))
    entries = [
        ("alice", forecast(qn, 1, {"quantiles": {0.05: -10.0, 0.5: 50.0, 0.95: 90.0}})),
        ("judge", closing(qn, 20, 130.0)),
    ]
    report = build_report(load_frames(make_home(tmp_path, [qn], entries)))
    notes = " ".join(report.data["notes"])
    assert "q-r: the outcome 130 lies outside the question's range [0, 100]" in notes
    assert "q-r: 1 forecast(s) give quantiles outside the question's range" in notes


# ------------------------------------------------------------------ periods and trends


def _three_years(root: Path):
    """Six binary questions resolved in 2024, 2025 and 2026 (two a year, Q1 and Q3)."""
    resolve = [dt.date(2024, 2, 10), dt.date(2024, 8, 5), dt.date(2025, 3, 1),
               dt.date(2025, 9, 30), dt.date(2026, 1, 15), dt.date(2026, 7, 1)]  # fmt: skip
    qs, entries = [], []
    for i, day in enumerate(resolve):
        opened = day - dt.timedelta(days=40)
        q = question(f"q-{i}").model_copy(update={"opened": opened, "resolve_by": day})
        qs.append(q)
        made = dt.datetime.combine(opened, dt.time(12), tzinfo=dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.000000Z"
        )
        entries.append(("alice", {**forecast(q, 0, {"p": 0.1 * (i + 2)}), "at": made}))
        end = dt.datetime.combine(day, dt.time(20), tzinfo=dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.000000Z"
        )
        entries.append(
            (
                "judge",
                {
                    **closing(q, 0, "yes" if i % 2 else "no"),
                    "at": end,
                    "resolved_on": day.isoformat(),
                },
            )
        )
    return load_frames(make_home(root, qs, entries))


def test_group_by_period_over_three_years(tmp_path: Path) -> None:
    frames = _three_years(tmp_path)
    for period, names in (
        ("year", ["2024", "2025", "2026"]),
        ("quarter", ["2024-Q1", "2024-Q3", "2025-Q1", "2025-Q3", "2026-Q1", "2026-Q3"]),
        ("month", ["2024-02", "2024-08", "2025-03", "2025-09", "2026-01", "2026-07"]),
    ):
        report = build_report(frames, ReportOptions(group_by="period", period=period))
        assert [g["name"] for g in report.data["groups"][1:]] == names
    by_year = build_report(frames, ReportOptions(group_by="forecaster,period", period="year"))
    groups = {g["name"]: g["binary"] for g in by_year.data["groups"][1:]}
    assert list(groups) == ["alice / 2024", "alice / 2025", "alice / 2026"]
    # 2025: p = 0.4 (NO) and 0.5 (YES) -> Brier (0.16 + 0.25) / 2
    assert groups["alice / 2025"]["brier"] == pytest.approx((0.16 + 0.25) / 2)


def test_resolved_since_and_until_filter_by_resolution_date(tmp_path: Path) -> None:
    frames = _three_years(tmp_path)
    filters = Filters(resolved_since=dt.date(2025, 1, 1), resolved_until=dt.date(2025, 12, 31))
    report = build_report(frames, ReportOptions(filters=filters))
    assert report.data["counts"]["questions"]["in_scope"] == 2
    assert sorted(report.binary["question"].astype(str)) == ["q-2", "q-3"]
    with pytest.raises(ForetellError, match="resolved-since"):
        build_report(
            frames,
            ReportOptions(
                filters=Filters(
                    resolved_since=dt.date(2026, 1, 1), resolved_until=dt.date(2025, 1, 1)
                )
            ),
        )


def test_trend_is_a_rolling_mean_over_resolved_questions(tmp_path: Path) -> None:
    report = build_report(_three_years(tmp_path), ReportOptions(window=2))
    (alice,) = report.data["trend"]["forecasters"]
    briers = [(0.1 * (i + 2) - (i % 2)) ** 2 for i in range(6)]
    assert [p["score"] for p in alice["points"]] == pytest.approx(briers)
    rolling = [briers[0]] + [(a + b) / 2 for a, b in itertools.pairwise(briers)]
    assert [p["rolling"] for p in alice["points"]] == pytest.approx(rolling)
    assert [p["n"] for p in alice["points"]] == [1, 2, 2, 2, 2, 2]
    assert alice["points"][0]["resolved_on"] == "2024-02-10"


def test_cli_report_takes_the_new_options(tmp_path: Path) -> None:
    home = make_home(tmp_path / "h", QUESTIONS, small_entries())
    result = run_cli(
        "report", "--home", str(home.root), "--rule", "each", "--horizons", "7,14",
        "--group-by", "forecaster,horizon", "--format", "json", "--plot-dir",
        str(tmp_path / "figs"),
    )  # fmt: skip
    assert result.code == 0, result.err
    assert (tmp_path / "figs" / "reliability.png").exists()
    assert (tmp_path / "figs" / "pit.png").read_bytes()[:4] == b"\x89PNG"
    bad = run_cli("report", "--home", str(home.root), "--rule", "spot:x")
    assert bad.code == 2 and "spot:N" in bad.err
    bad = run_cli("report", "--home", str(home.root), "--horizons", "14,7")
    assert bad.code == 2 and "increasing" in bad.err
