"""Crowd forecasts of one question: aggregates of the forecasts standing at each moment.

A forecaster's *standing* forecast at a moment is their latest forecast made at or before it.
A crowd forecast is made at every moment one of the members forecasts, once at least
``MIN_MEMBERS`` (2) members have a standing forecast; it aggregates those standing forecasts.

Binary aggregates (``p_i`` the standing probabilities, n of them):

- ``median``: the median of the p_i (the mean of the middle two for even n);
- ``mean``: the arithmetic mean;
- ``geo-odds``: the geometric mean of odds, o = prod(p_i / (1 - p_i))^(1/n), p = o / (1 + o),
  with each p_i first clipped to [``CLIP_LOW``, ``CLIP_HIGH``] = [0.001, 0.999] so that a 0
  or 1 does not decide the aggregate alone;
- ``extremized``: the geometric mean of odds raised to ``d`` (o^d) before turning it back into
  a probability (Satopaa et al. 2014, "Combining multiple probability predictions using a
  simple logit model", IJF 30(2)); d = 1 is ``geo-odds``; the default
  ``DEFAULT_EXTREMIZE`` = 1.5 is a mild extremizing.

Multiple choice: each option's probabilities are aggregated as above, then the aggregates are
divided by their sum. Numeric (quantiles): ``mean`` averages each level's values across the
members (quantile averaging, "Vincentization") and ``median`` takes each level's median;
only levels every standing member gave are kept. Both keep the quantiles non-decreasing.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from foretell.scoring.compare.median import standing_median

METHODS = ("median", "mean", "geo-odds", "extremized")
NUMERIC_METHODS = ("median", "mean")
MIN_MEMBERS = 2
CLIP_LOW, CLIP_HIGH = 0.001, 0.999
DEFAULT_EXTREMIZE = 1.5
MAX_RUNS = 256  # runs of crowd rows of one width summed run by run (beyond: width by width)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def standing(member: IntArray, n_members: int, group: IntArray | None = None) -> IntArray:
    """Row index of each member's standing forecast after each row: shape (n_rows, n_members).

    ``member`` gives each row's member code, rows in time order; -1 where the member has not
    forecast yet. ``group`` (optional, non-decreasing) splits the rows into independent
    questions: a member's forecast on one question never stands on the next.
    """
    n = member.shape[0]
    dtype = np.int32 if n < 2**31 else np.int64
    idx = np.full((n, n_members), -1, dtype=dtype)
    idx[np.arange(n), member] = np.arange(n, dtype=dtype)
    cuts = [0, n]
    if group is not None and n:
        cuts = [*np.flatnonzero(np.r_[True, group[1:] != group[:-1]]).tolist(), n]
    for lo, hi in itertools.pairwise(cuts):  # a question at a time: it stays in cache
        np.maximum.accumulate(idx[lo:hi], axis=0, out=idx[lo:hi])
    return idx


def moments(stamp: IntArray, group: IntArray | None = None) -> IntArray:
    """The last row of each run of equal stamps (rows in time order): one per moment."""
    n = stamp.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    last = np.empty(n, dtype=bool)
    last[-1] = True
    np.not_equal(stamp[1:], stamp[:-1], out=last[:-1])
    if group is not None:
        last[:-1] |= group[1:] != group[:-1]
    return np.flatnonzero(last)


def crowd_rows(
    member: IntArray, stamp: IntArray, n_members: int, group: IntArray | None = None
) -> tuple[IntArray, IntArray]:
    """When the crowd forecasts and whose forecasts it aggregates.

    Returns ``(rows, idx)``: ``rows`` the row after which each crowd forecast is made (the
    last row of a moment with at least MIN_MEMBERS standing members), ``idx`` (len(rows),
    n_members) the row index of each member's standing forecast then, -1 if none. With
    ``group``, each group of rows (one question, rows in time order) is its own timeline.
    """
    line = timeline(member, stamp, n_members, group)
    return line.rows, line.standing


class Timeline:
    """The crowd's timeline over rows in time order (one question, or several as groups).

    ``rows``: the crowd rows (see ``crowd_rows``); ``until``: for each row, the row at which
    it stops standing (its member's next row in the question, or the question's end);
    ``standing``: the dense (len(rows), n_members) standing row indices, made when asked for
    (only the mean-like aggregates need them).
    """

    def __init__(
        self, member: IntArray, group: IntArray, n_members: int, rows: IntArray, until: IntArray
    ) -> None:
        self.member, self.group, self.n_members = member, group, n_members
        self.rows, self.until = rows, until

    @functools.cached_property
    def standing(self) -> IntArray:
        idx = standing(self.member, self.n_members, self.group)
        return idx if self.rows.shape[0] == idx.shape[0] else idx[self.rows]


def joined(lines: Sequence[Timeline]) -> Timeline:
    """The timelines of several questions (each over its own rows) as one over their rows
    one after another: question k's rows, crowd rows and ``until`` offset by the rows
    before it, its members coded after the previous questions' (no member is shared), its
    rows in group k. The standing medians over it (``binary_timeline``, ``choice_timeline``
    and ``quantiles_timeline`` with ``median``) equal, row for row, the questions' own: the
    median and the count of members lacking a level are taken within each group. (The
    mean-like aggregates would add the other questions' members as zeros.)"""
    sizes = [line.member.shape[0] for line in lines]
    offsets = np.cumsum([0, *sizes])[:-1]
    widths = np.cumsum([0, *(line.n_members for line in lines)])
    z = np.zeros(0, dtype=np.int64)

    def stacked(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts).astype(np.int64) if parts else z

    return Timeline(
        stacked([line.member + widths[k] for k, line in enumerate(lines)]),
        stacked([np.full(n, k, dtype=np.int64) for k, n in enumerate(sizes)]),
        int(widths[-1]),
        stacked([line.rows + offsets[k] for k, line in enumerate(lines)]),
        stacked([line.until + offsets[k] for k, line in enumerate(lines)]),
    )


def timeline(
    member: IntArray, stamp: IntArray, n_members: int, group: IntArray | None = None
) -> Timeline:
    """The ``Timeline`` of rows in time order (``member`` codes, ``stamp`` times, ``group``
    the question of each row, non-decreasing)."""
    n = member.shape[0]
    g = np.asarray(group, dtype=np.int64) if group is not None else np.zeros(n, dtype=np.int64)
    member = np.asarray(member, dtype=np.int64)
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return Timeline(member, g, n_members, z, z)
    at = moments(stamp, group)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, n])
    group_end = np.repeat(np.r_[starts[1:], n], sizes)
    # each (question, member)'s rows in time order: a row stands until the next one
    order = np.argsort(g * n_members + member, kind="stable")
    key = (g * n_members + member)[order]
    same = key[1:] == key[:-1]
    until = group_end.copy()
    until[order[:-1][same]] = order[1:][same]
    first = np.ones(n, dtype=bool)
    first[order[1:][same]] = False
    # members standing after each row: first forecasts so far within the row's question
    joined = np.cumsum(first)
    standing_count = joined - np.repeat(joined[starts] - 1, sizes)
    at = at[standing_count[at] >= MIN_MEMBERS]
    return Timeline(member, g, n_members, at, until)


def _gather(values: FloatArray, idx: IntArray, fill: float = np.nan) -> FloatArray:
    """values[idx] with ``fill`` where idx is -1; values may have trailing dimensions."""
    pad = np.full((1, *values.shape[1:]), fill, dtype=values.dtype)
    return np.concatenate([values, pad])[idx]  # index -1 is the padding row


def nanmedian(values: FloatArray, axis: int = 1) -> FloatArray:
    """Median along ``axis`` ignoring NaN (NaN where all are NaN); the mean of the middle two
    for an even count. Same values as ``numpy.nanmedian``, without its masked-array path."""
    v = np.moveaxis(np.asarray(values, dtype=np.float64), axis, -1)
    s = np.sort(v, axis=-1)  # NaN sorts last
    k = (~np.isnan(v)).sum(axis=-1)
    lo = np.maximum((k - 1) // 2, 0)
    hi = np.maximum(k // 2, 0)
    hi = np.minimum(hi, max(v.shape[-1] - 1, 0))
    a = np.take_along_axis(s, lo[..., None], axis=-1)[..., 0]
    b = np.take_along_axis(s, hi[..., None], axis=-1)[..., 0]
    return np.where(k > 0, (a + b) / 2.0, np.nan)


def aggregate(values: FloatArray, method: str, extremize: float = DEFAULT_EXTREMIZE) -> FloatArray:
    """Aggregate probabilities along axis 1 (members), NaN meaning "no standing forecast".

    ``values`` has shape (moments, members) or (moments, members, options).
    """
    if method == "median":
        return nanmedian(values, axis=1)
    if method == "mean":
        return np.nanmean(values, axis=1)
    if method in ("geo-odds", "extremized"):
        p = np.clip(values, CLIP_LOW, CLIP_HIGH)
        log_odds = np.nanmean(np.log(p) - np.log1p(-p), axis=1)
        if method == "extremized":
            log_odds = log_odds * extremize
        return 1.0 / (1.0 + np.exp(-log_odds))
    raise ValueError(f"unknown crowd method {method!r}; choose one of {', '.join(METHODS)}")


def binary(
    p: FloatArray, idx: IntArray, method: str, extremize: float = DEFAULT_EXTREMIZE
) -> FloatArray:
    """Crowd probabilities at each crowd moment: ``p`` per row, ``idx`` from ``crowd_rows``.

    The mean-like aggregates transform each row's probability first (clip, log odds), then
    average the standing ones: the same numbers ``aggregate`` gives on the gathered matrix,
    as the members' values are summed in the same layout."""
    if method == "median":
        return nanmedian(_gather(p, idx), axis=1)
    if method not in METHODS:
        return aggregate(_gather(p, idx), method, extremize)
    v = np.asarray(p, dtype=np.float64)
    if method != "mean":
        v = np.clip(v, CLIP_LOW, CLIP_HIGH)
        v = np.log(v) - np.log1p(-v)
    valid = ~np.isnan(v)
    total = _gather(np.where(valid, v, 0.0), idx, 0.0).sum(axis=1)
    count = np.concatenate([valid, [False]])[idx].sum(axis=1, dtype=np.intp)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    if method == "mean":
        return mean
    if method == "extremized":
        mean = mean * extremize
    return 1.0 / (1.0 + np.exp(-mean))


def binary_timeline(
    p: FloatArray, line: Timeline, method: str, extremize: float = DEFAULT_EXTREMIZE
) -> FloatArray:
    """``binary`` at the crowd rows of ``line``: the median by ``median.standing_median``
    (no dense matrix), the other aggregates over ``line.standing``."""
    return binary_timelines(p, line, (method,), extremize)[0]


def binary_timelines(
    p: FloatArray, line: Timeline, methods: tuple[str, ...], extremize: float = DEFAULT_EXTREMIZE
) -> list[FloatArray]:
    """``binary_timeline`` of each method, what they share computed once: ``geo-odds`` and
    ``extremized`` the same mean of log odds. Each mean-like aggregate sums the standing
    values of a question's crowd row as ``binary`` does on that question's own matrix (its
    members' columns only, ``_own_sums``: the same additions in the same order, whatever
    other questions ``line`` holds); the number of standing members with a value is a
    running count instead (+1 where such a forecast starts standing, -1 where it stops)."""
    means: dict[bool, FloatArray] = {}
    out = []
    for method in methods:
        if method == "median":
            n, rows = line.member.shape[0], line.rows
            out.append(
                standing_median(np.arange(n), line.until, p, line.group, rows, line.group[rows])
            )
            continue
        if method not in METHODS:
            out.append(binary(p, line.standing, method, extremize))
            continue
        odds = method != "mean"
        if odds not in means:
            v = np.asarray(p, dtype=np.float64)
            if odds:
                v = np.clip(v, CLIP_LOW, CLIP_HIGH)
                v = np.log(v) - np.log1p(-v)
            valid = ~np.isnan(v)
            total = _own_sums(np.where(valid, v, 0.0), line)
            with np.errstate(invalid="ignore", divide="ignore"):
                means[odds] = total / _standing_count(valid, line)
        mean = means[odds]
        if method == "extremized":
            mean = mean * extremize
        out.append(mean if method == "mean" else 1.0 / (1.0 + np.exp(-mean)))
    return out


def _own_sums(values: FloatArray, line: Timeline) -> FloatArray:
    """At each crowd row of ``line``, the sum of the standing ``values`` (0 where none) over
    the columns of its question's own members: codes 0 to the largest code among the
    question's rows. numpy sums a row in pairs grouped by the row's length, so a question's
    sums are those of the question alone only over its own width, never the widest
    question's of the batch (rows are summed width by width)."""
    rows = line.rows
    if not rows.shape[0]:
        return np.zeros(0)
    g = line.group
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    widest = np.maximum.reduceat(line.member, starts) + 1  # per question
    width = widest[np.searchsorted(starts, rows, side="right") - 1]
    idx = line.standing
    pad = np.concatenate([values, [0.0]])  # index -1 is the padding
    runs = np.flatnonzero(np.r_[True, width[1:] != width[:-1]])  # rows of one width in turn
    out = np.empty(rows.shape[0])
    if runs.shape[0] <= MAX_RUNS:  # a few runs: views of the gathered matrix, no copies
        gathered = pad[idx]
        for lo, hi in itertools.pairwise([*runs.tolist(), rows.shape[0]]):
            out[lo:hi] = gathered[lo:hi, : int(width[lo])].sum(axis=1)
        return out
    order = np.argsort(width, kind="stable")
    cuts = np.flatnonzero(np.diff(width[order])) + 1
    for at in np.split(order, cuts):  # many small questions: the rows of each width at once
        out[at] = pad[idx[at, : int(width[at[0]])]].sum(axis=1)
    return out


def _standing_count(valid: NDArray[np.bool_], line: Timeline) -> IntArray:
    """How many of the forecasts standing at each crowd row of ``line`` are ``valid``."""
    n = valid.shape[0]
    steps = np.bincount(np.flatnonzero(valid), minlength=n + 1)
    steps -= np.bincount(line.until[valid], minlength=n + 1)
    return np.cumsum(steps)[line.rows]


def choice(
    probs: FloatArray, idx: IntArray, method: str, extremize: float = DEFAULT_EXTREMIZE
) -> FloatArray:
    """Crowd option probabilities (moments, options): per-option aggregate, renormalised.

    ``probs`` (rows, options) holds each row's probabilities in the question's option order.
    """
    agg = aggregate(_gather(probs, idx), method, extremize)
    return agg / agg.sum(axis=1, keepdims=True)


def quantiles(values: FloatArray, idx: IntArray, method: str) -> FloatArray:
    """Crowd quantiles (moments, levels): per-level mean or median of the standing members.

    ``values`` (rows, levels) holds each row's value at each of the question's levels (NaN
    where the row has no such level); a level some standing member lacks is NaN in the crowd.
    """
    if method not in NUMERIC_METHODS:
        raise ValueError(f"numeric crowds are {', '.join(NUMERIC_METHODS)}, not {method!r}")
    gathered = _gather(values, idx)  # (moments, members, levels)
    present = (idx >= 0)[:, :, None]
    complete = ~(present & np.isnan(gathered)).any(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN levels stay NaN
        agg = nanmedian(gathered, axis=1) if method == "median" else np.nanmean(gathered, axis=1)
    return np.where(complete, agg, np.nan)


def choice_timeline(
    probs: FloatArray, line: Timeline, method: str, extremize: float = DEFAULT_EXTREMIZE
) -> FloatArray:
    """``choice`` at the crowd rows of ``line`` (the median option by option without the
    dense matrix), renormalised the same way."""
    if method != "median":
        return choice(probs, line.standing, method, extremize)
    agg = _column_medians(probs, line)
    return agg / agg.sum(axis=1, keepdims=True)


def quantiles_timeline(values: FloatArray, line: Timeline, method: str) -> FloatArray:
    """``quantiles`` at the crowd rows of ``line``: the median level by level without the
    dense matrix, NaN where a standing member lacks the level (a running count of them)."""
    if method != "median":
        return quantiles(values, line.standing, method)
    n = values.shape[0]
    lacks = np.isnan(values)
    lacking = np.empty((line.rows.shape[0], values.shape[1]), dtype=np.int64)
    for j in range(values.shape[1]):
        steps = np.bincount(np.arange(n), lacks[:, j], n + 1)
        steps -= np.bincount(line.until, lacks[:, j], n + 1)
        lacking[:, j] = np.rint(np.cumsum(steps))[line.rows]
    return np.where(lacking == 0, _column_medians(values, line), np.nan)


def _column_medians(values: FloatArray, line: Timeline) -> FloatArray:
    """The standing median of each column of ``values`` (rows, k) at the crowd rows."""
    n, rows = values.shape[0], line.rows
    every, groups = np.arange(n), line.group[rows]
    columns = [
        standing_median(every, line.until, values[:, j], line.group, rows, groups)
        for j in range(values.shape[1])
    ]
    return np.stack(columns, axis=1) if columns else np.zeros((rows.shape[0], 0))
