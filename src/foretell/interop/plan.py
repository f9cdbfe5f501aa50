"""Pass 1 of an import: check every record, keeping only per-question state.

The ``Planner`` folds a format's records into one ``Draft`` per question (facts stated on
several rows must agree), checks each forecast against its question as typed input would
(``checks.fit_payload``), and at the end turns each draft into a ``Question`` and each
resolution into the entry to write. Nothing is written to the home here: each checked
forecast goes, as one compact JSON line, to a spool file that pass 2 appends from.

Rules applied at the end, per question (the first two are typed input's own):
- a forecast dated after ``resolve_by`` is refused, unless the format asks for the date to
  be stretched to the last forecast (foreign exports whose resolve-by is only a reminder);
- a forecast dated after the question's resolution or annulment is refused;
- a question that already exists in ``forecasts/`` is reused only if its terms are equal
  (same ``Question.sha()``); otherwise the import is refused;
- entries already in the ledger (same author, question, kind, time and payload) are found
  by ``duplicates`` (``interop.fingerprints``) and refused, or skipped on request.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import orjson
from pydantic import ValidationError

from foretell import catalog, ids, status
from foretell.catalog import describe_validation_error
from foretell.errors import ForetellError
from foretell.home import Home
from foretell.interop.checks import fit_payload
from foretell.interop.fingerprints import closing_body, entry_key, held_keys
from foretell.interop.rows import (
    ClosingRow,
    ForecastRow,
    QuestionFacts,
    Record,
    at_date,
    midnight_at,
)
from foretell.interop.source import ImportSource
from foretell.model import Question, parse_outcome

TERM_FACTS = ("title", "type", "unit", "range", "thresholds", "opened", "resolve_by", "criteria")
OTHER_FACTS = ("tags", "sources", "period_start")


@dataclass
class Draft:
    id: str
    line: int
    exists: bool
    facts: dict[str, tuple[Any, int]] = field(default_factory=dict)
    kind: str | None = None
    options: tuple[str, ...] | None = None
    options_line: int = 0
    options_inferred: bool = False
    stretch: bool = False
    first_at: str | None = None
    last_at: str | None = None
    last_line: int = 0
    forecasts: int = 0
    closings: list[ClosingRow] = field(default_factory=list)


@dataclass
class Final:
    """What pass 2 needs to know about a question."""

    question: Question
    sha: str
    created: bool  # False: the question file already existed and is reused
    closings: list[dict[str, Any]]  # entries (with "author") to append after the forecasts


class Planner:
    def __init__(self, home: Home, source: ImportSource, spool: IO[bytes] | None = None) -> None:
        self.home = home
        self.spool = spool  # receives one line per checked forecast (see ``spool_line``)
        self.shown = source.shown  # the path used in messages
        self.paths = {kind: source.shown_for(kind) for kind in ("question", "forecast")}
        self.verbatim = source.verbatim  # foretell's own format: entries restored as they were
        self.default_criteria = source.default_criteria
        self.drafts: dict[str, Draft] = {}
        self.authors: set[str] = set()
        self.forecasts = 0
        self.already_closed = 0
        self._keys = array("q")
        self._key_lines = array("q")
        # the names in forecasts/ now: one listing instead of a look-up per question (a new
        # file meanwhile changes ``load.project_state``, so the pass runs again)
        self._listed = _names(home.forecasts)

    def fail(self, message: str, line: int | None, kind: str = "question") -> ForetellError:
        """An error at ``line`` of the file that rows of ``kind`` come from."""
        return ForetellError(message, self.paths[kind], line)

    # ------------------------------------------------------------------ feeding

    def feed_all(self, records: Iterable[Record]) -> None:
        facts, forecast, closing = self.facts, self.forecast, self.closing
        for record in records:
            if type(record) is ForecastRow:
                forecast(record)
            elif type(record) is QuestionFacts:
                facts(record)
            else:
                closing(record)  # type: ignore[arg-type]

    def facts(self, f: QuestionFacts) -> None:
        draft = self.drafts.get(f.id)
        if draft is None:
            problem = ids.id_problem(f.id)
            if problem:
                raise self.fail(problem, f.line)
            exists = f"{f.id}{catalog.SUFFIX}" in self._listed and (  # a Path only then
                catalog.question_path(self.home.forecasts, f.id).is_file()
            )
            draft = self.drafts[f.id] = Draft(f.id, f.line, exists)
        draft.stretch = draft.stretch or f.stretch_resolve_by
        for name in TERM_FACTS:
            value = getattr(f, name)
            if value is None:
                continue
            known = draft.facts.get(name)
            if known is None:
                draft.facts[name] = (value, f.line)
                if name == "type":
                    draft.kind = value
            elif known[0] != value:
                raise self.fail(
                    f"question {f.id}: {name} is {_show(value)} here but {_show(known[0])} "
                    f"on line {known[1]}",
                    f.line,
                )
        for name in OTHER_FACTS:
            value = getattr(f, name)
            if value is not None and name not in draft.facts:
                draft.facts[name] = (value, f.line)
        if f.options is not None:
            self._options(draft, f.options, f.line, inferred=False)

    def _options(self, draft: Draft, options: tuple[str, ...], line: int, inferred: bool) -> None:
        if draft.options is None:
            draft.options, draft.options_line, draft.options_inferred = options, line, inferred
        elif draft.options != options:
            if draft.options_inferred and not inferred and set(draft.options) == set(options):
                draft.options, draft.options_line, draft.options_inferred = options, line, False
            elif not (inferred and set(draft.options) == set(options)):
                raise self.fail(
                    f"question {draft.id}: options are {', '.join(options)} here but "
                    f"{', '.join(draft.options)} on line {draft.options_line}",
                    line,
                )

    def _draft(self, question: str, line: int, kind: str = "question") -> Draft:
        draft = self.drafts.get(question)
        if draft is None:
            raise self.fail(f"no question {question!r} is described in this file", line, kind)
        return draft

    def forecast(self, r: ForecastRow) -> None:
        fitted = self.check_forecast(r)
        if self.spool is not None:
            self.spool.write(
                orjson.dumps(
                    (r.author, r.question, r.at, fitted, r.note, r.imported, r.question_sha)
                )
            )
            self.spool.write(b"\n")

    def check_forecast(self, r: ForecastRow) -> dict[str, Any]:
        """Check a forecast against its question and note it; returns the stored payload."""
        draft = self.drafts.get(r.question) or self._draft(r.question, r.line, "forecast")
        kind = draft.kind
        if kind is None:
            raise self.fail(
                f"question {r.question}: its type is not given (binary, multiple_choice or "
                "numeric)",
                r.line,
                "forecast",
            )
        if kind == "multiple_choice" and draft.options is None:
            probs = r.payload.get("probs")
            if isinstance(probs, dict) and probs:
                self._options(draft, tuple(str(k) for k in probs), r.line, inferred=True)
        try:
            fitted = fit_payload(r.question, kind, draft.options, r.payload)
        except ValueError as err:
            raise self.fail(str(err), r.line, "forecast") from None
        at = r.at
        if draft.first_at is None or at < draft.first_at:
            draft.first_at = at
        if draft.last_at is None or at > draft.last_at:
            draft.last_at, draft.last_line = at, r.line
        draft.forecasts += 1
        self.forecasts += 1
        self.authors.add(r.author)
        if draft.exists:
            self._keys.append(entry_key(r.author, r.question, "forecast", at, fitted))
            self._key_lines.append(r.line)
        return fitted

    def add_keys(self, keys: list[int], lines: list[int]) -> None:
        """Fingerprints (``entry_key``) of forecasts on existing questions checked in bulk,
        with their lines."""
        self._keys.extend(keys)
        self._key_lines.extend(lines)

    def closing(self, c: ClosingRow) -> None:
        draft = self._draft(c.question, c.line)
        if self.verbatim and self.spool is not None:
            # foretell's own export: the entry keeps its place among the forecasts
            self.spool.write(orjson.dumps((c.question,)))
            self.spool.write(b"\n")
        if not self.verbatim and draft.closings:
            known = draft.closings[0]
            if _closing_facts(known) != _closing_facts(c):
                raise self.fail(
                    f"question {c.question}: its resolution differs from line {known.line}",
                    c.line,
                )
            return
        draft.closings.append(c)

    # ------------------------------------------------------------------ finishing

    def finish(self, today: date) -> dict[str, Final]:
        """A Question per draft (checked, compared with forecasts/) and its closing entries."""
        finals: dict[str, Final] = {}
        statuses: dict[str, status.Status] | None = None
        for draft in self.drafts.values():
            question = self._question(draft)
            sha = question.sha()
            if draft.exists:
                self._same_as_existing(draft, question)
            closings = [self._closing_entry(draft, question, sha, c, today) for c in draft.closings]
            if not self.verbatim:
                self._check_dates(draft, question, closings)
                if draft.exists and closings:
                    if statuses is None:
                        statuses = status.question_statuses(self.home.ledger)
                    closings = self._not_yet_closed(draft, closings, statuses.get(draft.id))
            for entry in closings:
                if draft.exists:
                    self._keys.append(
                        entry_key(
                            entry["author"],
                            draft.id,
                            entry["kind"],
                            entry["at"],
                            closing_body(entry),
                        )
                    )
                    self._key_lines.append(-entry["_line"])
            finals[draft.id] = Final(question, sha, not draft.exists, closings)
        return finals

    def _fact(self, draft: Draft, name: str) -> Any:
        known = draft.facts.get(name)
        return None if known is None else known[0]

    def _question(self, draft: Draft) -> Question:
        f = self._fact
        last_day = at_date(draft.last_at) if draft.last_at else None
        closing_days = [c.resolved_on or (at_date(c.at) if c.at else None) for c in draft.closings]
        closed_on = next((d for d in closing_days if d is not None), None)
        resolve_by = f(draft, "resolve_by") or closed_on or last_day
        opened = f(draft, "opened") or (at_date(draft.first_at) if draft.first_at else None)
        opened = opened or closed_on or resolve_by
        if resolve_by is None:
            raise self.fail(
                f"question {draft.id}: no resolve-by date, forecast or resolution to date it by",
                draft.line,
            )
        criteria = f(draft, "criteria") or self.default_criteria or None
        if draft.stretch and last_day is not None and last_day > resolve_by:
            note = (
                f"The source's resolve-by date was {resolve_by}; it was moved to {last_day}, "
                "the date of the last imported forecast."
            )
            criteria = f"{criteria}\n\n{note}" if criteria else note
            resolve_by = last_day
        data: dict[str, Any] = {
            "id": draft.id,
            "title": f(draft, "title"),
            "type": draft.kind,
            "opened": opened,
            "resolve_by": resolve_by,
            "criteria": criteria,
            "tags": list(f(draft, "tags") or ()),
            "sources": list(f(draft, "sources") or ()),
            "options": list(draft.options) if draft.options is not None else None,
            "unit": f(draft, "unit"),
            "range": f(draft, "range"),
            "thresholds": list(f(draft, "thresholds") or ()),
            "period_start": f(draft, "period_start"),
        }
        try:
            return Question.model_validate({k: v for k, v in data.items() if v is not None})
        except ValidationError as err:
            raise self.fail(
                f"question {draft.id}: {describe_validation_error(err)}", draft.line
            ) from None

    def _same_as_existing(self, draft: Draft, question: Question) -> None:
        path = catalog.question_path(self.home.forecasts, draft.id)
        existing = catalog.load_question(path)
        if existing.sha() == question.sha():
            return
        old, new = existing.terms(), question.terms()
        differ = [k for k in old if old[k] != new[k]]
        raise self.fail(
            f"question {draft.id} already exists in forecasts/ with other terms "
            f"({', '.join(differ)} differ); rename or remove it, or fix this file",
            draft.line,
        )

    def _closing_entry(
        self, draft: Draft, question: Question, sha: str, c: ClosingRow, today: date
    ) -> dict[str, Any]:
        at = c.at or draft.last_at or midnight_at(c.resolved_on or question.resolve_by)
        on = c.resolved_on or at_date(at)
        entry: dict[str, Any] = {
            "author": c.author,
            "_line": c.line,
            "at": at,
            "kind": c.kind,
            "question": draft.id,
            "question_sha": c.question_sha or sha,
        }
        if c.sha:
            entry["_sha"] = c.sha  # foretell's format: the exported sha, for ``amends``
        if c.kind == "claim":
            from foretell.claims import claim_problem

            entry.update(c.claim or {})
            problem = claim_problem(question, entry)
            if problem:
                raise self.fail(f"question {draft.id}: {problem}", c.line)
            if c.imported:
                entry["imported"] = c.imported
            return entry
        if c.kind == "amendment":
            if not c.why:
                raise self.fail("an amendment needs a reason ('why')", c.line)
            entry["why"] = c.why
            return entry
        if c.kind not in ("resolution", "annulment"):
            raise self.fail(f"unknown kind {c.kind!r}", c.line)
        if not self.verbatim:
            if on < question.opened:
                raise self.fail(
                    f"question {draft.id}: resolved on {on}, before it opened ({question.opened})",
                    c.line,
                )
            if on > today:
                raise self.fail(f"question {draft.id}: resolved on {on}, in the future", c.line)
        entry["resolved_on"] = on.isoformat()
        if c.kind == "resolution":
            raw = c.outcome
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                raise self.fail(f"question {draft.id}: a resolution needs an outcome", c.line)
            try:
                entry["outcome"] = parse_outcome(
                    question, raw if isinstance(raw, str) else repr(raw)
                )
            except ValueError as err:
                raise self.fail(str(err), c.line) from None
            if c.evidence:
                entry["evidence"] = c.evidence
        if c.why:
            entry["why"] = c.why
        elif c.kind == "annulment":
            raise self.fail(f"question {draft.id}: an annulment needs a reason ('why')", c.line)
        if c.amends:
            entry["amends"] = c.amends
        if c.imported:
            entry["imported"] = c.imported
        return entry

    def _check_dates(
        self, draft: Draft, question: Question, closings: list[dict[str, Any]]
    ) -> None:
        if draft.last_at is None:
            return
        last_day = at_date(draft.last_at)
        if last_day > question.resolve_by:
            raise self.fail(
                f"{question.id} closed for forecasts on its resolve_by date {question.resolve_by}",
                draft.last_line,
                "forecast",
            )
        if closings:
            final = max(closings, key=lambda e: e["at"])
            if last_day > date.fromisoformat(final["resolved_on"]):
                state = "resolved" if final["kind"] == "resolution" else "annulled"
                raise self.fail(
                    f"{question.id} is {state} ({final['resolved_on']}); cannot log a forecast",
                    draft.last_line,
                    "forecast",
                )

    def _not_yet_closed(
        self, draft: Draft, closings: list[dict[str, Any]], known: status.Status | None
    ) -> list[dict[str, Any]]:
        """A reused question already resolved in the ledger keeps that resolution: the same
        outcome is not written again; a different one is refused."""
        if known is None:
            return closings
        entry = closings[0]
        same_kind = entry["kind"] == known.kind
        if same_kind and (entry["kind"] == "annulment" or entry.get("outcome") == known.outcome):
            self.already_closed += 1
            return []
        state = f"resolved ({known.outcome})" if known.kind == "resolution" else "annulled"
        raise self.fail(
            f"{draft.id} is already {state} in the ledger ({known.at[:10]}); this file "
            "closes it differently",
            entry["_line"],
        )

    # ------------------------------------------------------------------ duplicates

    def duplicates(self, finals: dict[str, Final]) -> tuple[set[int], list[tuple[Path, int]]]:
        """Fingerprints of entries this file would add that the ledger already holds, and
        where in the file they occur (forecasts first, by line)."""
        if not self._keys:
            return set(), []
        import numpy as np

        reused = {qid for qid, final in finals.items() if not final.created}
        authors = self.authors | {e["author"] for f in finals.values() for e in f.closings}
        existing = held_keys(self.home.ledger, authors, reused)
        if not existing:
            return set(), []
        keys = np.frombuffer(self._keys, dtype=np.int64)
        hit = np.isin(keys, np.frombuffer(existing, dtype=np.int64))
        if not hit.any():
            return set(), []
        lines = np.frombuffer(self._key_lines, dtype=np.int64)[hit]
        places = [
            (self.paths["forecast"], int(x)) if x > 0 else (self.paths["question"], -int(x))
            for x in sorted(lines, key=lambda v: (v < 0, abs(v)))
        ]
        return {int(k) for k in keys[hit]}, places


def _names(directory: Path) -> frozenset[str]:
    try:
        return frozenset(os.listdir(directory))
    except FileNotFoundError:
        return frozenset()


def _closing_facts(c: ClosingRow) -> tuple[Any, ...]:
    return (c.kind, c.outcome, c.resolved_on, c.at, c.author)


def _show(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)
