"""Calibration of binary forecasts: binned table, Spiegelhalter's z, Cox and in-the-large fits.

Binning (shared with ``decompose.murphy``): ``bins`` is an int K (K equal-width bins on
[0, 1] with edges ``j / K``), ``"quantile"`` (edges at the ``n_bins``-quantiles of p, with
duplicate edges merged so tied forecasts stay in one bin) or an increasing array of edges
covering every p. Bins are half-open ``[lower, upper)`` except the last, which is closed, so a
forecast of exactly 0.3 falls in the 0.3-0.4 bin of ten.

Thresholds: a table needs at least one forecast; the tests (Spiegelhalter, Cox,
calibration-in-the-large) run on any sample but are noise below ``MIN_FOR_CALIBRATION``
resolved forecasts, so reports print "too few" instead; Cox needs both outcomes present.

References: E. B. Wilson (1927), Probable inference, JASA 22(158); D. J. Spiegelhalter
(1986), Probabilistic prediction in patient management and clinical trials, Statistics in
Medicine 5(5); D. R. Cox (1958), Two further applications of a model for binary regression,
Biometrika 45(3/4); E. W. Steyerberg (2019), Clinical Prediction Models, 2nd ed., ch. 15
(calibration-in-the-large and slope, as in R's rms::val.prob).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from foretell.scoring.rules import as_outcomes, as_probabilities

MIN_FOR_CALIBRATION = 20
"""Fewer resolved binary forecasts than this: reports say "too few" instead of testing."""

LOGIT_CLIP = 1e-6
"""Forecasts are clipped to [LOGIT_CLIP, 1 - LOGIT_CLIP] before taking logits."""

Bins = int | str | ArrayLike
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CalibrationTable:
    """Equal-length arrays, one entry per non-empty bin, in bin order."""

    lower: FloatArray
    upper: FloatArray
    n: NDArray[np.int64]
    mean_forecast: FloatArray
    observed: FloatArray
    wilson_low: FloatArray
    wilson_high: FloatArray


@dataclass(frozen=True)
class Spiegelhalter:
    z: float
    p_value: float


@dataclass(frozen=True)
class Cox:
    slope: float
    intercept: float
    se_slope: float
    se_intercept: float
    n: int
    converged: bool = True
    """False when the fit did not converge (outcomes perfectly separated by p): then the
    estimates run off towards infinity and should be shown as such, not as numbers."""


@dataclass(frozen=True)
class CITL:
    mean_forecast: float
    observed_rate: float
    difference: float
    intercept: float
    se_intercept: float


def bin_edges(p: ArrayLike, bins: Bins = 10, *, n_bins: int = 10) -> FloatArray:
    """Bin edges for the forecasts ``p`` (see the module docstring for ``bins``)."""
    pa = as_probabilities(p)
    return _edges(pa, bins, n_bins)


def bin_index(p: FloatArray, edges: FloatArray) -> NDArray[np.intp]:
    """Bin of each forecast: ``[e_i, e_i+1)``, the last bin closed. ``p`` must lie in range."""
    idx = np.searchsorted(edges, p, side="right") - 1
    return np.clip(idx, 0, max(edges.shape[0] - 2, 0))


def calibration_table(
    p: ArrayLike, o: ArrayLike, bins: Bins = 10, *, n_bins: int = 10
) -> CalibrationTable:
    """Per bin: n, mean forecast, observed frequency and its Wilson 95% interval.

    Wilson score interval (Wilson 1927), ``wilson_interval``. Empty bins are dropped.
    """
    pa = as_probabilities(p)
    oa = as_outcomes(o, pa.shape[0])
    edges = _edges(pa, bins, n_bins)
    idx = bin_index(pa, edges)
    k = max(edges.shape[0] - 1, 1)
    n = np.bincount(idx, minlength=k)
    events = np.bincount(idx, weights=oa, minlength=k)
    sum_p = np.bincount(idx, weights=pa, minlength=k)
    return table_from_sums(edges, n, events, sum_p)


def table_from_sums(
    edges: FloatArray, n: NDArray[np.int64], events: FloatArray, sum_p: FloatArray
) -> CalibrationTable:
    """The table from per-bin sums: forecasts ``n``, outcomes ``events``, forecasts ``sum_p``
    (one entry per bin of ``edges``; empty bins are dropped)."""
    k = max(edges.shape[0] - 1, 1)
    keep = n > 0
    count = n[keep]
    events = events[keep]
    mean_p = sum_p[keep] / count
    low, high = wilson_interval(events, count)
    upper_edges = edges[1:] if edges.shape[0] > 1 else edges
    return CalibrationTable(
        lower=edges[:k][keep],
        upper=upper_edges[keep],
        n=count.astype(np.int64),
        mean_forecast=mean_p,
        observed=events / count,
        wilson_low=np.asarray(low, dtype=np.float64),
        wilson_high=np.asarray(high, dtype=np.float64),
    )


Z_95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


def wilson_interval(
    events: ArrayLike, n: ArrayLike, z: float = Z_95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for ``events`` successes in ``n`` trials (n > 0).

    With q = events / n: centre (q + z^2 / 2n) / (1 + z^2 / n), half-width
    z sqrt(q (1 - q) / n + z^2 / 4n^2) / (1 + z^2 / n); z = 1.96 for 95%. A closed formula
    (the one statsmodels' ``proportion_confint(method="wilson")`` computes), so the
    calibration table needs no statistics library.
    """
    x = np.asarray(events, dtype=np.float64)
    m = np.asarray(n, dtype=np.float64)
    q = x / m
    z2 = z * z
    denom = 1.0 + z2 / m
    centre = (q + z2 / (2.0 * m)) / denom
    half = z * np.sqrt(q * (1.0 - q) / m + z2 / (4.0 * m * m)) / denom
    return centre - half, centre + half


def spiegelhalter(p: ArrayLike, o: ArrayLike) -> Spiegelhalter:
    """Spiegelhalter's z: ``sum((o - p)(1 - 2p)) / sqrt(sum((1 - 2p)^2 p(1 - p)))``.

    Under perfect calibration z is approximately standard normal; the p-value is two-sided.
    When every forecast is 0, 0.5 or 1 the variance is 0 and z and p_value are NaN.
    """
    pa = as_probabilities(p)
    oa = as_outcomes(o, pa.shape[0])
    a = 1.0 - 2.0 * pa
    var = float(np.sum(a * a * pa * (1.0 - pa)))
    if var == 0.0:
        return Spiegelhalter(z=math.nan, p_value=math.nan)
    z = float(np.sum((oa - pa) * a)) / math.sqrt(var)
    return Spiegelhalter(z=z, p_value=math.erfc(abs(z) / math.sqrt(2.0)))


def cox(p: ArrayLike, o: ArrayLike) -> Cox:
    """Cox (1958) recalibration: the logistic fit ``logit P(o = 1) = a + b logit(p)``.

    A calibrated forecaster has a = 0, b = 1; b < 1 means overconfident, b > 1 underconfident.
    p is clipped to [1e-6, 1 - 1e-6]; both outcomes must be present and p not all equal.
    Matches R's ``rms::val.prob`` "Slope" and "Intercept".
    """
    pa = as_probabilities(p)
    oa = as_outcomes(o, pa.shape[0])
    if oa.min() == oa.max():
        raise ValueError("Cox recalibration needs both outcomes among the forecasts")
    if _logit(pa.min()) == _logit(pa.max()):
        raise ValueError("Cox recalibration needs forecasts that are not all equal")
    fit = _fit_logistic(pa, oa, slope=True)
    return Cox(
        slope=float(fit.params[1]),
        intercept=float(fit.params[0]),
        se_slope=float(fit.bse[1]),
        se_intercept=float(fit.bse[0]),
        n=int(pa.shape[0]),
        converged=bool(fit.mle_retvals["converged"]),
    )


def calibration_in_the_large(p: ArrayLike, o: ArrayLike) -> CITL:
    """Calibration-in-the-large: ``mean(p) - mean(o)`` and the recalibration intercept.

    The intercept is the logistic fit ``logit P(o = 1) = a + logit(p)`` (offset logit(p), slope
    fixed at 1), with its standard error; 0 for a forecaster right on average. With only one
    outcome present the fit has no finite solution and intercept and se are NaN.
    """
    pa = as_probabilities(p)
    oa = as_outcomes(o, pa.shape[0])
    mean_p, rate = float(pa.mean()), float(oa.mean())
    intercept = se = math.nan
    if oa.min() != oa.max():
        fit = _fit_logistic(pa, oa, slope=False)
        intercept, se = float(fit.params[0]), float(fit.bse[0])
    return CITL(
        mean_forecast=mean_p,
        observed_rate=rate,
        difference=mean_p - rate,
        intercept=intercept,
        se_intercept=se,
    )


def _fit_logistic(p: FloatArray, o: FloatArray, *, slope: bool) -> Any:
    """Logistic regression (Newton-Raphson MLE) of o on logit(p): as covariate or as offset.

    Warnings about separation are silenced; the caller reads ``mle_retvals["converged"]``.
    statsmodels (and with it scipy.stats) is imported here, only when a fit is computed.
    """
    import warnings

    from statsmodels.discrete.discrete_model import Logit

    x = _logit(p)
    ones = np.ones_like(x)
    model = Logit(o, np.column_stack([ones, x])) if slope else Logit(o, ones[:, None], offset=x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=0, tol=1e-12, maxiter=100)


def _logit(p: FloatArray | float) -> FloatArray:
    q = np.clip(p, LOGIT_CLIP, 1.0 - LOGIT_CLIP)
    return np.log(q / (1.0 - q))


def _edges(p: FloatArray, bins: Bins, n_bins: int) -> FloatArray:
    if isinstance(bins, str):
        if bins != "quantile":
            raise ValueError(f'bins must be an int, "quantile" or an array of edges, not {bins!r}')
        if not isinstance(n_bins, int | np.integer) or n_bins < 1:
            raise ValueError("n_bins must be a positive integer")
        return np.unique(np.quantile(p, np.arange(n_bins + 1) / n_bins))
    if isinstance(bins, int | np.integer) and not isinstance(bins, bool):
        if bins < 1:
            raise ValueError("the number of bins must be at least 1")
        return np.arange(int(bins) + 1) / int(bins)
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or edges.shape[0] < 2 or not np.isfinite(edges).all():
        raise ValueError("bin edges must be a 1-D array of at least two finite values")
    if (np.diff(edges) <= 0).any():
        raise ValueError("bin edges must be strictly increasing")
    if p.min() < edges[0] or p.max() > edges[-1]:
        raise ValueError(f"bin edges [{edges[0]}, {edges[-1]}] do not cover every forecast")
    return edges
