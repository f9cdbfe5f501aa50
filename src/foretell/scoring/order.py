"""Stable multi-key ordering of integer arrays, the permutation ``numpy.lexsort`` gives.

``lexsort(keys)``: the last key is the primary one, ties are broken by the keys before it and
then by row order. Each key is first made a small non-negative integer in the same order:
shifted to start at 0 when its range is small (divided by the greatest common divisor of the
shifted values when that makes the range fit in 62 bits), else replaced by its dense rank
(the rank of a non-decreasing key is a running count of its changes; any other key is ranked
through ``numpy.unique``). Then, from the primary key down, as many consecutive keys as fit
in 63 bits are packed into one (``packed = packed * span + key``), which orders rows exactly
as the keys do in turn. The rows are sorted by the most significant pack (``_argsort``: an
unstable sort, the fast one numpy has for integers, with the rows of each run of equal packs
then put back in row order, which is the stable sort's permutation); only the runs of rows
that tie on it are sorted further, by (run, next pack), and so on. This
gives the lexicographic order with row order breaking ties, so the permutation equals
``numpy.lexsort``'s; usually one sort of the whole does it, and rows grouped by the primary
key (a question's forecasts) sort fast. A primary key of at most 2^32 values is sorted on
its own, by radix sort (``_by_primary``), and only the runs of its equal values whose rows
are not already in the order of the other keys are sorted further: rows in time order, as
a batch's forecasts come, are ordered by (pair, time) in two radix passes. Keys that are
not integers go to ``numpy.lexsort``.
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
    if small[-1][1] <= 1 << 32:
        return _by_primary(small)
    keys, spans = _packed(small)
    return _sorted(np.arange(n, dtype=np.int64), keys, spans)


def _by_primary(small: list[tuple[IntArray, int]]) -> IntArray:
    """The order of ``small`` (codes and spans, the last the primary key, of at most 2^32
    values) when rows mostly come ordered by the other keys within each primary value (a
    batch's forecasts come in time order): a stable radix sort by the primary key alone, then
    only the runs of equal primary values whose rows are not ordered by the other keys (in
    turn, most significant first) are sorted by them."""
    primary, span = small[-1]
    order = radix_argsort(primary, span)
    n = order.shape[0]
    same = primary[order]
    same = same[1:] == same[:-1]  # sorted row i + 1 ties row i on the primary key
    tied = same.copy()  # ... and on every key compared so far
    bad = np.zeros(n - 1, dtype=bool)
    for codes, _ in reversed(small[:-1]):
        c = codes[order]
        bad |= tied & (c[1:] < c[:-1])
        tied &= c[1:] == c[:-1]
        if not tied.any():
            break
    if not bad.any():
        return order
    run = np.cumsum(np.r_[True, ~same], dtype=np.int64)  # 1 + the primary run of each row
    flagged = np.zeros(int(run[-1]) + 1, dtype=bool)
    flagged[run[1:][bad]] = True
    at = np.flatnonzero(flagged[run])
    sub_run = np.cumsum(np.r_[True, run[at][1:] != run[at][:-1]], dtype=np.int64) - 1
    rows = order[at]
    keys, spans = _packed([*((c[rows], w) for c, w in small[:-1]), (sub_run, int(sub_run[-1]) + 1)])
    order[at] = rows[_sorted(np.arange(at.shape[0], dtype=np.int64), keys, spans)]
    return order


def radix_argsort(codes: IntArray, span: int) -> IntArray:
    """Stable argsort of ``codes`` (``0 .. span - 1``, span at most 2^32): numpy sorts 16-bit
    integers stably by radix sort, so one pass per 16 bits, the low half first."""
    if span <= 1 << 16:
        return np.argsort(codes.astype(np.uint16), kind="stable").astype(np.int64)
    low = np.argsort((codes & 0xFFFF).astype(np.uint16), kind="stable")
    high = (codes[low] >> 16).astype(np.uint16)
    return low[np.argsort(high, kind="stable")].astype(np.int64)


def _sorted(rows: IntArray, keys: list[IntArray], spans: list[int]) -> IntArray:
    """``rows`` ordered by ``keys`` (aligned with rows, most significant first), ties by their
    position in ``rows``."""
    order, first, tie = _argsort(keys[0])
    out = rows[order]
    if len(keys) == 1 or tie is None:
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


def _argsort(key: IntArray) -> tuple[IntArray, IntArray, NDArray[np.bool_] | None]:
    """(stable argsort of ``key``, the sorted key, where each sorted entry equals the one
    before it; None when no two entries are equal).

    An already non-decreasing key is its own order. Otherwise the key is sorted by numpy's
    default (unstable, vectorised) sort; entries of a run of equal keys may then come in any
    order, so the tied entries are sorted by (run, position), i.e. ``run * n + position``
    (below ``n**2``), which puts each run back in row order.
    """
    n = key.shape[0]
    if n < 2:
        return np.arange(n, dtype=np.int64), key, None
    if (key[1:] >= key[:-1]).all():
        order = np.arange(n, dtype=np.int64)
        first = key
    else:
        order = np.argsort(key).astype(np.int64, copy=False)
        first = key[order]
    tie = first[1:] == first[:-1]
    if not tie.any():
        return order, first, None
    if first is not key:
        tied = np.zeros(n, dtype=bool)
        tied[1:] = tie
        tied[:-1] |= tie
        at = np.flatnonzero(tied)
        run = np.cumsum(np.r_[True, ~tie][at]) - 1
        order[at] = np.sort(run * n + order[at]) % n
    return order, first, tie


def _small(key: np.ndarray) -> tuple[IntArray, int]:
    """``key`` as int64 codes ``0 .. span - 1`` in the same order, and ``span``. A key whose
    range reaches 2^62 (int64 near both ends, uint64 above 2^63) is ranked, never shifted:
    its differences would not fit in int64."""
    if key.dtype.kind == "b":
        return key.astype(np.int64), 2
    lo, hi = int(key.min()), int(key.max())
    if hi - lo >= 1 << 62:
        return _rank(key)
    shifted = _shifted(key, lo)
    if hi - lo < key.shape[0] or hi - lo < 1 << 20:
        return shifted, hi - lo + 1
    unit = int(np.gcd.reduce(shifted))  # e.g. times in nanoseconds, all whole seconds
    if (hi - lo) // unit < 1 << 32:
        return shifted // unit, (hi - lo) // unit + 1
    if (key[1:] >= key[:-1]).all():
        return _rank(key)
    return shifted // unit, (hi - lo) // unit + 1  # fits a pack of its own: no ranking sort


def _shifted(key: np.ndarray, lo: int) -> IntArray:
    """``key - lo`` as int64, exact when the key's range is below 2^63: the difference is
    taken in the key's own 64-bit kind (uint64 for unsigned keys) before the cast."""
    wide = key.astype(np.uint64 if key.dtype.kind == "u" else np.int64)
    return (wide - wide.dtype.type(lo)).astype(np.int64, copy=False)


def _rank(key: np.ndarray) -> tuple[IntArray, int]:
    """Dense ranks of ``key`` and their number: a running count of changes when the key is
    non-decreasing, else through ``numpy.unique``."""
    if (key[1:] >= key[:-1]).all():
        rank = np.empty(key.shape[0], dtype=np.int64)
        rank[0] = 0
        np.cumsum(key[1:] != key[:-1], out=rank[1:])
        return rank, int(rank[-1]) + 1
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
