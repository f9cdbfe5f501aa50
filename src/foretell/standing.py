"""Each forecaster's standing forecast on a question now, and the crowd's (for ``show``).

Standing forecast: a forecaster's latest forecast (by ``at``, then ``seq``). The crowd's
current forecasts aggregate the people's standing forecasts as the report's crowd
forecasters do (``foretell.scoring.compare.crowd``; imported ``metaculus-<method>``
aggregates are not members); they exist once two people have forecast. No pandas here.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from foretell.model import Question
from foretell.scoring.compare import crowd

_AGGREGATE = re.compile(r"^metaculus-(?!user-)")


def standing(forecasts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest forecast of each author, sorted by author."""
    latest: dict[str, dict[str, Any]] = {}
    for e in sorted(forecasts, key=lambda e: (e["at"], e.get("seq", 0))):
        latest[e["author"]] = e
    return [latest[a] for a in sorted(latest)]


def is_member(entry: dict[str, Any]) -> bool:
    author = str(entry["author"])
    if author.startswith("crowd:"):
        return False
    return not (entry.get("imported") is not None and _AGGREGATE.match(author))


def current_crowd(
    q: Question, forecasts: list[dict[str, Any]], extremize: float = crowd.DEFAULT_EXTREMIZE
) -> dict[str, Any]:
    """``{"crowd:<method>": payload}`` from the people's standing forecasts, or {}."""
    people = [e for e in standing(forecasts) if is_member(e)]
    out: dict[str, Any] = {}
    if q.type == "binary":
        p = np.array([[float(e["p"]) for e in people if "p" in e]])
        if p.shape[1] < crowd.MIN_MEMBERS:
            return {}
        for m in crowd.METHODS:
            out[crowd_name(m)] = {"p": float(crowd.aggregate(p, m, extremize)[0])}
    elif q.type == "multiple_choice":
        options = list(q.options or [])
        rows = [e["probs"] for e in people if isinstance(e.get("probs"), dict)]
        rows = [r for r in rows if set(r) == set(options)]
        if len(rows) < crowd.MIN_MEMBERS:
            return {}
        probs = np.array([[[float(r[o]) for o in options] for r in rows]])
        for m in crowd.METHODS:
            agg = crowd.aggregate(probs, m, extremize)[0]
            agg = agg / agg.sum()
            out[crowd_name(m)] = {"probs": dict(zip(options, map(float, agg), strict=True))}
    else:
        rows = [e["quantiles"] for e in people if isinstance(e.get("quantiles"), dict)]
        if len(rows) < crowd.MIN_MEMBERS:
            return {}
        levels = sorted(set.intersection(*(set(map(float, r)) for r in rows)))
        if not levels:
            return {}
        values = np.array([[_at(r, lv) for lv in levels] for r in rows])
        idx = np.arange(len(rows))[None, :]
        for m in crowd.NUMERIC_METHODS:
            agg = crowd.quantiles(values, idx, m)[0]
            out[crowd_name(m)] = {
                "quantiles": {repr(lv): float(v) for lv, v in zip(levels, agg, strict=True)}
            }
    return out


def crowd_name(method: str) -> str:
    return "crowd:" + method


def _at(quantiles: dict[Any, Any], level: float) -> float:
    for k, v in quantiles.items():
        if float(k) == level:
            return float(v)
    return float("nan")
