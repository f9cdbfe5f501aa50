"""CORP reliability curve and its consistency band, from counts over distinct forecasts.

Inputs are mergeable sums: for each distinct forecast probability ``x_j`` (increasing), the
number of forecasts ``n_j`` and of events ``s_j`` among them (``distinct_counts`` builds them
from raw arrays; two batches merge by adding counts at equal x).

- **CORP curve** (Dimitriadis, Gneiting & Jordan 2021): the isotonic (PAV) regression of the
  outcome on the forecast, i.e. the non-decreasing fit of ``s_j / n_j`` with weights ``n_j``;
  for a calibrated forecaster it follows the diagonal.
- **Consistency band**: under the hypothesis of calibration the outcomes are
  ``Bernoulli(x_j)``; draw ``s*_j ~ Binomial(n_j, x_j)`` ``resamples`` times, refit the PAV
  curve each time, and take the pointwise ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of
  the refitted curves at each ``x_j``. Where the CORP curve leaves the band the data are
  inconsistent with calibration at that forecast value (pointwise, at ``level``).

With more than ``MAX_POINTS`` distinct forecasts the band is computed on that many groups of
consecutive forecasts of about equal count (each group at its mean forecast) and read off at
each x by linear interpolation; the curve itself is always fitted on every distinct value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from foretell.scoring import isotonic
from foretell.scoring.rules import as_outcomes, as_probabilities

FloatArray = NDArray[np.float64]

MAX_POINTS = 1000
RESAMPLES = 200
LEVEL = 0.9


@dataclass(frozen=True)
class Counts:
    x: FloatArray  # distinct forecasts, increasing
    n: FloatArray  # forecasts at each
    s: FloatArray  # events among them


def distinct_counts(p: ArrayLike, o: ArrayLike) -> Counts:
    pa = as_probabilities(p)
    oa = as_outcomes(o, pa.shape[0])
    x, inverse = np.unique(pa, return_inverse=True)
    n = np.bincount(inverse, minlength=x.shape[0]).astype(np.float64)
    s = np.bincount(inverse, weights=oa, minlength=x.shape[0])
    return Counts(x, n, s)


def corp_curve(counts: Counts) -> FloatArray:
    """PAV fit (non-decreasing in x) of the event rate at each distinct forecast."""
    _check(counts)
    return isotonic.fit(counts.s / counts.n, counts.n)


@dataclass(frozen=True)
class Band:
    x: FloatArray
    low: FloatArray
    high: FloatArray
    level: float
    resamples: int


BandAt = Callable[[FloatArray, FloatArray, float, int, int], tuple[FloatArray, FloatArray]]


def consistency_band(
    counts: Counts,
    *,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = 0,
    band_at: BandAt | None = None,
) -> Band:
    """Pointwise ``level`` band of the CORP curve under calibration (module docstring).

    ``band_at(x, n, level, resamples, seed)`` computes the band at the (grouped) points:
    ``points_band`` unless given (a memo of it, say: the band is a pure function of them)."""
    _check(counts)
    if not 0.0 < level < 1.0:
        raise ValueError("level must lie strictly between 0 and 1")
    if resamples < 10:
        raise ValueError("the band needs at least 10 resamples")
    x, n = grouped_points(counts)
    low, high = (band_at or points_band)(x, n, level, resamples, seed)
    if x.shape[0] != counts.x.shape[0]:
        low = np.interp(counts.x, x, low)
        high = np.interp(counts.x, x, high)
    return Band(counts.x, low, high, level, resamples)


def points_band(
    x: FloatArray, n: FloatArray, level: float, resamples: int, seed: int
) -> tuple[FloatArray, FloatArray]:
    """(low, high) at each of the points ``x`` (``n`` forecasts at each): the ``(1 - level)/2``
    and ``(1 + level)/2`` quantiles of ``resamples`` PAV fits of ``Binomial(n_j, x_j) / n_j``
    drawn from ``default_rng(seed)``, one resample after another."""
    rng = np.random.default_rng(seed)
    n_int = np.rint(n).astype(np.int64)
    k = x.shape[0]
    # one draw per resample and point, in the order of one resample after another; the
    # resamples are fitted by one PAV pass over their concatenation, each lifted by 2 above
    # the one before (rates lie in [0, 1]), so that no block ever pools across two resamples
    lift = 2.0 * np.arange(resamples)[:, None]
    rates = rng.binomial(n_int, x, size=(resamples, k)) / n_int + lift
    pooled = isotonic.fit(rates.ravel(), np.tile(n, resamples))
    fits = np.asarray(pooled).reshape(resamples, k) - lift
    # each point's refitted values as a row, sorted: the quantiles are those of the values
    # (numpy.quantile gives the same for any order of them), found faster in sorted rows
    fits = np.sort(fits.T, axis=1)
    low, high = np.quantile(fits, [(1 - level) / 2, (1 + level) / 2], axis=1)
    return low, high


def grouped_points(counts: Counts) -> tuple[FloatArray, FloatArray]:
    """At most MAX_POINTS (x, n): consecutive distinct forecasts pooled by count."""
    if counts.x.shape[0] <= MAX_POINTS:
        return counts.x, counts.n
    cum = np.cumsum(counts.n)
    group = np.minimum((MAX_POINTS * (cum - counts.n) / cum[-1]).astype(np.int64), MAX_POINTS - 1)
    n = np.bincount(group, weights=counts.n)
    keep = n > 0
    x = np.bincount(group, weights=counts.n * counts.x)[keep] / n[keep]
    return x, n[keep]


def _check(counts: Counts) -> None:
    if counts.x.shape[0] == 0:
        raise ValueError("no forecasts")
    if (counts.n <= 0).any() or (counts.s < 0).any() or (counts.s > counts.n).any():
        raise ValueError("counts must satisfy n > 0 and 0 <= s <= n")
    if (np.diff(counts.x) <= 0).any():
        raise ValueError("x must be strictly increasing")
