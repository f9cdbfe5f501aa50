"""Stable multi-key ordering of integer arrays, the permutation ``numpy.lexsort`` gives.

``lexsort(keys)``: the last key is the primary one, ties are broken by the keys before it and
then by row order. Each key is first made a small non-negative integer in the same order:
shifted to start at 0 when its range is small (divided by the greatest common divisor of the
shifted values when that makes the range fit in 32 bits), else replaced by its dense rank
(the rank of a non-decreasing key is a running count of its changes; any other key is ranked
through ``numpy.unique``). Then as many consecutive keys as fit in 63 bits are packed into
one (``packed = key * span_below + packed``), which orders rows exactly as the keys do in
turn; the packed keys are sorted least significant first, each by a stable argsort of it
gathered in the order so far. Composing stable sorts this way gives the lexicographic order
with row order breaking ties, so the permutation equals ``numpy.lexsort``'s; usually one sort
does it. Keys that are not integers go to ``numpy.lexsort``.
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
    order: IntArray | None = None
    for packed in _packed(small):
        if order is None:
            order = np.argsort(packed, kind="stable").astype(np.int64)
        else:
            order = order[np.argsort(packed[order], kind="stable")]
    assert order is not None
    return order


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
    uniques, inverse = np.unique(key, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), int(uniques.shape[0])


def _packed(small: list[tuple[IntArray, int]]) -> list[IntArray]:
    """Consecutive keys packed into int64s (least significant pack first)."""
    out: list[IntArray] = []
    packed, span = small[0]
    packed = packed.copy()
    for codes, width in small[1:]:
        if span * width < _LIMIT:
            packed += codes * span
            span *= width
        else:
            out.append(packed)
            packed, span = codes.copy(), width
    out.append(packed)
    return out
