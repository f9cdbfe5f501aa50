"""CORP curve and consistency band: a calibrated forecaster stays inside, a miscalibrated
one leaves it; counts merge."""

from __future__ import annotations

import numpy as np
import pytest

from foretell.scoring import decompose
from foretell.scoring import reliability as rel


def _simulate(rng, n, distort=lambda q: q):
    truth = np.round(rng.uniform(0.02, 0.98, n), 2)
    o = (rng.random(n) < truth).astype(float)
    return np.clip(distort(truth), 0.0, 1.0), o


def test_corp_curve_equals_the_pav_recalibration():
    rng = np.random.default_rng(1)
    p, o = _simulate(rng, 500)
    counts = rel.distinct_counts(p, o)
    fitted = rel.corp_curve(counts)
    per_row = decompose.pav_recalibrate(p, o)
    np.testing.assert_allclose(fitted[np.searchsorted(counts.x, p)], per_row)
    assert (np.diff(fitted) >= -1e-12).all()


def test_band_covers_the_calibrated_curve_in_about_90_percent_of_bins():
    rng = np.random.default_rng(2021)
    inside, diagonal = [], []
    for seed in range(8):
        p, o = _simulate(rng, 3000)
        counts = rel.distinct_counts(p, o)
        band = rel.consistency_band(counts, seed=seed)
        curve = rel.corp_curve(counts)
        # ten bins of the forecast range, each judged at its median distinct forecast
        for lo in np.arange(0.0, 1.0, 0.1):
            at = np.flatnonzero((counts.x >= lo) & (counts.x < lo + 0.1))
            j = at[len(at) // 2]
            inside.append(band.low[j] <= curve[j] <= band.high[j])
            diagonal.append(band.low[j] <= counts.x[j] <= band.high[j])
    share = np.mean(inside)
    assert 0.8 <= share <= 0.98, share
    assert np.mean(diagonal) >= 0.95


def test_band_exposes_an_overconfident_forecaster():
    rng = np.random.default_rng(3)
    p, o = _simulate(rng, 3000, distort=lambda q: 0.5 + 1.8 * (q - 0.5))
    counts = rel.distinct_counts(p, o)
    band = rel.consistency_band(counts)
    curve = rel.corp_curve(counts)
    outside = (curve < band.low) | (curve > band.high)
    assert outside.mean() > 0.5


def test_band_is_reproducible_and_ordered():
    rng = np.random.default_rng(4)
    counts = rel.distinct_counts(*_simulate(rng, 400))
    a = rel.consistency_band(counts, seed=9)
    b = rel.consistency_band(counts, seed=9)
    np.testing.assert_array_equal(a.low, b.low)
    assert (a.low <= a.high).all() and a.level == 0.9


def test_band_with_many_distinct_forecasts_is_grouped_and_interpolated(monkeypatch):
    monkeypatch.setattr(rel, "MAX_POINTS", 50)
    rng = np.random.default_rng(6)
    p = rng.uniform(0, 1, 2000)
    o = (rng.random(2000) < p).astype(float)
    counts = rel.distinct_counts(p, o)
    band = rel.consistency_band(counts, resamples=50)
    assert band.low.shape == counts.x.shape
    assert np.mean((band.low <= counts.x) & (counts.x <= band.high)) > 0.9


def test_distinct_counts_merge_by_adding():
    p = np.array([0.2, 0.2, 0.7, 0.9])
    o = np.array([1.0, 0.0, 1.0, 1.0])
    c = rel.distinct_counts(p, o)
    assert c.x.tolist() == [0.2, 0.7, 0.9]
    assert c.n.tolist() == [2, 1, 1] and c.s.tolist() == [1, 1, 1]


def test_band_refuses_bad_counts():
    with pytest.raises(ValueError):
        rel.consistency_band(rel.Counts(np.array([0.5]), np.array([0.0]), np.array([0.0])))


@pytest.mark.parametrize("k", [1, 7, 300])
def test_band_is_the_pointwise_quantile_of_each_resample_refitted_alone(k):
    # the band's definition written out: each resample drawn in turn from the one generator,
    # refitted by its own PAV pass, the quantiles taken over resamples at each point
    from scipy.optimize import isotonic_regression

    rng = np.random.default_rng(k)
    x = np.sort(rng.choice(np.arange(1, 1000) / 1000, size=k, replace=False))
    n = rng.integers(1, 60, k).astype(np.float64)
    counts = rel.Counts(x, n, np.floor(n * x))
    band = rel.consistency_band(counts, resamples=50, seed=3)
    draws = np.random.default_rng(3).binomial(n.astype(np.int64), x, size=(50, k))
    fits = np.array([isotonic_regression(d / n, weights=n).x for d in draws])
    low, high = np.quantile(fits, [0.05, 0.95], axis=0)
    np.testing.assert_allclose(band.low, low, rtol=0, atol=1e-12)
    np.testing.assert_allclose(band.high, high, rtol=0, atol=1e-12)
