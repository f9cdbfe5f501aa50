"""``ordered`` and ``target_date``: how a question is scored, not how it resolves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from foretell.catalog import dump_question, load_catalog
from foretell.model import Question

CATALOG = Path(__file__).parent.parent / "forecasts"


def _mc(**extra) -> Question:
    return Question(
        id="q-x",
        title="Which quarter?",
        type="multiple_choice",
        opened=dt.date(2026, 1, 1),
        resolve_by=dt.date(2027, 1, 1),
        criteria="Test.",
        options=["q1", "q2", "q3", "later"],
        **extra,
    )


def test_ordered_and_target_date_leave_the_question_sha_alone() -> None:
    plain = _mc()
    marked = _mc(ordered=True, target_date=dt.date(2026, 12, 31))
    assert plain.sha() == marked.sha()


def test_ordered_belongs_to_multiple_choice_only() -> None:
    with pytest.raises(ValidationError, match="ordered only belongs to multiple_choice"):
        Question(
            id="q-b", title="t", type="binary", opened=dt.date(2026, 1, 1),
            resolve_by=dt.date(2027, 1, 1), criteria="c", ordered=True,
        )  # fmt: skip


def test_dump_writes_ordered_only_when_true() -> None:
    assert "ordered = true" in dump_question(_mc(ordered=True))
    assert "ordered" not in dump_question(_mc())
    assert "target_date = 2026-12-31" in dump_question(_mc(target_date=dt.date(2026, 12, 31)))


def test_the_catalog_marks_its_ordered_questions_and_target_dates() -> None:
    catalog = load_catalog(CATALOG)
    ordered = sorted(q.id for q in catalog.values() if q.ordered)
    assert ordered == [
        "ascend-950dt-availability-quarter",
        "ascend-960-availability",
        "chinese-labs-ascend-training-count",
    ]
    for q in catalog.values():
        if q.type == "numeric":
            assert q.target_date is not None, q.id
            assert q.opened <= q.target_date <= q.resolve_by, q.id
