"""Metaculus' data export: ``question_data.csv`` and ``forecast_data.csv`` (or the zip).

Columns are read by name; extra columns are ignored and the optional ones may be missing,
since the export has grown over the years.

Questions: ``metaculus-<Question ID>``; title from ``Question Title`` (with ``Label`` for a
sub-question of a group); ``opened`` from ``Open Time``; ``resolve_by`` from ``Scheduled
Resolve Time`` if present, else ``Scheduled Close Time`` (moved to the last forecast's date
if a forecast came later). Binary and multiple-choice questions keep their type;
numeric, discrete and date questions become numeric (dates as seconds since 1970-01-01 UTC).

Forecasts: one per row, ``at`` = ``Start Time`` (``End Time``, a withdrawal, is not
represented: a forecast stands until the forecaster's next one). Rows with an empty
``Forecaster ID`` are the site's aggregates: they go to their own forecaster,
``metaculus-<method>`` (e.g. ``metaculus-recency-weighted``), or are skipped with
``--skip-aggregates``. People are named by ``Forecaster Username`` (or the anonymised hash).

Continuous forecasts are stored as quantiles read off the ``Continuous CDF`` (the rule is in
``metaculus_cells``).

Resolutions: ``Resolution`` yes/no, an option, a number (``below_lower_bound`` and
``above_upper_bound`` become the range's bounds) or a date, at ``Resolution Known Time``
(else ``Actual Close Time``), by ``metaculus``; ``annulled``/``ambiguous`` -> annulment.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foretell.errors import ForetellError
from foretell.interop.metaculus_cells import cdf_quantiles, parse_literal
from foretell.interop.reading import Input, Table
from foretell.interop.rows import (
    ClosingRow,
    ForecastRow,
    QuestionFacts,
    Record,
    at_date,
    author_slug,
    canonical_at,
    is_annulment,
    option_label,
    parse_day,
    parse_time,
    slug,
    tag_slug,
)
from foretell.interop.source import ImportSource
from foretell.model import Source

RESOLVER = "metaculus"
QUESTION_FILE = "question_data.csv"
FORECAST_FILE = "forecast_data.csv"
CONTINUOUS = ("numeric", "discrete", "date")
TYPES = ("binary", "multiple_choice", *CONTINUOUS)


@dataclass
class _Question:
    id: str
    line: int
    kind: str  # the Metaculus type
    options: tuple[str, ...] | None = None
    labels: dict[str, str] | None = None  # Metaculus label -> foretell option
    locations: list[float] | None = None  # Continuous Range, when given
    low: float | None = None
    high: float | None = None
    zero_point: float | None = None


class MetaculusSource(ImportSource):
    def __init__(self, path: Path, options: Any = None) -> None:
        super().__init__(path, *(() if options is None else (options,)))
        self.name = "metaculus"
        self.label = "Metaculus data export"
        self.question_input, self.forecast_input = _inputs(path)

    def shown_for(self, kind: str) -> Path:
        return self.question_input.shown if kind == "question" else self.forecast_input.shown

    @property
    def size(self) -> int | None:
        return self.forecast_input.size

    # ------------------------------------------------------------------ records

    def records(self, where: list[int] | None = None) -> Iterator[Record]:
        questions: dict[str, _Question] = {}
        yield from self._questions(questions)
        self.skipped = {"aggregate forecasts": 0}
        table = Table(self.forecast_input, required=("Question ID", "Start Time"))
        pos = {
            "qid": table.index("Question ID"),
            "fid": table.index("Forecaster ID"),
            "name": table.index(
                "Forecaster Username", "Forecaster (Anonymized)", "Forecaster", "Username"
            ),
            "start": table.index("Start Time"),
            "p": table.index("Probability Yes"),
            "per_category": table.index("Probability Yes Per Category"),
            "cdf": table.index("Continuous CDF"),
        }
        people: set[str] = set()
        aggregates: set[str] = set()
        names: dict[tuple[str, str], str] = {}
        skip = self.options.skip_aggregates
        for line, row in table.rows(where):
            qid = row[pos["qid"]].strip()
            question = questions.get(qid)
            if question is None:
                raise self.fail(f"Question ID {qid!r} is not in {QUESTION_FILE}", line, "forecast")
            fid, name = row[pos["fid"]].strip(), row[pos["name"]].strip()
            aggregate = not fid
            if aggregate and skip:
                self.skipped["aggregate forecasts"] += 1
                continue
            author = names.get((fid, name))
            if author is None:
                author = self._author(fid, name, line)
                names[(fid, name)] = author
                (aggregates if aggregate else people).add(author)
                if author in people and author in aggregates:
                    raise self.fail(
                        f"forecaster {name!r} would share the ledger name {author!r} with "
                        "an aggregate",
                        line,
                        "forecast",
                    )
            try:
                at = canonical_at(row[pos["start"]])
            except ValueError as err:
                raise self.fail(f"Start Time: {err}", line, "forecast") from None
            payload = self._payload(question, row, pos, line)
            yield ForecastRow(line, question.id, author, at, payload)

    def _author(self, fid: str, name: str, line: int) -> str:
        try:
            if not fid:
                return f"metaculus-{slug(name or 'aggregate', 50) or 'aggregate'}"
            if name:
                return author_slug(name)
            return f"metaculus-user-{slug(fid, 40)}"
        except ValueError as err:
            raise self.fail(f"Forecaster Username: {err}", line, "forecast") from None

    def _payload(
        self, question: _Question, row: list[str], pos: dict[str, int], line: int
    ) -> dict[str, Any]:
        kind = question.kind
        try:
            if kind == "binary":
                text = row[pos["p"]].strip()
                if not text:
                    raise ValueError("Probability Yes is empty")
                return {"p": float(text)}
            if kind == "multiple_choice":
                values = parse_literal(row[pos["per_category"]])
                options = question.options or ()
                if not isinstance(values, list) or len(values) != len(options):
                    raise ValueError(
                        f"Probability Yes Per Category must list {len(options)} probabilities "
                        f"(one per option of {question.id})"
                    )
                pairs = zip(options, values, strict=True)
                return {"probs": {o: 0.0 if v is None else float(v) for o, v in pairs}}
            cdf = parse_literal(row[pos["cdf"]])
            if not isinstance(cdf, list):
                raise ValueError("Continuous CDF must be a list of probabilities")
            if question.low is None or question.high is None:
                raise ValueError(f"the range of question {question.id} is not known")
            quantiles = cdf_quantiles(
                cdf, question.low, question.high, question.zero_point, question.locations
            )
            return {"quantiles": quantiles}
        except (ValueError, TypeError) as err:
            raise self.fail(str(err), line, "forecast") from None

    # ------------------------------------------------------------------ questions

    def _questions(self, questions: dict[str, _Question]) -> Iterator[Record]:
        table = Table(self.question_input, required=("Question ID", "Question Title"))
        col = table.index
        for line, row in table.rows():
            qid = row[col("Question ID")].strip()
            if not qid:
                raise self.fail("Question ID is empty", line)
            if qid in questions:
                raise self.fail(f"Question ID {qid} appears twice", line)
            kind = row[col("Question Type")].strip().lower().replace(" ", "_") or "binary"
            if kind not in TYPES:
                raise self.fail(f"Question Type {kind!r} is not supported", line)
            fid = f"metaculus-{slug(qid, 40)}"
            question = questions[qid] = _Question(fid, line, kind)
            title = row[col("Question Title")].strip()
            label = row[col("Label")].strip()
            if label and label not in title:
                title = f"{title} ({label})"
            url = row[col("Question URL")].strip()
            facts = QuestionFacts(
                id=fid,
                line=line,
                title=title,
                opened=self._day(row, col, ("Open Time", "Post Published Time"), line),
                resolve_by=self._day(
                    row, col, ("Scheduled Resolve Time", "Scheduled Close Time"), line
                ),
                tags=self._tags(row[col("Categories")]),
                sources=(
                    Source(
                        document=url or self.question_input.shown.name,
                        outlet="Metaculus",
                        claim="Question, forecasts and resolution imported from a Metaculus "
                        "data export.",
                    ),
                ),
                stretch_resolve_by=True,
            )
            criteria = (
                f"Imported from Metaculus question {qid}"
                + (f" ({url})" if url else "")
                + ". It resolves as Metaculus resolved it; annulled or ambiguous there means "
                "annulled here."
            )
            if kind == "binary":
                facts.type = "binary"
            elif kind == "multiple_choice":
                facts.type = "multiple_choice"
                facts.options = self._options(question, row, col, line)
            else:
                facts.type = "numeric"
                self._scale(question, row, col, line)
                assert question.low is not None and question.high is not None
                facts.range = (question.low, question.high)
                facts.unit = row[col("Unit")].strip() or (
                    "seconds since 1970-01-01 UTC" if kind == "date" else "as on Metaculus"
                )
                criteria += (
                    " Forecasts were imported as quantiles read off Metaculus' CDF; probability "
                    "outside the range puts a quantile at the range's bound."
                )
            facts.criteria = criteria
            yield facts
            closing = self._closing(question, row, col, line)
            if closing is not None:
                yield closing

    def _options(self, question: _Question, row: list[str], col: Any, line: int) -> tuple[str, ...]:
        raw = ""
        for name in ("MC Options (All)", "MC Options", "MC Options (Current)"):
            raw = row[col(name)].strip()
            if raw:
                break
        labels: list[str] = []
        try:
            if raw:
                labels = [str(x) for x in parse_literal(raw)]
            else:
                history = parse_literal(row[col("MC Options History")].strip() or "[]")
                for entry in history:
                    current = entry[-1] if isinstance(entry, list | tuple) else entry
                    for x in current if isinstance(current, list) else []:
                        if str(x) not in labels:
                            labels.append(str(x))
        except (ValueError, TypeError, IndexError, KeyError):
            raise self.fail("MC Options: cannot read the list of options", line) from None
        mapped = {label: option_label(label) for label in labels}
        if any(not v for v in mapped.values()) or len(set(mapped.values())) != len(mapped):
            raise self.fail("MC Options: options must be distinct and non-empty", line)
        question.labels = mapped
        question.options = tuple(mapped.values())
        return question.options

    def _scale(self, question: _Question, row: list[str], col: Any, line: int) -> None:
        scaling: dict[str, Any] = {}
        text = row[col("Scaling")].strip()
        if text:
            try:
                value = parse_literal(text)
            except ValueError as err:
                raise self.fail(f"Scaling: {err}", line) from None
            if isinstance(value, dict):
                scaling = {str(k).strip().lower().replace(" ", "_"): v for k, v in value.items()}
        try:
            low = self._bound(row[col("Lower Bound")] or scaling.get("range_min"))
            high = self._bound(row[col("Upper Bound")] or scaling.get("range_max"))
            zero = scaling.get("zero_point")
            zero_text = row[col("Zero Point")].strip()
            zero = self._bound(zero_text) if zero_text else self._bound(zero)
            locations_text = row[col("Continuous Range")].strip()
            locations = (
                [self._bound(x) for x in parse_literal(locations_text)] if locations_text else None
            )
        except (ValueError, TypeError) as err:
            raise self.fail(f"the question's range: {err}", line) from None
        if locations is not None and any(x is None for x in locations):
            raise self.fail("Continuous Range has empty values", line)
        if low is None and locations:
            low = locations[0]
        if high is None and locations:
            high = locations[-1]
        if low is None or high is None:
            raise self.fail("a continuous question needs Lower Bound and Upper Bound", line)
        question.low, question.high, question.zero_point = low, high, zero
        question.locations = locations  # type: ignore[assignment]

    def _bound(self, value: Any) -> float | None:
        """A bound or location: a number, or a date/time (as seconds since 1970 UTC)."""
        if value is None or value == "":
            return None
        if isinstance(value, int | float):
            return float(value)
        text = str(value).strip()
        if text.lower() in ("none", "null", "nan"):
            return None
        try:
            number = float(text)
        except ValueError:
            return parse_time(text).timestamp()
        if not math.isfinite(number):
            raise ValueError(f"{text!r} is not a finite number")
        return number

    def _closing(
        self, question: _Question, row: list[str], col: Any, line: int
    ) -> ClosingRow | None:
        text = row[col("Resolution")].strip()
        if not text:
            return None
        at = None
        for name in ("Resolution Known Time", "Actual Close Time"):
            value = row[col(name)].strip()
            if value:
                try:
                    at = canonical_at(value)
                except ValueError as err:
                    raise self.fail(f"{name}: {err}", line) from None
                break
        on = at_date(at) if at else None
        if is_annulment(text):
            return ClosingRow(
                line,
                question.id,
                RESOLVER,
                "annulment",
                at,
                resolved_on=on,
                why=f"{text} on Metaculus",
            )
        outcome: str | float = text
        if question.kind == "multiple_choice":
            outcome = (question.labels or {}).get(text) or option_label(text) or text
        elif question.kind in CONTINUOUS:
            low_text = text.lower()
            if low_text == "below_lower_bound":
                outcome = question.low if question.low is not None else text
            elif low_text == "above_upper_bound":
                outcome = question.high if question.high is not None else text
            else:
                try:
                    bound = self._bound(text)
                except ValueError:
                    bound = None
                outcome = bound if bound is not None else text
        return ClosingRow(
            line, question.id, RESOLVER, "resolution", at, outcome=outcome, resolved_on=on
        )

    def _day(self, row: list[str], col: Any, names: tuple[str, ...], line: int) -> Any:
        for name in names:
            text = row[col(name)].strip()
            if text:
                try:
                    return parse_day(text)
                except ValueError as err:
                    raise self.fail(f"{name}: {err}", line) from None
        return None

    def _tags(self, text: str) -> tuple[str, ...]:
        tags = ["metaculus"]
        if text.strip():
            try:
                value = parse_literal(text)
            except ValueError:
                value = text.split(",")
            for item in value if isinstance(value, list) else [value]:
                tag = tag_slug(str(item))
                if tag and tag not in tags:
                    tags.append(tag)
        return tuple(tags)


def _inputs(path: Path) -> tuple[Input, Input]:
    """question_data.csv and forecast_data.csv from a zip, a folder, or either file."""
    if path.is_dir():
        return Input.file(path / QUESTION_FILE), Input.file(path / FORECAST_FILE)
    if not path.exists():
        raise ForetellError("no such file", path)
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (OSError, zipfile.BadZipFile) as err:
            raise ForetellError(f"cannot read the zip: {err}", path) from None
        found = {}
        for wanted in (QUESTION_FILE, FORECAST_FILE):
            matches = sorted(n for n in names if n.rsplit("/", 1)[-1] == wanted)
            if not matches:
                raise ForetellError(f"the zip holds no {wanted}", path)
            found[wanted] = Input.zip_member(path, matches[0])
        return found[QUESTION_FILE], found[FORECAST_FILE]
    name = path.name
    if "question_data" in name:
        return Input.file(path), Input.file(
            path.with_name(name.replace("question_data", "forecast_data"))
        )
    if "forecast_data" in name:
        return Input.file(
            path.with_name(name.replace("forecast_data", "question_data"))
        ), Input.file(path)
    raise ForetellError(
        f"expected a Metaculus export: a zip, a folder, or {QUESTION_FILE} / {FORECAST_FILE}",
        path,
    )
