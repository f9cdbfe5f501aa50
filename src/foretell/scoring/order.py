"""Stable multi-key ordering of integer arrays, the permutation ``numpy.lexsort`` gives.

``lexsort(keys)``: the last key is the primary one, ties are broken by the keys before it and
then by row order. It is computed as a least-significant-digit sort: one stable argsort per
key, from the first key to the last, each of the key gathered in the order so far. A stable
sort composed this way gives exactly the lexicographic order with row order breaking ties,
so the permutation equals ``numpy.lexsort``'s. Each key is first shifted to start at 0 and
stored in the narrowest unsigned type that holds its range (16 bits: numpy's stable sort is
then a radix sort; 32 bits otherwise when the range fits), which keeps the comparisons, not
the result, cheap. Keys that are not integers go to ``numpy.lexsort``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]


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
    order: IntArray | None = None
    for key in arrays:
        narrow = _narrow(key)
        if order is None:
            order = np.argsort(narrow, kind="stable").astype(np.int64)
        else:
            order = order[np.argsort(narrow[order], kind="stable")]
    assert order is not None
    return order


def _narrow(key: np.ndarray) -> np.ndarray:
    """``key`` shifted to start at 0 in the narrowest unsigned type holding its range (the
    same order), or as it is when the range needs 64 bits."""
    if key.dtype.kind == "b":
        return key.view(np.uint8)
    lo, hi = int(key.min()), int(key.max())
    span = hi - lo
    if span < 1 << 16:
        return (key - lo).astype(np.uint16) if lo else key.astype(np.uint16)
    if span < 1 << 32:
        return (key.astype(np.int64) - lo).astype(np.uint32)
    return key
