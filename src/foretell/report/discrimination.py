"""The binary diagnostics beyond the calibration table: CORP curve with its consistency band,
and discrimination (forecast distributions by outcome, ROC curve, AUC with DeLong's 95%
interval). Both are computed from counts over the distinct pair probabilities
(``foretell.scoring.reliability.distinct_counts``), so batches merge by adding counts.

Curves are thinned to at most ``MAX_CURVE_POINTS`` points for the report (evenly spaced
along the distinct forecasts, both ends kept); ``n_outside`` counts the distinct forecasts
whose CORP value lies outside the band, out of ``n_points``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from foretell import band_cache
from foretell.scoring import discrimination as disc
from foretell.scoring import reliability as rel

MAX_CURVE_POINTS = 101
HIST_BINS = 10


def _thin(m: int) -> np.ndarray:
    if m <= MAX_CURVE_POINTS:
        return np.arange(m)
    return np.unique(np.linspace(0, m - 1, MAX_CURVE_POINTS).round().astype(np.int64))


def _floats(x: np.ndarray) -> list[float]:
    return [float(v) for v in x]


def corp_block(p: np.ndarray, o: np.ndarray, counts: rel.Counts | None = None) -> dict[str, Any]:
    """``counts``: ``distinct_counts(p, o)``, when the caller has them."""
    counts = counts if counts is not None else rel.distinct_counts(p, o)
    curve = rel.corp_curve(counts)
    band = band_cache.consistency_band(counts)  # kept while the report's cache is active
    at = _thin(counts.x.shape[0])
    outside = (curve < band.low - 1e-12) | (curve > band.high + 1e-12)
    return {
        "x": _floats(counts.x[at]),
        "y": _floats(curve[at]),
        "band_low": _floats(band.low[at]),
        "band_high": _floats(band.high[at]),
        "level": band.level,
        "resamples": band.resamples,
        "n_points": int(counts.x.shape[0]),
        "n_outside": int(outside.sum()),
    }


def discrimination_block(
    p: np.ndarray, o: np.ndarray, counts: rel.Counts | None = None
) -> dict[str, Any]:
    """``counts``: ``distinct_counts(p, o)``, when the caller has them; with ``counts``, ``p``
    and ``o`` are not read (outcomes 0 or 1: the histogram of forecasts by outcome is then
    the distinct forecasts' events and non-events, binned)."""
    edges = np.linspace(0.0, 1.0, HIST_BINS + 1)
    if counts is not None:
        idx = np.minimum((counts.x * HIST_BINS).astype(np.int64), HIST_BINS - 1)
        events = np.bincount(idx, weights=counts.s, minlength=HIST_BINS)
        nonevents = np.bincount(idx, weights=counts.n - counts.s, minlength=HIST_BINS)
        one_outcome = counts.s.sum() in (0.0, counts.n.sum())
    else:
        idx = np.minimum((p * HIST_BINS).astype(np.int64), HIST_BINS - 1)
        events = np.bincount(idx[o == 1], minlength=HIST_BINS)
        nonevents = np.bincount(idx[o == 0], minlength=HIST_BINS)
        one_outcome = o.min() == o.max()
    block: dict[str, Any] = {
        "histogram": {
            "edges": _floats(edges),
            "events": [int(c) for c in events],
            "nonevents": [int(c) for c in nonevents],
        }
    }
    if one_outcome:
        block["unavailable"] = "the ROC curve needs both outcomes among the pairs"
        return block
    counts = counts if counts is not None else rel.distinct_counts(p, o)
    pos, neg = counts.s, counts.n - counts.s
    a = disc.auc(pos, neg)
    fpr, tpr = disc.roc_curve(pos, neg)
    at = _thin(fpr.shape[0])
    block.update(
        auc=a.auc,
        se=a.se,
        ci_low=a.ci_low,
        ci_high=a.ci_high,
        n_events=a.n_events,
        n_nonevents=a.n_nonevents,
        roc={"fpr": _floats(fpr[at]), "tpr": _floats(tpr[at])},
    )
    return block
