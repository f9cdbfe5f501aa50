"""The report of a batch of questions as a mergeable partial, and the report from partials.

Everything that depends on the order of forecasts (rules, pairs, per-question scores) is
computed within a question, so a batch of whole questions gives a ``Partial``: counts (ints
that add), the groups' ``GroupSummary`` (``report.summary``), and per-question entries (the
numeric questions, the per-question scores the best/worst lists are chosen from, open and
annulled questions, claims) tagged with the question's position in the catalog, and the
``partial_extras.Extras`` (numeric diagnostics per group, relative WIS terms, the trend's
points, range notes). ``merge`` adds two partials of disjoint sets of questions;
``finish`` (``report.partial_finish``) turns the merged partial into the report's JSON.
``build_report`` is ``finish(partial(all questions))``; the streaming engines
(``foretell.engine``) merge the partials of batches, so every engine gives the same JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foretell.report import blocks, pairs, quantile_pairs
from foretell.report.partial_extras import Extras
from foretell.report.partial_finish import (
    PEER_COLUMNS,
    _rank,
    claims_merged,
    finish,
    finish_groups,
    forecaster_rows,
)
from foretell.report.summary import ExactSum, GroupSummary, merge_groups

__all__ = [
    "PEER_COLUMNS",
    "Forecaster",
    "PairFrames",
    "Partial",
    "bounded",
    "claims_merged",
    "crowd_methods",
    "distinct_counts",
    "finish",
    "finish_groups",
    "forecaster_rows",
    "group_summaries",
    "merge",
    "partial",
    "value_codes",
]

if TYPE_CHECKING:
    from foretell.frames import Frames
    from foretell.report.options import ReportOptions
    from foretell.report.scope import Scope


@dataclass
class Partial:
    """The report of some questions, before the questions are put together."""

    counts: dict[str, Any]
    question_matches: int
    groups: dict[tuple[str, ...], GroupSummary]
    numeric_questions: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    per_question: dict[str, list[tuple[float, int, dict[str, Any]]]] = field(default_factory=dict)
    open_questions: list[dict[str, Any]] = field(default_factory=list)
    annulled: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    hindsight: int = 0
    claims: list[dict[str, Any]] = field(default_factory=list)
    crowd_groups: dict[tuple[str, ...], GroupSummary] = field(default_factory=dict)
    forecasters: dict[str, Forecaster] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)  # the batch frames' skipped counts
    extras: Extras = field(default_factory=Extras)  # numeric diagnostics, trend, ...


@dataclass
class Forecaster:
    """One row of the comparison table, as sums over questions (``comparison``)."""

    n_questions: int = 0
    brier: ExactSum = field(default_factory=ExactSum)
    n_brier: int = 0
    n_peer: int = 0
    peer: dict[str, ExactSum] = field(default_factory=dict)
    finite: dict[str, bool] = field(default_factory=dict)
    n_alone: int = 0

    def merge(self, other: Forecaster) -> Forecaster:
        return Forecaster(
            self.n_questions + other.n_questions,
            self.brier.merge(other.brier),
            self.n_brier + other.n_brier,
            self.n_peer + other.n_peer,
            {
                k: self.peer.get(k, ExactSum()).merge(other.peer.get(k, ExactSum()))
                for k in PEER_COLUMNS
            },
            {k: self.finite.get(k, True) and other.finite.get(k, True) for k in PEER_COLUMNS},
            self.n_alone + other.n_alone,
        )


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, dict):
        return {k: _add(a[k], b[k]) for k in a}
    return a + b


def merge(a: Partial, b: Partial) -> Partial:
    """The partial of both (disjoint) sets of questions."""
    return Partial(
        counts=_add(a.counts, b.counts),
        question_matches=a.question_matches + b.question_matches,
        groups=merge_groups(a.groups, b.groups),
        numeric_questions=a.numeric_questions + b.numeric_questions,
        per_question={
            k: a.per_question.get(k, []) + b.per_question.get(k, [])
            for k in {*a.per_question, *b.per_question}
        },
        open_questions=a.open_questions + b.open_questions,
        annulled=a.annulled + b.annulled,
        hindsight=a.hindsight + b.hindsight,
        claims=[claims_merged(a.claims + b.claims)] if a.claims or b.claims else [],
        crowd_groups=merge_groups(a.crowd_groups, b.crowd_groups),
        left_out={
            k: a.left_out.get(k, 0) + b.left_out.get(k, 0) for k in {*a.left_out, *b.left_out}
        },
        forecasters={
            k: a.forecasters[k].merge(b.forecasters[k])
            if k in a.forecasters and k in b.forecasters
            else a.forecasters.get(k) or b.forecasters[k]
            for k in {*a.forecasters, *b.forecasters}
        },
        extras=a.extras.merge(b.extras),
    )


def bounded(part: Partial, top: int) -> Partial:
    """``part`` with each kind's per-question scores cut to the ``top`` lowest and the
    ``top`` highest (by score, then catalog position) when it has more than ``2 * top``:
    all ``_extremes`` can choose from, so a partial merged over many batches holds at most
    ``2 * top`` of them per kind, whatever the number of questions."""
    for kind, entries in part.per_question.items():
        if len(entries) > 2 * top:
            ranked = sorted(entries, key=_rank)
            part.per_question[kind] = ranked[:top] + ranked[len(ranked) - top :]
    return part


@dataclass(frozen=True)
class PairFrames:
    binary: pd.DataFrame
    choice: pd.DataFrame
    numeric: pd.DataFrame
    questions: pd.DataFrame
    crowd: Any = None  # comparison.ScoredPairs of the crowd forecasters
    methods: tuple[str, ...] = ()  # the crowd methods used


def crowd_methods(options: ReportOptions, forecasts: pd.DataFrame) -> tuple[str, ...]:
    """The crowd methods: as given, else the default for the people in the scope."""
    from foretell.report import crowd

    return options.crowd if options.crowd is not None else crowd.default_methods(forecasts)


def partial(
    frames: Frames,
    options: ReportOptions,
    today: dt.date,
    positions: Mapping[str, int] | None = None,
    check_names: bool = True,
    methods: tuple[str, ...] | None = None,
) -> tuple[Partial, PairFrames]:
    """The partial report of the questions in ``frames`` (and their pair tables).

    ``positions``: each question's position in the whole catalog (default: in ``frames``),
    which orders the per-question lists when partials are merged. ``methods``: the crowd
    methods (default ``crowd_methods`` of these frames' scope: a batch must be given the
    whole ledger's).
    """
    from foretell.report import build, comparison, crowd
    from foretell.report import counts as report_counts
    from foretell.report.options import group_keys
    from foretell.report.scope import ANNULLED, select

    scope = select(frames, options.filters, check_names=check_names)
    rows = pairs.rows_of(scope)
    rule = options.rule
    numeric = quantile_pairs.numeric(scope, rows, rule)
    all_binary = pairs.binary(scope, rows, rule, numeric.derived)
    choice = pairs.choice(scope, rows, rule)
    binary = all_binary[~all_binary["derived"].to_numpy(dtype=bool)]
    if methods is None:
        methods = crowd_methods(options, scope.forecasts)
    crowd_scope = crowd.crowd_scope(scope, methods, options.extremize, rows)
    crowd_rows = pairs.rows_of(crowd_scope)
    crowds = comparison.ScoredPairs.of(crowd_scope, rule, crowd_rows)
    people = comparison.ScoredPairs(all_binary, choice, numeric)
    keys = group_keys(options)
    crowd_keys = keys if "forecaster" in keys else ("forecaster",)
    q = scope.questions
    ids = [str(i) for i in q["id"].tolist()]
    where = positions if positions is not None else {qid: i for i, qid in enumerate(ids)}
    gpos = np.array([where[qid] for qid in ids], dtype=np.int64)
    part = Partial(
        counts=report_counts.counts(
            scope, rows, choice.misfit, all_binary, choice.pairs, numeric.pairs, rule
        ),
        question_matches=scope.question_matches,
        groups=group_summaries(options, keys, q, all_binary, choice, numeric),
        numeric_questions=[
            (where[e["question"]], e) for e in blocks.numeric_questions(numeric.pairs, q)
        ],
        per_question=_per_question(binary, choice.pairs, q, gpos, options.top),
        open_questions=build._open_questions(scope, today),
        annulled=[
            (
                int(gpos[i]),
                {
                    "id": ids[i],
                    "title": str(q["title"].iat[i]),
                    "annulled_on": q["resolved_on_day"].iat[i],
                },
            )
            for i in np.flatnonzero(q["status"].to_numpy() == ANNULLED).tolist()
        ],
        hindsight=_hindsight(scope),
        claims=_claims(frames, scope, all_binary, choice.pairs, options, today),
        crowd_groups=group_summaries(
            options, crowd_keys, q, crowds.binary, crowds.choice, crowds.numeric, with_all=False
        ),
        forecasters=(
            comparison.forecaster_sums(
                people, crowds, comparison.peer_rows(scope, crowd_scope, (rows, crowd_rows))
            )
            if options.peer
            else {}
        ),
        left_out=dict(frames.skipped),
        extras=Extras.of(options, keys, q, gpos, numeric, all_binary, crowds.numeric),
    )
    return part, PairFrames(all_binary, choice.pairs, numeric.pairs, q, crowds, methods)


def _per_question(
    binary: pd.DataFrame,
    choice: pd.DataFrame,
    q: pd.DataFrame,
    gpos: np.ndarray,
    top: int | None = None,
) -> dict[str, list[tuple[float, int, dict[str, Any]]]]:
    """Per kind, each question's mean score over its pairs: (score, position, entry); with
    ``top``, only the candidates ``bounded`` keeps (the ``top`` lowest and highest)."""
    from foretell.report import build

    out: dict[str, list[tuple[float, int, dict[str, Any]]]] = {}
    for kind, frame, column in (
        ("binary", binary, "brier"),
        ("multiple_choice", choice, "brier_multi"),
    ):
        out[kind] = []
        if not len(frame):
            continue
        qpos = frame["qpos"].to_numpy(dtype=np.int64)
        order = np.argsort(qpos, kind="stable")  # a question's pairs keep their (author) order
        sorted_q = qpos[order]
        starts = np.flatnonzero(np.r_[True, sorted_q[1:] != sorted_q[:-1]])
        sums = np.add.reduceat(frame[column].to_numpy(dtype=np.float64)[order], starts)
        counts = np.diff(np.r_[starts, len(order)])
        people = _people(qpos, _author_codes(frame["author"]))[sorted_q[starts]]
        chosen = range(len(starts))
        if top is not None and len(starts) > 2 * top:
            ranked = np.lexsort((gpos[sorted_q[starts]], sums / counts))
            chosen = sorted([*ranked[:top].tolist(), *ranked[len(ranked) - top :].tolist()])
        for j in chosen:
            lo = starts[j]
            i = int(sorted_q[lo])
            row = _Row(i, float(sums[j] / counts[j]), int(people[j]))
            out[kind].append((row.score, int(gpos[i]), build._question_entry(row, q)))
    return out


def _people(qpos: np.ndarray, author: np.ndarray) -> np.ndarray:
    """Per question position ``0 .. qpos.max()``, how many distinct forecasters its pairs
    have (``distinct_counts``)."""
    return distinct_counts(qpos, author)


def distinct_counts(group: np.ndarray, item: np.ndarray, n_groups: int = 0) -> np.ndarray:
    """Per group ``0 .. max(group.max(), n_groups - 1)``, how many distinct items (non-negative
    integer codes) its rows have: a table of the (group, item) seen when it is small, else
    the distinct keys ``group * width + item`` counted per group."""
    if not group.shape[0]:
        return np.zeros(n_groups, dtype=np.int64)
    width = int(item.max()) + 1
    rows = max(int(group.max()) + 1, n_groups)
    size = rows * width
    key = group.astype(np.int64) * width + item
    if size <= max(4 * key.shape[0], 1 << 16):
        seen = np.zeros(size, dtype=bool)
        seen[key] = True
        return seen.reshape(-1, width).sum(axis=1)
    return np.bincount(np.unique(key) // width, minlength=rows)


def value_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code into the returned names, -1 where the value is missing (a
    categorical's own codes and categories, else ``pandas.factorize`` of the values)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        return codes, column.cat.categories.to_numpy(dtype=object)
    codes, names = pd.factorize(column.to_numpy(dtype=object))
    return codes.astype(np.int64), np.asarray(names, dtype=object)


def _author_codes(column: pd.Series) -> np.ndarray:
    """Codes of the pairs' forecasters, equal for equal names (a categorical's own codes)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and (column.cat.codes >= 0).all():
        return column.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(column.to_numpy(dtype=object))[0].astype(np.int64)


@dataclass(frozen=True)
class _Row:
    qpos: int
    score: float  # the mean score of the question's pairs (summed in author order)
    n_forecasters: int


def _hindsight(scope: Scope) -> int:
    from foretell.report.claims import hindsight_forecasts

    return hindsight_forecasts(scope)


def _claims(
    frames: Frames,
    scope: Scope,
    binary: pd.DataFrame,
    choice: pd.DataFrame,
    options: ReportOptions,
    today: dt.date,
) -> list[dict[str, Any]]:
    """The batch's claims block (kept whole: blocks are put together by ``claims_merged``)."""
    if options.claims == "none":
        return []
    from foretell.report.claims import claims_data

    return [claims_data(frames.claims, scope, binary, choice, today)]


def group_summaries(
    options: ReportOptions,
    keys: tuple[str, ...],
    q: pd.DataFrame,
    binary: pd.DataFrame,
    choice: pairs.ChoicePairs,
    numeric: quantile_pairs.NumericPairs,
    with_all: bool = True,
) -> dict[tuple[str, ...], GroupSummary]:
    """Each group's mergeable summary, keyed by its labels (``()`` for ``all``); the groups'
    summaries are computed together (``report.group_sums``), equal to ``GroupSummary.of`` of
    each group's own rows."""
    from foretell.report import group_sums

    parts = (choice.pairs, choice.options, numeric.pairs, numeric.pinball)
    out = {}
    if with_all:  # every pair in the one group ``()``
        out[()] = group_sums.summaries(options, (), q, binary, *parts).get((), GroupSummary())
    if keys:
        out.update(group_sums.summaries(options, keys, q, binary, *parts))
    return out
