"""How well forecasts separate events that happened from those that did not: ROC and AUC.

Inputs are mergeable counts over distinct forecast probabilities ``x_j`` (increasing): the
number of events ``pos_j`` and non-events ``neg_j`` forecast at ``x_j``
(``foretell.scoring.reliability.distinct_counts`` gives n and s; neg = n - s).

- **AUC** (area under the ROC curve) = P(X_event > X_nonevent) + P(tie) / 2, the
  Mann-Whitney form, from counts: ``sum_j pos_j (neg below x_j + neg_j / 2) / (P N)``.
- **DeLong's standard error** (DeLong, DeLong & Clarke-Pearson 1988): with the placement of
  each event ``V10 = (neg below + neg tied / 2) / N`` and of each non-event
  ``V01 = (pos above + pos tied / 2) / P``, ``var(AUC) = S10 / P + S01 / N`` where S10, S01
  are the sample variances (denominator P - 1, N - 1) of the placements; forecasts at one
  x share their placement, so this too is a sum over distinct values. The 95% interval is
  ``AUC +- 1.96 se``, clipped to [0, 1].
- **ROC curve**: (false-positive rate, true-positive rate) with a threshold at each distinct
  forecast, from (0, 0) to (1, 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Auc:
    auc: float
    se: float
    ci_low: float
    ci_high: float
    n_events: int
    n_nonevents: int


def auc(pos: ArrayLike, neg: ArrayLike) -> Auc:
    """AUC with DeLong's standard error and 95% interval, from counts in increasing x."""
    p = np.asarray(pos, dtype=np.float64)
    q = np.asarray(neg, dtype=np.float64)
    if p.shape != q.shape or p.ndim != 1 or (p < 0).any() or (q < 0).any():
        raise ValueError("pos and neg must be non-negative counts of one shape")
    n_pos, n_neg = float(p.sum()), float(q.sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("the AUC needs at least one event and one non-event")
    neg_below = np.cumsum(q) - q
    pos_above = p.sum() - np.cumsum(p)
    v10 = (neg_below + q / 2) / n_neg
    v01 = (pos_above + p / 2) / n_pos
    area = float((p * v10).sum() / n_pos)
    s10 = _weighted_var(v10, p, area)
    s01 = _weighted_var(v01, q, area)
    se = math.sqrt(max(s10 / n_pos + s01 / n_neg, 0.0))
    return Auc(
        auc=area,
        se=se,
        ci_low=max(0.0, area - Z95 * se),
        ci_high=min(1.0, area + Z95 * se),
        n_events=round(n_pos),
        n_nonevents=round(n_neg),
    )


def roc_curve(pos: ArrayLike, neg: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """(FPR, TPR) arrays from (0, 0) to (1, 1), lowering the threshold one x at a time."""
    p = np.asarray(pos, dtype=np.float64)[::-1]
    q = np.asarray(neg, dtype=np.float64)[::-1]
    tpr = np.concatenate([[0.0], np.cumsum(p) / p.sum()])
    fpr = np.concatenate([[0.0], np.cumsum(q) / q.sum()])
    return fpr, tpr


def _weighted_var(values: FloatArray, weights: FloatArray, mean: float) -> float:
    total = float(weights.sum())
    if total <= 1:
        return 0.0
    return float((weights * (values - mean) ** 2).sum() / (total - 1))
