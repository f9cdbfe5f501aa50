"""The write path: ask, log, resolve, annul, amend. Shared by the CLI and the Python API.

Each action validates everything first and appends one entry (or writes one new question
file) only when all checks pass, so a refused command leaves nothing behind. Every check
that depends on the ledger (is the question still open? already resolved? which version is
recorded?) is made while holding the project lock (``lock.py``) that the write takes, and
the entry's time is taken under it: two commands racing each other see each other's
entries. No pandas, statsmodels, matplotlib or pydantic here: questions come through
``checked`` and values are checked by ``values`` (pydantic only for a question file not seen
before, or a mistake).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foretell import checked, ledger, parse, status, terms
from foretell.checked import Terms
from foretell.errors import ForetellError
from foretell.home import Home
from foretell.lock import project_lock
from foretell.values import fit_forecast, parse_outcome, probability_outcome, slugify_author

if TYPE_CHECKING:
    from foretell.model import Question

USER_ENV = "FORETELL_USER"
BACKDATED = "backdated"  # the ``imported`` mark of a forecast logged with an explicit time


def default_author() -> str:
    """FORETELL_USER, then git's user.name, then the login name; slugified."""
    return default_author_and_source()[0]


def default_author_and_source() -> tuple[str, str]:
    """The default author and where the name came from: 'FORETELL_USER', "git's user.name",
    'the login name' or 'no name found'."""
    name = os.environ.get(USER_ENV, "").strip()
    if name:
        return author_name(name), USER_ENV
    import subprocess

    try:
        done = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=5
        )
        name = done.stdout.strip() if done.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        name = ""
    if name:
        return author_name(name), "git's user.name"
    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = ""
    if name:
        return author_name(name), "the login name"
    return author_name("anonymous"), "no name found"


def author_note(by: str | None) -> str | None:
    """A line saying which author a write used, when neither --by nor FORETELL_USER chose it."""
    if by is not None:
        return None
    name, source = default_author_and_source()
    if source == USER_ENV:
        return None
    return f"as {name} (from {source}; set {USER_ENV} or pass --by to choose)"


def resolve_author(by: str | None) -> str:
    """``--by`` when given (an empty name is refused), else the default author."""
    return default_author() if by is None else author_name(by)


def author_name(name: str) -> str:
    try:
        return slugify_author(name)
    except ValueError as err:
        raise ForetellError(str(err)) from None


def ask(home: Home, question: Question) -> Path:
    """Write a new question file; refuses an id that exists."""
    from foretell import catalog

    with project_lock(home.ledger):
        path = catalog.write_new_question(home.forecasts, question)
    checked.remember(home, question)
    return path


def _recorded_question(home: Home, question_id: str) -> Terms:
    """The question, refused when its terms were edited without ``amend`` (once versions of
    it are recorded, the current terms must be one of them): a forecast, resolution or
    annulment is made against terms the ledger knows. Call under the project lock."""
    question = checked.find_question(home, question_id)
    terms.refuse_unrecorded_edit(home.ledger, question, home.forecasts / f"{question.id}.toml")
    return question


def _refuse_if_closed(home: Home, question: Question | Terms, doing: str) -> None:
    final = status.question_status(home.ledger, question.id)
    if final is not None:
        state = "resolved" if final.kind == "resolution" else "annulled"
        raise ForetellError(f"{question.id} is {state} ({final.at[:10]}); cannot {doing}")


def forecast_payload(
    question: Question | Terms,
    values: list[str],
    probs: bool = False,
    quantiles: bool = False,
    allow_tiny: bool = False,
) -> dict[str, Any]:
    """The payload of a forecast given as text, as typed on the command line.

    Binary: one probability (see ``parse.parse_probability``); multiple choice: 'option=p'
    pairs, with spaces or commas between them, options matched without regard to case;
    numeric: 'level=value' pairs including the median. ``probs``/``quantiles`` say which form
    the user meant; ``allow_tiny`` lets a percentage under 1% through (``--yes``).
    """
    if not values:
        raise ForetellError("give a probability, option=p pairs or level=value pairs")
    if probs and quantiles:
        raise ForetellError("use --probs or --quantiles, not both")
    try:
        if question.type == "binary":
            if probs or quantiles or len(values) != 1:
                raise ForetellError(
                    f"{question.id} is binary: give one probability, e.g. 0.7, 70% or 7:3"
                )
            p = typed_value("P", lambda t: parse.parse_probability(t, allow_tiny), values[0])
            return {"p": p}
        if question.type == "multiple_choice":
            if quantiles:
                raise ForetellError(f"{question.id} is multiple choice: use --probs option=p ...")
            given = typed_value(
                "--probs", lambda v: parse.parse_choice_probs(v, allow_tiny), values
            )
            return {"probs": parse.match_options(given, question.options or [])}
        if probs:
            raise ForetellError(f"{question.id} is numeric: use --quantiles level=value ...")
        levels = typed_value("--quantiles", parse.parse_quantiles, values)
        fit_forecast(question, {"quantiles": levels})  # order first, then the median
        return {"quantiles": typed_value("--quantiles", parse.require_median, levels)}
    except ValueError as err:
        raise ForetellError(str(err)) from None


def typed_value(what: str, parser: Callable[[Any], Any], text: Any) -> Any:
    """``parser(text)``, its ValueError turned into a ForetellError naming ``what``."""
    try:
        return parser(text)
    except ValueError as err:
        raise ForetellError(f"{what}: {err}") from None


def optional_date(text: str | None, what: str) -> date | None:
    """``text`` as a date (YYYY-MM-DD), None for None; an error names the option ``what``."""
    return None if text is None else typed_value(what, parse.parse_date, text)


def log_forecast(
    home: Home,
    question_id: str,
    payload: dict[str, Any],
    by: str,
    note: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Append a forecast. Refused on a resolved or annulled question, or after resolve_by.

    Without ``at`` the forecast is timed when it is written, under the lock. With ``at`` (a
    past forecast entered now) it keeps that time and is marked ``imported: "backdated"``,
    like imported history: the time order ``verify`` checks is that of entries timed when
    written."""
    if at is not None and at.tzinfo is None:
        raise ForetellError("a forecast's time must be timezone-aware (e.g. tzinfo=UTC)")
    with project_lock(home.ledger):
        return _log_locked(home, question_id, payload, author_name(by), note, at)


def _log_locked(
    home: Home,
    question_id: str,
    payload: dict[str, Any],
    author: str,
    note: str | None,
    at: datetime | None,
) -> dict[str, Any]:
    question = _recorded_question(home, question_id)
    now = datetime.now(UTC)
    moment = at or now
    if moment > now + timedelta(minutes=5):
        raise ForetellError(
            f"a forecast cannot be dated in the future ({ledger.format_at(moment)})"
        )
    if moment.astimezone(UTC).date() < question.opened:
        raise ForetellError(
            f"{question.id} opened on {question.opened}; a forecast cannot be dated before it"
        )
    if moment.astimezone(UTC).date() > question.resolve_by:
        raise ForetellError(
            f"{question.id} closed for forecasts on its resolve_by date {question.resolve_by}"
        )
    _refuse_if_closed(home, question, "log a forecast")
    try:
        stored = fit_forecast(question, payload)
    except ValueError as err:
        raise ForetellError(str(err)) from None
    entry: dict[str, Any] = {
        "at": ledger.format_at(at) if at is not None else None,  # None: stamped on append
        "kind": "forecast",
        "question": question.id,
        "question_sha": question.sha(),
        **stored,
        "note": note or None,
        # a time given by the caller is history entered now, not the time of writing
        "imported": BACKDATED if at is not None else None,
    }
    full = ledger.append(home.ledger, author, entry)
    terms.record(home.ledger, question)
    return full


def _close_entry(
    home: Home,
    question: Question | Terms,
    kind: str,
    by: str,
    on: date | None,
    amend: bool,
    why: str | None,
    fields: dict[str, Any],
) -> dict[str, Any]:
    """The closing entry, decided (under the project lock the caller holds) from every
    author's entries on the question; its time is stamped on append."""
    today = datetime.now(UTC).date()
    on = on or today
    if on > today:
        raise ForetellError(f"--on {on} is in the future")
    if on < question.opened:
        raise ForetellError(f"--on {on} is before the question opened ({question.opened})")
    final = status.question_status(home.ledger, question.id)
    entry: dict[str, Any] = {
        "kind": kind,
        "question": question.id,
        "question_sha": question.sha(),
        **fields,
        "resolved_on": on.isoformat(),
    }
    if final is not None:
        state = "resolved" if final.kind == "resolution" else "annulled"
        if not amend:
            raise ForetellError(
                f"{question.id} is already {state} ({final.at[:10]}); "
                "to change it use --amend --why TEXT"
            )
        if not why:
            raise ForetellError("--amend needs --why TEXT saying what changed")
        entry["amends"] = final.sha
        entry["why"] = why
    elif amend:
        raise ForetellError(f"{question.id} has no resolution to amend")
    elif kind == "annulment":
        entry["why"] = why
    full = ledger.append(home.ledger, author_name(by), entry)
    terms.record(home.ledger, question)
    return full


def resolve(
    home: Home,
    question_id: str,
    outcome: str,
    by: str,
    evidence: str | None = None,
    on: date | None = None,
    amend: bool = False,
    why: str | None = None,
    probability: float | str | None = None,
) -> dict[str, Any]:
    """Record the outcome; a second resolution needs ``amend`` and ``why`` (the old one stays).

    ``probability`` (binary only, instead of ``outcome``): the outcome is that probability.
    """
    with project_lock(home.ledger):
        question = _recorded_question(home, question_id)
        try:
            if probability is not None:
                if outcome:
                    raise ValueError("give an outcome or --probability, not both")
                value = probability_outcome(question, probability)
            else:
                if not outcome:
                    raise ValueError(
                        "give the outcome (yes/no, an option, a number) or --probability"
                    )
                value = parse_outcome(question, outcome)
        except ValueError as err:
            raise ForetellError(str(err)) from None
        fields = {"outcome": value, "evidence": evidence or None}
        return _close_entry(home, question, "resolution", by, on, amend, why, fields)


def annul(
    home: Home,
    question_id: str,
    by: str,
    why: str,
    on: date | None = None,
    amend: bool = False,
) -> dict[str, Any]:
    """Mark a question annulled (excluded from every score)."""
    if not why or not why.strip():
        raise ForetellError("annul needs --why TEXT")
    with project_lock(home.ledger):
        question = _recorded_question(home, question_id)
        return _close_entry(home, question, "annulment", by, on, amend, why, {})


def amend_question(home: Home, question_id: str, by: str, why: str) -> dict[str, Any]:
    """Record an intended change to a question file: an entry pinning its new version."""
    if not why or not why.strip():
        raise ForetellError("amend needs --why TEXT saying what changed and why")
    author = author_name(by)
    with project_lock(home.ledger):
        question = checked.find_question(home, question_id)
        sha = question.sha()
        if status.latest_amendment(home.ledger, question.id) == sha:
            raise ForetellError(f"this version of {question.id} is already recorded")
        entry = {"kind": "amendment", "question": question.id, "question_sha": sha, "why": why}
        full = ledger.append(home.ledger, author, entry)
        terms.record(home.ledger, question)  # the full terms this amendment pins
        return full
