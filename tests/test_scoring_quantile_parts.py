"""WIS in parts, quantile bias, PIT and coverage of quantile forecasts: hand-worked sets,
scoringutils' definitions, invariants."""

from __future__ import annotations

import numpy as np
import pytest

from foretell.scoring import quantile_parts as qp
from foretell.scoring import weighted_interval_score

# scoringutils' documentation example (wis(), interval_coverage()): three forecasts
LEVELS = np.array([0.1, 0.25, 0.5, 0.75, 0.9])
VALUES = np.array([[-1, 0, 1, 2, 3], [-2, 1, 2, 2, 4], [-2, 0, 3, 3, 4]], dtype=float)
Y = np.array([1.0, -15.0, 22.0])


def test_wis_parts_match_scoringutils_definitions_by_hand():
    parts = qp.wis_parts(LEVELS, VALUES, Y)
    # K = 2 intervals (80%: alpha 0.2, 50%: alpha 0.5) and the median; divide by K + 1/2.
    # Forecast 1, y = 1 = median, inside both: dispersion = (0.1*4 + 0.25*2) / 2.5 = 0.36.
    # Forecast 2, y = -15 below all: dispersion (0.1*6 + 0.25*1) / 2.5 = 0.34;
    #   overprediction ((2 + 15) / 2 + (-2 + 15) + (1 + 15)) / 2.5 = (8.5 + 13 + 16) / 2.5 = 15.
    # Forecast 3, y = 22 above all: dispersion (0.1*6 + 0.25*3) / 2.5 = 0.54;
    #   underprediction ((22 - 3) / 2 + (22 - 4) + (22 - 3)) / 2.5 = 46.5 / 2.5 = 18.6.
    np.testing.assert_allclose(parts.dispersion, [0.36, 0.34, 0.54])
    np.testing.assert_allclose(parts.overprediction, [0.0, 15.0, 0.0])
    np.testing.assert_allclose(parts.underprediction, [0.0, 0.0, 18.6])
    np.testing.assert_allclose(parts.wis, [0.36, 15.34, 19.14])


def test_wis_parts_sum_to_the_weighted_interval_score():
    rng = np.random.default_rng(11)
    levels = np.array([0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975])
    values = np.sort(rng.normal(50, 10, size=(300, levels.size)), axis=1)
    y = rng.normal(50, 15, size=300)
    parts = qp.wis_parts(levels, values, y)
    np.testing.assert_allclose(
        parts.dispersion + parts.overprediction + parts.underprediction, parts.wis
    )
    np.testing.assert_allclose(parts.wis, weighted_interval_score(levels, values, y))
    # one of over/under is zero for every forecast (y cannot be below and above the median)
    assert ((parts.overprediction == 0) | (parts.underprediction == 0)).all()


def test_wis_parts_need_the_median():
    with pytest.raises(ValueError, match="median"):
        qp.wis_parts([0.25, 0.75], [[1.0, 2.0]], [1.5])


def test_bias_on_hand_worked_quantile_sets():
    # y equal to the median -> 0; below the median and every quantile -> 1;
    # above every quantile -> -1 (scoringutils' bias_quantile)
    np.testing.assert_allclose(qp.bias(LEVELS, VALUES, Y), [0.0, 1.0, -1.0])
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    values = [[10.0, 20.0, 30.0, 40.0, 50.0]]
    # y = 25: below the median; the highest quantile <= 25 is q_0.25 -> 1 - 2*0.25 = 0.5
    assert qp.bias(levels, values, [25.0])[0] == pytest.approx(0.5)
    # y = 20 exactly on q_0.25 -> still 0.5; y = 12 -> q_0.05 -> 0.9
    assert qp.bias(levels, values, [20.0])[0] == pytest.approx(0.5)
    assert qp.bias(levels, values, [12.0])[0] == pytest.approx(0.9)
    # y = 45: above the median; the lowest quantile >= 45 is q_0.95 -> 1 - 1.9 = -0.9
    assert qp.bias(levels, values, [45.0])[0] == pytest.approx(-0.9)
    # y = 40 on q_0.75 -> 1 - 1.5 = -0.5
    assert qp.bias(levels, values, [40.0])[0] == pytest.approx(-0.5)


def test_bias_interpolates_a_missing_median():
    # levels 0.25, 0.75 at 10 and 30: median imputed at 20; y = 15 below it -> 1 - 0.5
    assert qp.bias([0.25, 0.75], [[10.0, 30.0]], [15.0])[0] == pytest.approx(0.5)
    assert qp.bias([0.25, 0.75], [[10.0, 30.0]], [20.0])[0] == 0.0


def test_pit_bounds_on_hand_worked_quantile_sets():
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    values = [[10.0, 20.0, 30.0, 40.0, 50.0]] * 4
    lower, upper = qp.pit_bounds(levels, values, [25.0, 5.0, 55.0, 30.0])
    # between q_0.25 and q_0.5; below all; above all; exactly on the median
    np.testing.assert_allclose(lower, [0.25, 0.0, 0.95, 0.25])
    np.testing.assert_allclose(upper, [0.5, 0.05, 1.0, 0.75])


def test_pit_bounds_with_tied_quantiles_span_the_jump():
    # q_0.25 = q_0.5 = q_0.75 = 20: a point mass; y = 20 -> PIT anywhere in [0.05, 0.95]
    lower, upper = qp.pit_bounds([0.05, 0.25, 0.5, 0.75, 0.95], [[10, 20, 20, 20, 30]], [20.0])
    assert (lower[0], upper[0]) == (0.05, 0.95)


def test_randomised_pit_of_a_calibrated_forecaster_is_uniform():
    from scipy.stats import norm

    rng = np.random.default_rng(5)
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    mu = rng.normal(0, 5, size=4000)
    values = mu[:, None] + norm.ppf(levels)[None, :]
    y = rng.normal(mu, 1.0)
    lower, upper = qp.pit_bounds(levels, values, y)
    pit = qp.randomised_pit(lower, upper, rng)
    counts = qp.pit_counts(pit, n_bins=10)
    assert counts.sum() == 4000
    assert qp.uniformity_test(counts).p_value > 0.001
    # an overconfident forecaster (intervals a third as wide) piles PIT at the ends
    narrow = mu[:, None] + norm.ppf(levels)[None, :] / 3
    lo2, hi2 = qp.pit_bounds(levels, narrow, y)
    bad = qp.pit_counts(qp.randomised_pit(lo2, hi2, rng), n_bins=10)
    assert bad[0] + bad[-1] > 3 * (counts[0] + counts[-1]) / 2
    assert qp.uniformity_test(bad).p_value < 1e-6


def test_uniformity_test_matches_scipy_chisquare():
    from scipy.stats import chisquare

    counts = np.array([12.0, 8, 10, 15, 5])
    got = qp.uniformity_test(counts)
    ref = chisquare(counts)
    assert got.chi2 == pytest.approx(ref.statistic)
    assert got.p_value == pytest.approx(ref.pvalue)
    assert got.dof == 4


def test_uniformity_p_value_is_scipy_stats_chi2_survival():
    from scipy.stats import chi2

    rng = np.random.default_rng(3)
    for n_bins in (2, 5, 10, 20):
        for _ in range(20):
            counts = rng.gamma(2.0, 5.0, n_bins)
            got = qp.uniformity_test(counts)
            assert got.p_value == pytest.approx(float(chi2.sf(got.chi2, n_bins - 1)), rel=1e-13)


def test_coverage_of_every_central_interval():
    nominal, inside = qp.coverage(LEVELS, VALUES, Y)
    np.testing.assert_allclose(nominal, [0.8, 0.5])
    assert inside.tolist() == [[True, True], [False, False], [False, False]]
    # closed intervals: on the bound counts as inside
    _, on_edge = qp.coverage([0.25, 0.5, 0.75], [[1.0, 2.0, 3.0]], [3.0])
    assert on_edge.tolist() == [[True]]


def test_abs_error_of_the_median_and_log_transform():
    np.testing.assert_allclose(qp.abs_error_median(LEVELS, VALUES, Y), [0.0, 17.0, 19.0])
    np.testing.assert_allclose(qp.log_plus_one([0.0, np.e - 1]), [0.0, 1.0])
    assert np.isnan(qp.log_plus_one([-2.0])[0])
