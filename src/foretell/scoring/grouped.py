"""Binary calibration diagnostics from counts: forecasts given as distinct values with counts.

Every diagnostic of the binary block depends on the forecasts ``p`` and outcomes ``o`` only
through the histogram of distinct forecast values: for each distinct ``p_j``, ``n_j`` forecasts
of which ``k_j`` came true. Summing histograms (``n`` and ``k`` add) is exact, so a large
sample can be summarised in pieces and the diagnostics computed once, from the merged
histogram, with the same result whatever the pieces were. The formulas are those of
``calibration`` and ``decompose`` with each sum over forecasts written as a sum over
distinct values weighted by ``n_j`` (and ``sum o`` over them as ``k_j``, since o is 0 or 1):

- Murphy/SCJ: per bin ``n_b = sum n_j``, ``pbar_b = sum n_j p_j / n_b``, ``obar_b = sum k_j /
  n_b``; ``WBV = 1/N sum_j n_j (p_j - pbar_b)^2``; ``WBC = 2/N sum_j (k_j - n_j obar_b)(p_j -
  pbar_b)``.
- CORP: PAV over the distinct values (mean outcome ``k_j / n_j``, weight ``n_j``): tied
  forecasts are pooled first, as ``decompose.corp`` does.
- Spiegelhalter: ``z = sum_j (k_j - n_j p_j)(1 - 2 p_j) / sqrt(sum_j n_j (1 - 2 p_j)^2 p_j
  (1 - p_j))``.
- Cox and calibration-in-the-large: the same logistic likelihoods written for binomial counts,
  fitted by Newton passes over the histogram in ``logistic_counts``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from foretell.scoring import isotonic
from foretell.scoring.calibration import (
    CalibrationTable,
    Spiegelhalter,
    bin_edges,
    bin_index,
    table_from_sums,
)
from foretell.scoring.decompose import Corp, Murphy, _zero_if_rounding

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Part = tuple[NDArray[Any], ...]  # parallel arrays of one piece


def histogram(p: FloatArray, o: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """(distinct p sorted, count, count with o = 1) of forecasts ``p`` with outcomes ``o``."""
    p = np.asarray(p, dtype=np.float64) + 0.0  # -0.0 -> 0.0, so one value has one bin
    if p.size == 0:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    values, inverse = np.unique(p, return_inverse=True)
    n = np.bincount(inverse, minlength=values.shape[0]).astype(np.int64)
    k = np.rint(np.bincount(inverse, weights=o, minlength=values.shape[0])).astype(np.int64)
    return values, n, k


def merge(
    a: tuple[FloatArray, IntArray, IntArray], b: tuple[FloatArray, IntArray, IntArray]
) -> tuple[FloatArray, IntArray, IntArray]:
    """The histogram of both samples (exact: counts add, as int64 whatever the parts'
    integer types).

    Both value arrays are sorted and distinct, so their concatenation is two sorted runs,
    which numpy's stable sort (a merge sort that finds runs) puts in order in one linear
    merge; an equal pair then sits side by side and is pooled by adding its counts."""
    if a[0].size == 0:
        return b[0], _wide(b[1]), _wide(b[2])
    if b[0].size == 0:
        return a[0], _wide(a[1]), _wide(a[2])
    if a[0].shape == b[0].shape and (a[0] == b[0]).all():  # the same distinct values
        return a[0], _wide(a[1]) + b[1], _wide(a[2]) + b[2]
    both = np.concatenate([a[0], b[0]])
    order = np.argsort(both, kind="stable")
    values = both[order]
    n = np.concatenate([_wide(a[1]), b[1]])[order]
    k = np.concatenate([_wide(a[2]), b[2]])[order]
    starts = np.empty(values.shape[0], dtype=bool)
    starts[0] = True
    np.not_equal(values[1:], values[:-1], out=starts[1:])
    if starts.all():
        return values, n, k
    first = np.flatnonzero(starts)
    return values[first], np.add.reduceat(n, first), np.add.reduceat(k, first)


def push_part(
    parts: tuple[Part, ...], part: Part, join: Callable[[Part, Part], Part]
) -> tuple[Part, ...]:
    """Add ``part`` (parallel arrays) to a stack of parts kept in decreasing size,
    binary-counter style: while the newest part is at least half the size of the one before
    it, the two are joined by ``join``.

    Each entry then takes part in O(log N) joins instead of one per added piece (joining
    every piece into one growing part costs O(pieces x N)), and a stack of N entries has at
    most log2(N) + 1 parts.
    """
    if part[0].size == 0:
        return parts
    stack = [*parts, part]
    while len(stack) > 1 and 2 * stack[-1][0].size >= stack[-2][0].size:
        last = stack.pop()
        stack[-1] = join(stack[-1], last)
    return tuple(stack)


def push(
    parts: tuple[tuple[FloatArray, IntArray, IntArray], ...],
    part: tuple[FloatArray, IntArray, IntArray],
) -> tuple[tuple[FloatArray, IntArray, IntArray], ...]:
    """Add a histogram to a stack of histograms (``push_part`` with ``merge``). The stack's
    counts are kept ``narrow``: a stack held in a partial until the report is finished (and
    sent back from a worker process) takes 10 to 16 bytes per distinct value instead of 24."""
    return push_part(parts, narrow(part), lambda a, b: narrow(merge(a, b)))


def collapse(
    parts: tuple[tuple[FloatArray, IntArray, IntArray], ...],
) -> tuple[FloatArray, IntArray, IntArray]:
    """The one histogram of a stack of parts (the same arrays as merging them in any order),
    merged from the smallest part up (the stack is in decreasing size); counts as int64."""
    if not parts:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    whole = parts[-1]
    for part in reversed(parts[:-1]):
        whole = merge(part, whole)
    return whole[0], _wide(whole[1]), _wide(whole[2])


COUNT_TYPES = (np.uint8, np.uint16, np.uint32)


def narrow(hist: tuple[FloatArray, IntArray, IntArray]) -> tuple[FloatArray, Any, Any]:
    """The histogram with its counts ``n`` and ``k`` in the narrowest of uint8, uint16 and
    uint32 that holds them all, else int64: the same integers in fewer bytes (``merge`` and
    ``collapse`` give them back as int64)."""
    values, n, k = hist
    if not n.size:
        return values, _wide(n), _wide(k)
    top = max(int(n.max()), int(k.max()))
    if min(int(n.min()), int(k.min())) >= 0:
        for kind in COUNT_TYPES:
            if top <= np.iinfo(kind).max:
                return values, n.astype(kind, copy=False), k.astype(kind, copy=False)
    return values, _wide(n), _wide(k)


def _wide(counts: np.ndarray) -> IntArray:
    """``counts`` as int64 (no copy when they are)."""
    return counts.astype(np.int64, copy=False)


def edges_for(p: FloatArray, n: IntArray, bins: object, n_bins: int = 10) -> FloatArray:
    """Bin edges as ``calibration.bin_edges`` gives them for the forecasts of the histogram
    (``quantile``: the quantiles of the forecasts themselves, each value repeated n times)."""
    if isinstance(bins, str) and bins == "quantile":
        return np.unique(np.quantile(np.repeat(p, n), np.arange(n_bins + 1) / n_bins))
    return bin_edges(p, bins, n_bins=n_bins)  # type: ignore[arg-type]


def calibration_table(
    p: FloatArray, n: IntArray, k: IntArray, bins: object, n_bins: int = 10
) -> CalibrationTable:
    edges = edges_for(p, n, bins, n_bins)
    idx = bin_index(p, edges)
    width = max(edges.shape[0] - 1, 1)
    count = np.bincount(idx, weights=n, minlength=width)
    events = np.bincount(idx, weights=k, minlength=width)
    sum_p = np.bincount(idx, weights=n * p, minlength=width)
    return table_from_sums(edges, np.rint(count).astype(np.int64), events, sum_p)


def brier(p: FloatArray, n: IntArray, k: IntArray) -> float:
    """Mean ``(p - o)^2``: sum_j n_j p_j^2 - 2 p_j k_j + k_j, over N."""
    return float(np.sum(n * p * p - 2.0 * p * k + k) / n.sum())


def murphy(p: FloatArray, n: IntArray, k: IntArray, bins: object, n_bins: int = 10) -> Murphy:
    edges = edges_for(p, n, bins, n_bins)
    idx = bin_index(p, edges)
    count = np.bincount(idx, weights=n)
    safe = np.maximum(count, 1)
    pbar = np.bincount(idx, weights=n * p) / safe
    obar_b = np.bincount(idx, weights=k) / safe
    total = int(n.sum())
    obar = float(k.sum()) / total
    dp = p - pbar[idx]
    return Murphy(
        rel=float(np.sum(count * (pbar - obar_b) ** 2) / total),
        res=float(np.sum(count * (obar_b - obar) ** 2) / total),
        unc=obar * (1.0 - obar),
        wbv=float(np.sum(n * dp * dp) / total),
        wbc=float(2.0 * np.sum((k - n * obar_b[idx]) * dp) / total),
        brier=brier(p, n, k),
        n=total,
    )


def corp(p: FloatArray, n: IntArray, k: IntArray) -> Corp:
    weights = n.astype(np.float64)
    fitted = isotonic.fit(k / weights, weights)
    total = int(n.sum())
    score = brier(p, n, k)
    score_rc = brier(fitted, n, k)
    obar = float(k.sum()) / total
    unc = obar * (1.0 - obar)
    return Corp(
        mcb=_zero_if_rounding(score - score_rc),
        dsc=_zero_if_rounding(unc - score_rc),
        unc=unc,
        score=score,
        n=total,
    )


def spiegelhalter(p: FloatArray, n: IntArray, k: IntArray) -> Spiegelhalter:
    a = 1.0 - 2.0 * p
    var = float(np.sum(n * a * a * p * (1.0 - p)))
    if var == 0.0:
        return Spiegelhalter(z=math.nan, p_value=math.nan)
    z = float(np.sum((k - n * p) * a)) / math.sqrt(var)
    return Spiegelhalter(z=z, p_value=math.erfc(abs(z) / math.sqrt(2.0)))
