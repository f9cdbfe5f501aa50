"""Stable multi-key ordering of integer arrays, the permutation ``numpy.lexsort`` gives.

``lexsort(keys)``: the last key is the primary one, ties are broken by the keys before it and
then by row order. Each key is first made a small non-negative integer in the same order:
shifted to start at 0 when its range is small (divided by the greatest common divisor of the
shifted values when that makes the range fit in 62 bits), else replaced by its dense rank
(the rank of a non-decreasing key is a running count of its changes; any other key is ranked
through ``numpy.unique``). Then, from the primary key down, as many consecutive keys as fit
in 63 bits are packed into one (``packed = packed * span + key``), which orders rows exactly
as the keys do in turn. The rows are sorted by the most significant pack (a stable argsort);
only the runs of rows that tie on it are sorted further, by (run, next pack), and so on. This
gives the lexicographic order with row order breaking ties, so the permutation equals
``numpy.lexsort``'s; usually one sort of the whole does it, and rows grouped by the primary
key (a question's forecasts) sort fast. Keys that are not integers go to ``numpy.lexsort``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]

_LIMIT = 1 << 63


def lexsort(keys: Sequence[np.ndarray]) -> IntArray:
    """The permutation sorting rows by ``keys[-1]``, then ``keys[-2]``, ..., then row order."""
    arrays = [np.asarray(k) for k in keys]
    if not arrays:
        raise ValueError("lexsort needs at least one key")
    n = arrays[0].shape[0]
    if any(a.ndim != 1 or a.shape[0] != n for a in arrays):
        raise ValueError("keys must be 1-D arrays of one length")
    if any(a.dtype.kind not in "iub" for a in arrays):
        return np.lexsort(arrays).astype(np.int64)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    small = [_small(a) for a in arrays]
    keys, spans = _packed(small)
    return _sorted(np.arange(n, dtype=np.int64), keys, spans)


def _sorted(rows: IntArray, keys: list[IntArray], spans: list[int]) -> IntArray:
    """``rows`` ordered by ``keys`` (aligned with rows, most significant first), ties by their
    position in ``rows``."""
    order = np.argsort(keys[0], kind="stable")
    out = rows[order]
    if len(keys) == 1:
        return out
    first = keys[0][order]
    tie = first[1:] == first[:-1]
    if not tie.any():
        return out
    tied = np.zeros(first.shape[0], dtype=bool)  # sorted positions in runs of equal keys
    tied[1:] = tie
    tied[:-1] |= tie
    tied = np.flatnonzero(tied)
    run_code = np.cumsum(np.r_[True, ~tie][tied]) - 1  # a run starts where no tie precedes
    n_runs = int(run_code[-1]) + 1
    at = order[tied]
    rest = [k[at] for k in keys[1:]]
    if n_runs * spans[1] < _LIMIT:  # (run, next pack) in one key: one level fewer
        sub_keys = [run_code * spans[1] + rest[0], *rest[1:]]
        out[tied] = _sorted(out[tied], sub_keys, [n_runs * spans[1], *spans[2:]])
    else:  # too wide to combine: the tied rows by (run, then each pack), stable sorts
        out[tied] = out[tied][np.lexsort((*reversed(rest), run_code))]
    return out


def _small(key: np.ndarray) -> tuple[IntArray, int]:
    """``key`` as int64 codes ``0 .. span - 1`` in the same order, and ``span``."""
    if key.dtype.kind == "b":
        return key.astype(np.int64), 2
    lo, hi = int(key.min()), int(key.max())
    if hi - lo < key.shape[0] or hi - lo < 1 << 20:
        return key.astype(np.int64) - lo, hi - lo + 1
    shifted = key.astype(np.int64) - lo
    unit = int(np.gcd.reduce(shifted))  # e.g. times in nanoseconds, all whole seconds
    if (hi - lo) // unit < 1 << 32:
        return shifted // unit, (hi - lo) // unit + 1
    step = key[1:] != key[:-1]
    if (key[1:] >= key[:-1]).all():
        rank = np.empty(key.shape[0], dtype=np.int64)
        rank[0] = 0
        np.cumsum(step, out=rank[1:])
        return rank, int(rank[-1]) + 1
    if hi - lo < 1 << 62:  # fits a pack of its own: no ranking sort
        return shifted // unit, (hi - lo) // unit + 1
    uniques, inverse = np.unique(key, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), int(uniques.shape[0])


def _packed(small: list[tuple[IntArray, int]]) -> tuple[list[IntArray], list[int]]:
    """Consecutive keys packed into int64s, the primary key's pack first, and their spans."""
    packs: list[IntArray] = []
    spans: list[int] = []
    packed, span = small[-1]
    packed = packed.copy()
    for codes, width in reversed(small[:-1]):
        if span * width < _LIMIT:
            packed *= width
            packed += codes
            span *= width
        else:
            packs.append(packed)
            spans.append(span)
            packed, span = codes.copy(), width
    packs.append(packed)
    spans.append(span)
    return packs, spans
