"""The time order of two sets of forecast rows, each sorted alone and then merged.

``merged_lexsort(qpos, stamp, seq, code, n_first)`` is the permutation
``numpy.lexsort((code, seq, stamp, qpos))`` gives (rows by question, then time, then
sequence number, then member code, ties by row position), for rows whose first ``n_first``
(the people's) all have smaller codes than the rest (the crowd's). Sorting one set of
forecasts that already comes in question and time order (a crowd's, made moment by moment)
is then a check instead of a sort, and where a crowd forecast shares its question and time
with a person's (every crowd forecast does: it is made at a person's) the two need no further
sort by sequence number and code.

The merge: with the (question, time) pair packed into one integer (time divided by the
greatest common divisor of the times, as integers), a crowd row goes after the people rows
with a smaller pack, and after those with the same pack whose sequence number is at most its
own (on equal sequence numbers the person's smaller code comes first). When the pack does not
fit in 62 bits, or many people rows share one pack, the rows are sorted together as before.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from foretell.scoring.order import lexsort

IntArray = NDArray[np.int64]

MAX_SHARED = 16  # people rows on one (question, time) beyond which the merge sorts instead


def merged_lexsort(
    qpos: IntArray, stamp: IntArray, seq: IntArray, code: IntArray, n_first: int
) -> IntArray:
    """``lexsort((code, seq, stamp, qpos))``, merged when ``code[:n_first].max() <
    code[n_first:].min()`` (see the module docstring)."""
    qpos, stamp, seq, code = (np.asarray(a, dtype=np.int64) for a in (qpos, stamp, seq, code))
    n = qpos.shape[0]
    if n_first <= 0 or n_first >= n or code[:n_first].max() >= code[n_first:].min():
        return lexsort((code, seq, stamp, qpos))
    pack = _pack(qpos, stamp)
    if pack is None:
        return lexsort((code, seq, stamp, qpos))
    a = lexsort((code[:n_first], seq[:n_first], stamp[:n_first], qpos[:n_first]))
    b = _sorted_or_none(pack[n_first:], seq[n_first:])
    if b is None:
        tail = slice(n_first, n)
        b = lexsort((code[tail], seq[tail], stamp[tail], qpos[tail]))
    a_pack, a_seq = pack[a], seq[a]
    b_pack, b_seq = pack[n_first:][b], seq[n_first:][b]
    lo = np.searchsorted(a_pack, b_pack, side="left")
    hi = np.searchsorted(a_pack, b_pack, side="right")
    shared = hi - lo
    widest = int(shared.max())
    if widest > MAX_SHARED:
        return lexsort((code, seq, stamp, qpos))
    before = lo.copy()
    last = n_first - 1
    for k in range(widest):  # the people rows on a crowd row's pack, in (seq, code) order
        at = np.minimum(lo + k, last)
        before += (k < shared) & (a_seq[at] <= b_seq)
    b_at = np.arange(b.shape[0]) + before
    out = np.empty(n, dtype=np.int64)
    is_b = np.zeros(n, dtype=bool)
    is_b[b_at] = True
    out[b_at] = b + n_first
    out[~is_b] = a
    return out


def _pack(qpos: IntArray, stamp: IntArray) -> IntArray | None:
    """(question, time) as one non-negative integer in the same order, or None if too wide."""
    if (
        int(stamp.max()) - int(stamp.min()) >= 1 << 62
        or int(qpos.max()) - int(qpos.min()) >= 1 << 62
    ):
        return None  # the differences themselves would not fit
    q = qpos - qpos.min()
    s = stamp - stamp.min()
    unit = int(np.gcd.reduce(s)) or 1
    if unit > 1:
        s = s // unit
    span_q, span_s = int(q.max()) + 1, int(s.max()) + 1
    if span_q * span_s >= 1 << 62:
        return None
    return q * span_s + s


def _sorted_or_none(pack: IntArray, seq: IntArray) -> IntArray | None:
    """The identity when rows are already in (pack, seq) order with no two equal on both
    (then code never decides), else None."""
    n = pack.shape[0]
    up = pack[1:] > pack[:-1]
    same = pack[1:] == pack[:-1]
    if (up | (same & (seq[1:] > seq[:-1]))).all():
        return np.arange(n, dtype=np.int64)
    return None
