"""The report of a batch of questions as a mergeable partial, and the report from partials.

Everything that depends on the order of forecasts (rules, pairs, per-question scores) is
computed within a question, so a batch of whole questions gives a ``Partial``: counts (ints
that add), the groups' ``GroupSummary`` (``report.summary``), and per-question entries (the
numeric questions, the per-question scores the best/worst lists are chosen from, open and
annulled questions, claims) tagged with the question's position in the catalog, and the
``partial_extras.Extras`` (numeric diagnostics per group, relative WIS terms, the trend's
points, range notes). ``merge``
adds two partials of disjoint sets of questions; ``finish`` turns the merged partial into the
report's JSON. ``build_report`` is ``finish(partial(all questions))``; the streaming engines
(``foretell.engine``) merge the partials of batches, so every engine gives the same JSON.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foretell.report import blocks, pairs, quantile_pairs
from foretell.report.partial_extras import Extras, add_numeric
from foretell.report.summary import ExactSum, GroupSummary, merge_groups

if TYPE_CHECKING:
    from foretell.errors import Problem
    from foretell.frames import Frames
    from foretell.report.build import ReportOptions
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


PEER_COLUMNS = ("brier_peer", "log_peer", "coverage")


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


def _rank(entry: tuple[float, int, dict[str, Any]]) -> tuple[float, int]:
    return entry[0], entry[1]


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
    keys = build.group_keys(options)
    crowd_keys = keys if "forecaster" in keys else ("forecaster",)
    q = scope.questions
    ids = [str(i) for i in q["id"]]
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


def forecaster_rows(forecasters: dict[str, Forecaster]) -> list[dict[str, Any]]:
    """``comparison.forecaster_table`` from the merged sums: people by name, then crowds."""
    from foretell.report import crowd

    names = sorted(n for n, f in forecasters.items() if f.n_questions and not crowd.is_crowd(n))
    names += [n for n in crowd.NAMES if n in forecasters and forecasters[n].n_questions]
    rows = []
    for name in names:
        f = forecasters[name]
        row: dict[str, Any] = {
            "name": name,
            "crowd": crowd.is_crowd(name),
            "n_questions": f.n_questions,
            "brier": f.brier.value / f.n_brier if f.n_brier else None,
            "n_peer_questions": f.n_peer,
        }
        for col in PEER_COLUMNS:
            ok = f.n_peer and f.finite.get(col, True)
            row[col] = f.peer[col].value / f.n_peer if ok else None
        row["n_alone"] = f.n_alone
        rows.append(row)
    return rows


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
    have: a table of the (question, forecaster) seen when it is small, else distinct keys."""
    width = int(author.max()) + 1
    size = (int(qpos.max()) + 1) * width
    key = qpos * width + author
    if size <= max(4 * key.shape[0], 1 << 16):
        seen = np.zeros(size, dtype=bool)
        seen[key] = True
        return seen.reshape(-1, width).sum(axis=1)
    return np.bincount(np.unique(key) // width, minlength=size // width)


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


def _extremes(
    per_question: dict[str, list[tuple[float, int, dict[str, Any]]]], top: int
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Up to ``top`` lowest and highest mean scores (ties by catalog order), never both."""
    best: dict[str, list[dict[str, Any]]] = {}
    worst: dict[str, list[dict[str, Any]]] = {}
    for kind in ("binary", "multiple_choice"):
        ranked = sorted(per_question.get(kind, []), key=_rank)
        k = min(top, math.ceil(len(ranked) / 2))
        rest = min(k, len(ranked) - k)
        best[kind] = [e for _, _, e in ranked[:k]]
        worst[kind] = [e for _, _, e in ranked[len(ranked) - rest :][::-1]]
    return best, worst


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


def claims_merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One claims block from the blocks of disjoint batches of questions (as ``claims_data``
    would give for all of them: claims and questions re-sorted, records recomputed)."""
    from foretell.report import claims as section

    if len(parts) == 1:
        return parts[0]
    items = sorted(
        (i for p in parts for i in p["claims"]),
        key=lambda i: (i["claimant"], i["question"], i["on"]),
    )
    by_claimant: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_claimant.setdefault(item["claimant"], []).append(item)
    questions = sorted(
        (x for p in parts for x in p["questions"]), key=lambda x: (x["resolve_by"], x["question"])
    )
    people = {x["question"]: x["people"] for x in questions}  # what _people gave per question
    due = [
        {k: x[k] for k in ("question", "title", "resolve_by", "days_left", "n_claims", "claimants")}
        for x in questions
        if x["state"] == "open"
    ]
    return {
        "scale": parts[0]["scale"],
        "n_claims": len(items),
        "n_claimants": len(by_claimant),
        "n_resolved": sum(i["scored"] for i in items),
        "n_hindsight": sum(i["hindsight"] for i in items),
        "claimants": [
            section._record(name, by_claimant[name], people) for name in sorted(by_claimant)
        ],
        "claims": items,
        "questions": questions,
        "disagreements": [x["question"] for x in questions if x["verdict"] == "disagree"],
        "due": due,
    }


def finish(
    part: Partial,
    options: ReportOptions,
    skipped: dict[str, int],
    *,
    home: str | None,
    verification: list[Problem] | None,
    methods: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The report's JSON document from the (merged) partial of every question in scope."""
    from foretell.report import build, comparison, crowd
    from foretell.report.bins import bins_json
    from foretell.report.claims import CONVENTION as CLAIMS_CONVENTION
    from foretell.report.conventions import conventions
    from foretell.report.scope import Scope

    data: dict[str, Any] = {
        "schema_version": build.SCHEMA_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "home": home,
        "options": {
            "rule": options.rule,
            "bins": bins_json(options.bins),
            "group_by": ",".join(build.group_keys(options)) or None,
            "claims": options.claims,
            "crowd": [crowd.PREFIX + m for m in methods],
            "extremize": options.extremize,
            "horizons": list(options.horizons) if options.horizons else None,
            "period": options.period,
            "window": options.window,
            "wis_baseline": options.wis_baseline,
            **options.filters.as_json(),
        },
        "conventions": {
            **conventions(options.rule, options.bins, options.horizons),
            **comparison.conventions(methods, options.extremize),
        },
        "counts": part.counts,
    }
    keys = build.group_keys(options)
    data["groups"] = finish_groups(options, keys, part.groups, part.extras.groups)
    data["equal_weight"] = build.equal_weight(data["groups"][1:])
    crowd_keys = keys if "forecaster" in keys else ("forecaster",)
    data["crowd_groups"] = finish_groups(
        options, crowd_keys, part.crowd_groups, part.extras.crowd_groups
    )
    data["comparison"] = (
        {"forecasters": forecaster_rows(part.forecasters)}
        if options.peer
        else {"forecasters": [], "unavailable": "peer scores were not computed"}
    )
    data["numeric_questions"] = [e for _, e in sorted(part.numeric_questions, key=_first)]
    data["relative_wis"] = part.extras.relative_wis.block(options.wis_baseline)
    data["trend"] = part.extras.trend.trend(options.window)
    data["best_questions"], data["worst_questions"] = _extremes(part.per_question, options.top)
    data["open_questions"] = sorted(part.open_questions, key=lambda r: (r["resolve_by"], r["id"]))
    data["annulled_questions"] = [e for _, e in sorted(part.annulled, key=_first)]
    data["ledger"] = {
        "verified": verification is not None,
        "problems": None if verification is None else len(verification),
    }
    scope = Scope(pd.DataFrame(), pd.DataFrame(), question_matches=part.question_matches)
    data["notes"] = (
        build._notes(data, scope, options.filters)
        + part.extras.notes()
        + build.reading_notes(skipped)
        + build.verification_notes(verification)
        + comparison.probability_notes(data["groups"])
    )
    data["hindsight"] = {"forecasts": part.hindsight}
    if options.claims != "none" and part.claims:
        data["claims"] = claims_merged(part.claims)
        data["conventions"]["claims"] = CLAIMS_CONVENTION
        data["hindsight"]["claims"] = data["claims"]["n_hindsight"]
    if options.claims == "only":
        data = {k: data[k] for k in build.CLAIMS_ONLY_KEYS}
    return data


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


def finish_groups(
    options: ReportOptions,
    keys: tuple[str, ...],
    summaries: dict[tuple[str, ...], GroupSummary],
    extras: Mapping[tuple[str, ...], Any] | None = None,
) -> list[dict[str, Any]]:
    """The groups' JSON entries from their (merged) summaries, ``all`` first if present;
    with ``extras`` (``partial_extras``), their numeric diagnostics added."""
    from foretell.report import build, grouping

    bins = options.bins
    extras = extras or {}
    groups = (
        [add_numeric(summaries[()].entry("all", bins), extras.get(()))] if () in summaries else []
    )
    if not keys:
        return groups
    names = set(summaries) - {()}
    sizes = {k: s.binary.n_pairs for k, s in summaries.items() if k and s.binary.n_pairs}
    skip: dict[Any, str] = {}
    if len(sizes) > build.MAX_DIAGNOSED_GROUPS:
        ranked = sorted(sizes, key=lambda name: (-sizes[name], name))
        why = (
            f"{len(sizes)} groups: calibration tables, decompositions and tests are given "
            f"for the {build.MAX_DIAGNOSED_GROUPS} groups with the most binary pairs; narrow "
            "the report (--by, --tag, --question) for the others"
        )
        skip = {name: why for name in ranked[build.MAX_DIAGNOSED_GROUPS :]}
    for labels in grouping.order(keys, names, options):
        entry = summaries[labels].entry(grouping.group_name(labels), bins, skip.get(labels))
        add_numeric(entry, extras.get(labels))
        if len(keys) > 1:
            entry["keys"] = dict(zip(keys, labels, strict=True))
        groups.append(entry)
    return groups


def _first(item: tuple[int, Any]) -> int:
    return item[0]
