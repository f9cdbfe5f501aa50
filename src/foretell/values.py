"""Plain checks of the values a person types, for the write path: no pydantic here.

``fit_forecast`` accepts exactly what ``foretell.model.check_forecast_fits`` accepts and
returns the same stored form. The common, valid case is decided by a few comparisons; any
payload that does not pass them is handed to ``check_forecast_fits`` itself (pydantic is
imported only then), so a mistake gets the message typed input has always given and anything
the model accepts is accepted.
"""

from __future__ import annotations

import math
import re
from typing import Any, Protocol

from foretell.ids import AUTHOR_PATTERN

PROB_SUM_TOLERANCE = 1e-6


class QuestionLike(Protocol):
    """What these checks read of a question (a ``Question`` or ``checked.Terms``)."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def options(self) -> list[str] | None: ...


_LEVELS: dict[float, str] = {}


def level_key(level: float) -> str:
    """``format_level``, memoised (imports repeat the same few levels)."""
    key = _LEVELS.get(level)
    if key is None:
        key = format_level(level)
        if len(_LEVELS) < 4096:
            _LEVELS[level] = key
    return key


def fit_forecast(question: QuestionLike, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as stored, or ValueError with typed input's message."""
    options = tuple(question.options) if question.options is not None else None
    return fit_payload(question.id, question.type, options, payload)


def fit_payload(
    question_id: str, kind: str, options: tuple[str, ...] | None, payload: dict[str, Any]
) -> dict[str, Any]:
    """The payload as stored, or ValueError with typed input's message."""
    if len(payload) == 1:
        if kind == "binary":
            p = payload.get("p")
            if type(p) is float and 0.0 <= p <= 1.0:
                return payload
        elif kind == "multiple_choice":
            probs = payload.get("probs")
            if type(probs) is dict and options and len(probs) == len(options):
                fitted = _fit_probs(probs, options)
                if fitted is not None:
                    return {"probs": fitted}
        elif kind == "numeric":
            quantiles = payload.get("quantiles")
            if type(quantiles) is dict and quantiles:
                fitted_q = _fit_quantiles(quantiles)
                if fitted_q is not None:
                    return {"quantiles": fitted_q}
    return slow_fit(question_id, kind, options, payload)


def _fit_probs(probs: dict[str, Any], options: tuple[str, ...]) -> dict[str, float] | None:
    out: dict[str, float] = {}
    for option in options:
        value = probs.get(option)
        if type(value) is not float or not 0.0 <= value <= 1.0:
            return None
        out[option] = value
    if abs(math.fsum(out.values()) - 1.0) > PROB_SUM_TOLERANCE:
        return None
    return out


def _fit_quantiles(quantiles: dict[Any, Any]) -> dict[str, float] | None:
    items: list[tuple[float, float]] = []
    for level, value in quantiles.items():
        if type(level) is str:
            try:
                level = float(level)
            except ValueError:
                return None
        if type(level) is not float or type(value) is not float:
            return None
        if not (0.0 < level < 1.0) or not math.isfinite(value):
            return None
        items.append((level, value))
    items.sort()
    previous = -math.inf
    last_level = None
    for level, value in items:
        if value < previous or level == last_level:
            return None
        previous, last_level = value, level
    return {level_key(level): value for level, value in items}


def slow_fit(
    question_id: str, kind: str, options: tuple[str, ...] | None, payload: dict[str, Any]
) -> dict[str, Any]:
    """``check_forecast_fits`` on a stand-in question with this id, type and options."""
    from pydantic import ValidationError

    from foretell.catalog import describe_validation_error
    from foretell.model import Question, check_forecast_fits

    stand_in = Question.model_construct(
        id=question_id, type=kind, options=list(options) if options is not None else None
    )
    try:
        return check_forecast_fits(stand_in, payload)
    except ValidationError as err:
        raise ValueError(describe_validation_error(err)) from None


def format_level(level: float) -> str:
    """Quantile level as stored: shortest round-trip repr, e.g. 0.05 -> '0.05'."""
    return repr(float(level))


def parse_outcome(question: QuestionLike, text: str) -> str | float:
    """Outcome as stored: 'yes'/'no' for binary, the option for multiple choice, a float."""
    raw = text.strip()
    if question.type == "binary":
        low = raw.lower()
        if low in ("yes", "y", "true", "1"):
            return "yes"
        if low in ("no", "n", "false", "0"):
            return "no"
        raise ValueError(f"{question.id} is binary: the outcome is yes or no, not {raw!r}")
    if question.type == "multiple_choice":
        options = question.options or []
        if raw in options:
            return raw
        folded = {o.lower(): o for o in options}
        if raw.lower() in folded:
            return folded[raw.lower()]
        raise ValueError(f"{raw!r} is not an option of {question.id}: {', '.join(options)}")
    try:
        value = float(raw.replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(
            f"{question.id} is numeric: the outcome is a number, not {raw!r}"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"outcome {raw!r} is not a finite number")
    return value


def probability_outcome(question: QuestionLike, given: float | str) -> str | float:
    """An outcome that is a probability (a market price, a panel's judgement), as stored:
    a float strictly between 0 and 1, or 'no'/'yes' for exactly 0/1. Binary questions only.
    ``given`` may be text ('0.03')."""
    try:
        value = float(given)
    except ValueError:
        raise ValueError(f"--probability must be a number in [0, 1], not {given!r}") from None
    if question.type != "binary":
        raise ValueError(
            f"{question.id} is {question.type.replace('_', ' ')}: only a binary question can "
            "be resolved to a probability"
        )
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"--probability must lie in [0, 1], not {value!r}")
    if value in (0.0, 1.0):
        return "yes" if value == 1.0 else "no"
    return float(value)


def slugify_author(name: str) -> str:
    """Author name -> ledger file stem: lowercase, runs of other characters become '-'.

    'Alice Smith' -> 'alice-smith'. Raises ValueError when nothing usable is left.
    """
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.strip().lower()).strip("-._")[:64]
    if not AUTHOR_PATTERN.match(slug):
        raise ValueError(f"cannot make a ledger name from {name!r}")
    return slug
