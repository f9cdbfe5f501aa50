"""foretell's generic import format: one row per forecast, as CSV or JSON Lines.

Columns (CSV header names; the same keys in JSON Lines, where a value may also be a JSON
number, list or object). Only ``question`` is always required; unknown columns are refused
(a misspelt column would otherwise be silently ignored).

question   the question's id, lowercase-kebab (``ascend-shipments-2026``)
title      the question, once per question at least
type       binary | multiple_choice | numeric (default: what the row's forecast shows)
options    multiple choice: the options, comma-separated (default: the first forecast's)
unit, range_low, range_high, thresholds
           numeric: unit, plausible range, and thresholds separated by ';' or spaces
opened, resolve_by
           dates (default: the first forecast's date; the resolution's date, else the
           last forecast's)
criteria   how it resolves (default: a sentence saying it was imported)
tags       comma-separated
author     who made the forecast (default: --author)
at         when, ISO 8601 (no offset = UTC; a bare date = midnight UTC)
p          binary: the probability of yes (0.7 or 70%)
probs      multiple choice: ``option=p`` pairs, comma-separated (``a=0.2,b=0.8``)
q<level>   numeric: one column per quantile level, e.g. ``q0.05,q0.5,q0.95`` (in JSON
           Lines also ``"quantiles": {"0.05": 620000, ...}``)
note       a note on the forecast
outcome    yes/no, an option, a number; ``annulled``/``ambiguous``/``void`` annul it
resolved_at when the outcome was known (default: the question's last forecast time)
resolver   who resolved it (default: the row's author)
evidence, why
           the resolution's evidence; an annulment's reason

A row holds at most one forecast: ``p``, ``probs`` or quantile cells. A row with none of
them must carry an outcome (it resolves the question). Facts about a question may be
repeated on each of its rows or given once; where they are repeated they must agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foretell import parse
from foretell.errors import ForetellError
from foretell.interop.reading import Input, Table, jsonl_objects
from foretell.interop.rows import (
    ClosingRow,
    ForecastRow,
    QuestionFacts,
    Record,
    author_slug,
    canonical_at,
    is_annulment,
    parse_day,
    split_tags,
)
from foretell.interop.source import ImportSource
from foretell.model import QUESTION_TYPES, Source

if TYPE_CHECKING:
    from foretell.interop.columns import ColumnReader

FACTS = (
    "title",
    "type",
    "options",
    "unit",
    "range_low",
    "range_high",
    "thresholds",
    "opened",
    "resolve_by",
    "criteria",
    "tags",
)
CLOSE = ("outcome", "resolved_at", "resolver", "evidence", "why")
FORECAST = ("author", "at", "p", "probs", "note")
COLUMNS = ("question", *FORECAST, *FACTS, *CLOSE)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


def quantile_level(name: str) -> float | None:
    """The level of a ``q<level>`` column (``q0.05`` -> 0.05), or None if it is not one."""
    if len(name) < 2 or name[0] != "q":
        return None
    try:
        return parse.parse_probability(name[1:])
    except ValueError:
        return None


class GenericSource(ImportSource):
    def __init__(self, path: Path, options: Any = None) -> None:
        super().__init__(path, *(() if options is None else (options,)))
        self.name = "generic"
        self.jsonl = path.suffix.lower() in JSONL_SUFFIXES
        self.label = "generic JSONL" if self.jsonl else "generic CSV"
        self.default_criteria = (
            "Imported with foretell import from a file in foretell's generic format; it "
            "resolves as recorded there."
        )
        self.source_note = Source(
            document=path.name,
            outlet=self.label,
            claim="The question and its forecasts were imported from this file.",
        )

    def columns(self) -> ColumnReader | None:
        """The file read column-wise (``columns.py``), or None: read it row by row."""
        if self.jsonl:
            return None
        from foretell.interop.columns import open_columns

        return open_columns(self)

    def records(self, where: list[int] | None = None) -> Iterator[Record]:
        rows = _Rows(self)
        if self.jsonl:
            yield from rows.from_jsonl(where)
        else:
            yield from rows.from_csv(where)


class _Rows:
    """One pass over the file: per-question caches so repeated facts are not re-emitted."""

    def __init__(self, source: GenericSource) -> None:
        self.source = source
        self.shown = source.shown
        self.default_author = source.options.author
        self.facts_seen: dict[str, tuple[str, ...]] = {}
        self.closing_seen: dict[str, tuple[str, ...]] = {}
        self.authors: dict[str, str] = {}
        self.resolvers: dict[str, str] = {}

    def fail(self, message: str, line: int) -> ForetellError:
        return ForetellError(message, self.shown, line)

    # ----------------------------------------------------------------- inputs

    def from_csv(self, where: list[int] | None) -> Iterator[Record]:
        table = Table(Input.file(self.source.path), required=("question",))
        levels: list[tuple[int, float]] = []
        unknown = []
        for name, index in table.columns.items():
            if name in COLUMNS:
                continue
            level = quantile_level(name)
            if level is None:
                unknown.append(name)
            else:
                levels.append((index, level))
        if unknown:
            raise ForetellError(
                f"unknown column(s) {', '.join(repr(c) for c in unknown)}; the generic "
                f"format's columns are {', '.join(COLUMNS)} and q<level>",
                self.shown,
                table.header_line,
            )
        pos = {name: table.index(name) for name in COLUMNS}
        process = self.processor(pos)
        extra: list[Record] = []
        for line, row in table.rows(where):
            quantiles = [(level, row[i]) for i, level in levels if row[i]] if levels else None
            record = process(line, row, quantiles, extra)
            if extra:
                yield from extra
                extra.clear()
            if record is not None:
                yield record

    def from_jsonl(self, where: list[int] | None) -> Iterator[Record]:
        pos = {name: i for i, name in enumerate(COLUMNS)}
        process = self.processor(pos)
        extra: list[Record] = []
        width = len(COLUMNS)
        for line, obj in jsonl_objects(Input.file(self.source.path), where):
            row = [""] * (width + 1)
            quantiles: list[tuple[float, str]] = []
            for key, value in obj.items():
                index = pos.get(key)
                if index is not None:
                    row[index] = _cell(key, value)
                elif key == "quantiles" and isinstance(value, dict):
                    for level_text, v in value.items():
                        level = quantile_level(f"q{level_text}")
                        if level is None:
                            raise self.fail(f"quantiles: {level_text!r} is not a level", line)
                        quantiles.append((level, _cell(key, v)))
                elif key == "range" and isinstance(value, list) and len(value) == 2:
                    row[pos["range_low"]] = _cell(key, value[0])
                    row[pos["range_high"]] = _cell(key, value[1])
                elif (level := quantile_level(key)) is not None:
                    quantiles.append((level, _cell(key, value)))
                else:
                    raise self.fail(f"unknown field {key!r}", line)
            record = process(line, row, [q for q in quantiles if q[1]], extra)
            if extra:
                yield from extra
                extra.clear()
            if record is not None:
                yield record

    # ----------------------------------------------------------------- rows

    def processor(
        self, pos: dict[str, int]
    ) -> Callable[[int, list[str], list[tuple[float, str]] | None, list[Record]], Record | None]:
        """A function of one row: returns its forecast (or None) and appends the question
        facts and resolution the row adds, if any, to ``extra``."""
        iq, iau, iat, ip, ipr, inote = (pos[c] for c in ("question", *FORECAST))
        facts_of = itemgetter(*(pos[c] for c in FACTS))
        closing_of = itemgetter(*(pos[c] for c in CLOSE))
        ioutcome = pos["outcome"]
        facts_seen, closing_seen, fail = self.facts_seen, self.closing_seen, self.fail
        authors, payload_of, author_of = self.authors, self._payload, self._author

        def process(
            line: int,
            row: list[str],
            quantiles: list[tuple[float, str]] | None,
            extra: list[Record],
        ) -> Record | None:
            qid = row[iq].strip()
            if not qid:
                raise fail("question is empty: give the question's id", line)
            ptext = row[ip]
            if ptext and not row[ipr] and not quantiles:
                try:
                    p = float(ptext)
                    payload = {"p": p} if 0.0 <= p <= 1.0 else None
                except ValueError:
                    payload = None
                if payload is None:
                    payload, inferred = payload_of(line, ptext, "", None)
                else:
                    inferred = "binary"
            else:
                payload, inferred = payload_of(line, ptext, row[ipr], quantiles)
            key = facts_of(row)
            if not key[1] and inferred:
                key = (key[0], inferred, *key[2:])
            if facts_seen.get(qid) != key:
                facts_seen[qid] = key
                extra.append(self._facts(qid, line, key))
            outcome = row[ioutcome]
            if outcome:
                closing = closing_of(row)
                if closing_seen.get(qid) != closing:
                    closing_seen[qid] = closing
                    extra.append(self._closing(qid, line, closing, row[iau]))
            if payload is None:
                if not outcome:
                    raise fail(
                        "no forecast (p, probs or q<level>) and no outcome on this row", line
                    )
                return None
            at_text = row[iat]
            if not at_text:
                raise fail("at is empty: give the time of the forecast", line)
            try:
                at = canonical_at(at_text)
            except ValueError as err:
                raise fail(f"at: {err}", line) from None
            name = row[iau]
            author = authors.get(name) or author_of(name, line)
            return ForecastRow(line, qid, author, at, payload, row[inote] or None)

        return process

    def _author(self, name: str, line: int) -> str:
        slug = self.authors.get(name)
        if slug is not None:
            return slug
        text = name.strip() or self.default_author
        if not text:
            raise self.fail("author is empty: give an author column or --author NAME", line)
        try:
            slug = author_slug(text)
        except ValueError as err:
            raise self.fail(f"author: {err}", line) from None
        if len(self.authors) < 100_000:
            self.authors[name] = slug
        return slug

    def _payload(
        self,
        line: int,
        ptext: str,
        prtext: str,
        quantiles: list[tuple[float, str]] | None,
    ) -> tuple[dict[str, Any] | None, str | None]:
        given = (ptext != "") + (prtext != "") + bool(quantiles)
        if given == 0:
            return None, None
        if given > 1:
            raise self.fail("give one of p, probs or q<level> on a row, not several", line)
        if ptext:
            try:
                p = float(ptext)
                ok = 0.0 <= p <= 1.0
            except ValueError:
                ok = False
            if not ok:
                try:
                    p = parse.parse_probability(ptext)
                except ValueError as err:
                    raise self.fail(f"p: {err}", line) from None
            return {"p": p}, "binary"
        if prtext:
            try:
                probs = parse.parse_choice_probs([s for s in prtext.split(",") if s.strip()])
            except ValueError as err:
                raise self.fail(f"probs: {err}", line) from None
            return {"probs": probs}, "multiple_choice"
        values: dict[float, float] = {}
        for level, text in quantiles or ():
            try:
                value = float(text)
                ok = math.isfinite(value)
            except ValueError:
                ok = False
            if not ok:
                try:
                    value = parse.parse_number(text)
                except ValueError as err:
                    raise self.fail(f"q{level:g}: {err}", line) from None
            values[level] = value
        return {"quantiles": values}, "numeric"

    def _facts(self, qid: str, line: int, cells: tuple[str, ...]) -> QuestionFacts:
        (title, kind, options, unit, low, high, thresholds, opened, resolve_by, criteria, tags) = (
            cells
        )
        if kind and kind.strip() not in QUESTION_TYPES:
            raise self.fail(
                f"type must be binary, multiple_choice or numeric, not {kind.strip()!r}", line
            )
        if bool(low.strip()) != bool(high.strip()):
            raise self.fail("give both range_low and range_high, or neither", line)
        return QuestionFacts(
            id=qid,
            line=line,
            title=title.strip() or None,
            type=kind.strip() or None,
            options=tuple(o.strip() for o in options.split(",")) if options.strip() else None,
            unit=unit.strip() or None,
            range=(self._number(low, "range_low", line), self._number(high, "range_high", line))
            if low.strip()
            else None,
            thresholds=tuple(
                self._number(t, "thresholds", line) for t in thresholds.replace(";", " ").split()
            )
            if thresholds.strip()
            else None,
            opened=self._date(opened, "opened", line),
            resolve_by=self._date(resolve_by, "resolve_by", line),
            criteria=criteria.strip() or None,
            tags=split_tags(tags) if tags.strip() else None,
            sources=(self.source.source_note,),
        )

    def _closing(self, qid: str, line: int, cells: tuple[str, ...], author: str) -> ClosingRow:
        outcome, resolved_at, resolver, evidence, why = cells
        at: str | None = None
        on: date | None = None
        if resolved_at.strip():
            try:
                at = canonical_at(resolved_at)
            except ValueError as err:
                raise self.fail(f"resolved_at: {err}", line) from None
            on = date.fromisoformat(at[:10])
        if resolver.strip():
            who = self._author(resolver, line)
        else:  # the author of the first row that carries the outcome
            who = self.resolvers.get(qid) or self._author(author, line)
        self.resolvers.setdefault(qid, who)
        if is_annulment(outcome):
            reason = why.strip() or f"marked {outcome.strip()!r} in the imported file"
            return ClosingRow(line, qid, who, "annulment", at, resolved_on=on, why=reason)
        return ClosingRow(
            line,
            qid,
            who,
            "resolution",
            at,
            outcome=outcome,
            resolved_on=on,
            evidence=evidence.strip() or None,
        )

    def _number(self, text: str, what: str, line: int) -> float:
        try:
            return parse.parse_number(text)
        except ValueError as err:
            raise self.fail(f"{what}: {err}", line) from None

    def _date(self, text: str, what: str, line: int) -> date | None:
        if not text.strip():
            return None
        try:
            return parse_day(text)
        except ValueError as err:
            raise self.fail(f"{what}: {err}", line) from None


def _cell(key: str, value: Any) -> str:
    """A JSON value as the text the CSV form of the same column would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        sep = " " if key == "thresholds" else ","
        return sep.join(_cell(key, v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={_cell(key, v)}" for k, v in value.items())
    return str(value)
