"""The report layer's own wiring, checked against independent references: each test here
fails when the report (not the scoring core) gets one step wrong (skill against the wrong
reference, zero-weight rows kept, the logit clip, tied quantile bin edges)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.metrics import brier_score_loss

from foretell.frames import load_frames
from foretell.report.build import build_report
from foretell.report.options import ReportOptions
from foretell.scoring import calibration as cal
from test_report_fixtures import at, closing, forecast, make_home, question


def _binary_home(root: Path, ps: list[float], outcomes: list[str]):
    qs = [question(f"q-{i}") for i in range(len(ps))]
    entries = [("alice", forecast(q, 0, {"p": p})) for q, p in zip(qs, ps, strict=True)]
    entries += [("judge", closing(q, 5, o)) for q, o in zip(qs, outcomes, strict=True)]
    return load_frames(make_home(root, qs, entries))


def test_skill_vs_base_rate_uses_the_observed_base_rate(tmp_path: Path) -> None:
    ps = [0.6, 0.2, 0.3, 0.1, 0.25, 0.05, 0.4, 0.15]
    outcomes = ["yes", "no", "no", "no", "yes", "no", "no", "no"]  # base rate 0.25
    b = build_report(_binary_home(tmp_path, ps, outcomes), ReportOptions(rule="last"))
    block = b.data["groups"][0]["binary"]
    o = np.array([x == "yes" for x in outcomes], dtype=float)
    climatology = brier_score_loss(o, np.full(len(o), o.mean()))  # Brier of always obar
    expected = 1 - brier_score_loss(o, ps) / climatology
    assert block["base_rate"] == pytest.approx(0.25)
    assert block["skill_vs_base_rate"] == pytest.approx(expected)
    assert block["skill_vs_half"] == pytest.approx(1 - brier_score_loss(o, ps) / 0.25)
    assert block["skill_vs_base_rate"] != pytest.approx(block["skill_vs_half"])


def test_a_replaced_zero_forecast_leaves_no_nan_in_the_log_score(tmp_path: Path) -> None:
    # p = 0 at 09:00, replaced at 15:00 the same day by 0.7; YES. Under time-averaged the
    # first row weighs 0 (its log score is infinite): it must not enter any sum (0 * inf = NaN)
    q = question("q-z")
    entries = [
        ("alice", {**forecast(q, 0, {"p": 0.0}), "at": at(0, 9)}),
        ("alice", {**forecast(q, 0, {"p": 0.7}), "at": at(0, 15)}),
        ("judge", closing(q, 4, "yes")),
    ]
    report = build_report(load_frames(make_home(tmp_path, [q], entries)))
    block = report.data["groups"][0]["binary"]
    assert block["n_log_infinite"] == 0
    assert block["log_score"] == pytest.approx(-np.log(0.7))
    assert block["brier"] == pytest.approx(0.09)
    pair = report.binary.iloc[0]
    assert np.isfinite(pair["log"]) and pair["p"] == pytest.approx(0.7)


def test_cox_fit_in_the_report_clips_certain_forecasts_before_the_logit(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    ps = [*list(np.round(rng.uniform(0.05, 0.95, 30), 2)), 0.0, 1.0, 1.0, 0.0]
    outcomes = ["yes" if rng.random() < p else "no" for p in ps[:30]] + ["no", "yes", "no", "yes"]
    report = build_report(_binary_home(tmp_path, ps, outcomes), ReportOptions(rule="last"))
    cox = report.data["groups"][0]["binary"]["cox"]
    p = np.clip(np.array(ps), cal.LOGIT_CLIP, 1 - cal.LOGIT_CLIP)
    x = np.log(p / (1 - p))
    o = np.array([v == "yes" for v in outcomes], dtype=float)
    fit = sm.Logit(o, sm.add_constant(x)).fit(disp=0, tol=1e-12)
    assert cal.LOGIT_CLIP == 1e-6  # the clip the conventions state
    assert cox["slope"] == pytest.approx(fit.params[1], rel=1e-6)
    assert cox["intercept"] == pytest.approx(fit.params[0], rel=1e-6)


def test_quantile_bins_keep_tied_forecasts_in_one_bin(tmp_path: Path) -> None:
    # 14 of 24 forecasts are exactly 0.5: the deciles repeat 0.5, so bins merge
    ps = [0.5] * 14 + [0.1, 0.15, 0.2, 0.3, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]
    outcomes = ["yes" if i % 2 else "no" for i in range(len(ps))]
    report = build_report(_binary_home(tmp_path, ps, outcomes), ReportOptions(bins="quantile"))
    table = report.data["groups"][0]["binary"]["calibration_table"]
    assert sum(r["n"] for r in table) == len(ps)
    assert all(r["n"] > 0 for r in table)
    lowers = [r["lower"] for r in table]
    assert lowers == sorted(set(lowers))  # no repeated edge, no empty bin between
    holding = [r for r in table if r["lower"] <= 0.5 <= r["upper"] and r["mean_forecast"]]
    tied = [r for r in holding if r["n"] >= 14]
    assert len(tied) == 1  # every 0.5 forecast sits in the same bin
    # 0.5 is a decile edge; bins are [lower, upper), so the tie opens its bin
    assert tied[0]["lower"] == 0.5
    for r in table[:-1]:
        assert r["lower"] <= r["mean_forecast"] < r["upper"]
    expected = np.unique(np.quantile(ps, np.arange(11) / 10))
    assert len(table) <= len(expected) - 1
