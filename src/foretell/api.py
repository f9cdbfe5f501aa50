"""The Python API: open a ledger, read it as DataFrames, log and resolve from code.

    >>> import foretell
    >>> book = foretell.open_ledger("path/to/project")      # or None: search upward
    >>> book.log("ascend-950pr-cuda-stack-verified", p=0.25, by="alice")
    >>> book.forecasts()                                      # pandas DataFrame
    >>> book.report(rule="last").data["groups"][0]["binary"]  # the report's numbers
    >>> book.scores()                                         # one row per scored pair

The CLI calls the same functions (``foretell.actions`` for writing, ``foretell.frames`` and
``foretell.report`` for reading), so both validate and score identically.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foretell import actions, catalog
from foretell.errors import ForetellError, Problem
from foretell.home import Home, find_home, init_home
from foretell.ids import check_id
from foretell.model import Question

if TYPE_CHECKING:
    import pandas as pd

    from foretell.frames import Frames
    from foretell.report.build import Report


class Ledger:
    """A project (``forecasts/`` + ``ledger/``). Reads always reflect the files on disk."""

    def __init__(self, home: Home) -> None:
        self.home = home

    def __repr__(self) -> str:
        return f"Ledger({str(self.home.root)!r})"

    # ---------------------------------------------------------------- reading
    def question(self, question_id: str) -> Question:
        return catalog.find_question(self.home.forecasts, question_id)

    def frames(self) -> Frames:
        """Questions, forecasts and outcomes as DataFrames (columns in ``foretell.frames``)."""
        from foretell.frames import load_frames

        return load_frames(self.home)

    def questions(self) -> pd.DataFrame:
        return self.frames().questions

    def forecasts(self) -> pd.DataFrame:
        return self.frames().forecasts

    def outcomes(self) -> pd.DataFrame:
        return self.frames().outcomes

    def claims(self) -> pd.DataFrame:
        """The sources' claims, one row per claim (``kind == "claim"``; ``foretell.frames``)."""
        return self.frames().claims

    def report(
        self,
        *,
        rule: str = "time-averaged",
        bins: int | str | Sequence[float] = 10,
        group_by: str | Sequence[str] | None = "forecaster",
        by: str | list[str] | None = None,
        exclude_by: str | list[str] | None = None,
        tag: str | list[str] | None = None,
        question: str | list[str] | None = None,
        since: date | None = None,
        until: date | None = None,
        crowd: str | Sequence[str] | None = None,
        extremize: float = 1.5,
        claims: str = "with",
    ) -> Report:
        """The calibration report, as ``foretell report`` builds it.

        ``.data`` is the JSON document (schema in the README); ``.binary``, ``.choice`` and
        ``.numeric`` hold one row per scored (forecaster, question) pair.
        """
        from foretell.report.build import build_report
        from foretell.report.options import ReportOptions
        from foretell.report.scope import Filters

        filters = Filters(
            by=tuple(actions.author_name(b) for b in _many(by)),
            exclude_by=tuple(actions.author_name(b) for b in _many(exclude_by)),
            tags=_many(tag),
            questions=tuple(check_id(q) for q in _many(question)),
            since=since,
            until=until,
        )
        keys = group_by if group_by is None or isinstance(group_by, str) else tuple(group_by)
        methods = crowd if crowd is None or isinstance(crowd, str) else tuple(crowd)
        options = ReportOptions(
            filters=filters,
            rule=rule,
            bins=bins,
            group_by=keys,
            crowd=methods,
            extremize=extremize,
            claims=claims,
        )
        from foretell import band_cache

        with band_cache.kept_in(self.home):  # the CORP bands, drawn once per histogram
            return build_report(self.frames(), options, home=str(self.home.root))

    def scores(self, rule: str = "time-averaged") -> pd.DataFrame:
        """Per-(forecaster, question) scores under ``rule``: the rows of ``report --format csv``."""
        from foretell.report.csv_out import pair_table

        return pair_table(self.report(rule=rule))

    def verify(self) -> list[Problem]:
        from foretell.verify import verify

        return verify(self.home)

    # ---------------------------------------------------------------- writing
    def ask(self, question: Question | None = None, **fields: Any) -> Question:
        """Create a question from a ``Question`` or from its fields (``id``, ``title``, ...)."""
        if question is None:
            try:
                question = Question.model_validate(fields)
            except ValueError as err:
                raise ForetellError(f"invalid question: {err}") from None
        actions.ask(self.home, question)
        return question

    def log(
        self,
        question_id: str,
        p: float | str | None = None,
        *,
        probs: dict[str, float | str] | None = None,
        quantiles: dict[float | str, float | str] | None = None,
        by: str | None = None,
        note: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        """Log one forecast: ``p`` (binary), ``probs`` (multiple choice) or ``quantiles``.

        Values go through the same parser as the command line (so ``p="70%"`` works and the
        refusals read the same).
        """
        given = [
            k for k, v in (("p", p), ("probs", probs), ("quantiles", quantiles)) if v is not None
        ]
        if len(given) != 1:
            raise ForetellError("give exactly one of p, probs, quantiles")
        if p is not None:
            values = [_text(p)]
        else:
            pairs = (probs or quantiles or {}).items()
            values = [f"{_text(k)}={_text(v)}" for k, v in pairs]
        question = self.question(question_id)
        payload = actions.forecast_payload(
            question, values, probs is not None, quantiles is not None
        )
        return actions.log_forecast(self.home, question.id, payload, self._by(by), note, at)

    def resolve(
        self,
        question_id: str,
        outcome: str | float | bool,
        *,
        by: str | None = None,
        evidence: str | None = None,
        on: date | None = None,
        amend: bool = False,
        why: str | None = None,
    ) -> dict[str, Any]:
        text = ("yes" if outcome else "no") if isinstance(outcome, bool) else str(outcome)
        return actions.resolve(self.home, question_id, text, self._by(by), evidence, on, amend, why)

    def annul(
        self, question_id: str, why: str, *, by: str | None = None, on: date | None = None
    ) -> dict[str, Any]:
        return actions.annul(self.home, question_id, self._by(by), why, on)

    def claim(
        self,
        question_id: str,
        value: str | float | bool,
        *,
        by: str,
        source: str,
        on: date,
        hedge: str,
        figures: list[str] | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Record a source's claim, as ``foretell claim`` does; returns the entry."""
        from foretell.claims import record_claim

        text = ("yes" if value else "no") if isinstance(value, bool) else _text(value)
        done = record_claim(
            self.home, question_id, text, actions.author_name(by), source, on, hedge, note,
            figures,
        )  # fmt: skip
        return done.entry

    def amend(self, question_id: str, why: str, *, by: str | None = None) -> dict[str, Any]:
        return actions.amend_question(self.home, question_id, self._by(by), why)

    @staticmethod
    def _by(by: str | None) -> str:
        return actions.resolve_author(by)


def _text(value: object) -> str:
    """A value as the command line would give it: numbers in their exact repr."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ForetellError(f"{value!r} is not a number")
    return value if isinstance(value, str) else repr(value)


def _many(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def open_ledger(path: str | Path | None = None) -> Ledger:
    """The project at ``path``, or found from FORETELL_HOME / the current directory upward."""
    return Ledger(find_home(path))


def init_ledger(path: str | Path) -> Ledger:
    """Create an empty project (``forecasts/`` and ``ledger/``) at ``path``."""
    return Ledger(init_home(Path(path)))
