"""Claims: a party's stated outcome or value for a question, dated at its source and cited.

A claim is an entry of kind ``claim`` in the claimant's own chain (``ledger/<claimant>.jsonl``),
appended like every entry: ``at`` is when it was recorded, ``question_sha`` pins the terms.
Its own fields:

- ``on``: the day the source made the claim (``YYYY-MM-DD``, may be long past); scoring uses
  it as the claim's forecast time;
- ``source``: the document cited (a seed document's file name or a URL); ``figures``: the
  figures the claim rests on as the document prints them;
- ``hedge``: the hedge word, one of the verbal scale's words (``scoring.verbal``);
- the value: binary ``value`` "yes" or "no"; multiple choice ``value`` a list of options
  (one option, or several meaning "one of these"); numeric ``value`` (a point) or
  ``low`` and ``high`` (a range);
- ``note`` (optional).

A claim carries no probability of its own. The write path here imports no pandas.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foretell import catalog, ledger, status, terms
from foretell.errors import ForetellError
from foretell.hindsight import hindsight_note
from foretell.home import Home
from foretell.lock import project_lock
from foretell.scoring import verbal

if TYPE_CHECKING:  # the models (pydantic) load only where a claim's value is read
    from foretell.model import Question

KIND = "claim"
NEEDLE = b'"kind":"claim"'

_CURRENCY = "$€£¥"
_NUMBER = r"[-+]?(?:\d[\d,_]*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
_SUFFIX = r"(?:k|thousand|m|mn|million|b|bn|billion)"
_AMOUNT = rf"[{_CURRENCY}]?\s*(?P<n{{i}}>{_NUMBER})\s*(?P<s{{i}}>{_SUFFIX})?"
_AMOUNT_RE = re.compile(rf"^{_AMOUNT.format(i=1)}$", re.IGNORECASE)
_RANGE_RE = re.compile(
    rf"^{_AMOUNT.format(i=1)}\s*(?:-|–|—|\.\.|to)\s*{_AMOUNT.format(i=2)}$", re.IGNORECASE
)
_APPROX = re.compile(r"^(?:~|about|around|roughly|approximately|approx\.?|some)\s*", re.I)
_MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9,
}  # fmt: skip


def unit_multiplier(unit: str | None) -> float:
    """What one of the question's units is worth: 'USD billions' -> 1e9, 'units' -> 1."""
    words = (unit or "").lower()
    for word, mult in (("billion", 1e9), ("million", 1e6), ("thousand", 1e3)):
        if word in words:
            return mult
    return 1.0


def _amount(number: str, suffix: str | None, unit: str | None) -> float:
    value = float(number.replace(",", "").replace("_", ""))
    if suffix:
        value = value * _MULTIPLIERS[suffix.lower()] / unit_multiplier(unit)
    if not math.isfinite(value):
        raise ValueError(f"{number!r} is not a finite number")
    return value


def parse_numeric_claim(text: str, unit: str | None) -> tuple[float, float]:
    """A point or a range in the question's units, as (low, high) (equal for a point).

    Accepts '750000', '750,000', '750k', '~12', 'about $12B' (12 when the unit is 'USD
    billions': a suffix k/m/b is converted into the question's unit), '700000-800000',
    '700,000 to 800,000', '0.6m..0.7m'; the question's unit may follow ('750000 units').
    """
    raw = text.strip()
    if unit and raw.lower().endswith(unit.lower()):
        raw = raw[: -len(unit)].strip()
    raw = _APPROX.sub("", raw)
    point = _AMOUNT_RE.match(raw)
    if point:
        value = _amount(point["n1"], point["s1"], unit)
        return value, value
    span = _RANGE_RE.match(raw)
    if span:
        low = _amount(span["n1"], span["s1"], unit)
        high = _amount(span["n2"], span["s2"], unit)
        if not low < high:
            raise ValueError(f"the range {text.strip()!r} must go from low to high")
        return low, high
    raise ValueError(
        f"{text.strip()!r} is not a number or a range such as 700000-800000"
        + (f" (in {unit})" if unit else "")
    )


def claim_value(question: Question, text: str) -> dict[str, Any]:
    """The value fields of a claim, as stored, from what was typed; ValueError if it does not
    fit the question's type."""
    if question.type == "binary":
        from foretell.model import parse_outcome

        try:
            return {"value": parse_outcome(question, text)}
        except ValueError:
            raise ValueError(
                f"{question.id} is binary: claim yes or no, not {text.strip()!r}"
            ) from None
    if question.type == "multiple_choice":
        options = question.options or []
        folded = {o.lower(): o for o in options}
        chosen: list[str] = []
        for part in text.split(","):
            name = folded.get(part.strip().lower())
            if name is None:
                raise ValueError(
                    f"{part.strip()!r} is not an option of {question.id}: {', '.join(options)}"
                )
            if name not in chosen:
                chosen.append(name)
        if len(chosen) == len(options):
            raise ValueError("a claim naming every option claims nothing")
        return {"value": [o for o in options if o in chosen]}
    low, high = parse_numeric_claim(text, question.unit)
    lo, hi = question.range or (-math.inf, math.inf)
    if low < lo or high > hi:
        raise ValueError(
            f"{text.strip()!r} lies outside {question.id}'s range "
            f"[{lo:,.10g}, {hi:,.10g}] {question.unit} (is the unit right?)"
        )
    return {"value": low} if low == high else {"low": low, "high": high}


def claim_bounds(entry: dict[str, Any]) -> tuple[float, float] | None:
    """(low, high) of a numeric claim; None for other claims."""
    if "low" in entry and "high" in entry:
        return float(entry["low"]), float(entry["high"])
    value = entry.get("value")
    if type(value) in (int, float):
        return float(value), float(value)
    return None


def describe(entry: dict[str, Any]) -> str:
    """A claim's value for people: 'yes', '2026-04', 'one of 2027-q3, 2027-q4', '750,000',
    '700,000 to 800,000'."""
    bounds = claim_bounds(entry)
    if bounds is not None:
        low, high = bounds
        return f"{low:,.10g}" if low == high else f"{low:,.10g} to {high:,.10g}"
    value = entry.get("value")
    if isinstance(value, list):
        return value[0] if len(value) == 1 else "one of " + ", ".join(map(str, value))
    return str(value)


# ------------------------------------------------------------------------ writing


@dataclass(frozen=True)
class Recorded:
    entry: dict[str, Any]
    path: Path
    hindsight: str | None  # the hindsight note, when the claim was made in hindsight


def _close_day(home: Home, question: Question) -> date:
    """The last day a claim on the question can be scored: its resolution day or resolve_by."""
    final = status.question_status(home.ledger, question.id)
    if final is not None and final.kind == "annulment":
        raise ForetellError(f"{question.id} is annulled; a claim on it would never be scored")
    close = question.resolve_by
    if final is not None:
        for entry in _final_entries(home, question.id, final.sha):
            close = min(close, date.fromisoformat(entry["resolved_on"]))
    return close


def _final_entries(home: Home, question_id: str, sha: str) -> list[dict[str, Any]]:
    out = []
    for path in ledger.ledger_files(home.ledger):
        for raw in ledger.iter_lines(path):
            if raw.complete and sha.encode() in raw.data:
                entry = ledger.decode_line(raw.data)
                if entry.get("sha") == sha and isinstance(entry.get("resolved_on"), str):
                    out.append(entry)
    return out


def _same_claim(existing: dict[str, Any], entry: dict[str, Any]) -> bool:
    keys = ("question", "on", "source", "value", "low", "high")
    return all(existing.get(k) == entry.get(k) for k in keys)


def _duplicate(path: Path, entry: dict[str, Any]) -> int | None:
    """The line of an identical claim already in the claimant's chain, or None."""
    if not path.exists():
        return None
    for raw in ledger.iter_lines(path):
        if raw.complete and NEEDLE in raw.data:
            try:
                existing = ledger.decode_line(raw.data)
            except ValueError:
                continue
            if _same_claim(existing, entry):
                return raw.number
    return None


def record_claim(
    home: Home,
    question_id: str,
    value: str,
    by: str,
    source: str,
    on: date,
    hedge: str,
    note: str | None = None,
    figures: list[str] | None = None,
) -> Recorded:
    """Validate and append a claim to ``ledger/<by>.jsonl``.

    Refused: a value that does not fit the question, an unknown hedge word, an empty source
    or figure, a date in the future or after the question closed (its resolution day or
    resolve_by), an annulled question, and a claim identical to one already recorded. The
    checks and the append run under the project lock; the entry is timed on append.
    """
    with project_lock(home.ledger):
        return _record_claim(home, question_id, value, by, source, on, hedge, note, figures)


def _record_claim(
    home: Home,
    question_id: str,
    value: str,
    by: str,
    source: str,
    on: date,
    hedge: str,
    note: str | None,
    figures: list[str] | None,
) -> Recorded:
    question = catalog.find_question(home.forecasts, question_id)
    path = catalog.question_path(home.forecasts, question.id)
    terms.refuse_unrecorded_edit(home.ledger, question, path)  # as log, resolve and annul do
    try:
        fields = claim_value(question, value)
    except ValueError as err:
        raise ForetellError(str(err)) from None
    try:
        word = verbal.canonical(hedge)
    except ValueError as err:
        raise ForetellError(f"--hedge: {err}") from None
    if not source or not source.strip():
        raise ForetellError("--source names the document the claim is cited from")
    figures = [f.strip() for f in figures or []]
    if any(not f for f in figures):
        raise ForetellError("--figure must not be empty")
    today = datetime.now(UTC).date()
    if on > today:
        raise ForetellError(f"--on {on} is in the future; a claim is dated when the source made it")
    close = _close_day(home, question)
    if on > close:
        raise ForetellError(
            f"--on {on} is after {question.id} closed ({close}); such a claim cannot be scored"
        )
    claimant = ledger.ledger_path(home.ledger, by)  # validates the name
    entry: dict[str, Any] = {
        "kind": KIND,
        "question": question.id,
        "question_sha": question.sha(),
        "on": on.isoformat(),
        "source": source.strip(),
        "hedge": word,
        **fields,
        "figures": figures or None,
        "note": note or None,
    }
    line = _duplicate(claimant, entry)
    if line is not None:
        raise ForetellError("the same claim is already recorded", claimant, line)
    full = ledger.append(home.ledger, by, entry)
    return Recorded(full, claimant, hindsight_note(question, on, "claim"))


# ------------------------------------------------------------------------ reading


def read_claims(ledger_dir: Path) -> list[dict[str, Any]]:
    """Every claim entry, tagged with ``claimant`` (the file stem), ``line`` and ``edited``.

    Only the lines that ``claim_index`` lists are read and parsed, so a large ledger without
    claims costs little. Unreadable lines are skipped (verify reports them).
    """
    from foretell.claim_index import claim_lines

    out: list[dict[str, Any]] = []
    for path in ledger.ledger_files(ledger_dir):
        for number, data in claim_lines(path):
            try:
                entry = ledger.decode_line(data)
            except ValueError:
                continue
            if entry.get("kind") != KIND or not isinstance(entry.get("question"), str):
                continue
            entry["claimant"], entry["line"] = path.stem, number
            entry["edited"] = ledger.check_line_hash(data) is not None
            out.append(entry)
    out.sort(key=lambda e: (str(e.get("on")), e["claimant"], e["line"]))
    return out


# ------------------------------------------------------------------------ checking

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def claim_problem(question: Question, entry: dict[str, Any]) -> str | None:
    """Why a stored claim does not fit its question, or None (for ``verify``)."""
    on = entry.get("on")
    if not isinstance(on, str) or not _DATE.match(on):
        return f"a claim's 'on' must be a date YYYY-MM-DD, not {on!r}"
    at = entry.get("at")
    if isinstance(at, str) and on > at[:10]:
        return f"a claim made on {on} cannot have been recorded before it ({at[:10]})"
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        return "a claim needs its source ('source')"
    hedge = entry.get("hedge")
    if hedge not in {w.word for w in verbal.WORDS}:
        return f"hedge {hedge!r} is not a word of the verbal scale"
    figures = entry.get("figures", [])
    if not isinstance(figures, list) or not all(isinstance(f, str) and f for f in figures):
        return "figures must be a list of non-empty strings"
    value = entry.get("value")
    if question.type == "binary":
        return None if value in ("yes", "no") else f"a binary claim is yes or no, not {value!r}"
    if question.type == "multiple_choice":
        options = question.options or []
        if not isinstance(value, list) or not value or not all(v in options for v in value):
            return f"a multiple-choice claim is a list of options of {question.id}"
        if len(set(value)) == len(options):
            return "a claim naming every option claims nothing"
        return None
    bounds = claim_bounds(entry)
    if bounds is None or not all(math.isfinite(b) for b in bounds):
        return "a numeric claim needs a finite 'value', or 'low' and 'high'"
    low, high = bounds
    if "low" in entry and not low < high:
        return "a numeric claim's range needs low < high"
    lo, hi = question.range or (-math.inf, math.inf)
    if low < lo or high > hi:
        return f"the claimed value lies outside the question's range [{lo:g}, {hi:g}]"
    return None
