"""Scores of claims: a party's stated outcome or value, with no probability of its own.

Binary and multiple choice: a claim names an outcome (or, for multiple choice, a set of
options meaning "one of these"); it *came true* when the recorded outcome is the claimed one
(is in the set). Its Brier score is ``(p - o)^2`` on the 0..1 scale, where ``p`` is the
probability its hedge word has on the verbal scale (``scoring.verbal``) and ``o`` is 1 when
it came true; the same score at the scale range's low and high ends shows how much the score
rests on reading the word.

Numeric: a claim is a point ``v`` or a range ``[l, h]`` (whose midpoint is its point).
With outcome ``y``: absolute error ``|v - y|``; relative error ``|v - y| / |y|`` (undefined,
NaN, when ``y`` is 0); in range when ``l <= y <= h``. Per threshold ``t`` the claim is on the
high side when ``l >= t`` (a point: ``v >= t``), on the low side when ``h < t``, and on no side
when its range straddles ``t``; the outcome is on the high side when ``y >= t`` (the same
``X >= t`` events numeric forecasts are scored on). A claim on a side is a hit when the
outcome is on the same side; a straddling claim is neither hit nor miss.

Pure functions over numpy arrays; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

HIGH = "at-or-above"
LOW = "below"
STRADDLES = "straddles"


def _floats(x: ArrayLike, name: str) -> FloatArray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    return arr


def absolute_error(point: ArrayLike, outcome: ArrayLike) -> FloatArray:
    """``|v - y|`` per claim."""
    v, y = _floats(point, "point"), _floats(outcome, "outcome")
    if v.shape != y.shape:
        raise ValueError("point and outcome differ in length")
    return np.abs(v - y)


def relative_error(point: ArrayLike, outcome: ArrayLike) -> FloatArray:
    """``|v - y| / |y|`` per claim; NaN where ``y`` is 0."""
    v, y = _floats(point, "point"), _floats(outcome, "outcome")
    if v.shape != y.shape:
        raise ValueError("point and outcome differ in length")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.abs(v - y) / np.abs(y)
    return np.where(y == 0.0, np.nan, out)


def in_range(low: ArrayLike, high: ArrayLike, outcome: ArrayLike) -> NDArray[np.bool_]:
    """``low <= y <= high`` per claim (a point claim has ``low == high``)."""
    lo, hi, y = _floats(low, "low"), _floats(high, "high"), _floats(outcome, "outcome")
    if np.any(lo > hi):
        raise ValueError("low must not exceed high")
    return (lo <= y) & (y <= hi)


def claim_side(low: float, high: float, threshold: float) -> str:
    """Which side of ``threshold`` a claim ``[low, high]`` is on: HIGH, LOW or STRADDLES."""
    if low > high:
        raise ValueError("low must not exceed high")
    if low >= threshold:
        return HIGH
    if high < threshold:
        return LOW
    return STRADDLES


def outcome_side(outcome: float, threshold: float) -> str:
    return HIGH if outcome >= threshold else LOW


@dataclass(frozen=True)
class ThresholdCall:
    threshold: float
    claim_side: str
    outcome_side: str | None  # None while the question is unresolved
    hit: bool | None  # None: unresolved, or the claim straddles the threshold


def threshold_calls(
    low: float, high: float, thresholds: list[float], outcome: float | None
) -> list[ThresholdCall]:
    """The claim's side of each threshold, the outcome's, and whether they agree."""
    calls = []
    for t in thresholds:
        side = claim_side(low, high, t)
        o_side = None if outcome is None else outcome_side(outcome, t)
        hit = None if o_side is None or side == STRADDLES else side == o_side
        calls.append(ThresholdCall(float(t), side, o_side, hit))
    return calls


def came_true_choice(claimed: list[str], outcome: str) -> bool:
    """A multiple-choice claim ("one of these options") came true when the outcome is in it."""
    return outcome in claimed


def median_or_nan(values: ArrayLike) -> float:
    """The median of the finite values, NaN when there are none."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return float(np.median(arr)) if arr.size else float("nan")
