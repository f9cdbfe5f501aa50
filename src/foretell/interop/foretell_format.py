"""foretell's own export (``foretell export``) and reading it back (``--from foretell``).

One stream of records, as CSV or JSON Lines, with a ``record`` field saying what each is:

- ``question``: one per question file, sorted by id: ``question`` (the id), ``title``,
  ``type``, ``opened``, ``resolve_by``, ``criteria``, ``tags``, ``options``, ``unit``,
  ``range``, ``thresholds``, ``sources``, ``period_start`` and ``sha`` (``Question.sha()``);
- ``forecast``, ``resolution``, ``annulment``, ``amendment``, ``claim``: every ledger entry,
  author by author (sorted), in ``seq`` order, with ``author`` and all of the entry's own
  fields (``seq``, ``at``, ``question``, ``question_sha``, payload, ``prev``, ``sha``, ...;
  a claim's ``on``, ``source``, ``hedge``, ``value`` or ``low``/``high``, ``figures``).

CSV follows RFC 4180 (CRLF line ends, cells quoted when needed), with one column per field
(``COLUMNS``). A structured value (``probs``, ``quantiles``, ``tags``, ``options``,
``range``, ``thresholds``, ``sources``) is a cell holding its JSON text, a number is its JSON
text, a string is itself and an absent field is an empty cell. ``outcome`` is written as
text: the question's type says how to read it back (``parse_outcome``).

Reading it back restores the entries as they were: same authors, ``at``, payloads, notes,
``question_sha`` and ``imported`` marks (an entry logged directly has none, and gets none),
appended in the same order. Into an empty home this rebuilds the same chains, so exporting
again gives the same bytes. ``seq``, ``prev`` and ``sha`` are recomputed by the ledger; an
``amends`` reference is carried over to the re-written entry it pointed to.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from foretell import catalog, ids, ledger
from foretell.errors import ForetellError, Problem
from foretell.escape import csv_cell, unneutralise
from foretell.home import Home
from foretell.interop.reading import Input, Table, jsonl_objects
from foretell.interop.rows import (
    ClosingRow,
    ForecastRow,
    QuestionFacts,
    Record,
    canonical_at,
    parse_day,
)
from foretell.interop.source import ImportSource
from foretell.model import QUESTION_TYPES, Question, Source

ENTRY_KINDS = ("forecast", "resolution", "annulment", "amendment", "claim")
CLAIM_FIELDS = ("on", "source", "hedge", "value", "low", "high", "figures", "note")
COLUMNS = (
    "record",
    "author",
    "seq",
    "at",
    "question",
    "question_sha",
    "p",
    "probs",
    "quantiles",
    "outcome",
    "resolved_on",
    "evidence",
    "why",
    "amends",
    "note",
    "imported",
    "prev",
    "sha",
    "title",
    "type",
    "opened",
    "resolve_by",
    "criteria",
    "tags",
    "options",
    "unit",
    "range",
    "thresholds",
    "sources",
    "period_start",
    "on",
    "source",
    "hedge",
    "value",
    "low",
    "high",
    "figures",
)
JSON_CELLS = frozenset(
    {"probs", "quantiles", "tags", "options", "range", "thresholds", "sources", "value", "figures"}
)
FORMATS = ("csv", "jsonl")


# --------------------------------------------------------------------------- export


def question_record(question: Question) -> dict[str, Any]:
    data = question.model_dump(mode="json", exclude={"id"})
    record: dict[str, Any] = {"record": "question", "question": question.id}
    for key in (
        "title",
        "type",
        "opened",
        "resolve_by",
        "criteria",
        "tags",
        "options",
        "unit",
        "range",
        "thresholds",
        "period_start",
    ):
        if data.get(key) is not None:
            record[key] = data[key]
    record["sources"] = [
        {k: v for k, v in s.items() if v not in (None, [])} for s in data["sources"]
    ]
    record["sha"] = question.sha()
    return record


def ledger_entries(path: Path) -> Iterator[dict[str, Any]]:
    """The entries of one ledger file, each line's hash checked, read line by line."""
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.endswith(b"\n"):
                raise ForetellError(ledger.torn_message(len(line)), path, number)
            data = line[:-1]
            trouble = ledger.check_line_hash(data)
            if trouble:
                raise ForetellError(f"{trouble}; run `foretell verify`", path, number)
            try:
                yield ledger.decode_line(data)
            except ValueError:
                raise ForetellError(
                    "not a JSON object; run `foretell verify`", path, number
                ) from None


def export_records(home: Home, left_out: list[Problem] | None = None) -> Iterator[dict[str, Any]]:
    """Questions (by id), then every author's entries in seq order. A question file verify
    flags is left out with the entries on it, its problem appended to ``left_out``."""
    questions = catalog.load_catalog(home.forecasts)
    if left_out is not None:
        left_out.extend(questions.left_out)
    bad = {p.path.stem for p in questions.left_out if p.path is not None}
    for question in questions.values():
        yield question_record(question)
    for path in ledger.ledger_files(home.ledger):
        author = path.stem
        for entry in ledger_entries(path):
            qid = entry.get("question")
            if type(qid) is str and qid in bad:  # a hand-edited line may hold any JSON
                continue
            kind = entry.get("kind")
            yield {"record": kind, "author": author, **entry}


def write_export(
    home: Home, fmt: str, out: IO[str], left_out: list[Problem] | None = None
) -> dict[str, int]:
    """Write the export to ``out``; returns counts per record kind (question files left
    out: see ``export_records``)."""
    if fmt not in FORMATS:
        raise ForetellError(f"export format must be csv or jsonl, not {fmt!r}")
    counts: dict[str, int] = {}
    # CRLF line ends (RFC 4180): a cell holding a lone "\r" is then quoted like one with "\n"
    writer = csv.writer(out, lineterminator="\r\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(COLUMNS)
    for record in export_records(home, left_out):
        kind = str(record["record"])
        counts[kind] = counts.get(kind, 0) + 1
        if writer is None:
            out.write(orjson.dumps(record).decode("utf-8"))
            out.write("\n")
        else:
            writer.writerow([_csv_cell(name, record.get(name)) for name in COLUMNS])
    return counts


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and name not in JSON_CELLS:
        return csv_cell(value)  # a formula-like text cell gets a leading quote
    return orjson.dumps(value).decode("utf-8")


# --------------------------------------------------------------------------- import


class ForetellSource(ImportSource):
    def __init__(self, path: Path, options: Any = None) -> None:
        super().__init__(path, *(() if options is None else (options,)))
        self.name = "foretell"
        self.jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json")
        self.label = "foretell export"
        self.verbatim = True

    def records(self, where: list[int] | None = None) -> Iterator[Record]:
        if self.jsonl:
            for line, obj in jsonl_objects(Input.file(self.path), where):
                yield self._record(line, obj)
            return
        table = Table(Input.file(self.path), required=("record",))
        unknown = [c for c in table.columns if c not in COLUMNS]
        if unknown:
            raise ForetellError(
                f"unknown column(s) {', '.join(repr(c) for c in unknown)}",
                self.path,
                table.header_line,
            )
        pos = [(name, table.index(name)) for name in COLUMNS]
        for line, row in table.rows(where):
            obj: dict[str, Any] = {}
            for name, index in pos:
                cell = row[index]
                if cell == "":
                    continue
                obj[name] = self._from_cell(name, cell, line)
            yield self._record(line, obj)

    def _from_cell(self, name: str, cell: str, line: int) -> Any:
        if name in JSON_CELLS or name in ("p", "seq", "low", "high"):
            try:
                return orjson.loads(cell)
            except orjson.JSONDecodeError:
                raise self.fail(f"{name}: not valid JSON: {cell[:40]!r}", line) from None
        return unneutralise(cell)  # exactly the quote the export added

    def _record(self, line: int, obj: dict[str, Any]) -> Record:
        kind = obj.get("record")
        if kind == "question":
            return self._question(line, obj)
        if kind not in ENTRY_KINDS:
            raise self.fail(
                f"record must be question, {', '.join(ENTRY_KINDS)}, not {kind!r}", line
            )
        author = obj.get("author")
        problem = ids.author_problem(author)
        if problem:
            raise self.fail(f"author: {problem}", line)
        question = self._text(obj, "question", line, required=True)
        at = self._at(obj, line)
        question_sha = self._text(obj, "question_sha", line)
        imported = self._text(obj, "imported", line)
        if kind == "forecast":
            payload = {k: obj[k] for k in ("p", "probs", "quantiles") if k in obj}
            return ForecastRow(
                line,
                question,
                author,
                at,
                payload,
                note=self._text(obj, "note", line),
                imported=imported,
                question_sha=question_sha,
            )
        if kind == "claim":
            return ClosingRow(
                line,
                question,
                author,
                kind,
                at,
                sha=self._text(obj, "sha", line),
                imported=imported,
                question_sha=question_sha,
                claim={k: obj[k] for k in CLAIM_FIELDS if obj.get(k) is not None},
            )
        on = obj.get("resolved_on")
        outcome = obj.get("outcome")
        if outcome is not None and not isinstance(outcome, str | int | float):
            raise self.fail("outcome must be text or a number", line)
        return ClosingRow(
            line,
            question,
            author,
            kind,
            at,
            outcome=outcome,
            resolved_on=self._day(on, "resolved_on", line) if on is not None else None,
            why=self._text(obj, "why", line),
            evidence=self._text(obj, "evidence", line),
            amends=self._text(obj, "amends", line),
            sha=self._text(obj, "sha", line),
            imported=imported,
            question_sha=question_sha,
        )

    def _question(self, line: int, obj: dict[str, Any]) -> QuestionFacts:
        qid = self._text(obj, "question", line, required=True)
        kind = obj.get("type")
        if kind not in QUESTION_TYPES:
            raise self.fail(f"type must be binary, multiple_choice or numeric, not {kind!r}", line)
        sources = []
        for item in self._list(obj, "sources", line):
            try:
                sources.append(Source.model_validate(item))
            except ValueError as err:
                raise self.fail(f"sources: {str(err).splitlines()[0]}", line) from None
        rng = obj.get("range")
        if rng is not None and not (isinstance(rng, list) and len(rng) == 2):
            raise self.fail("range must be [low, high]", line)
        options = obj.get("options")
        return QuestionFacts(
            id=qid,
            line=line,
            title=self._text(obj, "title", line, required=True),
            type=kind,
            options=tuple(self._list(obj, "options", line)) if options is not None else None,
            unit=self._text(obj, "unit", line),
            range=(rng[0], rng[1]) if rng is not None else None,
            thresholds=tuple(self._list(obj, "thresholds", line)),
            opened=self._day(obj.get("opened"), "opened", line),
            resolve_by=self._day(obj.get("resolve_by"), "resolve_by", line),
            criteria=self._text(obj, "criteria", line, required=True),
            tags=tuple(self._list(obj, "tags", line)),
            sources=tuple(sources),
            period_start=(
                self._day(obj["period_start"], "period_start", line)
                if obj.get("period_start") is not None
                else None
            ),
        )

    def _text(self, obj: dict[str, Any], key: str, line: int, required: bool = False) -> Any:
        value = obj.get(key)
        if value is None:
            if required:
                raise self.fail(f"{key} is missing", line)
            return None
        if not isinstance(value, str):
            raise self.fail(f"{key} must be text, not {value!r}", line)
        return value

    def _list(self, obj: dict[str, Any], key: str, line: int) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{key} must be a list", line)
        return value

    def _at(self, obj: dict[str, Any], line: int) -> str:
        value = obj.get("at")
        if not isinstance(value, str):
            raise self.fail("at is missing", line)
        try:
            return canonical_at(value)
        except ValueError as err:
            raise self.fail(f"at: {err}", line) from None

    def _day(self, value: Any, key: str, line: int) -> Any:
        if not isinstance(value, str):
            raise self.fail(f"{key} must be a date YYYY-MM-DD", line)
        try:
            return parse_day(value)
        except ValueError as err:
            raise self.fail(f"{key}: {err}", line) from None
