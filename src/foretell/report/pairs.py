"""Pair tables: one row per scored (forecaster, question), or (forecaster, threshold event).

Only forecasts on resolved questions whose payload fits the question's type are paired. All
of it is vectorised over forecast rows (the only Python loops read the few multiple-choice and
numeric payloads out of their dicts).

- Binary: pair probability ``sum(w * p)``; pair Brier and log score ``sum(w * score)``, i.e.
  the time-weighted mean of the daily scores under ``time-averaged``. A question resolved to
  a probability o is scored with o as the outcome (``rules``, ``outcome_probability``).
- Derived events (from numeric thresholds, see ``quantile_pairs``) are paired and scored
  exactly like binary questions, one pair per (forecaster, question, threshold).
- Multiple choice: multi-category Brier (0..2) and log score ``-ln p(outcome)`` per row,
  weighed like binary, and for ordered questions the ranked probability score (0..1,
  ``scoring.ordinal``; NaN for unordered ones); each option's pair probability is also kept
  as a one-vs-rest event for the separate option calibration table.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from foretell.report.pairing import FloatArray, IntArray, Paired, combine_keys, pair_rows
from foretell.report.scope import RESOLVED, Scope, day_numbers
from foretell.scoring import ordinal, rules


@dataclass(frozen=True)
class Rows:
    """The scope's forecast rows as arrays (close day and type taken from their question)."""

    author_code: IntArray
    authors: list[str]
    qpos: IntArray
    type_code: IntArray  # the question's type as a code into type_names (-1: unknown question)
    type_names: list[str]
    stamp: IntArray
    seq: IntArray
    day: IntArray
    close: IntArray
    target: IntArray  # lead times end here: the question's target_date, else the close day
    usable: np.ndarray  # bool: on a resolved question and fits its type

    def of_type(self, kind: str) -> IntArray:
        """Usable rows on resolved questions of type ``kind`` (computed once per kind)."""
        known = self._of_type
        if kind not in known:
            code = self.type_names.index(kind) if kind in self.type_names else -2
            known[kind] = np.flatnonzero(self.usable & (self.type_code == code))
        return known[kind]

    @property
    def qtype(self) -> np.ndarray:
        """The question's type per row ('' when the question is unknown)."""
        names = np.array([*self.type_names, ""], dtype=object)
        return names[np.where(self.type_code >= 0, self.type_code, len(self.type_names))]

    @functools.cached_property
    def _of_type(self) -> dict[str, IntArray]:
        return {}


@dataclass(frozen=True)
class Events:
    """Binary events at the forecast-row level: P(event) and its outcome per row.

    ``src`` indexes the scope's forecast rows; ``event`` is 0 for a binary question itself
    and ``j + 1`` for threshold ``j`` of a numeric question.
    """

    src: IntArray
    event: IntArray
    p: FloatArray
    o: FloatArray

    @staticmethod
    def empty() -> Events:
        z = np.zeros(0, dtype=np.int64)
        return Events(z, z, np.zeros(0), np.zeros(0))


def rows_of(scope: Scope) -> Rows:
    f, q = scope.forecasts, scope.questions
    codes, uniques = pd.factorize(f["author"], sort=True)
    qpos = f["qpos"].to_numpy(dtype=np.int64)
    known = qpos >= 0
    safe = np.where(known, qpos, 0)
    n = len(f)
    if len(q):
        status = q["status"].to_numpy()[safe]
        q_codes, q_names = pd.factorize(q["type"].to_numpy(dtype=object))
        type_names = [str(t) for t in q_names]
        type_code = np.where(known, q_codes.astype(np.int64)[safe], -1)
        close = q["close_day"].to_numpy(dtype=np.int64)[safe]
        target = np.where(_has_target(q), _target_days(q), q["close_day"].to_numpy())[safe]
    else:
        status = np.zeros(n, dtype=np.int64)
        type_names = []
        type_code = np.full(n, -1, dtype=np.int64)
        close = np.zeros(n, dtype=np.int64)
        target = close
    fits = (type_code >= 0) & (_row_type_codes(f["type"], type_names) == type_code)
    return Rows(
        author_code=codes.astype(np.int64),
        authors=[str(a) for a in uniques],
        qpos=qpos,
        type_code=type_code,
        type_names=type_names,
        stamp=f["stamp"].to_numpy(dtype=np.int64),
        seq=f["seq"].to_numpy(dtype=np.int64),
        day=f["day"].to_numpy(dtype=np.int64),
        close=close,
        target=target.astype(np.int64),
        usable=known & (status == RESOLVED) & fits,
    )


def _row_type_codes(column: pd.Series, names: list[str]) -> IntArray:
    """Each forecast row's own type as a code into ``names`` (-2 for any other type)."""
    lookup = {name: i for i, name in enumerate(names)}
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        mapped = np.array([lookup.get(c, -2) for c in column.cat.categories] + [-2], np.int64)
        return mapped[np.where(codes >= 0, codes, len(mapped) - 1)]
    values, uniques = pd.factorize(column.to_numpy(dtype=object))
    mapped = np.array([lookup.get(u, -2) for u in uniques] + [-2], dtype=np.int64)
    return mapped[np.where(values >= 0, values, len(mapped) - 1)]


def _has_target(q: pd.DataFrame) -> np.ndarray:
    if "target_date" not in q:
        return np.zeros(len(q), dtype=bool)
    return q["target_date"].notna().to_numpy()


def _target_days(q: pd.DataFrame) -> IntArray:
    has = _has_target(q)
    out = np.zeros(len(q), dtype=np.int64)
    if has.any():
        out[has] = day_numbers(q["target_date"][has])
    return out


def pair_by(rows: Rows, src: IntArray, key: IntArray, rule: str) -> Paired:
    return pair_rows(key, rows.stamp[src], rows.seq[src], rows.day[src], rows.close[src], rule)


def base_table(rows: Rows, src: IntArray, paired: Paired, rule: str) -> dict[str, Any]:
    """One entry per pair (all of them, ``finish`` keeps those with weight), as columns:
    author/qpos codes, forecasts on or before close, lead time.

    ``horizon_days`` (the lead time) = the question's target date, or else its close day,
    minus ``ref_day`` (see ``Paired.reference_day``); negative when a forecast was made after
    the date the quantity refers to.
    """
    first = src[paired.order[paired.first]]
    ref_day = paired.reference_day(rule)
    close = rows.close[first]
    target = rows.target[first]
    return {
        "author": rows.author_code[first],
        "qpos": rows.qpos[first],
        "n_forecasts": paired.count_on_or_before_close(),
        "ref_day": ref_day,
        "close_day": close,
        "horizon_days": target - ref_day,
    }


def finish(
    columns: dict[str, Any], paired: Paired, rows: Rows, q: pd.DataFrame, **after: Any
) -> pd.DataFrame:
    """The pair table: the pairs with weight; authors and questions named (as categoricals,
    ``question`` after the given columns, then ``after``'s). The frame is made once."""
    columns["author"] = pd.Categorical.from_codes(columns["author"], rows.authors)
    ids = q["id"].astype(str).tolist()
    columns["question"] = pd.Categorical.from_codes(columns["qpos"], ids)
    columns.update(after)
    table = pd.DataFrame(columns)
    return table[paired.kept].reset_index(drop=True)


def binary_events(scope: Scope, rows: Rows) -> Events:
    src = rows.of_type("binary")
    o = binary_outcomes(scope.questions["outcome"].to_numpy(dtype=object))
    p = scope.forecasts["p"].to_numpy(dtype=np.float64)[src]
    return Events(src, np.zeros(src.shape[0], np.int64), p, o[rows.qpos[src]])


def binary_outcomes(outcomes: np.ndarray) -> FloatArray:
    """Per question: yes 1, no 0, an outcome probability as itself (0 for anything else)."""
    out = np.zeros(len(outcomes), dtype=np.float64)
    for i, v in enumerate(outcomes):
        if v == "yes":
            out[i] = 1.0
        elif isinstance(v, int | float) and not isinstance(v, bool) and 0.0 <= v <= 1.0:
            out[i] = float(v)
    return out


def binary(scope: Scope, rows: Rows, rule: str, derived: Events) -> pd.DataFrame:
    """Pairs of binary questions and of derived threshold events, scored alike."""
    own = binary_events(scope, rows)
    src = np.concatenate([own.src, derived.src])
    if src.size == 0:
        return empty_binary()
    event = np.concatenate([own.event, derived.event])
    p = np.concatenate([own.p, derived.p])
    o = np.concatenate([own.o, derived.o])
    q = scope.questions
    key = combine_keys(
        (rows.author_code[src], len(rows.authors)),
        (rows.qpos[src], len(q)),
        (event, int(event.max()) + 1),
    )
    paired = pair_by(rows, src, key, rule)
    ps, os_ = paired.rows(p), paired.rows(o)
    table = base_table(rows, src, paired, rule)
    table["p"] = paired.sum(ps)
    table["o"] = os_[paired.first]
    table["brier"] = paired.sum(rules.brier_binary(ps, os_, outcome_probability=True))
    table["log"] = paired.sum(rules.log_score(ps, os_, outcome_probability=True))
    pair_event = paired.rows(event)[paired.first]
    table["derived"] = pair_event > 0
    kept = paired.kept
    labels = np.full(kept.shape[0], "", dtype=object)
    labels[kept] = _event_labels(table["qpos"][kept], pair_event[kept], q)
    return finish(table, paired, rows, q, event=labels)


def _event_labels(qpos: IntArray, event: IntArray, q: pd.DataFrame) -> np.ndarray:
    """``>= t`` for a derived event's threshold t ('' for a binary question's own pairs),
    each distinct (question, threshold) written once."""
    labels = np.full(qpos.shape[0], "", dtype=object)
    rows = np.flatnonzero(event > 0)
    if not rows.size:
        return labels
    thresholds = q["thresholds"].to_numpy(dtype=object)
    qpos = qpos.astype(np.int64)[rows]
    j = event[rows].astype(np.int64) - 1
    width = int(j.max()) + 1
    pairs, inverse = np.unique(qpos * width + j, return_inverse=True)
    text = np.array(
        [f">= {float(thresholds[k // width][k % width]):g}" for k in pairs.tolist()], dtype=object
    )
    labels[rows] = text[inverse.reshape(-1)]
    return labels


def empty_binary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "author": pd.Categorical([]),
            "qpos": np.zeros(0, np.int64),
            "n_forecasts": np.zeros(0, np.int64),
            "ref_day": np.zeros(0, np.int64),
            "close_day": np.zeros(0, np.int64),
            "horizon_days": np.zeros(0, np.int64),
            "p": np.zeros(0),
            "o": np.zeros(0),
            "brier": np.zeros(0),
            "log": np.zeros(0),
            "derived": np.zeros(0, bool),
            "question": pd.Categorical([]),
            "event": np.zeros(0, dtype=object),
        }
    )


@dataclass(frozen=True)
class ChoicePairs:
    pairs: pd.DataFrame  # author, question, brier_multi, log, outcome, n_forecasts, ...
    options: pd.DataFrame  # one-vs-rest events: author, question, p, o
    misfit: int  # forecasts (on or before close) whose options differ from the question's


def choice(scope: Scope, rows: Rows, rule: str) -> ChoicePairs:
    """Pairs of multiple-choice questions."""
    q = scope.questions
    src = rows.of_type("multiple_choice")
    options = q["options"].to_numpy(dtype=object)
    k_of = np.array([len(o) if o is not None else 0 for o in options], dtype=np.int64)
    outcome_of = np.array(
        [_index(opts, out) for opts, out in zip(options, q["outcome"].tolist(), strict=True)],
        dtype=np.int64,
    )
    src = src[outcome_of[rows.qpos[src]] >= 0]
    matrix, fits = prob_matrix(
        scope.forecasts["probs"].to_numpy(dtype=object)[src], options[rows.qpos[src]], k_of
    )
    misfit = int((~fits & (rows.day[src] <= rows.close[src])).sum())
    src, matrix = src[fits], matrix[fits]
    if src.size == 0:
        return ChoicePairs(pd.DataFrame(), pd.DataFrame(), misfit)
    key = combine_keys((rows.author_code[src], len(rows.authors)), (rows.qpos[src], len(q)))
    paired = pair_by(rows, src, key, rule)
    m = matrix[paired.order]
    outcome = outcome_of[rows.qpos[src]][paired.order]
    brier = rules.brier_multi(m, outcome)
    with np.errstate(divide="ignore"):
        log = -np.log(m[np.arange(m.shape[0]), outcome])
    table = base_table(rows, src, paired, rule)
    table["brier_multi"] = paired.sum(brier)
    table["log"] = paired.sum(log)
    ordered_q = _ordered(q)
    row_ordered = ordered_q[rows.qpos[src]][paired.order]
    row_rps = np.zeros(m.shape[0])
    if row_ordered.any():
        row_rps[row_ordered] = ordinal.rps(
            m[row_ordered], outcome[row_ordered], k_of[rows.qpos[src]][paired.order][row_ordered]
        )
    table["rps"] = np.where(ordered_q[table["qpos"]], paired.sum(row_rps), np.nan)
    table["outcome"] = [options[i][outcome_of[i]] for i in table["qpos"].tolist()]
    pair_probs = np.column_stack([paired.sum(m[:, j]) for j in range(m.shape[1])])
    kept = paired.kept
    table = finish(table, paired, rows, q)
    pair_probs = pair_probs[kept]
    qpos = table["qpos"].to_numpy()
    present = np.arange(m.shape[1])[None, :] < k_of[qpos][:, None]
    happened = np.arange(m.shape[1])[None, :] == outcome_of[qpos][:, None]
    pair_of = np.broadcast_to(np.arange(len(table))[:, None], present.shape)[present]
    option_events = pd.DataFrame(
        {
            "author": table["author"].to_numpy()[pair_of],
            "question": table["question"].to_numpy()[pair_of],
            "p": pair_probs[present],
            "o": happened[present].astype(np.float64),
        }
    )
    return ChoicePairs(pairs=table, options=option_events, misfit=misfit)


def _ordered(q: pd.DataFrame) -> np.ndarray:
    """Whether each question's options are ordered (``ordered = true``)."""
    if "ordered" not in q:
        return np.zeros(len(q), dtype=bool)
    return q["ordered"].fillna(False).to_numpy(dtype=bool)


def _index(options: list[str] | None, outcome: object) -> int:
    return options.index(outcome) if options and outcome in options else -1


def prob_matrix(
    values: np.ndarray, options: np.ndarray, k_of: IntArray
) -> tuple[FloatArray, np.ndarray]:
    """Rows of probabilities in each question's option order, zero-padded; which rows fit."""
    width = int(k_of.max()) if k_of.size else 0
    matrix = np.zeros((len(values), width))
    fits = np.zeros(len(values), dtype=bool)
    for i, (probs, opts) in enumerate(zip(values, options, strict=True)):
        if isinstance(probs, dict) and opts is not None and set(probs) == set(opts):
            row = [float(probs[o]) for o in opts]
            matrix[i, : len(row)] = row
            fits[i] = abs(sum(row) - 1.0) <= rules.SUM_TOLERANCE
    return matrix, fits
