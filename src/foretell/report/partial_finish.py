"""The report's JSON from the merged partial of every question (``report.partial``).

``finish`` puts the document together: the groups' entries from their merged summaries
(``finish_groups``; the binary diagnostics of each group, computed from its histogram of
distinct forecasts, are computed for several groups at once by forked processes, one per
core, once the groups hold ``FORK_PAIRS`` binary pairs or more: ``forked``; each group's
numbers do not depend on the others'), the comparison table from the
forecasters' sums (``forecaster_rows``), the claims block from the batches' blocks
(``claims_merged``) and the best and worst questions from the per-question candidates
(``_extremes``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from foretell.report.partial_extras import add_numeric
from foretell.scoring import isotonic

if TYPE_CHECKING:
    from foretell.errors import Problem
    from foretell.report.options import ReportOptions
    from foretell.report.partial import Forecaster, Partial
    from foretell.report.summary import GroupSummary

PEER_COLUMNS = ("brier_peer", "log_peer", "coverage")
# binary pairs over the groups from which their entries are forked. Measured on cached reports
# (2026-12-02, 2 cores, 6 alternating rounds): forking lost 0.03 s at 26,000 pairs and saved
# 0.19 s at 52,000 and 0.17 s at 87,000; below it the groups are computed one after another
# in the report's own process
FORK_PAIRS = 40_000


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
    from foretell.report import build, comparison
    from foretell.report.claims import CONVENTION as CLAIMS_CONVENTION
    from foretell.report.notes import reading_notes, scope_notes, verification_notes
    from foretell.report.options import group_keys, options_and_conventions
    from foretell.report.scope import Scope

    data: dict[str, Any] = {
        "schema_version": build.SCHEMA_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "home": home,
        **options_and_conventions(options, methods),
        "counts": part.counts,
    }
    keys = group_keys(options)
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
        scope_notes(data, scope, options.filters)
        + part.extras.notes()
        + reading_notes(skipped)
        + verification_notes(verification)
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
    jobs: list[tuple[tuple[str, ...], str, str | None]] = []  # labels, name, why not diagnosed
    if () in summaries:
        jobs.append(((), "all", None))
    if keys:
        names = set(summaries) - {()}
        sizes = {k: s.binary.n_pairs for k, s in summaries.items() if k and s.binary.n_pairs}
        skip: dict[Any, str] = {}
        if len(sizes) > build.MAX_DIAGNOSED_GROUPS:
            ranked = sorted(sizes, key=lambda name: (-sizes[name], name))
            why = (
                f"{len(sizes)} groups: calibration tables, decompositions and tests are given "
                f"for the {build.MAX_DIAGNOSED_GROUPS} groups with the most binary pairs; "
                "narrow the report (--by, --tag, --question) for the others"
            )
            skip = {name: why for name in ranked[build.MAX_DIAGNOSED_GROUPS :]}
        jobs += [
            (labels, grouping.group_name(labels), skip.get(labels))
            for labels in grouping.order(keys, names, options)
        ]

    def entry(job: tuple[tuple[str, ...], str, str | None]) -> dict[str, Any]:
        labels, name, why_not = job
        out = add_numeric(summaries[labels].entry(name, bins, why_not), extras.get(labels))
        if labels and len(keys) > 1:
            out["keys"] = dict(zip(keys, labels, strict=True))
        return out

    pairs = sum(s.binary.n_pairs for s in summaries.values())
    return each_group(entry, jobs, pairs)


def each_group(
    work: Callable[[Any], dict[str, Any]], jobs: list[Any], pairs: int
) -> list[dict[str, Any]]:
    """``[work(job) for job in jobs]``, by forked processes (``forked``) when the groups
    hold ``FORK_PAIRS`` binary pairs or more: the results in the jobs' order, each the same
    as computed alone."""
    if pairs < FORK_PAIRS:
        return [work(job) for job in jobs]
    # what the groups' work loads, loaded once, before the fork, not by each child: the PAV
    # kernel (CORP)
    isotonic.compiled_pava()

    from foretell import forked

    return forked.forked_map(work, jobs, forked.default_workers())


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


def _rank(entry: tuple[float, int, dict[str, Any]]) -> tuple[float, int]:
    return entry[0], entry[1]


def _first(item: tuple[int, Any]) -> int:
    return item[0]
