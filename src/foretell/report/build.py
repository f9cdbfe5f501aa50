"""Frames + options -> the report's data: a JSON-ready dict plus the per-pair tables.

Groups: the first group is always ``all``; ``group_by`` adds one group per forecaster, tag
(a question with several tags is in each; untagged ones in ``(no tag)``), question type
(derived threshold events belong to ``numeric``) or horizon bucket, or per combination of
several of these keys (see ``report.grouping``). ``equal_weight`` is the unweighted mean of
the group means (the groups after ``all``), beside the pooled ``all``. The options and their
check are in ``report.options``, the notes in words in ``report.notes``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foretell.errors import Problem
from foretell.report import blocks, comparison, crowd, grouping, pairs, quantile_pairs, trends
from foretell.report import counts as report_counts
from foretell.report import numeric as nm
from foretell.report.bins import Bins
from foretell.report.claims import CONVENTION as CLAIMS_CONVENTION
from foretell.report.claims import claims_data, hindsight_forecasts
from foretell.report.notes import reading_notes, scope_notes, verification_notes
from foretell.report.options import (
    ReportOptions,
    check_options,
    group_keys,
    options_and_conventions,
)
from foretell.report.scope import (
    ANNULLED,
    OPEN,
    Scope,
    day_numbers,
    iso_day,
    select,
)

if TYPE_CHECKING:
    from foretell.frames import Frames

SCHEMA_VERSION = 1
GROUP_BY = tuple(grouping.GROUP_KEYS)
NO_TAG = grouping.NO_TAG
MAX_DIAGNOSED_GROUPS = 100
CLAIMS_ONLY_KEYS = (
    "schema_version", "generated_at", "home", "options", "conventions", "ledger", "notes",
    "hindsight", "claims",
)  # fmt: skip


@dataclass(frozen=True)
class Report:
    """``data`` is the JSON document; the frames hold one row per scored pair."""

    data: dict[str, Any]
    binary: pd.DataFrame  # binary questions and derived threshold events
    choice: pd.DataFrame
    numeric: pd.DataFrame
    questions: pd.DataFrame
    crowd: comparison.ScoredPairs | None = None  # the crowd forecasters' pairs


def build_report(
    frames: Frames,
    options: ReportOptions | None = None,
    *,
    home: str | None = None,
    today: dt.date | None = None,
    verification: list[Problem] | None = None,
) -> Report:
    """Score everything in scope and assemble the report data (see the README's schema).

    ``verification``: the problems ``foretell verify`` found, when it was run for this report
    (``report --verify``); None when the ledger was not verified (reading checks no hashes).
    """
    options = check_options(options or ReportOptions())
    today = today or dt.datetime.now(dt.UTC).date()
    scope = select(frames, options.filters)
    rows = pairs.rows_of(scope)
    rule = options.rule
    numeric = quantile_pairs.numeric(scope, rows, rule)
    all_binary = pairs.binary(scope, rows, rule, numeric.derived)
    choice = pairs.choice(scope, rows, rule)
    binary = all_binary[~all_binary["derived"].to_numpy(dtype=bool)]
    methods = options.crowd if options.crowd is not None else crowd.default_methods(scope.forecasts)
    crowd_scope = crowd.crowd_scope(scope, methods, options.extremize, rows)
    crowd_rows = pairs.rows_of(crowd_scope)
    crowds = comparison.ScoredPairs.of(crowd_scope, rule, crowd_rows)

    q = scope.questions
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "home": home,
        **options_and_conventions(options, methods),
        "counts": report_counts.counts(
            scope, rows, choice.misfit, all_binary, choice.pairs, numeric.pairs, rule
        ),
    }
    keys = group_keys(options)
    data["groups"] = _groups(options, keys, q, all_binary, choice, numeric)
    data["equal_weight"] = equal_weight(data["groups"][1:])
    crowd_keys = keys if "forecaster" in keys else ("forecaster",)
    data["crowd_groups"] = _groups(
        options, crowd_keys, q, crowds.binary, crowds.choice, crowds.numeric, with_all=False
    )
    people = comparison.ScoredPairs(all_binary, choice, numeric)
    data["comparison"] = (
        {
            "forecasters": comparison.forecaster_table(
                people, crowds, comparison.peer_rows(scope, crowd_scope, (rows, crowd_rows))
            )
        }
        if options.peer
        else {"forecasters": [], "unavailable": "peer scores were not computed"}
    )
    data["numeric_questions"] = blocks.numeric_questions(numeric.pairs, q)
    data["relative_wis"] = nm.relative_wis(numeric.pairs, options.wis_baseline)
    data["trend"] = trends.trend(all_binary, q, options.window)
    data["best_questions"], data["worst_questions"] = _extremes(
        binary, choice.pairs, q, options.top
    )
    data["open_questions"] = _open_questions(scope, today)
    data["annulled_questions"] = [
        {"id": str(r.id), "title": str(r.title), "annulled_on": r.resolved_on_day}
        for r in q[q["status"] == ANNULLED].itertuples()
    ]
    data["ledger"] = {
        "verified": verification is not None,
        "problems": None if verification is None else len(verification),
    }
    data["notes"] = (
        scope_notes(data, scope, options.filters)
        + nm.range_notes(q, numeric.outside_range)
        + reading_notes(frames.skipped)
        + verification_notes(verification)
        + comparison.probability_notes(data["groups"])
    )
    data["hindsight"] = {"forecasts": hindsight_forecasts(scope)}
    if options.claims != "none":
        data["claims"] = claims_data(frames.claims, scope, all_binary, choice.pairs, today)
        data["conventions"]["claims"] = CLAIMS_CONVENTION
        data["hindsight"]["claims"] = data["claims"]["n_hindsight"]
    if options.claims == "only":
        data = {k: data[k] for k in CLAIMS_ONLY_KEYS}
    return Report(
        data=data,
        binary=all_binary,
        choice=choice.pairs,
        numeric=numeric.pairs,
        questions=q,
        crowd=crowds,
    )


# ------------------------------------------------------------------------ groups


def _groups(
    options: ReportOptions,
    keys: tuple[str, ...],
    q: pd.DataFrame,
    binary: pd.DataFrame,
    choice: pairs.ChoicePairs,
    numeric: quantile_pairs.NumericPairs,
    with_all: bool = True,
) -> list[dict[str, Any]]:
    from foretell.report.partial_finish import each_group

    bins = options.bins
    units = dict(zip(q["id"].astype(str).tolist(), q["unit"].tolist(), strict=False))
    jobs: list[tuple[str, list[pd.DataFrame], str | None, tuple[str, ...]]] = []
    if with_all:
        every = [binary, choice.pairs, choice.options, numeric.pairs, numeric.pinball,
                 numeric.coverage, numeric.pit]  # fmt: skip
        jobs.append(("all", every, None, ()))

    def entry(job: tuple[str, list[pd.DataFrame], str | None, tuple[str, ...]]) -> dict[str, Any]:
        name, parts, why_not, labels = job
        out = _group_entry(name, parts, bins, units, why_not)
        if labels and len(keys) > 1:
            out["keys"] = dict(zip(keys, labels, strict=True))
        return out

    if not keys:
        return each_group(entry, jobs, len(binary))
    lb = grouping.label(binary, keys, q, options)
    lc = grouping.label(choice.pairs, keys, q, options)
    ln = grouping.label(numeric.pairs, keys, q, options)
    pair_keys = ["author", "question"]
    lo = _attach(choice.options, lc, pair_keys)
    lp = _attach(numeric.pinball, ln, pair_keys)
    lv = _attach(numeric.coverage, ln, pair_keys)
    lt = _attach(numeric.pit, ln, pair_keys)
    names = {tuple(n) for f in (lb, lc, ln) if len(f) for n in f["group"].dropna()}
    split = [_split(f) for f in (lb, lc, lo, ln, lp, lv, lt)]
    skip = _undiagnosed(split[0])
    for labels in grouping.order(keys, names, options):
        parts = [s.get(labels, _EMPTY) for s in split]
        jobs.append((grouping.group_name(labels), parts, skip.get(labels), labels))
    return each_group(entry, jobs, len(binary) * (2 if with_all else 1))


EQUAL_WEIGHT = {
    "binary": ("brier", "log_score"),
    "multiple_choice": ("brier_multi", "log_score"),
    "numeric": ("wis", "crps"),
}


def equal_weight(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """Per kind, the unweighted mean over groups of each group's mean score.

    Only groups with pairs of that kind count; a score is None when any counted group's mean
    is undefined (an infinite log score, say). ``n_groups`` says how many were averaged.
    """
    out: dict[str, Any] = {}
    for kind, scores in EQUAL_WEIGHT.items():
        blocks_ = [g[kind] for g in groups if g[kind].get("n_pairs")]
        entry: dict[str, Any] = {"n_groups": len(blocks_)}
        for score in scores:
            values = [b.get(score) for b in blocks_]
            entry[score] = (
                float(np.mean(values)) if values and all(v is not None for v in values) else None
            )
        out[kind] = entry
    return out


def _undiagnosed(binary_groups: dict[Any, pd.DataFrame]) -> dict[Any, str]:
    """Groups beyond the MAX_DIAGNOSED_GROUPS largest get scores only (and the reason why)."""
    if len(binary_groups) <= MAX_DIAGNOSED_GROUPS:
        return {}
    ranked = sorted(binary_groups, key=lambda name: (-len(binary_groups[name]), name))
    why = (
        f"{len(binary_groups)} groups: calibration tables, decompositions and tests are given "
        f"for the {MAX_DIAGNOSED_GROUPS} groups with the most binary pairs; narrow the report "
        "(--by, --tag, --question) for the others"
    )
    return {name: why for name in ranked[MAX_DIAGNOSED_GROUPS:]}


_EMPTY = pd.DataFrame()


def _split(frame: pd.DataFrame) -> dict[tuple[str, ...], pd.DataFrame]:
    if not len(frame):
        return {}
    labels = frame["group"].to_numpy(dtype=object)
    codes, _ = pd.factorize(np.array(["\x1f".join(t) for t in labels], dtype=object))
    # each group's rows in frame order, as a groupby would give them
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1]])
    bounds = np.append(starts, order.shape[0])
    return {
        tuple(labels[order[lo]]): frame.take(order[lo:hi])
        for lo, hi in itertools.pairwise(bounds.tolist())
    }


def _attach(detail: pd.DataFrame, labelled: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Give per-option or per-level rows the group labels of their pairs."""
    if not len(detail) or not len(labelled):
        return detail.assign(group=pd.Series([], dtype=object)) if len(detail) == 0 else detail
    lab = labelled[[*keys, "group"]].copy()
    for k in keys:
        lab[k] = lab[k].astype(str)
    det = detail.copy()
    for k in keys:
        det[k] = det[k].astype(str)
    return det.merge(lab, on=keys, how="inner")


def _group_entry(
    name: str,
    parts: list[pd.DataFrame],
    bins: Bins,
    units: dict[str, Any],
    skip_diagnostics: str | None = None,
) -> dict[str, Any]:
    """``parts``: binary, choice, option events, numeric, pinball, coverage and PIT rows."""
    binary, choice, options, numeric, pinball, coverage, pit = parts
    binary = binary if len(binary) else pairs.empty_binary()
    block = blocks.numeric_block(numeric, pinball)
    if len(numeric):
        block.update(nm.numeric_extras(numeric, coverage, pit, units))
    return {
        "name": name,
        "binary": blocks.binary_block(binary, bins, skip_diagnostics),
        "multiple_choice": blocks.choice_block(choice, options, bins),
        "numeric": block,
    }


# ------------------------------------------------------------------------ lists


def _extremes(
    binary: pd.DataFrame, choice: pd.DataFrame, q: pd.DataFrame, top: int
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    best: dict[str, list[dict[str, Any]]] = {}
    worst: dict[str, list[dict[str, Any]]] = {}
    for kind, frame, column in (
        ("binary", binary, "brier"),
        ("multiple_choice", choice, "brier_multi"),
    ):
        if not len(frame):
            best[kind], worst[kind] = [], []
            continue
        per_q = (
            frame.groupby("qpos")
            .agg(score=(column, "mean"), n_forecasters=("author", "nunique"))
            .reset_index()
            .sort_values(["score", "qpos"], kind="stable")
        )
        k = min(top, math.ceil(len(per_q) / 2))
        rest = min(k, len(per_q) - k)
        best[kind] = [_question_entry(r, q) for r in per_q.head(k).itertuples()]
        worst[kind] = [_question_entry(r, q) for r in per_q.tail(rest).iloc[::-1].itertuples()]
    return best, worst


def _question_entry(row: Any, q: pd.DataFrame) -> dict[str, Any]:
    i = int(row.qpos)
    outcome = q["outcome"].iat[i]
    return {
        "question": str(q["id"].iat[i]),
        "title": str(q["title"].iat[i]),
        "score": float(row.score),
        "n_forecasters": int(row.n_forecasters),
        "outcome": outcome if isinstance(outcome, str) else blocks.num(outcome),
    }


def _open_questions(scope: Scope, today: dt.date) -> list[dict[str, Any]]:
    from foretell.report.partial import distinct_counts, value_codes

    q, f = scope.questions, scope.forecasts
    qpos = f["qpos"].to_numpy(dtype=np.int64)
    known = qpos >= 0
    counts = np.bincount(qpos[known], minlength=max(len(q), 1))
    author, _ = value_codes(f["author"])
    named = known & (author >= 0)
    authors = distinct_counts(qpos[named], author[named], len(q))
    resolve_by_days = day_numbers(q["resolve_by"]) if len(q) else np.zeros(0, np.int64)
    out = []
    for i in np.flatnonzero(q["status"].to_numpy() == OPEN):
        resolve_by = iso_day(int(resolve_by_days[i]))
        out.append(
            {
                "id": str(q["id"].iat[i]),
                "title": str(q["title"].iat[i]),
                "type": str(q["type"].iat[i]),
                "resolve_by": resolve_by,
                "overdue": resolve_by < today.isoformat(),
                "n_forecasts": int(counts[i]),
                "n_forecasters": int(authors[i]),
            }
        )
    out.sort(key=lambda r: (r["resolve_by"], r["id"]))
    return out
