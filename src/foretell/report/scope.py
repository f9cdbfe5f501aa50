"""Which questions and forecasts a report covers, and what each question's status is.

Filters: ``by`` (forecaster names), ``exclude_by`` (forecaster names left out), ``tags`` (a
question matches when it has any of them), ``questions`` (ids), ``since``/``until`` (UTC date
of the forecast's ``at``, both inclusive), ``resolved_since``/``resolved_until`` (date of the
question's resolution or annulment, both inclusive; open questions are then left out with
their forecasts). Questions in scope are those passing the question
filters; when a forecast filter (by, exclude_by, since, until) is given, only the questions
with at least one selected forecast stay in scope.

Status of a question: ``resolved`` or ``annulled`` from the outcomes frame, else ``open``.
Close day (UTC day number) = min(resolved_on, resolve_by) for a resolved question.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foretell.errors import ForetellError

if TYPE_CHECKING:
    from foretell.frames import Frames

OPEN, RESOLVED, ANNULLED = 0, 1, 2


@dataclass(frozen=True)
class Filters:
    by: tuple[str, ...] = ()
    exclude_by: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    resolved_since: dt.date | None = None
    resolved_until: dt.date | None = None

    def selects_resolutions(self) -> bool:
        return self.resolved_since is not None or self.resolved_until is not None

    def selects_forecasts(self) -> bool:
        return (
            bool(self.by)
            or bool(self.exclude_by)
            or self.since is not None
            or self.until is not None
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "by": list(self.by),
            "exclude_by": list(self.exclude_by),
            "tag": list(self.tags),
            "question": list(self.questions),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "resolved_since": self.resolved_since.isoformat() if self.resolved_since else None,
            "resolved_until": self.resolved_until.isoformat() if self.resolved_until else None,
        }


@dataclass
class Scope:
    """Questions in scope (one row each, with status arrays) and the selected forecasts.

    ``questions`` keeps the frames' columns plus ``status`` (OPEN/RESOLVED/ANNULLED),
    ``close_day`` (int64 day number; -1 unless resolved), ``outcome``, ``resolved_on``.
    ``forecasts`` keeps the frames' columns plus ``qpos`` (row of its question in
    ``questions``, -1 when the question is not in scope's catalog), ``day`` (UTC day number)
    and ``stamp`` (int64 nanoseconds since the epoch). ``question_matches`` counts the
    questions passing the question filters (tags, ids), before the forecast filters narrow
    them to those with a selected forecast.
    """

    questions: pd.DataFrame
    forecasts: pd.DataFrame
    unknown_questions: int = 0
    question_matches: int = 0
    notes: list[str] = field(default_factory=list)


def day_numbers(values: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 (UTC) of a datetime column, naive (taken as UTC) or aware, in
    whatever unit it is stored (dates are kept in seconds so that every supported year fits)."""
    series = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series, utc=True)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.to_numpy().astype("datetime64[D]").astype(np.int64)


def stamps(values: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) of a datetime column, whatever its unit or zone."""
    series = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = pd.to_datetime(series, utc=True)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series.to_numpy().astype("datetime64[ns]").astype(np.int64)


def select(frames: Frames, filters: Filters, check_names: bool = True) -> Scope:
    """Apply the filters and attach status, close day and outcome to each question.

    ``check_names=False`` for a batch of the ledger's questions, whose names were checked
    against the whole ledger already.
    """
    questions = frames.questions.reset_index(drop=True)
    forecasts = frames.forecasts
    if check_names:
        _check_names(frames, filters)

    keep_q = np.ones(len(questions), dtype=bool)
    if filters.questions:
        keep_q &= questions["id"].isin(filters.questions).to_numpy()
    if filters.tags:
        wanted = set(filters.tags)
        keep_q &= np.array([bool(wanted.intersection(t or ())) for t in questions["tags"]])
    questions = _kept(questions, keep_q)
    question_matches = len(questions)

    keep_f = np.ones(len(forecasts), dtype=bool)
    if filters.by:
        keep_f &= forecasts["author"].isin(filters.by).to_numpy()
    if filters.exclude_by:
        keep_f &= ~forecasts["author"].isin(filters.exclude_by).to_numpy()
    day = day_numbers(forecasts["at"]) if len(forecasts) else np.zeros(0, np.int64)
    if filters.since is not None:
        keep_f &= day >= _day(filters.since)
    if filters.until is not None:
        keep_f &= day <= _day(filters.until)
    if filters.questions or filters.tags:
        keep_f &= forecasts["question"].isin(questions["id"]).to_numpy()
    forecasts = _kept(forecasts, keep_f)
    day = day[keep_f]

    if filters.selects_forecasts():
        questions = questions[questions["id"].isin(forecasts["question"])].reset_index(drop=True)

    questions = _with_status(questions, frames.outcomes)
    if filters.selects_resolutions():
        on = questions["resolved_on_day"].to_numpy(dtype=object)
        keep = np.array([d is not None for d in on], dtype=bool)
        if filters.resolved_since is not None:
            keep &= np.array(
                [d is not None and d >= filters.resolved_since.isoformat() for d in on]
            )
        if filters.resolved_until is not None:
            keep &= np.array(
                [d is not None and d <= filters.resolved_until.isoformat() for d in on]
            )
        questions = questions[keep].reset_index(drop=True)
        in_q = forecasts["question"].isin(questions["id"]).to_numpy()
        forecasts = forecasts[in_q].reset_index(drop=True)
        day = day[in_q]
    qpos = pd.Index(questions["id"]).get_indexer(forecasts["question"])
    forecasts = forecasts.assign(
        qpos=qpos.astype(np.int64),
        day=day,
        stamp=stamps(forecasts["at"]) if len(forecasts) else np.zeros(0, np.int64),
    )
    unknown = int((qpos < 0).sum())
    return Scope(
        questions=questions,
        forecasts=forecasts,
        unknown_questions=unknown,
        question_matches=question_matches,
    )


def _kept(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``frame[keep].reset_index(drop=True)``; the frame itself when it keeps every row in
    that index already (no copy: ``select`` assigns its columns to a new frame after)."""
    index = frame.index
    default = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    return frame if default and keep.all() else frame[keep].reset_index(drop=True)


def _check_names(frames: Frames, filters: Filters) -> None:
    known_q = set(frames.questions["id"])
    for qid in filters.questions:
        if qid not in known_q:
            from foretell.catalog import did_you_mean

            hint = did_you_mean(qid, sorted(known_q))
            raise ForetellError(f"no question {qid!r} in forecasts/{hint}")
    if filters.tags:
        known_tags = {t for tags in frames.questions["tags"] for t in (tags or ())}
        for tag in filters.tags:
            if tag not in known_tags:
                from foretell.catalog import did_you_mean

                hint = did_you_mean(tag, sorted(known_tags))
                raise ForetellError(f"no question has the tag {tag!r}{hint}")
    if filters.by or filters.exclude_by:
        authors = set(frames.forecasts["author"])
        for name in (*filters.by, *filters.exclude_by):
            if name not in authors:
                known = ", ".join(sorted(authors)) or "none"
                raise ForetellError(f"no forecasts by {name!r} (forecasters: {known})")
    if filters.since and filters.until and filters.since > filters.until:
        raise ForetellError(f"--since {filters.since} is after --until {filters.until}")
    if (
        filters.resolved_since
        and filters.resolved_until
        and filters.resolved_since > filters.resolved_until
    ):
        raise ForetellError(
            f"--resolved-since {filters.resolved_since} is after "
            f"--resolved-until {filters.resolved_until}"
        )


def _day(value: dt.date) -> int:
    return (value - dt.date(1970, 1, 1)).days


def _with_status(questions: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    n = len(questions)
    status = np.full(n, OPEN, dtype=np.int64)
    close = np.full(n, -1, dtype=np.int64)
    outcome = np.full(n, None, dtype=object)
    resolved_on = np.full(n, None, dtype=object)
    if n and len(outcomes):
        pos = pd.Index(questions["id"]).get_indexer(outcomes["question"])
        hit = pos >= 0
        rows = outcomes[hit]
        pos = pos[hit]
        is_res = (rows["status"] == "resolved").to_numpy()
        status[pos] = np.where(is_res, RESOLVED, ANNULLED)
        outcome[pos] = rows["outcome"].to_numpy(dtype=object)
        on_day = day_numbers(rows["resolved_on"])
        by_day = day_numbers(questions["resolve_by"])[pos]
        close[pos] = np.where(is_res, np.minimum(on_day, by_day), -1)
        resolved_on[pos] = [iso_day(d) for d in on_day]
    return questions.assign(
        status=status, close_day=close, outcome=outcome, resolved_on_day=resolved_on
    )


def iso_day(day: int) -> str:
    """Day number -> 'YYYY-MM-DD'."""
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()
