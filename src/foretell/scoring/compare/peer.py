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
    each day of a segment; a segment's terms count once per day it holds. Memory is questions
    x segments x members (a question has at most one segment per distinct forecast day, plus
    its first day).
    """
    n_q, m = start.shape[0], person.shape[0]
    keep = day <= close[question]
    first_day = np.full(n_q, np.iinfo(np.int64).max)
    np.minimum.at(first_day, question[keep], day[keep])
    start = np.minimum(start, first_day)
    length = np.maximum(close - start + 1, 1)
    rows = np.flatnonzero(keep)
    q_rows = question[rows]
    offset = np.maximum(day[rows] - start[q_rows], 0)
    # segment starts per question: day 0 of the life and every day someone forecasts
    bounds = np.unique(
        np.concatenate([np.arange(n_q, dtype=np.int64) * (1 << 32), q_rows * (1 << 32) + offset])
    )
    b_q, b_day = bounds >> 32, bounds & ((1 << 32) - 1)
    first_bound = np.searchsorted(b_q, np.arange(n_q))
    n_seg = np.diff(np.append(first_bound, bounds.shape[0]))
    width = int(n_seg.max()) if n_q else 1
    seg_of_bound = np.arange(bounds.shape[0]) - first_bound[b_q]
    seg_start = np.full((n_q, width), -1, dtype=np.int64)
    seg_start[b_q, seg_of_bound] = b_day
    seg_end = np.empty_like(seg_start)
    seg_end[:, :-1] = seg_start[:, 1:]
    seg_end[:, -1] = -1
    seg_end = np.where(seg_end < 0, length[:, None], seg_end)
    live = np.arange(width)[None, :] < n_seg[:, None]
    weight = np.where(live, seg_end - seg_start, 0).astype(np.float64)  # days per segment
    seg = np.searchsorted(bounds, q_rows * (1 << 32) + offset) - first_bound[q_rows]

    idx = np.full((n_q, width, m), -1, dtype=np.int64)
    np.maximum.at(idx, (q_rows, seg, member[rows]), rows)
    idx = np.maximum.accumulate(idx, axis=1)
    idx[~live] = -1
    has = idx >= 0
    safe = np.where(has, idx, 0)
    b = np.where(has, brier[safe], np.nan)
    lg = np.where(has, log_p[safe], np.nan)
    people = has & person[None, None, :]
    w = weight[:, :, None]

    median = nanmedian(np.where(people, b, np.nan), axis=2)
    member_days = np.where(has, w, 0.0).sum(axis=1)
    diff = np.where(has, (b - median[:, :, None]) * w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        brier_peer = np.where(member_days > 0, diff / np.maximum(member_days, 1), np.nan)

    n_people = people.sum(axis=2)
    people_log = np.where(people, lg, 0.0).sum(axis=2)
    own = people
    others = n_people[:, :, None] - own.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        others_log = (people_log[:, :, None] - np.where(own, lg, 0.0)) / others
        daily = np.where(has & (others > 0), 100.0 * (lg - others_log) * w, 0.0)
    log_peer = np.where(member_days > 0, daily.sum(axis=1) / length[:, None], np.nan)
    coverage = member_days / length[:, None]

    forecasts = member_days > 0
    any_people = people.any(axis=1)
    other_people = any_people.sum(axis=1)[:, None] - (any_people & person[None, :])
    alone = forecasts & (other_people == 0)
    first_seg = np.argmax(has, axis=1)
    first = np.where(forecasts, np.take_along_axis(seg_start, first_seg, axis=1), length[:, None])
    return PeerScores(
        brier_peer=np.where(alone, np.nan, brier_peer),
        log_peer=np.where(alone, np.nan, log_peer),
        coverage=np.where(forecasts, coverage, np.nan),
        days=(length[:, None] - first).astype(np.int64),
        forecasts=forecasts,
        alone=alone,
    )
