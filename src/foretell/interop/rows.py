"""The normalised records every import format is turned into, and the small parsers they share.

A format's parser reads a file and yields, in file order:

- ``QuestionFacts``: what the source says about a question (``None`` = not said on this row);
  the facts of one question may be spread over many rows and must agree where they overlap;
- ``ForecastRow``: one forecast, its payload not yet checked against the question;
- ``ClosingRow``: a resolution or annulment (and, in foretell's own format, an amendment or
  a claim).

Timestamps are stored as the ledger stores them: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC), so
that they compare correctly as strings. A timestamp without an offset is read as UTC and a
bare date as midnight UTC, as for typed input (``foretell.parse.parse_timestamp``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from foretell import ledger, parse
from foretell.model import OPTION_PATTERN, TAG_PATTERN, Source, slugify_author

ANNUL_WORDS = frozenset({"annulled", "annul", "ambiguous", "void", "voided", "cancelled", "n/a"})


@dataclass(slots=True)
class QuestionFacts:
    """What a source states about a question on one row; None means 'not stated here'."""

    id: str
    line: int
    title: str | None = None
    type: str | None = None
    options: tuple[str, ...] | None = None
    unit: str | None = None
    range: tuple[float, float] | None = None
    thresholds: tuple[float, ...] | None = None
    opened: date | None = None
    resolve_by: date | None = None
    criteria: str | None = None
    tags: tuple[str, ...] | None = None
    sources: tuple[Source, ...] | None = None
    period_start: date | None = None
    # Foreign formats: if forecasts were made after the source's resolve-by date, the date is
    # moved to the last forecast's date (and the criteria say so) instead of refusing them.
    stretch_resolve_by: bool = False


@dataclass(slots=True)
class ForecastRow:
    """One forecast. ``payload`` is ``{"p": float}``, ``{"probs": {option: float}}`` or
    ``{"quantiles": {level: value}}`` (levels as floats or strings) before checking."""

    line: int
    question: str
    author: str
    at: str
    payload: dict[str, Any]
    note: str | None = None
    imported: str | None = None  # foretell's own format: kept as exported
    question_sha: str | None = None  # foretell's own format: kept as exported


@dataclass(slots=True)
class ClosingRow:
    """A resolution (``outcome`` as text or number), an annulment, or (foretell's format
    only) an amendment or a claim (its own fields in ``claim``). ``at`` None: the time of the
    question's last forecast."""

    line: int
    question: str
    author: str
    kind: str  # resolution | annulment | amendment | claim
    at: str | None = None
    outcome: str | float | None = None
    resolved_on: date | None = None
    why: str | None = None
    evidence: str | None = None
    amends: str | None = None  # foretell's format: sha of the replaced entry, as exported
    sha: str | None = None  # foretell's format: the entry's sha, as exported
    imported: str | None = None
    question_sha: str | None = None
    claim: dict[str, Any] | None = None  # a claim's on, source, hedge, value, figures, note


Record = QuestionFacts | ForecastRow | ClosingRow


# --------------------------------------------------------------------------- text -> values


_LOOSE_TIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?$",
    re.IGNORECASE,
)


def parse_time(text: str) -> datetime:
    """ISO 8601 (with ``Z``, an offset, or none = UTC), a bare date (midnight UTC), or the
    loose ``2024-05-03 9:04:7`` some exports write. Raises ValueError as typed input does."""
    raw = text.strip()
    try:
        return parse.parse_timestamp(raw)
    except ValueError:
        pass
    match = _LOOSE_TIME.match(raw)
    if match is None:
        return parse.parse_timestamp(raw)  # raises with the typed-input message
    y, mo, d, h, mi, s, frac, zone = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), micro)
    except ValueError:
        return parse.parse_timestamp(raw)
    if zone and zone.upper() not in ("Z", "UTC", "GMT"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        try:
            zoned = moment.replace(tzinfo=timezone(timedelta(minutes=offset))).astimezone(UTC)
        except (ValueError, OverflowError):  # an offset of a day or more, or past year 1..9999
            return parse.parse_timestamp(raw)
    else:
        zoned = moment.replace(tzinfo=UTC)
    parse.check_range(zoned, "timestamp")
    return zoned


def canonical_at(text: str) -> str:
    """A timestamp as the ledger stores it; text already in that form is only checked."""
    if len(text) == 27 and text[26] == "Z" and text[10] == "T" and text[19] == ".":
        try:
            moment = datetime.fromisoformat(text[:26])
        except ValueError:
            pass
        else:
            if parse.in_range(moment):
                return text
    if len(text) == 20 and text[19] in "Zz" and text[10] == "T":  # whole seconds, UTC
        try:
            moment = datetime.fromisoformat(text[:19])
        except ValueError:
            pass
        else:
            if parse.in_range(moment):
                return text[:19] + ".000000Z"
    return ledger.format_at(parse_time(text))


def parse_day(text: str) -> date:
    """A date, or the UTC date of a timestamp."""
    raw = text.strip()
    if len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            pass
        else:
            parse.check_range(day)
            return day
    try:
        return parse_time(raw).date()
    except parse.OutOfRange:
        raise
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def at_date(at: str) -> date:
    """The UTC date of a stored timestamp."""
    return date(int(at[0:4]), int(at[5:7]), int(at[8:10]))


def midnight_at(day: date) -> str:
    return f"{day.isoformat()}T00:00:00.000000Z"


def is_annulment(text: str) -> bool:
    return text.strip().lower() in ANNUL_WORDS


# --------------------------------------------------------------------------- names


def slug(text: str, limit: int = 60) -> str:
    """Lowercase-kebab slug (a-z, 0-9, single hyphens), cut at ``limit`` on a word boundary."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            if not out:
                out = word[:limit]
            break
        out = candidate
    return out


def question_id(prefix: str, text: str) -> str:
    """``<prefix>-<slug>``, e.g. ``fatebook-will-it-rain``; just the prefix if nothing is left."""
    tail = slug(text)
    return f"{prefix}-{tail}" if tail else prefix


def author_slug(name: str) -> str:
    """A ledger name for a person or system (``foretell.model.slugify_author``); accents are
    folded to ASCII first so that 'José' becomes 'jose'."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return slugify_author(folded if folded.strip() else name)


def tag_slug(text: str) -> str | None:
    """A tag as foretell stores them (lowercase, no spaces), or None if nothing is left."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    tag = re.sub(r"[^a-z0-9._/-]+", "-", folded.strip().lower()).strip("-._/")
    return tag if tag and TAG_PATTERN.match(tag) else None


def split_tags(text: str) -> tuple[str, ...]:
    """'AI, Chips; export controls' -> ('ai', 'chips', 'export-controls'), deduplicated."""
    out: list[str] = []
    for part in re.split(r"[,;|]", text):
        tag = tag_slug(part)
        if tag and tag not in out:
            out.append(tag)
    return tuple(out)


def option_label(text: str) -> str:
    """An option as foretell allows it: no '=' or ',' and no surrounding spaces ('=' and ','
    become ':' and ';'; runs of whitespace become one space)."""
    label = " ".join(text.replace("=", ":").replace(",", ";").split())
    return label if OPTION_PATTERN.match(label) else ""
