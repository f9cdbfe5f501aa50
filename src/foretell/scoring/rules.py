"""Proper scoring rules for binary and multiple-choice forecasts.

Each public function is a thin validating wrapper (``ValueError`` on bad input) over a
one-line array core. Conventions, as every foretell report states them:

- binary Brier score ``(p - o)^2``, from 0 (perfect) to 1 (Brier 1950);
- multi-category Brier score ``sum_k (p_k - o_k)^2``, from 0 to 2 (Brier's original form);
  a binary question written as two categories scores exactly twice its binary Brier score;
- log score ``-ln(p)`` if the event happened, ``-ln(1 - p)`` if not (Good 1952), in nats;
  it is ``inf`` when the outcome was given probability 0.
- an outcome that is itself a probability o in [0, 1] (a market price, a panel's judgement;
  ``outcome_probability=True``): Brier ``(p - o)^2`` and log score
  ``-(o ln p + (1 - o) ln(1 - p))`` (a term with weight 0 counts 0), the expected scores
  were the event to happen with probability o.

References: G. W. Brier (1950), Verification of forecasts expressed in terms of probability,
Monthly Weather Review 78(1); I. J. Good (1952), Rational decisions, JRSS B 14(1);
T. Gneiting & A. E. Raftery (2007), Strictly proper scoring rules, prediction, and
estimation, JASA 102(477).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

SUM_TOLERANCE = 1e-6
"""How far a row of multiple-choice probabilities may be from summing to 1."""

FloatArray = NDArray[np.float64]


def as_probabilities(p: ArrayLike, name: str = "p") -> FloatArray:
    """``p`` as a non-empty 1-D float array of finite values in [0, 1]; ValueError otherwise."""
    arr = np.asarray(p)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if arr.min() < 0.0 or arr.max() > 1.0:
        raise ValueError(f"{name} must lie in [0, 1]")
    return arr


def as_outcomes(o: ArrayLike, n: int, name: str = "o") -> FloatArray:
    """``o`` as a 1-D float array of length ``n`` holding only 0 and 1; ValueError otherwise."""
    arr = np.asarray(o)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must be a 1-D array of length {n}, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric or boolean, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if not ((arr == 0.0) | (arr == 1.0)).all():
        raise ValueError(f"{name} must hold only 0 and 1 (NaN is not an outcome)")
    return arr


def as_outcome_probabilities(o: ArrayLike, n: int, name: str = "o") -> FloatArray:
    """``o`` as a 1-D float array of length ``n`` of values in [0, 1]; ValueError otherwise."""
    arr = np.asarray(o)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must be a 1-D array of length {n}, got shape {arr.shape}")
    if n == 0:
        return arr.astype(np.float64)
    return as_probabilities(arr, name)


def _outcomes(o: ArrayLike, n: int, outcome_probability: bool) -> FloatArray:
    return as_outcome_probabilities(o, n) if outcome_probability else as_outcomes(o, n)


def brier_binary(p: ArrayLike, o: ArrayLike, outcome_probability: bool = False) -> FloatArray:
    """Binary Brier score per forecast: ``(p - o)^2``, in [0, 1]."""
    pa = as_probabilities(p)
    oa = _outcomes(o, pa.shape[0], outcome_probability)
    return (pa - oa) ** 2


def brier_multi(probs: ArrayLike, outcome_index: ArrayLike) -> FloatArray:
    """Multi-category Brier score per forecast: ``sum_k (p_k - o_k)^2``, in [0, 2].

    ``probs`` has shape (n, k), k >= 2, rows summing to 1 within ``SUM_TOLERANCE``;
    ``outcome_index`` (n,) holds integer indices in [0, k) of the option that happened.
    """
    pa = np.asarray(probs)
    if pa.ndim != 2 or pa.shape[0] == 0 or pa.shape[1] < 2:
        raise ValueError(f"probs must have shape (n, k) with n >= 1, k >= 2, got {pa.shape}")
    as_probabilities(pa.reshape(-1), "probs")
    pa = pa.astype(np.float64, copy=False)
    if not (np.abs(pa.sum(axis=1) - 1.0) <= SUM_TOLERANCE).all():
        raise ValueError(f"each row of probs must sum to 1 (within {SUM_TOLERANCE})")
    idx = np.asarray(outcome_index)
    n, k = pa.shape
    if idx.shape != (n,):
        raise ValueError(f"outcome_index must have shape ({n},), got {idx.shape}")
    if idx.dtype.kind not in "iu":
        raise ValueError(f"outcome_index must hold integers, got dtype {idx.dtype}")
    if idx.min() < 0 or idx.max() >= k:
        raise ValueError(f"outcome_index must lie in [0, {k})")
    diff = pa.copy()
    diff[np.arange(n), idx] -= 1.0
    return np.einsum("ij,ij->i", diff, diff)


def log_score(p: ArrayLike, o: ArrayLike, outcome_probability: bool = False) -> FloatArray:
    """Log score per forecast: ``-ln(p)`` if ``o == 1`` else ``-ln(1 - p)`` (nats, >= 0);
    for an outcome probability o, ``-(o ln p + (1 - o) ln(1 - p))``.

    It is ``inf`` where the outcome that happened had been given probability 0; callers that
    average it should count and report such forecasts.
    """
    pa = as_probabilities(p)
    oa = _outcomes(o, pa.shape[0], outcome_probability)
    with np.errstate(divide="ignore", invalid="ignore"):
        if not outcome_probability:
            return -np.log(np.where(oa == 1.0, pa, 1.0 - pa))
        yes = np.where(oa > 0.0, oa * np.log(pa), 0.0)
        no = np.where(oa < 1.0, (1.0 - oa) * np.log1p(-pa), 0.0)
        return -(yes + no)


def brier_skill_score(score: ArrayLike, reference: ArrayLike) -> float:
    """Skill against a reference: ``1 - score / reference`` (1 perfect, 0 no better, < 0 worse).

    ``score`` and ``reference`` are mean scores (floats), or arrays of per-forecast scores,
    which are averaged first. The reference is typically the Brier score of always saying 0.5
    (0.25), of the base rate ``obar(1 - obar)``, or of another forecaster on the same questions.
    """
    s = _mean_score(score, "score")
    r = _mean_score(reference, "reference")
    if r == 0.0:
        raise ValueError("the reference score is 0: skill is undefined against a perfect reference")
    return 1.0 - s / r


def _mean_score(x: ArrayLike, name: str) -> float:
    arr = np.asarray(x, dtype=np.float64)
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError(f"{name} must be finite and non-negative")
    return float(arr.mean())
