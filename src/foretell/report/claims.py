"""The report's Claims section: the sources' own predictions, scored apart from people's.

The data (``claims_data``; the text sections are in ``report.claims_text``), kept out of
the forecasters' scores: a claim is a party's stated outcome or value, never a forecaster's
probability. Which claims: those on the questions in the report's scope. A claim is scored
once its question is resolved and if it was made (``on``) on or before the close day; its
Brier score uses the probability of its hedge word on Kent's scale (``scoring.verbal``), with
the same score at the word's range ends beside it (see ``scoring.claims`` for the rules).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from foretell.report.blocks import num
from foretell.report.scope import ANNULLED, RESOLVED, Scope, day_numbers, iso_day
from foretell.scoring import claims as rules
from foretell.scoring import verbal

CLAIMS_MODES = ("with", "none", "only")
CONVENTION = (
    "Claims are the sources' own predictions (a company's guidance, an outlet's or an "
    "analyst's statement), dated when the source made them; they are not forecasts and are "
    "left out of every forecaster score. A binary or multiple-choice claim came true when the "
    "outcome is the claimed one; its Brier score (0..1) uses the probability of its hedge word "
    f"on {verbal.SCALE_NAME}, and is also given at the ends of that word's range. A numeric "
    "claim (a point, or a range scored at its midpoint) gets its absolute and relative error, "
    "whether the outcome fell in its range, and a hit or miss at each threshold it is on one "
    "side of."
)


def _day(value: Any) -> int:
    return int(day_numbers(pd.Series([value]))[0])


def _value_json(row: Any) -> Any:
    if not np.isnan(row.low):
        return {"low": float(row.low), "high": float(row.high)}
    return row.value


def _text(row: Any) -> str:
    if not np.isnan(row.low):
        low, high = float(row.low), float(row.high)
        return f"{low:,.10g}" if low == high else f"{low:,.10g} to {high:,.10g}"
    value = row.value
    if isinstance(value, list):
        return value[0] if len(value) == 1 else "one of " + ", ".join(value)
    return str(value)


def _score_claim(row: Any, q: pd.Series) -> dict[str, Any]:
    word = verbal.lookup(row.hedge) if row.hedge in {w.word for w in verbal.WORDS} else None
    on_day = _day(row.on)
    period = q["period_start"]
    item: dict[str, Any] = {
        "claimant": str(row.claimant),
        "question": str(row.question),
        "title": str(q["title"]),
        "type": str(q["type"]),
        "on": iso_day(on_day),
        "source": row.source,
        "figures": list(row.figures),
        "hedge": row.hedge,
        "p": word.p if word else None,
        "p_low": word.low if word else None,
        "p_high": word.high if word else None,
        "claim": _value_json(row),
        "claim_text": _text(row),
        "note": row.note,
        "hindsight": bool(pd.notna(period) and on_day >= _day(period)),
        "state": "open",
        "outcome": None,
        "scored": False,
    }
    status = int(q["status"])
    if status == ANNULLED:
        item["state"] = "annulled"
        return item
    if status != RESOLVED:
        return item
    outcome = q["outcome"]
    item["state"] = "resolved"
    item["outcome"] = outcome if isinstance(outcome, str) else num(outcome)
    if on_day > int(q["close_day"]):
        item["state"] = "made after the close day"
        return item
    item["scored"] = True
    if item["type"] == "numeric":
        low, high, y = float(row.low), float(row.high), float(outcome)
        point = (low + high) / 2.0
        item["abs_error"] = float(rules.absolute_error([point], [y])[0])
        item["rel_error"] = num(rules.relative_error([point], [y])[0])
        item["in_range"] = bool(rules.in_range([low], [high], [y])[0]) if low < high else None
        item["thresholds"] = [
            {"threshold": c.threshold, "claim_side": c.claim_side,
             "outcome_side": c.outcome_side, "hit": c.hit}
            for c in rules.threshold_calls(low, high, list(q["thresholds"] or []), y)
        ]  # fmt: skip
        return item
    claimed = row.value if isinstance(row.value, list) else [row.value]
    true = rules.came_true_choice([str(c) for c in claimed], str(outcome))
    item["came_true"] = true
    if word is not None:
        b = verbal.claim_brier([word.p, word.low, word.high], [float(true)] * 3)
        item["brier"], item["brier_at_low"], item["brier_at_high"] = map(float, b)
    return item


def _record(
    name: str, items: list[dict[str, Any]], people: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A claimant's record; beside it, on the scored binary claims whose question people
    also forecast, the claims' mean Brier and the people's (each question's mean pair Brier
    under the report's rule), so like is compared with like."""
    scored = [i for i in items if i["scored"]]
    events = [i for i in scored if "came_true" in i]
    briers = [i for i in events if "brier" in i]
    numeric = [i for i in scored if i["type"] == "numeric"]
    calls = [t for i in numeric for t in i["thresholds"] if t["hit"] is not None]
    ranges = [i for i in numeric if i["in_range"] is not None]

    def mean(key: str) -> float | None:
        return float(np.mean([i[key] for i in briers])) if briers else None

    shared = [
        i for i in briers if i["type"] == "binary" and "brier" in people.get(i["question"], {})
    ]

    return {
        "claimant": name,
        "n_claims": len(items),
        "n_questions": len({i["question"] for i in items}),
        "n_resolved": len(scored),
        "n_open": sum(i["state"] == "open" for i in items),
        "n_hindsight": sum(i["hindsight"] for i in items),
        "n_event_claims": len(events),
        "n_hits": sum(bool(i["came_true"]) for i in events),
        "brier": mean("brier"),
        "brier_at_low": mean("brier_at_low"),
        "brier_at_high": mean("brier_at_high"),
        "n_numeric": len(numeric),
        "median_relative_error": num(
            rules.median_or_nan([i["rel_error"] or np.nan for i in numeric])
        )
        if numeric
        else None,
        "n_threshold_calls": len(calls),
        "n_threshold_hits": sum(bool(t["hit"]) for t in calls),
        "n_range_claims": len(ranges),
        "n_in_range": sum(bool(i["in_range"]) for i in ranges),
        "n_shared_with_people": len(shared),
        "brier_on_shared": float(np.mean([i["brier"] for i in shared])) if shared else None,
        "people_brier_on_shared": (
            float(np.mean([people[i["question"]]["brier"] for i in shared])) if shared else None
        ),
    }


def _compare(items: list[dict[str, Any]], q: pd.Series) -> tuple[str, str]:
    """(verdict, sentence) for the claims on one question: agree, compatible or disagree."""
    kind = str(q["type"])
    if len(items) < 2:
        return "single", "one claim"
    if kind == "numeric":
        lows = [i["claim"]["low"] if isinstance(i["claim"], dict) else i["claim"] for i in items]
        highs = [i["claim"]["high"] if isinstance(i["claim"], dict) else i["claim"] for i in items]
        if len(set(zip(lows, highs, strict=True))) == 1:
            return "agree", "the claims agree"
        if max(lows) <= min(highs):
            return "compatible", "the claims overlap"
        return "disagree", "the sources disagree"
    sets = [set(i["claim"]) if isinstance(i["claim"], list) else {i["claim"]} for i in items]
    if all(s == sets[0] for s in sets):
        return "agree", "the claims agree"
    if set.intersection(*sets):
        return "compatible", "the claims overlap"
    return "disagree", "the sources disagree"


def _people(scope: Scope, binary: pd.DataFrame, choice: pd.DataFrame) -> dict[str, dict]:
    f = scope.forecasts
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {"n_forecasts": 0, "n_forecasters": 0})
    if len(f):
        from foretell.report.partial import distinct_counts, value_codes

        question, names = value_codes(f["question"])
        author, _ = value_codes(f["author"])
        has = question >= 0
        size = names.shape[0]
        n_forecasts = np.bincount(question[has], minlength=size)
        named = has & (author >= 0)
        n_forecasters = distinct_counts(question[named], author[named], size)
        # the questions with forecasts in the order groupby lists them (sorted; a
        # categorical's in its categories' order)
        seen = np.flatnonzero(n_forecasts)
        if not isinstance(f["question"].dtype, pd.CategoricalDtype):
            seen = seen[np.argsort(names[seen], kind="stable")]
        for i in seen.tolist():
            out[str(names[i])]["n_forecasts"] = int(n_forecasts[i])
        for i in seen.tolist():
            out[str(names[i])]["n_forecasters"] = int(n_forecasters[i])
    if len(binary):
        plain = binary[~binary["derived"].to_numpy(dtype=bool)]
        for qid, s in plain.groupby("question", observed=True)["brier"].mean().items():
            out[str(qid)]["brier"] = float(s)
    if len(choice):
        for qid, s in choice.groupby("question", observed=True)["brier_multi"].mean().items():
            out[str(qid)]["brier_multi"] = float(s)
    return out


def claims_data(
    frames_claims: pd.DataFrame,
    scope: Scope,
    binary: pd.DataFrame,
    choice: pd.DataFrame,
    today: dt.date,
) -> dict[str, Any]:
    """The JSON-ready ``claims`` block of the report (schema in the README)."""
    q = scope.questions
    index = {str(qid): i for i, qid in enumerate(q["id"].tolist())}
    rows = frames_claims[frames_claims["question"].isin(index)] if len(frames_claims) else None
    items = (
        [_score_claim(r, q.iloc[index[str(r.question)]]) for r in rows.itertuples()]
        if rows is not None and len(rows)
        else []
    )
    items.sort(key=lambda i: (i["claimant"], i["question"], i["on"]))
    by_claimant: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_question: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_claimant[item["claimant"]].append(item)
        by_question[item["question"]].append(item)
    # the people's figures appear only beside claims: none to make for a batch without
    people = _people(scope, binary, choice) if items else {}
    questions = []
    for qid in sorted(by_question, key=lambda k: (str(q.iloc[index[k]]["resolve_by"]), k)):
        row = q.iloc[index[qid]]
        verdict, sentence = _compare(by_question[qid], row)
        resolve_by = iso_day(_day(row["resolve_by"]))
        status = int(row["status"])
        questions.append(
            {
                "question": qid,
                "title": str(row["title"]),
                "type": str(row["type"]),
                "state": "resolved"
                if status == RESOLVED
                else "annulled"
                if status == ANNULLED
                else "open",
                "resolve_by": resolve_by,
                "days_left": (dt.date.fromisoformat(resolve_by) - today).days,
                "n_claims": len(by_question[qid]),
                "claimants": sorted({i["claimant"] for i in by_question[qid]}),
                "verdict": verdict,
                "summary": sentence,
                "people": dict(people.get(qid, {"n_forecasts": 0, "n_forecasters": 0})),
            }
        )
    due = [
        {
            k: qq[k]
            for k in ("question", "title", "resolve_by", "days_left", "n_claims", "claimants")
        }
        for qq in sorted(questions, key=lambda x: (x["resolve_by"], x["question"]))
        if qq["state"] == "open"
    ]
    return {
        "scale": {
            "name": verbal.SCALE_NAME,
            "reference": verbal.SCALE_REFERENCE,
            "words": verbal.scale_table(),
        },
        "n_claims": len(items),
        "n_claimants": len(by_claimant),
        "n_resolved": sum(i["scored"] for i in items),
        "n_hindsight": sum(i["hindsight"] for i in items),
        "claimants": [_record(n, by_claimant[n], people) for n in sorted(by_claimant)],
        "claims": items,
        "questions": questions,
        "disagreements": [x["question"] for x in questions if x["verdict"] == "disagree"],
        "due": due,
    }


def hindsight_forecasts(scope: Scope) -> int:
    """Selected forecasts dated on or after their question's ``period_start``."""
    f, q = scope.forecasts, scope.questions
    if not len(f) or "period_start" not in q:
        return 0
    known = f["qpos"].to_numpy() >= 0
    start = q["period_start"]
    has = start.notna().to_numpy()
    start_day = np.where(has, day_numbers(start.fillna(pd.Timestamp(0))), np.iinfo(np.int64).max)
    pos = f["qpos"].to_numpy()[known]
    return int((f["day"].to_numpy()[known] >= start_day[pos]).sum())
