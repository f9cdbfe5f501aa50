"""Ranked probability score for multiple-choice questions whose options are ordered.

With k ordered options, forecast probabilities ``p_1..p_k`` and the option ``y`` that
happened, the cumulative forecast is ``F_j = p_1 + ... + p_j`` and the cumulative outcome
``O_j = 1[y <= j]``. The ranked probability score (Epstein 1969), normalised to 0..1::

    RPS = 1/(k - 1) * sum_{j=1}^{k-1} (F_j - O_j)^2

0 is a perfect forecast, 1 all the probability on the option farthest from the outcome. The
term ``j = k`` is always 0 and is left out; without the ``1/(k - 1)`` factor this is the
unnormalised form that, e.g., ``scoringrules.rps_score`` returns. With k = 2 it equals the
binary Brier score of the first option.

Reference: E. S. Epstein (1969), A scoring system for probability forecasts of ranked
categories, J. Applied Meteorology 8(6).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from foretell.scoring.rules import SUM_TOLERANCE, as_probabilities

FloatArray = NDArray[np.float64]


def rps(probs: ArrayLike, outcome_index: ArrayLike, k: ArrayLike | None = None) -> FloatArray:
    """Normalised ranked probability score per forecast (see the module docstring).

    ``probs`` (n, w): each row's probabilities in option order, zero-padded past its own
    ``k`` options; ``outcome_index`` (n,) the 0-based index of the option that happened;
    ``k`` (n,) each row's number of options (default: every row uses all w columns).
    """
    pa = np.asarray(probs)
    if pa.ndim != 2 or pa.shape[0] == 0 or pa.shape[1] < 2:
        raise ValueError(f"probs must have shape (n, k) with n >= 1, k >= 2, got {pa.shape}")
    as_probabilities(pa.reshape(-1), "probs")
    pa = pa.astype(np.float64, copy=False)
    n, width = pa.shape
    kk = np.full(n, width, dtype=np.int64) if k is None else np.asarray(k)
    if kk.shape != (n,) or kk.dtype.kind not in "iu":
        raise ValueError(f"k must be integers of shape ({n},)")
    if (kk < 2).any() or (kk > width).any():
        raise ValueError(f"k must lie in [2, {width}]")
    idx = np.asarray(outcome_index)
    if idx.shape != (n,) or idx.dtype.kind not in "iu":
        raise ValueError(f"outcome_index must be integers of shape ({n},)")
    if (idx < 0).any() or (idx >= kk).any():
        raise ValueError("outcome_index must lie in [0, k) for each row")
    cols = np.arange(width)[None, :]
    inside = cols < kk[:, None]
    if (pa[~inside] != 0).any():
        raise ValueError("probabilities past a row's k options must be 0")
    if not (np.abs(pa.sum(axis=1) - 1.0) <= SUM_TOLERANCE).all():
        raise ValueError(f"each row of probs must sum to 1 (within {SUM_TOLERANCE})")
    cum_f = np.cumsum(pa, axis=1)
    cum_o = (cols >= idx[:, None]).astype(np.float64)
    terms = np.where(cols < (kk - 1)[:, None], (cum_f - cum_o) ** 2, 0.0)
    return terms.sum(axis=1) / (kk - 1)
