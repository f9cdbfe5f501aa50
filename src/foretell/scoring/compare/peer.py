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

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

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


def daily_standing(
    member: IntArray, day: IntArray, start: int, close: int, n_members: int
) -> IntArray:
    """Row index of each member's standing forecast on each day start..close: (days, members).

    Rows must be in time order; rows after ``close`` are ignored; -1 where none stands.
    """
    n_days = close - start + 1
    idx = np.full((max(n_days, 0), n_members), -1, dtype=np.int64)
    keep = day <= close
    rows = np.flatnonzero(keep)
    d = np.maximum(day[rows] - start, 0)
    np.maximum.at(idx, (d, member[rows]), rows)
    return np.maximum.accumulate(idx, axis=0)


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
    m = person.shape[0]
    start = min(start, int(day.min())) if day.size else start
    idx = daily_standing(member, day, start, close, m)
    n_days = idx.shape[0]
    has = idx >= 0
    safe = np.where(has, idx, 0)
    b = np.where(has, brier[safe], np.nan)
    lg = np.where(has, log_p[safe], np.nan)
    people = has & person[None, :]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # days with nobody standing
        median = np.nanmedian(np.where(people, b, np.nan), axis=1)
    member_days = has.sum(axis=0)
    diff = np.where(has, b - median[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        brier_peer = np.where(member_days > 0, diff.sum(axis=0) / member_days, np.nan)

    n_people = people.sum(axis=1)
    people_log = np.where(people, lg, 0.0).sum(axis=1)
    is_person = person[None, :] & has
    others = n_people[:, None] - is_person.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        others_log = (people_log[:, None] - np.where(is_person, lg, 0.0)) / others
        daily = np.where(has & (others > 0), 100.0 * (lg - others_log), 0.0)
    log_peer = np.where(member_days > 0, daily.sum(axis=0) / max(n_days, 1), np.nan)
    coverage = member_days / max(n_days, 1)

    forecasts = member_days > 0
    any_people = people.any(axis=0)
    n_forecasting_people = int(any_people.sum())
    other_people = n_forecasting_people - (any_people & person).astype(np.int64)
    alone = forecasts & (other_people == 0)
    brier_peer = np.where(alone, np.nan, brier_peer)
    log_peer = np.where(alone, np.nan, log_peer)
    first = np.where(forecasts, np.argmax(has, axis=0), n_days)
    return PeerScores(
        brier_peer=brier_peer,
        log_peer=log_peer,
        coverage=np.where(forecasts, coverage, np.nan),
        days=(n_days - first).astype(np.int64),
        forecasts=forecasts,
        alone=alone,
    )
