"""The median of the values standing at each moment, without sorting the values at every one.

Items (forecasts) stand over whole time steps: item i over ``start_i <= t < end_i``. The
*standing median* at a time t is the median of the values of the items standing at t: with k
of them, sorted, the mean ``(a + b) / 2`` of those at ranks ``(k - 1) // 2`` and ``k // 2``
(a = b for odd k), NaN when none stands; items whose value is NaN never count. It equals
``numpy.nanmedian`` over a (times x items) matrix holding each standing value and NaN
elsewhere, to the last bit: a and b are the same two numbers and ``(a + b) / 2`` the same
operation.

Items come in *groups* (questions) that own disjoint ranges of time: whatever stands at a
time belongs to the group owning it. The items are ranked once by (group, value), and the
ranks cut into words of 64: at each time, the items standing in a word are a 64-bit mask,
the running sum over time of +2^bit where an item starts and -2^bit where it ends (distinct
bits, so the sum is the mask). The mask's population counts, cumulated over the group's
words, say which word holds rank r of the standing items, and the r-th set bit of that word
(a binary search by population counts) is the item. With n items in a group that is about
n / 64 words per time instead of sorting every standing value.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from foretell.scoring.order import radix_argsort

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
WordArray = NDArray[np.uint64]

BITS = 64
_ONE = np.uint64(1)


def standing_median(
    start: IntArray,
    end: IntArray,
    value: FloatArray,
    group: IntArray,
    at: IntArray,
    at_group: IntArray,
) -> FloatArray:
    """The standing median at each time of ``at`` (see the module docstring).

    ``start``/``end``/``value``/``group`` per item; ``at`` the query times (non-negative
    integers) and ``at_group`` the group owning each. Every item must stand only within its
    group's times, so that at each time only that time's group's items stand.
    """
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    group = np.asarray(group, dtype=np.int64)
    at = np.asarray(at, dtype=np.int64)
    at_group = np.asarray(at_group, dtype=np.int64)
    out = np.full(at.shape[0], np.nan)
    keep = (end > start) & ~np.isnan(value)
    if not keep.all():
        start, end, value, group = start[keep], end[keep], value[keep], group[keep]
    n = value.shape[0]
    if n == 0 or at.shape[0] == 0:
        return out
    order = _by_group_then_value(group, value)  # each group's ranks in a run
    g_sorted = group[order]
    cut = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    groups = g_sorted[cut]
    sizes = np.diff(np.r_[cut, n])
    base = cut // BITS  # each group's first word
    width = int(((cut + sizes - 1) // BITS - base).max()) + 1

    # the standing mask of each (word of the time's group, time)
    rank = np.arange(n)
    column = rank // BITS - np.repeat(base, sizes)
    bit = _ONE << (rank % BITS).astype(np.uint64)
    horizon = int(max(end.max(), at.max())) + 1
    masks = np.zeros(width * horizon, dtype=np.uint64)
    cells = column * horizon + start[order]
    if (start[1:] > start[:-1]).all():  # distinct times, so distinct cells: no sums needed
        masks[cells] = bit
    else:
        np.add.at(masks, cells, bit)
    np.add.at(masks, column * horizon + end[order], ~bit + _ONE)  # -2^bit, modulo 2^64
    masks = masks.reshape(width, horizon)
    np.cumsum(masks, axis=1, out=masks)
    if at.shape[0] <= horizon and (at == np.arange(at.shape[0])).all():
        masks = masks[:, : at.shape[0]]  # every time from 0 on: no copy
    else:
        masks = masks[:, at]
    cum = _running_counts(popcount(masks))
    k = cum[-1]
    q_gi = np.minimum(np.searchsorted(groups, at_group), groups.shape[0] - 1)
    found = (k > 0) & (groups[q_gi] == at_group)
    if not found.all():
        if not found.any():
            return out
        masks, cum, k, q_gi = masks[:, found], cum[:, found], k[found], q_gi[found]
    v_sorted = value[order]
    lo, hi = (k - 1) // 2, k // 2
    word, local, pos = _select(masks, cum, lo)
    a = v_sorted[(base[q_gi] + local) * BITS + pos]
    # rank hi: the next standing item after rank lo's, in the same word if it has one
    rest = (word >> pos.astype(np.uint64)) >> _ONE
    pos_hi = pos + 1 + _trailing_zeros(rest)
    later = (hi > lo) & (rest == 0)
    if later.any():
        sub = np.flatnonzero(later)
        _, local_hi, pos_hi[sub] = _select(masks[:, sub], cum[:, sub], hi[sub])
        local[sub] = local_hi
    pos_hi = np.where(hi > lo, pos_hi, pos)
    c = v_sorted[(base[q_gi] + local) * BITS + pos_hi]
    out[found] = (a + c) / 2.0
    return out


def _by_group_then_value(group: IntArray, value: FloatArray) -> IntArray:
    """``numpy.lexsort((value, group))``: the values' dense ranks (0.0 and -0.0 tied, as
    they compare) packed under the group, one stable radix sort of the pack when it fits in
    32 bits."""
    n = value.shape[0]
    by_value = np.argsort(value)  # any order of ties: only the ranks are taken from it
    ordered = value[by_value]
    new = np.empty(n, dtype=np.int64)
    new[0] = 0
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    rank = np.empty(n, dtype=np.int64)
    rank[by_value] = np.cumsum(new)
    span_value = int(rank[by_value[-1]]) + 1
    low = int(group.min())
    span = (int(group.max()) - low + 1) * span_value
    if span > 1 << 32:
        return np.lexsort((value, group))
    return radix_argsort((group - low) * span_value + rank, span)


def _running_counts(counts: NDArray[np.uint8]) -> NDArray[np.int32]:
    """Cumulative sums down the rows (words) of ``counts``: one vector add per row, which for
    a few long rows is much faster than ``numpy.cumsum`` along axis 0."""
    out = np.empty(counts.shape, dtype=np.int32)
    if counts.shape[0]:
        out[0] = counts[0]
    for i in range(1, counts.shape[0]):
        np.add(out[i - 1], counts[i], out=out[i])
    return out


def _select(
    masks: WordArray, cum: NDArray[np.int32], rank: IntArray
) -> tuple[WordArray, IntArray, IntArray]:
    """Rank ``rank`` among the set bits of each column of ``masks`` (words in order down the
    column; ``cum`` their running population counts): its word, the word's row and the bit."""
    cols = np.arange(rank.shape[0])
    local = (cum <= rank).sum(axis=0)
    before = np.where(local > 0, cum[np.maximum(local - 1, 0), cols], 0)
    word = masks[local, cols]
    return word, local, _nth_bit(word, rank - before)


def _nth_bit(word: WordArray, need: IntArray) -> IntArray:
    """The position of set bit number ``need`` (0-based, from the low end) of each word: halve
    the window, keeping the low half when it holds more than ``need`` set bits."""
    w = word.copy()
    left = need.astype(np.uint8)
    pos = np.zeros(w.shape[0], dtype=np.uint64)
    for shift in (32, 16, 8, 4, 2, 1):
        mask = np.uint64((1 << shift) - 1)
        c = popcount(w & mask)
        go = left >= c
        left -= c * go
        step = go.astype(np.uint64) * np.uint64(shift)
        w >>= step
        w &= mask
        pos += step
    return pos.astype(np.int64)


def _trailing_zeros(word: WordArray) -> IntArray:
    """Zero bits below the lowest set bit (64 for a zero word)."""
    lowest = word & (~word + _ONE)
    return popcount(lowest - _ONE).astype(np.int64)


def popcount(words: WordArray) -> NDArray[np.uint8]:
    """Set bits of each 64-bit word (``numpy.bitwise_count``, or a SWAR count without it)."""
    count = getattr(np, "bitwise_count", None)
    if count is not None:
        return count(words)
    w = words - ((words >> np.uint64(1)) & np.uint64(0x5555555555555555))
    w = (w & np.uint64(0x3333333333333333)) + ((w >> np.uint64(2)) & np.uint64(0x3333333333333333))
    w = (w + (w >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return ((w * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.uint8)
