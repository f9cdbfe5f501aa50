"""A question as ``foretell list``, ``due`` and ``show`` present it, as data: the summary row
(state, deadline, latest forecast of each forecaster), the full ``show`` document (terms,
sources, every entry with the version it was made under, claims, standing forecasts and the
crowd's current ones), the terms of an earlier version, and the rule that a filter value
naming nothing is an error. In blind mode (``me`` given) others' forecasts on an open question
are left out until ``me`` has forecast. The text is in ``foretell.question_text``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from foretell import catalog, history, parse, standing
from foretell.errors import ForetellError
from foretell.model import Question


def summary(
    q: Question, hist: history.QuestionHistory, today: Any, me: str | None = None
) -> dict[str, Any]:
    """A question's line; with ``me`` (blind mode) others' forecasts are left out until
    ``me`` has forecast on the open question."""
    from foretell.blind import hidden_from, visible

    final = hist.final
    latest: dict[str, Any] = {}
    hidden = me is not None and hidden_from(hist.forecasts, me, hist.state)
    shown = visible(hist.forecasts, me) if hidden and me is not None else hist.forecasts
    for entry in shown:
        latest[entry["author"]] = entry
    extra = {"hidden_forecasts": len(hist.forecasts) - len(shown)} if me is not None else {}
    return {
        "id": q.id,
        "title": q.title,
        "type": q.type,
        "state": hist.state,
        "opened": q.opened.isoformat(),
        "resolve_by": q.resolve_by.isoformat(),
        "days_left": history.days_left(q, today),
        "tags": q.tags,
        "forecasts": len(hist.forecasts),
        "forecasters": sorted(hist.authors()),
        "outcome": final.get("outcome") if final and final["kind"] == "resolution" else None,
        "latest": {a: payload(e) for a, e in sorted(latest.items())},
        **extra,
    }


def payload(entry: dict[str, Any]) -> Any:
    for key in ("p", "probs", "quantiles"):
        if key in entry:
            return entry[key]
    return None


def check_filter_names(
    questions: dict[str, Question],
    hists: dict[str, history.QuestionHistory],
    tags: set[str],
    authors: set[str],
) -> None:
    """The rule every command follows: a filter value that names nothing is an error."""
    from foretell.errors import ForetellError

    known_tags = {t for q in questions.values() for t in q.tags}
    for t in sorted(tags - known_tags):
        hint = catalog.did_you_mean(t, sorted(known_tags))
        raise ForetellError(f"no question has the tag {t!r}{hint}")
    known = {a for h in hists.values() for a in h.authors()}
    for a in sorted(authors - known):
        hint = catalog.did_you_mean(a, sorted(known))
        raise ForetellError(f"no forecasts by {a!r}{hint}")


def show_data(
    q: Question,
    hist: history.QuestionHistory,
    labels: dict[str, str],
    today: Any,
    me: str | None = None,
) -> dict[str, Any]:
    """What ``show`` prints: the question's summary, terms, sources, history (every forecast,
    closing and amendment, oldest first, with the version it was made under), claims,
    standing forecasts and the crowd's current ones; with ``me`` (blind mode) others'
    forecasts are left out until ``me`` has forecast on the open question."""
    import dataclasses

    from foretell.blind import hidden_from, visible

    data = summary(q, hist, today, me)
    if me is not None and hidden_from(hist.forecasts, me, hist.state):
        hist = dataclasses.replace(hist, forecasts=visible(hist.forecasts, me))
    data.update(
        criteria=q.criteria,
        sources=[s.model_dump(mode="json", exclude_none=True) for s in q.sources],
        options=q.options,
        unit=q.unit,
        range=list(q.range) if q.range else None,
        thresholds=q.thresholds,
        version=labels[q.sha()].split()[0],
        question_sha=q.sha(),
        history=[
            {
                "at": e["at"],
                "kind": e["kind"],
                "author": e["author"],
                "version": labels.get(e.get("question_sha", ""), "?").split()[0],
                "edited": e["edited"],
                **{k: e[k] for k in DETAIL_KEYS if k in e},
            }
            for e in sorted(hist.forecasts + hist.closings + hist.amendments, key=lambda e: e["at"])
        ],
        claims=[claim_json(q, e, labels) for e in hist.claims],
        standing=[
            {
                "author": e["author"],
                "at": e["at"],
                **{k: e[k] for k in ("p", "probs", "quantiles") if k in e},
            }
            for e in standing.standing(hist.forecasts)
        ],
        crowd=standing.current_crowd(q, hist.forecasts),
    )
    return data


DETAIL_KEYS = (
    "p", "probs", "quantiles", "outcome", "resolved_on", "evidence", "why", "note", "amends",
    "imported",
)  # fmt: skip


CLAIM_KEYS = ("on", "source", "figures", "hedge", "value", "low", "high", "note", "at")


def claim_json(q: Question, e: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    from foretell.claims import describe
    from foretell.hindsight import in_hindsight

    on = e.get("on")
    day = parse.parse_date(on) if isinstance(on, str) else None
    return {
        "claimant": e["author"],
        "claim": describe(e),
        **{k: e[k] for k in CLAIM_KEYS if k in e},
        "version": labels.get(e.get("question_sha", ""), "?").split()[0],
        "hindsight": bool(day and in_hindsight(q, day)),
        "edited": e["edited"],
    }


def version_terms(
    ledger_dir: Path, q: Question, labels: dict[str, str], n: int
) -> tuple[str, dict[str, Any]]:
    """The sha and the terms of version ``n`` of ``q`` (the file's own when it is the current
    version, else as recorded in the ledger); an error naming the versions there are."""
    from foretell import terms

    shas = {label.split()[0]: sha for sha, label in labels.items()}
    sha = shas.get(f"v{n}")
    if sha is None:
        raise ForetellError(f"{q.id} has versions v1 to v{len(shas)}; no v{n}")
    kept = q.terms() if sha == q.sha() else terms.load(ledger_dir, q.id, sha)
    if kept is None:
        raise ForetellError(
            f"the terms of {q.id} v{n} ({sha[:12]}) were not recorded (entries made before "
            "foretell kept each version's terms); the file's git history has them"
        )
    return sha, kept
