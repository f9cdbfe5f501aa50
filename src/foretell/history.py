"""Per-question history for ``list``, ``show`` and ``due``: a light read of every chain.

Entries are decoded but not re-hashed (that is ``verify``'s job); unreadable lines are
skipped here and reported by ``verify``. No pandas: these commands stay quick.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from foretell import ledger
from foretell.model import Question


@dataclass
class QuestionHistory:
    forecasts: list[dict[str, Any]] = field(default_factory=list)
    closings: list[dict[str, Any]] = field(default_factory=list)  # resolutions, annulments
    amendments: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)  # sources' claims, by ``on``

    @property
    def final(self) -> dict[str, Any] | None:
        """The latest resolution or annulment by ``at`` (amendments replace earlier ones)."""
        return max(self.closings, key=lambda e: e["at"]) if self.closings else None

    @property
    def state(self) -> str:
        final = self.final
        if final is None:
            return "open"
        return "resolved" if final["kind"] == "resolution" else "annulled"

    def authors(self) -> set[str]:
        return {e["author"] for e in self.forecasts}


def read_history(
    ledger_dir: Path,
    author: str | None = None,
    questions: dict[str, Question] | None = None,
    skipped: list[int] | None = None,
) -> dict[str, QuestionHistory]:
    """Entries grouped by question, each tagged with ``author`` and ``line``; sorted by ``at``.

    With ``questions``, only entries on those questions are kept, and those that ``verify``
    flags (wrong types, dates, payloads) are left out and counted in ``skipped[0]``.
    """
    from foretell.verify import entry_problem, latest_at

    out: dict[str, QuestionHistory] = defaultdict(QuestionHistory)
    latest = latest_at()
    left_out = 0
    for path in ledger.ledger_files(ledger_dir):
        name = path.stem
        for raw in ledger.iter_lines(path):
            if not raw.complete:
                break
            try:
                entry = ledger.decode_line(raw.data)
                kind, question = entry["kind"], entry["question"]
            except (ValueError, KeyError):
                left_out += 1
                continue
            if not (isinstance(question, str) and isinstance(entry.get("at"), str)):
                left_out += 1
                continue  # a damaged line: verify reports it
            if questions is not None:
                if question not in questions:
                    continue
                if entry_problem(entry, questions, latest=latest):
                    left_out += 1
                    continue
            entry["author"], entry["line"] = name, raw.number
            entry["edited"] = ledger.check_line_hash(raw.data) is not None
            hist = out[question]
            if kind == "forecast":
                if author is None or author == name:
                    hist.forecasts.append(entry)
            elif kind in ("resolution", "annulment"):
                hist.closings.append(entry)
            elif kind == "amendment":
                hist.amendments.append(entry)
            elif kind == "claim":
                hist.claims.append(entry)
    for hist in out.values():
        for items in (hist.forecasts, hist.closings, hist.amendments):
            items.sort(key=lambda e: e["at"])
        hist.claims.sort(key=lambda e: (str(e.get("on")), e["author"], e["line"]))
    if skipped is not None:
        skipped[:] = [left_out]
    return out


def version_labels(question: Question, hist: QuestionHistory) -> dict[str, str]:
    """Name each question version seen: 'v1', 'v2', ... in order of first use; '(current)'."""
    labels: dict[str, str] = {}
    entries = hist.forecasts + hist.closings + hist.amendments + hist.claims
    events = sorted(entries, key=lambda e: e["at"])
    for entry in events:
        sha = entry.get("question_sha", "")
        if sha not in labels:
            labels[sha] = f"v{len(labels) + 1}"
    current = question.sha()
    labels.setdefault(current, f"v{len(labels) + 1}")
    labels[current] += " (current)"
    return labels


def days_left(question: Question, today: date) -> int:
    return (question.resolve_by - today).days
