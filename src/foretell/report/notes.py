"""The report's notes in words: why nothing is scored when that is so (``scope_notes``),
what reading the ledger left out or kept but flagged (``reading_notes``: every
``Frames.skipped`` count, the still-scored kinds apart), and whether the ledger was verified
for this report and what verify found (``verification_notes``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from foretell.tables import EDITED

if TYPE_CHECKING:
    from foretell.errors import Problem
    from foretell.report.scope import Filters, Scope


def scope_notes(data: dict[str, Any], scope: Scope, filters: Filters) -> list[str]:
    counts = data["counts"]["questions"]
    notes = []
    if counts["in_scope"] == 0 and scope.question_matches and filters.selects_forecasts():
        of = (
            f" of the {scope.question_matches} selected question(s)"
            if filters.questions or filters.tags
            else ""
        )
        notes.append(
            f"No forecasts{of} fall in the selection ({_forecast_filters(filters)}): "
            "nothing to report."
        )
    elif counts["in_scope"] == 0:
        notes.append("No questions match: nothing to report.")
    elif counts["resolved"] == 0:
        notes.append(
            f"Nothing is resolved yet, so nothing is scored: {counts['open']} open and "
            f"{counts['annulled']} annulled question(s)."
        )
    elif data["groups"][0]["binary"]["n_pairs"] == 0 and not any(
        data["groups"][0][k]["n_pairs"] for k in ("multiple_choice", "numeric")
    ):
        notes.append("No forecast on a resolved question was made on or before its close day.")
    return notes


def _forecast_filters(filters: Filters) -> str:
    parts = []
    if filters.by:
        parts.append("by " + ", ".join(filters.by))
    if filters.exclude_by:
        parts.append("not by " + ", ".join(filters.exclude_by))
    if filters.since is not None:
        parts.append(f"made on or after {filters.since.isoformat()}")
    if filters.until is not None:
        parts.append(f"made on or before {filters.until.isoformat()}")
    return "; ".join(parts)


# Frames.skipped counts entries left out while reading the ledger, except these: entries
# whose sha no longer matches their content are still read and scored.
STILL_SCORED = frozenset({EDITED})


def reading_notes(skipped: dict[str, int]) -> list[str]:
    """One note for every ``Frames.skipped`` count: ``"<n> <key>"``, the kept ones apart."""
    kept = {k: n for k, n in skipped.items() if n and k in STILL_SCORED}
    left = {k: n for k, n in skipped.items() if n and k not in kept}
    notes = []
    if left:
        items = ", ".join(f"{n} {why}" for why, n in sorted(left.items()))
        notes.append(f"Left out while reading the ledger: {items}.")
    if kept:
        items = ", ".join(f"{n} {why}" for why, n in sorted(kept.items()))
        notes.append(f"Read and scored, but check them: {items}.")
    return notes


NOT_VERIFIED = (
    "The ledger was not verified for this report (entry hashes and chains are not checked "
    "when reading): run foretell verify, or foretell report --verify."
)


def verification_notes(problems: list[Problem] | None) -> list[str]:
    """Whether the ledger was verified for this report, and what verify found."""
    if problems is None:
        return [NOT_VERIFIED]
    if not problems:
        return ["The ledger was verified for this report: no problems."]
    kinds: dict[str, int] = {}
    for problem in problems:
        kinds[problem.message] = kinds.get(problem.message, 0) + 1
    items = "; ".join(f"{n} x {why}" for why, n in sorted(kinds.items()))
    return [f"foretell verify found {len(problems)} problem(s) in the ledger: {items}."]
