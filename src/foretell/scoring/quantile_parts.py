"""Diagnostics of quantile forecasts: WIS in parts, bias, PIT, coverage of each interval.

Forecasts as in ``foretell.scoring.quantiles``: ``levels`` (m,) strictly increasing in (0, 1),
``values`` (n, m) non-decreasing along each row, outcomes ``y`` (n,). Central intervals come
from symmetric level pairs (tau, 1 - tau), tau < 0.5, matched within ``LEVEL_TOLERANCE``; the
interval's nominal coverage is ``1 - 2 tau`` and ``alpha = 2 tau``.

- **WIS in parts** (as scoringutils' ``wis(separate_results = TRUE)`` computes them): per
  interval [l, u] with weight alpha/2, dispersion ``(alpha/2)(u - l)``, overprediction
  ``(l - y) 1[y < l]`` and underprediction ``(y - u) 1[y > u]``; the median m counts as an
  interval of range 0 with half weight (overprediction ``(m - y)+``, underprediction
  ``(y - m)+``). Each part is ``(median part / 2 + sum over intervals) / (K + 1/2)``, and
  dispersion + overprediction + underprediction = WIS exactly.
- **Bias** (scoringutils' ``bias_quantile``): 0 when y equals the median; when y is below
  the median, ``1 - 2 max{tau_i : q_i <= y}`` (1 when y is below every quantile); when above,
  ``1 - 2 min{tau_i : q_i >= y}`` (-1 when above every quantile). In [-1, 1], positive when
  the forecast is too high. A missing median is interpolated between the two innermost
  levels.
- **Absolute error of the median** ``|y - q_0.5|``.
- **PIT from quantiles**: the forecast's CDF is known only at its levels, so the probability
  integral transform of y lies in ``[lower, upper]`` with ``lower = max{tau_i : q_i < y}``
  (0 if none) and ``upper = min{tau_i : q_i > y}`` (1 if none); the randomised PIT draws it
  uniformly there (Czado, Gneiting & Held 2009 do the same for discrete forecasts). For a
  calibrated forecaster the randomised PIT is uniform on [0, 1].
- **Uniformity**: Pearson's chi-square test of the PIT histogram's counts against equal
  counts per bin (bins - 1 degrees of freedom).

References: J. Bracher, E. L. Ray, T. Gneiting & N. G. Reich (2021), PLoS Comput. Biol.
17(2); N. I. Bosse et al. (2022), Evaluating forecasts with scoringutils in R, arXiv
2205.07090; C. Czado, T. Gneiting & L. Held (2009), Predictive model assessment for count
data, Biometrics 65(4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from foretell.scoring.quantiles import LEVEL_TOLERANCE, _forecast

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class WisParts:
    wis: FloatArray
    dispersion: FloatArray
    overprediction: FloatArray
    underprediction: FloatArray


def central_pairs(levels: ArrayLike) -> list[tuple[float, int, int]]:
    """``(nominal coverage 1 - 2 tau, index of tau, index of 1 - tau)``, widest first."""
    lv = np.asarray(levels, dtype=np.float64)
    out = []
    for i, tau in enumerate(lv):
        if tau < 0.5 - LEVEL_TOLERANCE:
            hits = np.flatnonzero(np.abs(lv - (1.0 - tau)) <= LEVEL_TOLERANCE)
            if hits.size:
                out.append((round(1.0 - 2.0 * float(tau), 9), i, int(hits[0])))
    return out


def median_index(levels: ArrayLike) -> int | None:
    hits = np.flatnonzero(np.abs(np.asarray(levels, dtype=np.float64) - 0.5) <= LEVEL_TOLERANCE)
    return int(hits[0]) if hits.size else None


def wis_parts(levels: ArrayLike, values: ArrayLike, y: ArrayLike) -> WisParts:
    """WIS and its dispersion, overprediction and underprediction per forecast (n,)."""
    lv, v, ya = _forecast(levels, values, np.atleast_1d(y))
    v = np.atleast_2d(v)
    med = median_index(lv)
    if med is None:
        raise ValueError("the weighted interval score needs the median (level 0.5)")
    m = v[:, med]
    disp = np.zeros(ya.shape[0])
    over = 0.5 * np.maximum(m - ya, 0.0)
    under = 0.5 * np.maximum(ya - m, 0.0)
    pairs = central_pairs(lv)
    for _, lo, hi in pairs:
        alpha = 2.0 * lv[lo]
        low, up = v[:, lo], v[:, hi]
        disp = disp + 0.5 * alpha * (up - low)
        over = over + np.maximum(low - ya, 0.0)
        under = under + np.maximum(ya - up, 0.0)
    k = len(pairs) + 0.5
    disp, over, under = disp / k, over / k, under / k
    return WisParts(disp + over + under, disp, over, under)


def bias(levels: ArrayLike, values: ArrayLike, y: ArrayLike) -> FloatArray:
    """Quantile bias per forecast (n,), in [-1, 1] (see the module docstring)."""
    lv, v, ya = _forecast(levels, values, np.atleast_1d(y))
    v = np.atleast_2d(v)
    if not ((lv <= 0.5 + LEVEL_TOLERANCE).any() and (lv >= 0.5 - LEVEL_TOLERANCE).any()):
        raise ValueError("bias needs a level at or below 0.5 and one at or above it")
    med = median_index(lv)
    if med is not None:
        m = v[:, med]
    else:
        below = int(np.flatnonzero(lv < 0.5)[-1])
        above = int(np.flatnonzero(lv > 0.5)[0])
        w = (0.5 - lv[below]) / (lv[above] - lv[below])
        m = v[:, below] + w * (v[:, above] - v[:, below])
    yy = ya[:, None]
    max_le = np.where(v <= yy, lv, -np.inf).max(axis=1)
    min_ge = np.where(v >= yy, lv, np.inf).min(axis=1)
    low_side = np.where(np.isinf(max_le), 1.0, 1.0 - 2.0 * max_le)
    high_side = np.where(np.isinf(min_ge), -1.0, 1.0 - 2.0 * min_ge)
    return np.where(ya < m, low_side, np.where(ya > m, high_side, 0.0))


def abs_error_median(levels: ArrayLike, values: ArrayLike, y: ArrayLike) -> FloatArray:
    lv, v, ya = _forecast(levels, values, np.atleast_1d(y))
    med = median_index(lv)
    if med is None:
        raise ValueError("the absolute error of the median needs the median (level 0.5)")
    return np.abs(ya - np.atleast_2d(v)[:, med])


def coverage(
    levels: ArrayLike, values: ArrayLike, y: ArrayLike
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Nominal coverages (K,) of the central intervals and whether y is in each (n, K).

    Intervals are closed: ``l <= y <= u``.
    """
    lv, v, ya = _forecast(levels, values, np.atleast_1d(y))
    v = np.atleast_2d(v)
    pairs = central_pairs(lv)
    nominal = np.array([c for c, _, _ in pairs], dtype=np.float64)
    inside = np.zeros((ya.shape[0], len(pairs)), dtype=bool)
    for j, (_, lo, hi) in enumerate(pairs):
        inside[:, j] = (v[:, lo] <= ya) & (ya <= v[:, hi])
    return nominal, inside


def pit_bounds(levels: ArrayLike, values: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The interval ``[lower, upper]`` holding each forecast's PIT of y (module docstring)."""
    lv, v, ya = _forecast(levels, values, np.atleast_1d(y))
    v = np.atleast_2d(v)
    yy = ya[:, None]
    lower = np.where(v < yy, lv, 0.0).max(axis=1)
    upper = np.where(v > yy, lv, 1.0).min(axis=1)
    return lower, upper


def randomised_pit(lower: ArrayLike, upper: ArrayLike, rng: np.random.Generator) -> FloatArray:
    """A uniform draw in ``[lower, upper]`` per forecast."""
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    if lo.shape != hi.shape or (lo > hi).any() or (lo < 0).any() or (hi > 1).any():
        raise ValueError("PIT bounds must satisfy 0 <= lower <= upper <= 1")
    return lo + rng.random(lo.shape[0]) * (hi - lo)


def pit_counts(pit: ArrayLike, weights: ArrayLike | None = None, n_bins: int = 10) -> FloatArray:
    """Histogram counts of PIT values over ``n_bins`` equal bins of [0, 1] (last closed)."""
    x = np.asarray(pit, dtype=np.float64)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=np.float64)
    if n_bins < 2:
        raise ValueError("the PIT histogram needs at least 2 bins")
    idx = np.minimum((x * n_bins).astype(np.int64), n_bins - 1)
    return np.bincount(idx, weights=w, minlength=n_bins).astype(np.float64)


@dataclass(frozen=True)
class Uniformity:
    chi2: float
    dof: int
    p_value: float


def uniformity_test(counts: ArrayLike) -> Uniformity:
    """Pearson's chi-square test of equal expected counts (counts may be fractional).

    The p-value is the chi-square survival function with ``bins - 1`` degrees of freedom
    (``chi2_sf``)."""
    c = np.asarray(counts, dtype=np.float64)
    total = float(c.sum())
    if c.shape[0] < 2 or total <= 0:
        raise ValueError("the uniformity test needs at least 2 bins and a positive total")
    expected = total / c.shape[0]
    stat = float(((c - expected) ** 2 / expected).sum())
    dof = c.shape[0] - 1
    return Uniformity(stat, dof, chi2_sf(stat, dof))


def chi2_sf(x: float, dof: int) -> float:
    """``P(X >= x)`` for ``X ~ chi-square(dof)``, ``dof`` a whole number >= 1, in closed form.

    With ``y = x / 2`` it is the regularised upper incomplete gamma ``Q(dof / 2, y)``, which
    for a whole or half-whole first argument is a finite sum (``Q(a + 1, y) = Q(a, y) +
    y^a e^-y / Gamma(a + 1)``):

    - even ``dof = 2m``: ``Q = sum_{j=0}^{m-1} e^-y y^j / j!``;
    - odd ``dof = 2m + 1``: ``Q = erfc(sqrt y) + sum_{j=1}^{m} e^-y y^(j - 1/2) / Gamma(j + 1/2)``.

    Every term is positive and is computed from its logarithm (``-y + a ln y - lgamma(a + 1)``),
    so no term overflows where ``e^-y`` would underflow. Where ``y < dof / 2 + 1`` (``Q`` above
    about a half) it is ``1 - P(dof / 2, y)`` instead, ``P`` by its series
    (``_lower_gamma_series``), so that ``Q`` near 1 rounds as it should and falls with ``dof``
    to the last bit; agrees with scipy's ``chdtrc`` to about 1e-13 relative
    (``tests/test_chi2_sf.py``).
    """
    if dof < 1 or int(dof) != dof:
        raise ValueError("degrees of freedom must be a whole number >= 1")
    if not x > 0.0:
        if math.isnan(x):
            raise ValueError("the statistic is NaN")
        return 1.0
    if math.isinf(x):
        return 0.0
    y = 0.5 * x
    if y == 0.0:  # x the smallest subnormal: its half rounds to 0, where Q(a, 0) = 1
        return 1.0
    log_y = math.log(y)
    a = 0.5 * dof
    if y < a + 1.0:
        return max(1.0 - _lower_gamma_series(a, y, log_y), 0.0)
    if dof % 2 == 0:
        exponents = [float(j) for j in range(dof // 2)]
        head = 0.0
    else:
        exponents = [j - 0.5 for j in range(1, dof // 2 + 1)]
        head = math.erfc(math.sqrt(y))
    return min(
        head + math.fsum(math.exp(-y + a * log_y - math.lgamma(a + 1.0)) for a in exponents), 1.0
    )


def _lower_gamma_series(a: float, y: float, log_y: float) -> float:
    """The regularised lower incomplete gamma ``P(a, y) = y^a e^-y / Gamma(a + 1) *
    sum_{k>=0} y^k / ((a + 1) ... (a + k))``, for ``y < a + 1`` (where the terms fall at least
    geometrically). Where ``Q = 1 - P`` is near 1, ``P`` is small and ``1 - P`` rounds
    correctly; the finite sum for ``Q`` there adds terms near 1 and can miss by an ulp."""
    term = total = 1.0
    k = a
    while term > total * 1e-17:
        k += 1.0
        term *= y / k
        total += term
    return min(math.exp(-y + a * log_y - math.lgamma(a + 1.0)) * total, 1.0)


def log_plus_one(x: ArrayLike) -> FloatArray:
    """``ln(x + 1)``, the transform Bosse et al. (2023) score on; NaN below 0."""
    arr = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(arr >= 0, np.log1p(np.maximum(arr, 0.0)), np.nan)
