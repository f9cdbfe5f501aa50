"""Cox recalibration and calibration-in-the-large from a histogram, in bounded memory.

The same fits as ``calibration.cox`` and ``calibration.calibration_in_the_large`` (the logistic
likelihoods written for binomial counts: ``k_j`` successes of ``n_j`` trials at each
distinct forecast ``p_j``, covariate or offset ``x_j = logit(clip(p_j))``), solved by
Newton-Raphson where each pass reads the histogram in blocks of ``BLOCK`` values and keeps
only the sums the step needs:

- with ``mu_j = 1 / (1 + exp(-(a + b x_j)))`` and ``w_j = n_j mu_j (1 - mu_j)``, the score
  is ``(sum r_j, sum x_j r_j)`` for ``r_j = k_j - n_j mu_j`` and the information matrix is
  ``[[sum w_j, sum w_j x_j], [sum w_j x_j, sum w_j x_j^2]]`` (Cox: a and b free);
- calibration-in-the-large fixes b = 1 (offset ``x_j``): score ``sum r_j``, information
  ``sum w_j``.

A step is ``information^-1 score``; the fit has converged when no parameter moves by more
than ``TOL`` (at most ``MAX_ITER`` steps, as the statsmodels fits are run), and the standard
errors are the square roots of the diagonal of the inverse information at the estimate.
Outcomes perfectly separated by the forecasts have no finite estimate: the steps run off
until the information matrix is singular, and the fit is reported as not converged. The
logits of up to ``KEEP`` distinct forecasts are kept from pass to pass (16 bytes each); beyond
that each pass computes them again, block by block, so the memory is a few blocks of ``BLOCK``
floats whatever the number of distinct forecasts (the statsmodels fit of a histogram holds
several arrays per distinct forecast: ~350 bytes each).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from numpy.typing import NDArray

from foretell.scoring.calibration import CITL, LOGIT_CLIP, Cox

BLOCK = 1 << 16
KEEP = 1 << 20  # distinct forecasts up to which the blocks' logits are kept between passes
TOL = 1e-12
MAX_ITER = 100

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, LOGIT_CLIP, 1.0 - LOGIT_CLIP)
    return np.log(q / (1.0 - q))


Blocks = Callable[[], Iterable[tuple[FloatArray, FloatArray, IntArray]]]


def _blocks(p: FloatArray, n: IntArray, k: IntArray) -> Blocks:
    """The histogram's blocks as ``(x, n, k)``, ``x = logit(clip(p))`` and ``n`` as floats,
    for every pass: computed once and kept when the histogram has at most ``KEEP`` distinct
    forecasts, else again on each pass (so the memory stays a few blocks)."""

    def each() -> Iterator[tuple[FloatArray, FloatArray, IntArray]]:
        for lo in range(0, p.shape[0], BLOCK):
            hi = lo + BLOCK
            yield _logit(p[lo:hi]), n[lo:hi].astype(np.float64), k[lo:hi]

    if p.shape[0] > KEEP:
        return each
    kept = list(each())
    return lambda: kept


def _sums(blocks: Blocks, a: float, b: float | None) -> tuple[FloatArray, FloatArray]:
    """Score and information at (a, b); ``b`` None: slope fixed at 1 (the offset fit)."""
    size = 1 if b is None else 2
    score = np.zeros(size)
    info = np.zeros((size, size))
    for x, nn, kk in blocks():
        eta = a + (x if b is None else b * x)
        with np.errstate(over="ignore"):  # exp(-eta) = inf gives mu = 0, as it should
            mu = 1.0 / (1.0 + np.exp(-eta))
        r = kk - nn * mu
        w = nn * mu * (1.0 - mu)
        score[0] += r.sum()
        info[0, 0] += w.sum()
        if b is not None:
            wx = w * x
            score[1] += (x * r).sum()
            info[0, 1] += wx.sum()
            info[1, 1] += (wx * x).sum()
    if b is not None:
        info[1, 0] = info[0, 1]
    return score, info


def _newton(
    p: FloatArray, n: IntArray, k: IntArray, start: FloatArray, slope: bool
) -> tuple[FloatArray, FloatArray, bool]:
    """(estimate, standard errors, converged)."""
    blocks = _blocks(p, n, k)
    params = start.astype(np.float64)
    converged = False
    for _ in range(MAX_ITER):
        score, info = _sums(blocks, float(params[0]), float(params[1]) if slope else None)
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            break  # the weights have vanished: the estimates run off (separated outcomes)
        if not np.all(np.isfinite(step)):
            break
        params = params + step
        if np.all(np.abs(step) < TOL):
            converged = True
            break
    _, info = _sums(blocks, float(params[0]), float(params[1]) if slope else None)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov = np.full(info.shape, math.nan)
    se = np.sqrt(np.abs(np.diag(cov)))
    return params, se, converged


def cox(p: FloatArray, n: IntArray, k: IntArray) -> Cox:
    """Cox recalibration ``logit P(o = 1) = a + b logit(p)`` from counts (ValueError as
    ``calibration.cox``)."""
    total, hits = int(n.sum()), int(k.sum())
    if hits in (0, total):
        raise ValueError("Cox recalibration needs both outcomes among the forecasts")
    lo, hi = _logit(np.array([p.min(), p.max()]))
    if lo == hi:
        raise ValueError("Cox recalibration needs forecasts that are not all equal")
    params, se, converged = _newton(p, n, k, np.array([0.0, 1.0]), slope=True)
    return Cox(
        slope=float(params[1]),
        intercept=float(params[0]),
        se_slope=float(se[1]),
        se_intercept=float(se[0]),
        n=total,
        converged=converged,
    )


def calibration_in_the_large(p: FloatArray, n: IntArray, k: IntArray) -> CITL:
    """``mean(p) - mean(o)`` and the intercept of ``logit P(o = 1) = a + logit(p)`` with its
    standard error (NaN with only one outcome present), from counts."""
    total, hits = int(n.sum()), int(k.sum())
    mean_p, rate = float(np.sum(n * p) / total), hits / total
    intercept = se = math.nan
    if 0 < hits < total:
        params, errors, _ = _newton(p, n, k, np.array([0.0]), slope=False)
        intercept, se = float(params[0]), float(errors[0])
    return CITL(
        mean_forecast=mean_p,
        observed_rate=rate,
        difference=mean_p - rate,
        intercept=intercept,
        se_intercept=se,
    )
