"""Parsers for what people type: probabilities, option=p pairs, quantiles, dates.

Each raises ``ValueError`` with a message fit to show the user.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PERCENT = re.compile(rf"^\s*([+-]?{_NUM})\s*%\s*$")
_ODDS = re.compile(rf"^\s*({_NUM})\s*:\s*({_NUM})(?:\s+(against|for|on))?\s*$", re.I)
_ONE_IN = re.compile(rf"^\s*({_NUM})\s+in\s+({_NUM})\s*$", re.I)
FORMS = "0.7, 70%, 7:3 (odds), 3:7 against or 1 in 20"
MIN_YEAR, MAX_YEAR = 1900, 2999
YEARS = f"{MIN_YEAR}-{MAX_YEAR}"


class TinyPercent(ValueError):
    """A percentage under 1% (``0.35%``): more often a slip for 35% than meant."""


def parse_probability(text: str, allow_tiny: bool = True) -> float:
    """A probability as people write it, in [0, 1]:

    '0.7' or '.7'; '70%'; odds 'a:b' = a / (a + b) ('7:3' -> 0.7, '7:3 for' the same);
    'a:b against' = b / (a + b) ('3:7 against' -> 0.7); 'k in n' = k / n ('1 in 20' -> 0.05).
    A bare number above 1 is refused rather than read as a percentage ('70' is ambiguous);
    a percentage above 0 and under 1% raises ``TinyPercent`` when ``allow_tiny`` is False
    (what people type at the command line; imported files are taken as written).
    """
    raw = text.strip()
    bad = f"{text!r} is not a probability (try {FORMS})"
    if odds := _ODDS.match(raw):
        a, b = float(odds.group(1)), float(odds.group(2))
        if a + b <= 0:
            raise ValueError(f"odds {raw} are 0:0")
        against = (odds.group(3) or "").lower() == "against"
        return (b if against else a) / (a + b)
    if one_in := _ONE_IN.match(raw):
        k, n = float(one_in.group(1)), float(one_in.group(2))
        if n <= 0 or k > n:
            raise ValueError(f"{raw!r}: in 'k in n', n must be positive and k at most n")
        return k / n
    match = _PERCENT.match(raw)
    try:
        value = float(match.group(1)) / 100.0 if match else float(raw)
    except ValueError:
        raise ValueError(bad) from None
    if not math.isfinite(value):
        raise ValueError(bad)
    if not 0.0 <= value <= 1.0:
        hint = f" (did you mean {raw}%?)" if match is None and 1.0 < value <= 100.0 else ""
        raise ValueError(f"probability {raw} is outside [0, 1]{hint}")
    if match and 0.0 < value < 0.01 and not allow_tiny:
        number = match.group(1)
        guess = f"{float(number) * 100:g}%"
        raise TinyPercent(f"{raw} is {value:g}; did you mean {guess}? (pass --yes to log {raw})")
    return value


_PAIR_SPLIT = re.compile(r"[,\s]+(?=[^,=\s]+\s*=)")


def split_pairs(items: list[str]) -> list[str]:
    """Pairs given with spaces, commas or both: ['a=0.2,b=0.5', 'c=0.3'] -> three items.

    A comma splits only where a new ``key=`` follows, so '0.5=700,000' stays whole.
    """
    out: list[str] = []
    for item in items:
        parts = [part.strip(" ,") for part in _PAIR_SPLIT.split(item.strip())]
        out.extend([part for part in parts if part] or [""])
    return out


def parse_pairs(items: list[str], what: str) -> list[tuple[str, str]]:
    """['a=0.2', 'b=0.8'] (or 'a=0.2,b=0.8') -> [('a', '0.2'), ('b', '0.8')]; keys distinct
    (compared without regard to case)."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in split_pairs(items):
        key, sep, value = item.rpartition("=")
        key = key.strip()
        if not sep or not key or not value.strip():
            raise ValueError(f"{item!r} is not {what}=value")
        if key.casefold() in seen:
            raise ValueError(f"{what} {key!r} is given twice")
        seen.add(key.casefold())
        pairs.append((key, value.strip()))
    return pairs


def parse_choice_probs(items: list[str], allow_tiny: bool = True) -> dict[str, float]:
    """['yes=60%', 'no=0.4'] -> {'yes': 0.6, 'no': 0.4} (sum checked by the model)."""
    return {k: parse_probability(v, allow_tiny) for k, v in parse_pairs(items, "option")}


def match_options(probs: dict[str, float], options: list[str]) -> dict[str, float]:
    """Keys spelled as the question spells its options, matched without regard to case
    (so '2026-Q4' is the option '2026-q4'); an unknown key is left as typed."""
    folded = {o.casefold(): o for o in options}
    return {folded.get(k.casefold(), k): v for k, v in probs.items()}


def parse_number(text: str) -> float:
    """'700000', '700,000', '7.5e9', '700_000' -> float; finite only."""
    raw = text.strip().replace(",", "").replace("_", "")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def parse_level(text: str) -> float:
    """A quantile level: '0.05' or '5%', strictly between 0 and 1."""
    try:
        level = parse_probability(text, allow_tiny=True)
    except ValueError:
        level = -1.0
    if not 0.0 < level < 1.0:
        raise ValueError(f"quantile level {text.strip()!r} must lie strictly between 0 and 1")
    return level


def parse_quantiles(items: list[str]) -> dict[float, float]:
    """['0.05=620000', '50%=700000', '0.95=800000'] -> {0.05: 620000.0, ...}.

    Order is checked by the model; ``require_median`` adds the rule for typed forecasts.
    """
    out: dict[float, float] = {}
    for key, value in parse_pairs(items, "level"):
        level = parse_level(key)
        if level in out:
            raise ValueError(f"quantile level {key} is given twice")
        out[level] = parse_number(value)
    return out


def require_median(quantiles: dict[float, float]) -> dict[float, float]:
    """A typed numeric forecast needs at least two levels, the median (0.5) among them: the
    weighted interval score is centred on the median."""
    if len(quantiles) < 2:
        raise ValueError(
            "give at least two quantiles, the median among them (e.g. 0.1=... 0.5=... 0.9=...)"
        )
    if not any(math.isclose(level, 0.5) for level in quantiles):
        raise ValueError("give the median too (0.5=value): the interval score is centred on it")
    return quantiles


PLACEHOLDER_CRITERIA = 20


def check_criteria(text: str) -> str:
    """Resolution criteria a stranger could apply: at least ``PLACEHOLDER_CRITERIA``
    characters and more than punctuation ('...', 'TBD' and the like are refused)."""
    plain = text.strip()
    letters = sum(ch.isalnum() for ch in plain)
    if len(plain) < PLACEHOLDER_CRITERIA or letters < PLACEHOLDER_CRITERIA // 2:
        raise ValueError(
            f"criteria {plain!r} look like a placeholder: say what counts as YES and NO and "
            f"which evidence decides (at least {PLACEHOLDER_CRITERIA} characters)"
        )
    return plain


class OutOfRange(ValueError):
    """A real date outside the supported years."""


def in_range(day: date) -> bool:
    """Whether a date (or a timestamp's date) lies in the supported years, 1900-2999."""
    return MIN_YEAR <= day.year <= MAX_YEAR


def check_range(day: date, what: str = "date") -> None:
    """ValueError unless ``day`` lies in the supported years (so no reader meets a date it
    cannot place on a calendar or a time axis)."""
    if not in_range(day):
        shown = day.date() if isinstance(day, datetime) else day
        raise OutOfRange(f"{what} {shown} is outside the supported years {YEARS}")


def parse_date(text: str) -> date:
    """'2026-12-31' (ISO date, years 1900-2999) -> date."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)") from None
    check_range(day)
    return day


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp; without an offset it is taken as UTC; a bare date is midnight UTC.
    Its UTC date must lie in the years 1900-2999."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset pushes it past year 1..9999
        raise ValueError(f"{text!r} is not a timestamp (use ISO 8601)") from None
    check_range(moment, "timestamp")
    return moment


def today_utc() -> date:
    return datetime.now(UTC).date()
