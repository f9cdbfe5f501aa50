"""Peer scores of one question: each forecaster against the others on the same days.

Input: the question's forecast rows in time order, each with its member code, UTC day, and
two scores of the forecast: its multi-category Brier score (0..2; a binary forecast scores
2 (p - o)^2, as Good Judgment Open counts it) and ``ln P(outcome)`` (for an outcome that is
a probability o: ``o ln p + (1 - o) ln(1 - p)``). A member's score on day d is the score of
their standing forecast that day (their latest made on or before d). Rows after the close
day are left out. ``person`` marks the members that count as peers (people; crowd
forecasters are scored against the people but are never anyone's peer).

- **Brier peer score** (close to Good Judgment Open's accuracy score; lower is better): over
  the days from the member's first forecast to the close day, the mean of (their daily Brier
  minus the median daily Brier of the people standing that day). Good Judgment Open instead
  gives you the median's score on the days before your first forecast and reports a sum; the
  mean over your own days is the same number divided by your share of the question's days.
- **Log peer score** (as Metaculus' peer score; higher is better): on each day of the
  question's life (``start`` to the close day), 100 x (ln p_you(outcome) minus the mean of
  ln p_i(outcome) over the *other* people standing), counted 0 on days you have no forecast or
  no other person stands; the question's score is the sum over days divided by the number of
  days of the life, so a forecaster present for half the life can earn half as much.
  ``coverage`` is the share of the life's days with a standing forecast. (Metaculus divides
  by the time to the scheduled close and integrates over continuous time; here days are
  whole UTC days and the life ends at the close day.)

A member with no other person forecasting the question at all has no peer score on it
(``alone``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from foretell.scoring.compare.crowd import nanmedian
from foretell.scoring.compare.median import standing_median
from foretell.scoring.order import lexsort

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class PeerScores:
    """One entry per member (NaN for members without forecasts or without peers)."""

    brier_peer: FloatArray
    log_peer: FloatArray
    coverage: FloatArray
    days: IntArray  # days from the member's first forecast to the close day
    forecasts: BoolArray  # the member forecast this question (on or before close)
    alone: BoolArray  # ... and no other person did


def peer_scores(
    member: IntArray,
    day: IntArray,
    brier: FloatArray,
    log_p: FloatArray,
    person: BoolArray,
    start: int,
    close: int,
) -> PeerScores:
    """Brier and log peer scores of every member on one question (see the module docstring).

    ``start`` is the first day of the question's life (its opening day, or the first
    forecast's day if earlier); ``close`` its close day.
    """
    q = np.zeros(member.shape[0], dtype=np.int64)
    r = peer_scores_batch(
        q, member, day, brier, log_p, person, np.array([start]), np.array([close])
    )
    return PeerScores(*(getattr(r, f)[0] for f in PeerScores.__dataclass_fields__))


def peer_scores_batch(
    question: IntArray,
    member: IntArray,
    day: IntArray,
    brier: FloatArray,
    log_p: FloatArray,
    person: BoolArray,
    start: IntArray,
    close: IntArray,
) -> PeerScores:
    """``peer_scores`` for several questions at once: arrays of shape (questions, members).

    ``question`` (rows) indexes ``start``/``close`` (per question); rows are in time order
    within each question; ``member`` codes are shared across the questions (``person`` per
    member). The days of a question's life are taken in *segments*: runs of days on which no
    one forecasts, so that every standing forecast, and so every daily term, is the same on
    each day of a segment; a segment's terms count once per day it holds.

    Only the median needs every person's standing forecast on every segment (memory:
    questions x segments x people); the other terms are sums that change only where a
    forecast starts or stops standing, so they are added per forecast over the segments it
    stands (prefix sums per question). On a question with an infinite log score among its
    rows (a probability of 0 on what happened) the daily terms are taken one by one instead,
    so that infinities combine exactly as the definition says.

    A question's scores are the same bits whatever other questions the batch holds and
    whatever its members' codes: each question takes its own path, its members' terms are
    added in the order they first forecast on it (rows in time order), and every sum over
    segments or members is added in turn, never in pairs grouped by the batch's widths.
    """
    n_q = start.shape[0]
    infinite = np.zeros(n_q, dtype=bool)
    infinite[question[(day <= close[question]) & ~np.isfinite(log_p)]] = True
    if infinite.all() or not infinite.any():
        grid = _segments(question, day, start, close)
        if not infinite.any():
            return _by_sums(grid, question, member, brier, log_p, person)
        return _daily(grid, question, member, brier, log_p, person)
    # each question by its own rows: the daily terms only where they are needed
    parts = [_subset(q, question, member, day, brier, log_p, person, start, close)
             for q in (np.flatnonzero(~infinite), np.flatnonzero(infinite))]  # fmt: skip
    fields = {}
    for name in PeerScores.__dataclass_fields__:
        first = getattr(parts[0], name)
        out = np.empty((n_q, person.shape[0]), dtype=first.dtype)
        out[~infinite], out[infinite] = first, getattr(parts[1], name)
        fields[name] = out
    return PeerScores(**fields)


def _subset(
    chosen: IntArray,
    question: IntArray,
    member: IntArray,
    day: IntArray,
    brier: FloatArray,
    log_p: FloatArray,
    person: BoolArray,
    start: IntArray,
    close: IntArray,
) -> PeerScores:
    """``peer_scores_batch`` of the questions ``chosen`` (sorted) alone."""
    local = np.full(start.shape[0], -1, dtype=np.int64)
    local[chosen] = np.arange(chosen.shape[0])
    rows = np.flatnonzero(local[question] >= 0)
    return peer_scores_batch(
        local[question[rows]], member[rows], day[rows], brier[rows], log_p[rows], person,
        start[chosen], close[chosen],
    )  # fmt: skip


@dataclass(frozen=True)
class _Grid:
    """The segments of each question's life (shape questions x ``width``)."""

    rows: IntArray  # the rows on or before their question's close
    seg: IntArray  # each such row's segment
    seg_start: IntArray  # first day (offset into the life) of each segment; -1 past the end
    weight: FloatArray  # days in each segment (0 past the end)
    live: BoolArray
    n_seg: IntArray
    length: IntArray  # days of each question's life


def _segments(question: IntArray, day: IntArray, start: IntArray, close: IntArray) -> _Grid:
    n_q = start.shape[0]
    keep = day <= close[question]
    first_day = np.full(n_q, np.iinfo(np.int64).max)
    np.minimum.at(first_day, question[keep], day[keep])
    start = np.minimum(start, first_day)
    length = np.maximum(close - start + 1, 1)
    rows = np.flatnonzero(keep)
    q_rows = question[rows]
    offset = np.maximum(day[rows] - start[q_rows], 0)
    # segment starts per question: day 0 of the life and every day someone forecasts
    keys = q_rows * (1 << 32) + offset
    every = np.concatenate([np.arange(n_q, dtype=np.int64) * (1 << 32), keys])
    if (keys[1:] >= keys[:-1]).all():  # rows in time order by question: two sorted runs
        every = np.sort(every, kind="stable")  # a merge
        bounds = every[np.r_[True, every[1:] != every[:-1]]] if every.size else every
    else:
        bounds = np.unique(every)
    b_q, b_day = bounds >> 32, bounds & ((1 << 32) - 1)
    first_bound = np.searchsorted(b_q, np.arange(n_q))
    n_seg = np.diff(np.append(first_bound, bounds.shape[0]))
    width = int(n_seg.max()) if n_q else 1
    seg_start = np.full((n_q, width), -1, dtype=np.int64)
    seg_start[b_q, np.arange(bounds.shape[0]) - first_bound[b_q]] = b_day
    seg_end = np.empty_like(seg_start)
    seg_end[:, :-1] = seg_start[:, 1:]
    seg_end[:, -1] = -1
    seg_end = np.where(seg_end < 0, length[:, None], seg_end)
    live = np.arange(width)[None, :] < n_seg[:, None]
    weight = np.where(live, seg_end - seg_start, 0).astype(np.float64)
    seg = np.searchsorted(bounds, keys) - first_bound[q_rows]
    return _Grid(rows, seg, seg_start, weight, live, n_seg, length)


def _standing(grid: _Grid, question: IntArray, member: IntArray, columns: int) -> IntArray:
    """Row index of each member's standing forecast on each segment (-1: none)."""
    n_q, width = grid.weight.shape
    idx = np.full((n_q, width, columns), -1, dtype=np.int64)
    np.maximum.at(idx, (question[grid.rows], grid.seg, member[grid.rows]), grid.rows)
    idx = np.maximum.accumulate(idx, axis=1)
    idx[~grid.live] = -1
    return idx


def _by_sums(
    grid: _Grid,
    question: IntArray,
    member: IntArray,
    brier: FloatArray,
    log_p: FloatArray,
    person: BoolArray,
) -> PeerScores:
    n_q, width = grid.weight.shape
    m = person.shape[0]
    rows, seg = grid.rows, grid.seg
    q_r, m_r = question[rows], member[rows]
    # each row stands from its segment to the member's next row's segment (or the end); the
    # (question, member) pairs in order of their first row, so that each question's members
    # come in the order they first forecast on it, whatever their codes and the batch
    order = _by_first_row(q_r * m + m_r)
    rows, seg, q_r, m_r = rows[order], seg[order], q_r[order], m_r[order]
    same_next = np.r_[(q_r[1:] == q_r[:-1]) & (m_r[1:] == m_r[:-1]), False]
    end = np.where(same_next, np.r_[seg[1:], 0], grid.n_seg[q_r])
    stands = end > seg
    rows, seg, end, q_r, m_r = rows[stands], seg[stands], end[stands], q_r[stands], m_r[stands]
    b_r, lg_r, is_person = brier[rows], log_p[rows], person[m_r]

    # people standing (N) and the sum of their log scores (L), per segment: +1 / +L where a
    # person's forecast starts standing, -1 / -L where it stops (summed in that order)
    pq, ps, pe = q_r[is_person], seg[is_person], end[is_person]
    cells = np.concatenate([pq * (width + 1) + ps, pq * (width + 1) + pe])
    ones = np.ones(pq.shape[0])
    size = n_q * (width + 1)
    steps = np.bincount(cells, np.concatenate([ones, -ones]), size).reshape(n_q, width + 1)
    lg_p = lg_r[is_person]
    log_steps = np.bincount(cells, np.concatenate([lg_p, -lg_p]), size).reshape(n_q, width + 1)
    n_people = np.rint(np.cumsum(steps, axis=1)[:, :width])
    people_log = np.cumsum(log_steps, axis=1)[:, :width]

    # the median of the people's standing Brier scores, per segment (cells q * width + s)
    every = np.arange(n_q * width)
    median = standing_median(
        pq * width + ps, pq * width + pe, b_r[is_person], pq, every, every // width
    ).reshape(n_q, width)

    w = grid.weight
    gone = np.isnan(median) & grid.live
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = n_people > 0
        several = n_people > 1
        a_person = np.where(several, w * n_people / np.maximum(n_people - 1, 1), 0.0)
        b_person = np.where(several, w * people_log / np.maximum(n_people - 1, 1), 0.0)
        a_crowd = np.where(pos, w, 0.0)
        b_crowd = np.where(pos, w * people_log / np.maximum(n_people, 1), 0.0)
    prefix = {
        name: np.concatenate([np.zeros((n_q, 1)), np.cumsum(v, axis=1)], axis=1)
        for name, v in (
            ("w", w), ("med", np.where(gone, 0.0, w * np.nan_to_num(median))),
            ("gone", gone.astype(np.float64)), ("ap", a_person), ("bp", b_person),
            ("ac", a_crowd), ("bc", b_crowd),
        )
    }  # fmt: skip

    at_end, at_seg = q_r * (width + 1) + end, q_r * (width + 1) + seg  # cells of the tables

    def over(name: str) -> FloatArray:
        table = prefix[name].reshape(-1)
        return table.take(at_end) - table.take(at_seg)

    days_r = over("w")
    diff_r = np.where(over("gone") > 0, np.nan, b_r * days_r - over("med"))
    log_r = 100.0 * np.where(
        is_person, lg_r * over("ap") - over("bp"), lg_r * over("ac") - over("bc")
    )
    cell = q_r * m + m_r
    size = n_q * m

    def total(values: FloatArray) -> FloatArray:
        return np.bincount(cell, weights=values, minlength=size).reshape(n_q, m)

    first_seg = np.full(size, width, dtype=np.int64)
    np.minimum.at(first_seg, cell, seg)
    first_seg = np.minimum(first_seg.reshape(n_q, m), width - 1)
    first_day = np.take_along_axis(grid.seg_start, first_seg, axis=1)
    return _scores(total(days_r), total(diff_r), total(log_r), first_day, person, grid.length)


def _by_first_row(pair: IntArray) -> IntArray:
    """The permutation putting rows (in time order within each question) by the first row of
    their ``pair`` code (question x members + member), then by row: each question's rows, a
    member's together, its members in the order of their first forecast on the question."""
    n = pair.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.full(int(pair.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, pair, np.arange(n, dtype=np.int64))
    return lexsort((first[pair],))


def _scores(
    member_days: FloatArray,
    diff: FloatArray,
    log_sum: FloatArray,
    first_day: IntArray,
    person: BoolArray,
    length: IntArray,
) -> PeerScores:
    """The scores from each (question, member)'s sums: days standing, sum of (daily Brier
    minus the median) over them, sum of the daily log terms, and the first day standing."""
    forecasts = member_days > 0
    life = length[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        brier_peer = np.where(forecasts, diff / np.maximum(member_days, 1), np.nan)
    log_peer = np.where(forecasts, log_sum / life, np.nan)
    any_people = forecasts & person[None, :]
    other_people = any_people.sum(axis=1)[:, None] - any_people
    alone = forecasts & (other_people == 0)
    first = np.where(forecasts, first_day, life)
    return PeerScores(
        brier_peer=np.where(alone, np.nan, brier_peer),
        log_peer=np.where(alone, np.nan, log_peer),
        coverage=np.where(forecasts, member_days / life, np.nan),
        days=(life - first).astype(np.int64),
        forecasts=forecasts,
        alone=alone,
    )


def _daily(
    grid: _Grid,
    question: IntArray,
    member: IntArray,
    brier: FloatArray,
    log_p: FloatArray,
    person: BoolArray,
) -> PeerScores:
    """Every term on every segment (questions x segments x members): used when a log score
    is infinite. A member who gave 0 to what happened scores -inf against finite others;
    others with a -inf among them have a mean of -inf."""
    n_q, m = grid.weight.shape[0], person.shape[0]
    idx = _standing(grid, question, member, m)
    has = idx >= 0
    safe = np.where(has, idx, 0)
    b = np.where(has, brier[safe], np.nan)
    lg = np.where(has, log_p[safe], np.nan)
    people = has & person[None, None, :]
    w = grid.weight[:, :, None]

    median = nanmedian(np.where(people, b, np.nan), axis=2)
    member_days = np.where(has, w, 0.0).sum(axis=1)
    diff = _in_turn(np.where(has, (b - median[:, :, None]) * w, 0.0), axis=1)

    # the others' mean log score: the finite ones summed, and -inf if any other said 0; the
    # sum over the people in the order they first forecast on the question
    n_people = people.sum(axis=2)
    zero = people & (lg == -np.inf)
    finite_lg = np.where(people & ~zero, lg, 0.0)
    first = np.full((n_q, m), grid.rows.shape[0], dtype=np.int64)
    np.minimum.at(first, (question[grid.rows], member[grid.rows]), np.arange(grid.rows.shape[0]))
    joined = np.argsort(first, axis=1, kind="stable")[:, None, :]
    people_lg = _in_turn(np.take_along_axis(finite_lg, joined, axis=2), axis=2)
    others = n_people[:, :, None] - people.astype(np.int64)
    others_zero = zero.sum(axis=2)[:, :, None] - zero
    with np.errstate(invalid="ignore", divide="ignore"):
        others_finite = (people_lg[:, :, None] - finite_lg) / others
        others_log = np.where(others_zero > 0, -np.inf, others_finite)
        daily = np.where(has & (others > 0), 100.0 * (lg - others_log) * w, 0.0)
    first_day = np.take_along_axis(grid.seg_start, np.argmax(has, axis=1), axis=1)
    return _scores(member_days, diff, _in_turn(daily, axis=1), first_day, person, grid.length)


def _in_turn(values: FloatArray, axis: int) -> FloatArray:
    """The sum along ``axis`` added one element after the other (numpy's ``sum`` may add in
    pairs, grouped by the axis' length: the batch's widest question or its member count)."""
    if values.shape[axis] == 0:
        return np.zeros(np.delete(values.shape, axis))
    return np.take(np.cumsum(values, axis=axis), -1, axis=axis)
