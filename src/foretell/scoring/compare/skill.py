"""Pairwise relative skill (Cramer et al. 2022, as scoringutils' pairwise comparison does it).

Input: a score matrix S (forecasters x questions), NaN where a forecaster did not answer;
lower scores are better. For forecasters i and j with shared questions Q_ij (both defined),
the mean-score ratio is theta_ij = sum_{q in Q_ij} S_iq / sum_{q in Q_ij} S_jq (theta_ii = 1;
undefined when they share no question or the denominator is 0). The relative skill of i is
the geometric mean of theta_ij over every j with theta_ij defined, i itself included (as
scoringutils includes the ratio 1 of a model against itself). Scaled to a baseline b: the
relative skill of i divided by that of b. Below 1 is better than the average opponent.

Reference: E. Y. Cramer et al. (2022), Evaluation of individual and ensemble probabilistic
forecasts of COVID-19 mortality in the United States, PNAS 119(15).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def ratio_matrix(scores: ArrayLike) -> tuple[FloatArray, NDArray[np.int64]]:
    """theta_ij (NaN where undefined) and the number of shared questions n_ij."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError("scores must be a 2-D array (forecasters x questions)")
    has = ~np.isnan(s)
    v = np.where(has, s, 0.0)
    h = has.astype(np.float64)
    shared = (h @ h.T).astype(np.int64)
    num = v @ h.T  # sum of i's scores on questions j also answered
    den = num.T
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = np.where((shared > 0) & (den > 0), num / np.where(den > 0, den, 1.0), np.nan)
    np.fill_diagonal(theta, np.where(np.diag(shared) > 0, 1.0, np.nan))
    return theta, shared


def relative_skill(scores: ArrayLike) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
    """(relative skill per forecaster, theta matrix, shared-question counts)."""
    theta, shared = ratio_matrix(scores)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(theta)
    finite = np.isfinite(logs)
    count = finite.sum(axis=1)
    total = np.where(finite, logs, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore"):
        skill = np.where(count > 0, np.exp(total / np.maximum(count, 1)), np.nan)
    return skill, theta, shared


def scaled(skill: FloatArray, baseline: int) -> FloatArray:
    """Relative skill divided by the baseline's."""
    return skill / skill[baseline]
