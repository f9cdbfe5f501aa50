"""Pydantic models for what a person types or edits: questions and the payloads of entries.

No I/O here. Questions live in ``forecasts/<id>.toml`` (see ``catalog``); entries live in
``ledger/<author>.jsonl`` (see ``ledger``).

``ordered`` (multiple choice: options listed in order, scored with the ranked probability
score too) and ``target_date`` (the date a quantity refers to, from which lead times are
counted) say how forecasts are scored, not how the question resolves; they are not terms.

A question's *terms* are the fields that decide how it resolves: title, type, criteria,
opened, resolve_by, options, unit, range, thresholds. ``question_sha`` is the SHA-256 of the
canonical JSON of the terms. Tags, sources and ``period_start`` are bookkeeping: editing them
does not change the hash, so it never invalidates forecasts already made.

``period_start`` (optional) is the first day of the period the question asks about (e.g.
2026-01-01 for a calendar-2026 figure, the first day of the month for "which month ...").
A forecast or claim dated on or after it was made while the asked-about period was under
way, with part of the answer in view: it is flagged as made in hindsight (see
``foretell.hindsight``). Questions without it are never flagged.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from foretell.ids import AUTHOR_PATTERN as AUTHOR_PATTERN  # the rules live in foretell.ids
from foretell.ids import ID_PATTERN as ID_PATTERN
from foretell.ids import id_problem
from foretell.parse import check_range
from foretell.terms import TERM_FIELDS as TERM_FIELDS  # a version's terms and their sha
from foretell.terms import terms_sha as terms_sha
from foretell.values import PROB_SUM_TOLERANCE as PROB_SUM_TOLERANCE  # plain checks of values
from foretell.values import format_level as format_level
from foretell.values import parse_outcome as parse_outcome
from foretell.values import slugify_author as slugify_author

QuestionType = Literal["binary", "multiple_choice", "numeric"]
QUESTION_TYPES: tuple[str, ...] = ("binary", "multiple_choice", "numeric")

OPTION_PATTERN = re.compile(r"^[^=,\s](?:[^=,]*[^=,\s])?\Z")
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._/-]*\Z")


class Source(BaseModel):
    """Where a question comes from: a seed document's file name or a URL, and its claim.

    ``claim`` states the source's claim in our own words; ``figures`` lists the figures the
    claim rests on exactly as the document prints them (e.g. ``"750,000"``), so a test can
    check each one occurs in the document.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str = Field(min_length=1)
    outlet: str | None = None
    date: dt.date | None = None
    claim: str = Field(min_length=1)
    figures: list[str] = Field(default_factory=list)

    @field_validator("date")
    @classmethod
    def _supported_year(cls, v: dt.date | None) -> dt.date | None:
        if v is not None:
            check_range(v)
        return v


class Question(BaseModel):
    """A question: binary, multiple choice (exclusive, exhaustive options) or numeric."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str = Field(min_length=1)
    type: QuestionType
    opened: dt.date
    resolve_by: dt.date
    criteria: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    options: list[str] | None = None
    unit: str | None = None
    range: tuple[float, float] | None = None
    thresholds: list[float] = Field(default_factory=list)
    period_start: dt.date | None = None
    # How to score, not how to resolve: neither is a term, so neither changes question_sha.
    ordered: bool = False  # multiple choice: the options are listed in their natural order
    target_date: dt.date | None = None  # the date the quantity refers to (lead times)

    @field_validator("id")
    @classmethod
    def _id_is_kebab(cls, v: str) -> str:
        problem = id_problem(v)
        if problem:
            raise ValueError(problem.removeprefix("question "))
        return v

    @field_validator("opened", "resolve_by")
    @classmethod
    def _supported_year(cls, v: dt.date) -> dt.date:
        check_range(v)
        return v

    @field_validator("tags")
    @classmethod
    def _tags_are_slugs(cls, v: list[str]) -> list[str]:
        for tag in v:
            if not TAG_PATTERN.match(tag):
                raise ValueError(f"tag {tag!r} must be lowercase with no spaces")
        return v

    @model_validator(mode="after")
    def _fits_its_type(self) -> Question:
        if self.resolve_by < self.opened:
            raise ValueError(f"resolve_by {self.resolve_by} is before opened {self.opened}")
        if self.period_start is not None and self.period_start > self.resolve_by:
            raise ValueError(
                f"period_start {self.period_start} is after resolve_by {self.resolve_by}"
            )
        if self.type == "multiple_choice":
            _check_options(self.options)
        elif self.ordered:
            raise ValueError(f"ordered only belongs to multiple_choice questions, not {self.type}")
        elif self.options is not None:
            raise ValueError(f"options only belong to multiple_choice questions, not {self.type}")
        if self.type == "numeric":
            _check_numeric(self.unit, self.range, self.thresholds)
        else:
            for name in ("unit", "range"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} only belongs to numeric questions, not {self.type}")
            if self.thresholds:
                raise ValueError(f"thresholds only belong to numeric questions, not {self.type}")
        return self

    def terms(self) -> dict[str, object]:
        """The fields that decide resolution, as plain JSON values."""
        data = self.model_dump(mode="json", include=set(TERM_FIELDS))
        return {k: data[k] for k in TERM_FIELDS}

    def sha(self) -> str:
        """SHA-256 of the canonical JSON of ``terms()`` (sorted keys, no spaces, UTF-8)."""
        return terms_sha(self.terms())


def _check_options(options: list[str] | None) -> None:
    if not options or len(options) < 2:
        raise ValueError("a multiple_choice question needs at least two options")
    for opt in options:
        if not OPTION_PATTERN.match(opt):
            raise ValueError(
                f"option {opt!r} must be non-empty, without '=' or ',' or surrounding spaces"
            )
    if len(set(options)) != len(options):
        raise ValueError("options must be distinct")


def _check_numeric(
    unit: str | None, rng: tuple[float, float] | None, thresholds: list[float]
) -> None:
    if not unit:
        raise ValueError("a numeric question needs a unit")
    if rng is None:
        raise ValueError("a numeric question needs a range [low, high]")
    low, high = rng
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ValueError(f"range [{low}, {high}] must be finite with low < high")
    for t in thresholds:
        if not (low <= t <= high):
            raise ValueError(f"threshold {t} lies outside the range [{low}, {high}]")
    if sorted(set(thresholds)) != list(thresholds):
        raise ValueError("thresholds must be distinct and increasing")


# --------------------------------------------------------------------------- payloads

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class BinaryForecast(BaseModel):
    """P(YES)."""

    model_config = ConfigDict(extra="forbid")
    p: Probability


class ChoiceForecast(BaseModel):
    """One probability per option; they sum to 1 within ``PROB_SUM_TOLERANCE``."""

    model_config = ConfigDict(extra="forbid")
    probs: dict[str, Probability]

    @field_validator("probs")
    @classmethod
    def _sums_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        total = math.fsum(v.values())
        if abs(total - 1.0) > PROB_SUM_TOLERANCE:
            raise ValueError(f"probabilities sum to {total:.6g}, not 1")
        return v


class QuantileForecast(BaseModel):
    """Quantiles {level: value}: levels strictly inside (0, 1), values non-decreasing in level."""

    model_config = ConfigDict(extra="forbid")
    quantiles: dict[float, float]

    @field_validator("quantiles")
    @classmethod
    def _ordered(cls, v: dict[float, float]) -> dict[float, float]:
        if not v:
            raise ValueError("give at least one quantile")
        items = sorted(v.items())
        for level, value in items:
            if not (0.0 < level < 1.0):
                raise ValueError(f"quantile level {level:g} must lie strictly between 0 and 1")
            if not math.isfinite(value):
                raise ValueError(f"quantile value {value} at level {level:g} is not finite")
        for (l0, v0), (l1, v1) in itertools.pairwise(items):
            if v1 < v0:
                raise ValueError(
                    f"quantile values must not decrease: {l0:g}={v0:g} but {l1:g}={v1:g}"
                )
        return dict(items)


def check_forecast_fits(question: Question, payload: dict[str, object]) -> dict[str, object]:
    """Validate a forecast payload against its question; return the payload as stored.

    Binary takes ``{"p"}``; multiple choice ``{"probs"}`` over exactly the question's options;
    numeric ``{"quantiles"}`` (stored with levels as strings, e.g. ``"0.05"``).
    """
    if question.type == "binary":
        if set(payload) != {"p"}:
            raise ValueError(f"{question.id} is binary: give one probability")
        return {"p": BinaryForecast.model_validate(payload).p}
    if question.type == "multiple_choice":
        if set(payload) != {"probs"}:
            raise ValueError(f"{question.id} is multiple choice: give --probs option=p ...")
        fc = ChoiceForecast.model_validate(payload)
        options = question.options or []
        unknown = [k for k in fc.probs if k not in options]
        if unknown:
            raise ValueError(
                f"unknown option(s) {', '.join(unknown)}; options: {', '.join(options)}"
            )
        missing = [o for o in options if o not in fc.probs]
        if missing:
            raise ValueError(f"missing option(s) {', '.join(missing)}")
        return {"probs": {o: fc.probs[o] for o in options}}
    if set(payload) != {"quantiles"}:
        raise ValueError(f"{question.id} is numeric: give --quantiles level=value ...")
    fq = QuantileForecast.model_validate(payload)
    return {"quantiles": {format_level(k): v for k, v in fq.quantiles.items()}}
