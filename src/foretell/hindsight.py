"""Hindsight: a forecast or claim dated once the period its question asks about has begun.

A question may give ``period_start``, the first day of the period it asks about (see
``foretell.model``). An entry dated on or after that day was made with part of the answer in
view (a December forecast of a March event; a May estimate of the year's revenue), so
``log`` and ``claim`` say so and the report counts such entries. A question without
``period_start`` asks about an open window (e.g. "by 2027-06-30"), where forecasting while
the window runs is the point, and is never flagged.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from foretell.checked import Terms
    from foretell.model import Question


def in_hindsight(question: Question | Terms, day: date) -> bool:
    """True when ``day`` is on or after the question's ``period_start``."""
    return question.period_start is not None and day >= question.period_start


def hindsight_note(question: Question | Terms, day: date, what: str = "forecast") -> str | None:
    """The warning ``log`` and ``claim`` print, or None."""
    if not in_hindsight(question, day):
        return None
    return (
        f"note: this {what} is dated {day}, on or after {question.period_start}, when the "
        f"period {question.id} asks about began: it is counted as made in hindsight"
    )
