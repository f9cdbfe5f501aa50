"""scoring.logistic_counts: the Cox and calibration-in-the-large fits from a histogram by
block-wise Newton passes agree with statsmodels' fits (GLM on the counts, Logit on the
forecasts written out one by one), whatever the block size."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

from foretell.scoring import logistic_counts as lc
from foretell.scoring.calibration import LOGIT_CLIP
from foretell.scoring.grouped import histogram


def _sample(seed: int, size: int, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts and outcomes drawn from a miscalibrated forecaster (true slope ``slope``)."""
    rng = np.random.default_rng(seed)
    p = np.round(rng.uniform(0.01, 0.99, size), 3)
    logit = np.log(p / (1 - p))
    o = (rng.uniform(size=size) < 1 / (1 + np.exp(-slope * logit))).astype(np.float64)
    return p, o


def _x(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, LOGIT_CLIP, 1 - LOGIT_CLIP)
    return np.log(q / (1 - q))


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize(("seed", "slope"), [(1, 0.7), (2, 1.0), (3, 1.4)])
def test_cox_equals_statsmodels_logit_on_the_forecasts(seed: int, slope: float) -> None:
    p, o = _sample(seed, 3000, slope)
    values, n, k = histogram(p, o)
    got = lc.cox(values, n, k)
    x = _x(p)
    ref = sm.Logit(o, np.column_stack([np.ones_like(x), x])).fit(disp=0, tol=1e-12)
    assert got.converged
    assert got.n == 3000
    assert close(got.intercept, ref.params[0]) and close(got.slope, ref.params[1])
    assert close(got.se_intercept, ref.bse[0]) and close(got.se_slope, ref.bse[1])


def test_cox_equals_a_binomial_glm_on_the_counts() -> None:
    p, o = _sample(4, 5000, 0.8)
    values, n, k = histogram(p, o)
    x = _x(values)
    ref = sm.GLM(
        np.column_stack([k, n - k]).astype(float),
        np.column_stack([np.ones_like(x), x]),
        family=sm.families.Binomial(),
    ).fit(tol=1e-13)
    got = lc.cox(values, n, k)
    assert close(got.intercept, ref.params[0]) and close(got.slope, ref.params[1])
    assert close(got.se_intercept, ref.bse[0]) and close(got.se_slope, ref.bse[1])


def test_calibration_in_the_large_equals_statsmodels_with_the_offset() -> None:
    p, o = _sample(5, 4000, 1.2)
    o[p > 0.5] = np.where(np.arange((p > 0.5).sum()) % 5 == 0, 0.0, o[p > 0.5])  # biased
    values, n, k = histogram(p, o)
    got = lc.calibration_in_the_large(values, n, k)
    x = _x(p)
    ref = sm.Logit(o, np.ones((p.shape[0], 1)), offset=x).fit(disp=0, tol=1e-12)
    assert close(got.intercept, ref.params[0]) and close(got.se_intercept, ref.bse[0])
    assert got.mean_forecast == pytest.approx(p.mean(), rel=1e-12)
    assert got.observed_rate == pytest.approx(o.mean(), rel=1e-12)
    assert got.difference == pytest.approx(p.mean() - o.mean(), abs=1e-12)


def test_the_fits_do_not_depend_on_the_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    p, o = _sample(6, 2000, 0.9)
    values, n, k = histogram(p, o)
    whole = lc.cox(values, n, k), lc.calibration_in_the_large(values, n, k)
    monkeypatch.setattr(lc, "BLOCK", 7)
    blocks = lc.cox(values, n, k), lc.calibration_in_the_large(values, n, k)
    for a, b in zip(whole, blocks, strict=True):
        for field in a.__dataclass_fields__:
            x, y = getattr(a, field), getattr(b, field)
            assert close(float(x), float(y)), field


@pytest.mark.parametrize("block", [7, 1 << 16])
def test_keeping_the_logits_between_passes_gives_the_same_bits(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    p, o = _sample(7, 2000, 1.2)
    values, n, k = histogram(p, o)
    monkeypatch.setattr(lc, "BLOCK", block)
    kept = lc.cox(values, n, k), lc.calibration_in_the_large(values, n, k)
    monkeypatch.setattr(lc, "KEEP", 0)  # every pass computes the logits again
    again = lc.cox(values, n, k), lc.calibration_in_the_large(values, n, k)
    assert kept == again  # dataclasses of floats: equal bit for bit (no NaN here)
    assert not any(math.isnan(float(v)) for fit in kept for v in vars(fit).values())


def test_cox_refuses_one_outcome_or_one_forecast() -> None:
    with pytest.raises(ValueError, match="both outcomes"):
        lc.cox(np.array([0.2, 0.7]), np.array([3, 4]), np.array([0, 0]))
    with pytest.raises(ValueError, match="not all equal"):
        lc.cox(np.array([0.4]), np.array([5]), np.array([2]))


def test_calibration_in_the_large_with_one_outcome_has_no_intercept() -> None:
    got = lc.calibration_in_the_large(np.array([0.2, 0.7]), np.array([3, 1]), np.array([3, 1]))
    assert math.isnan(got.intercept) and math.isnan(got.se_intercept)
    assert got.observed_rate == 1.0
    assert got.mean_forecast == pytest.approx((0.6 + 0.7) / 4)


def test_separated_outcomes_are_reported_as_not_converged() -> None:
    values = np.array([0.1, 0.2, 0.8, 0.9])
    n = np.array([10, 10, 10, 10])
    k = np.array([0, 0, 10, 10])  # every forecast above 0.5 came true, none below
    assert not lc.cox(values, n, k).converged
