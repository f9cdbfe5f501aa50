"""Paired comparison of two forecasters on the questions both answered.

Input: ``a`` and ``b``, one score per shared question (lower is better, e.g. Brier), and
``d = a - b`` their differences; questions are the resampling unit (the forecasts on one
question are not independent, the questions are taken to be).

- ``mean_difference``: mean of d (negative: ``a`` scored better).
- Bootstrap 95% interval: the 2.5% and 97.5% percentiles of the mean of d over
  ``n_resamples`` resamples of the questions with replacement (percentile bootstrap).
- Paired permutation (sign-flip) test, two-sided: under the null the sign of each d_i is a
  fair coin; p = share of sign patterns whose |mean| is at least the observed |mean|.
  Exact (all 2^n patterns) for n <= ``EXACT_UP_TO``; otherwise ``n_resamples`` random
  patterns with p = (1 + hits) / (1 + n_resamples), never 0.
- Diebold-Mariano statistic for one-step-ahead losses: mean(d) / sqrt(gamma0 / n) with
  gamma0 = mean((d - mean d)^2), no autocovariance terms (questions are not a time series);
  its two-sided p-value against the standard normal. Undefined (None) when every d is equal.

All random draws come from ``numpy.random.default_rng(seed)``: the same seed, the same
figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

EXACT_UP_TO = 16
N_RESAMPLES = 10_000
SEED = 20260
LEVEL = 0.95

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PairedTest:
    n_questions: int
    mean_a: float
    mean_b: float
    mean_difference: float
    ci_low: float
    ci_high: float
    p_value: float
    p_exact: bool
    dm_statistic: float | None
    dm_p_value: float | None


def differences(a: ArrayLike, b: ArrayLike) -> FloatArray:
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("a and b must be 1-D arrays of the same length")
    if x.shape[0] < 2:
        raise ValueError(f"need at least 2 shared questions, have {x.shape[0]}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("scores must be finite")
    return x - y


def bootstrap_ci(
    d: FloatArray, n_resamples: int = N_RESAMPLES, seed: int = SEED, level: float = LEVEL
) -> tuple[float, float]:
    """Percentile bootstrap interval of mean(d), resampling the entries of d."""
    rng = np.random.default_rng(seed)
    n = d.shape[0]
    means = np.empty(n_resamples)
    step = max(1, 2_000_000 // max(n, 1))  # bound the (resamples, n) index block
    for lo in range(0, n_resamples, step):
        hi = min(n_resamples, lo + step)
        means[lo:hi] = d[rng.integers(0, n, size=(hi - lo, n))].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return float(low), float(high)


def sign_flip_p(
    d: FloatArray, n_resamples: int = N_RESAMPLES, seed: int = SEED
) -> tuple[float, bool]:
    """Two-sided p-value of the paired sign-flip test; and whether it is exact."""
    n = d.shape[0]
    observed = abs(d.mean())
    tol = 1e-12 * max(1.0, float(np.abs(d).max()))
    if n <= EXACT_UP_TO:
        patterns = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1) * 2 - 1
        stats = np.abs(patterns @ d) / n
        return float((stats >= observed - tol).mean()), True
    rng = np.random.default_rng(seed)
    hits = 0
    step = max(1, 2_000_000 // n)
    for lo in range(0, n_resamples, step):
        hi = min(n_resamples, lo + step)
        signs = rng.integers(0, 2, size=(hi - lo, n)) * 2 - 1
        hits += int((np.abs(signs @ d) / n >= observed - tol).sum())
    return (1 + hits) / (1 + n_resamples), False


def diebold_mariano(d: FloatArray) -> tuple[float | None, float | None]:
    n = d.shape[0]
    gamma0 = float(np.mean((d - d.mean()) ** 2))
    if gamma0 <= 1e-300:
        return None, None
    stat = float(d.mean() / math.sqrt(gamma0 / n))
    return stat, math.erfc(abs(stat) / math.sqrt(2.0))


def paired_test(
    a: ArrayLike, b: ArrayLike, n_resamples: int = N_RESAMPLES, seed: int = SEED
) -> PairedTest:
    """All of the module's statistics for scores ``a`` and ``b`` on the same questions."""
    d = differences(a, b)
    low, high = bootstrap_ci(d, n_resamples, seed)
    p, exact = sign_flip_p(d, n_resamples, seed)
    dm, dm_p = diebold_mariano(d)
    return PairedTest(
        n_questions=int(d.shape[0]),
        mean_a=float(np.mean(a)),
        mean_b=float(np.mean(b)),
        mean_difference=float(d.mean()),
        ci_low=low,
        ci_high=high,
        p_value=p,
        p_exact=exact,
        dm_statistic=dm,
        dm_p_value=dm_p,
    )
