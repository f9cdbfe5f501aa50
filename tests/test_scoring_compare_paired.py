"""Paired tests against scipy's permutation_test and bootstrap (test-only references)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from foretell.scoring.compare import paired


def _paired_mean_diff(x, y, axis=-1):
    return np.mean(x - y, axis=axis)


def test_exact_sign_flip_p_value_equals_scipys_paired_permutation_test() -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 0.5, 12)
    b = a + rng.normal(0.05, 0.1, 12)
    ours, exact = paired.sign_flip_p(a - b)
    ref = stats.permutation_test(
        (a, b), _paired_mean_diff, permutation_type="samples", n_resamples=np.inf,
        alternative="two-sided", vectorized=True,
    )  # fmt: skip
    assert exact
    assert ours == pytest.approx(ref.pvalue, rel=1e-12)


def test_sampled_sign_flip_p_value_is_close_to_scipys() -> None:
    rng = np.random.default_rng(2)
    a = rng.uniform(0, 0.5, 60)
    b = a + rng.normal(0.02, 0.1, 60)
    ours, exact = paired.sign_flip_p(a - b, n_resamples=20_000, seed=3)
    ref = stats.permutation_test(
        (a, b), _paired_mean_diff, permutation_type="samples", n_resamples=20_000,
        alternative="two-sided", vectorized=True, random_state=4,
    )  # fmt: skip
    assert not exact
    assert ours == pytest.approx(ref.pvalue, abs=0.015)


def test_bootstrap_interval_is_close_to_scipys_percentile_bootstrap() -> None:
    rng = np.random.default_rng(5)
    d = rng.normal(0.03, 0.2, 80)
    low, high = paired.bootstrap_ci(d, n_resamples=20_000, seed=6)
    ref = stats.bootstrap(
        (d,), np.mean, n_resamples=20_000, method="percentile", random_state=7
    ).confidence_interval
    se = d.std(ddof=1) / np.sqrt(d.size)
    assert low == pytest.approx(ref.low, abs=0.05 * se)
    assert high == pytest.approx(ref.high, abs=0.05 * se)


def test_same_seed_same_figures() -> None:
    d = np.random.default_rng(8).normal(0, 1, 40)
    assert paired.bootstrap_ci(d, seed=9) == paired.bootstrap_ci(d, seed=9)
    assert paired.sign_flip_p(d, seed=9) == paired.sign_flip_p(d, seed=9)


def test_diebold_mariano_is_the_mean_over_its_standard_error() -> None:
    d = np.array([0.1, -0.05, 0.2, 0.05, 0.0])
    stat, p = paired.diebold_mariano(d)
    gamma0 = np.mean((d - d.mean()) ** 2)
    assert stat == pytest.approx(d.mean() / np.sqrt(gamma0 / d.size))
    assert p == pytest.approx(2 * stats.norm.sf(abs(stat)))
    assert paired.diebold_mariano(np.full(4, 0.1)) == (None, None)


def test_fewer_than_two_questions_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 shared questions"):
        paired.paired_test([0.1], [0.2])


def _ledger_scores(rng, n: int, skill_a: float, skill_b: float):
    """Brier scores of two forecasters who see the truth through noise of given sizes."""
    truth = rng.uniform(0.05, 0.95, n)
    y = (rng.uniform(size=n) < truth).astype(float)

    def forecast(noise: float):
        logit = np.log(truth / (1 - truth)) + rng.normal(0, noise, n)
        return 1 / (1 + np.exp(-logit))

    return (forecast(skill_a) - y) ** 2, (forecast(skill_b) - y) ** 2


def test_known_different_skill_interval_excludes_zero_and_p_is_small() -> None:
    rng = np.random.default_rng(11)
    a, b = _ledger_scores(rng, 500, 0.3, 1.5)
    t = paired.paired_test(a, b)
    assert t.ci_high < 0
    assert t.p_value < 0.01


def test_identical_skill_interval_covers_zero_in_at_least_93_of_100_ledgers() -> None:
    rng = np.random.default_rng(12)
    covered = 0
    for i in range(100):
        a, b = _ledger_scores(rng, 500, 0.8, 0.8)
        low, high = paired.bootstrap_ci(a - b, n_resamples=2_000, seed=i)
        covered += low <= 0 <= high
    assert covered >= 93
