"""A new question from ``foretell ask``'s options: the question file's fields as typed (the
options comma-separated, the range from --low and --high, which go together, ``opened``
today unless given), each --source with the --claim, --outlet and --source-date at its
position, checked by the model and then the criteria rule (``parse.check_criteria``).
Errors name the option. pydantic is imported inside the functions only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from foretell import actions, parse
from foretell.errors import ForetellError

if TYPE_CHECKING:
    from foretell.model import Question, Source


def new_question(
    *,
    question_id: str,
    title: str,
    criteria: str,
    resolve_by: str,
    kind: str,
    opened: str | None,
    options: str | None,
    unit: str | None,
    low: float | None,
    high: float | None,
    thresholds: list[float] | None,
    tags: list[str] | None,
    sources: list[str] | None,
    claims: list[str] | None,
    outlets: list[str] | None,
    source_dates: list[str] | None,
) -> Question:
    """The question ``foretell ask`` writes, or a ForetellError saying what is wrong."""
    from pydantic import ValidationError

    from foretell.catalog import describe_validation_error
    from foretell.model import QUESTION_TYPES, Question

    if kind not in QUESTION_TYPES:
        raise ForetellError(f"--type must be one of {', '.join(QUESTION_TYPES)}, not {kind!r}")
    cited = citations(sources or [], claims or [], outlets or [], source_dates or [])
    data = {
        "id": question_id,
        "title": title,
        "type": kind,
        "criteria": criteria,
        "opened": actions.optional_date(opened, "--opened") or parse.today_utc(),
        "resolve_by": actions.optional_date(resolve_by, "--resolve-by"),
        "tags": tags or [],
        "sources": cited,
        "options": [o.strip() for o in options.split(",")] if options is not None else None,
        "unit": unit,
        "range": (low, high) if low is not None or high is not None else None,
        "thresholds": thresholds or [],
    }
    if data["range"] is not None and (low is None or high is None):
        raise ForetellError("give both --low and --high")
    try:
        question = Question.model_validate(data)
    except ValidationError as err:
        raise ForetellError(describe_validation_error(err)) from None
    actions.typed_value("--criteria", parse.check_criteria, question.criteria)  # after the model
    return question


def citations(
    sources: list[str], claims: list[str], outlets: list[str], dates: list[str]
) -> list[Source]:
    """One Source per --source, with the --claim, --outlet and --source-date at its position.

    Every --source needs its --claim; --outlet and --source-date may be left off the last ones.
    """
    from pydantic import ValidationError

    from foretell.catalog import describe_validation_error
    from foretell.model import Source

    for option, given in (("--claim", claims), ("--outlet", outlets), ("--source-date", dates)):
        if len(given) > len(sources):
            raise ForetellError(f"each {option} needs a --source before it")
    if len(claims) < len(sources):
        missing = sources[len(claims)]
        raise ForetellError(
            f"--source {missing} needs a --claim saying what it claims, in your own words"
        )
    cited = []
    for i, doc in enumerate(sources):
        day = actions.optional_date(dates[i], "--source-date") if i < len(dates) else None
        try:
            cited.append(
                Source(
                    document=doc,
                    outlet=outlets[i] if i < len(outlets) else None,
                    date=day,
                    claim=claims[i],
                )
            )
        except ValidationError as err:
            raise ForetellError(f"--source: {describe_validation_error(err)}") from None
    return cited
