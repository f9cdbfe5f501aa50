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
    member). Memory is questions x days x members.
    """
    n_q, m = start.shape[0], person.shape[0]
    keep = day <= close[question]
    first_day = np.full(n_q, np.iinfo(np.int64).max)
    np.minimum.at(first_day, question[keep], day[keep])
    start = np.minimum(start, first_day)
    length = np.maximum(close - start + 1, 1)
    n_days = int(length.max()) if n_q else 1
    idx = np.full((n_q, n_days, m), -1, dtype=np.int64)
    rows = np.flatnonzero(keep)
    d = np.maximum(day[rows] - start[question[rows]], 0)
    np.maximum.at(idx, (question[rows], d, member[rows]), rows)
    idx = np.maximum.accumulate(idx, axis=1)
    idx[np.arange(n_days)[None, :] >= length[:, None]] = -1
    has = idx >= 0
    safe = np.where(has, idx, 0)
    b = np.where(has, brier[safe], np.nan)
    lg = np.where(has, log_p[safe], np.nan)
    people = has & person[None, None, :]

    median = nanmedian(np.where(people, b, np.nan), axis=2)
    member_days = has.sum(axis=1)
    diff = np.where(has, b - median[:, :, None], 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        brier_peer = np.where(member_days > 0, diff / np.maximum(member_days, 1), np.nan)

    n_people = people.sum(axis=2)
    people_log = np.where(people, lg, 0.0).sum(axis=2)
    own = has & person[None, None, :]
    others = n_people[:, :, None] - own.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        others_log = (people_log[:, :, None] - np.where(own, lg, 0.0)) / others
        daily = np.where(has & (others > 0), 100.0 * (lg - others_log), 0.0)
    log_peer = np.where(member_days > 0, daily.sum(axis=1) / length[:, None], np.nan)
    coverage = member_days / length[:, None]

    forecasts = member_days > 0
    any_people = people.any(axis=1)
    other_people = any_people.sum(axis=1)[:, None] - (any_people & person[None, :])
    alone = forecasts & (other_people == 0)
    first = np.where(forecasts, np.argmax(has, axis=1), length[:, None])
    return PeerScores(
        brier_peer=np.where(alone, np.nan, brier_peer),
        log_peer=np.where(alone, np.nan, log_peer),
        coverage=np.where(forecasts, coverage, np.nan),
        days=(length[:, None] - first).astype(np.int64),
        forecasts=forecasts,
        alone=alone,
    )
