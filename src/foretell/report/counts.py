"""The report's counts: what is in scope, what was scored, and what was left out and why."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from foretell.report import pairs
from foretell.report.scope import ANNULLED, OPEN, RESOLVED, Scope
from foretell.scoring.selection import parse_rule


def counts(
    scope: Scope,
    rows: pairs.Rows,
    misfit: int,
    binary: pd.DataFrame,
    choice: pd.DataFrame,
    numeric: pd.DataFrame,
    rule: str,
) -> dict[str, Any]:
    """Questions by status; forecasts selected, scored and skipped (why); pairs per kind and
    the pairs left unscored (no forecast on or before close, or by the spot day)."""
    q, f = scope.questions, scope.forecasts
    status = q["status"].to_numpy()
    qpos = rows.qpos
    known = qpos >= 0
    f_status = np.where(known, status[np.where(known, qpos, 0)] if len(q) else OPEN, -1)
    resolved = f_status == RESOLVED
    fits = resolved & rows.usable
    after = fits & (rows.day > rows.close)
    key = rows.author_code * max(len(q), 1) + qpos
    all_pairs = pd.unique(key[fits]).shape[0]
    live_pairs = pd.unique(key[fits & ~after]).shape[0]
    derived = binary["derived"].to_numpy(dtype=bool) if len(binary) else np.zeros(0, bool)
    name, offset = parse_rule(rule)
    at_spot = pd.unique(key[fits & (rows.day <= rows.close - offset)]).shape[0]
    return {
        "questions": {
            "in_scope": len(q),
            "resolved": int((status == RESOLVED).sum()),
            "annulled": int((status == ANNULLED).sum()),
            "open": int((status == OPEN).sum()),
        },
        "forecasts": {
            "selected": len(f),
            "scored": int((fits & ~after).sum()) - misfit,
            "skipped": {
                "question_open": int((f_status == OPEN).sum()),
                "question_annulled": int((f_status == ANNULLED).sum()),
                "after_close": int(after.sum()),
                "unknown_question": int((~known).sum()),
                "type_differs_from_question": int((resolved & ~rows.usable).sum()),
                "options_differ_from_question": misfit,
            },
        },
        "pairs": {
            "binary": int((~derived).sum()),
            "derived": int(derived.sum()),
            "multiple_choice": len(choice),
            "numeric": len(numeric),
            "skipped_no_forecast_before_close": all_pairs - live_pairs,
            **({"skipped_no_forecast_at_spot": live_pairs - at_spot} if name == "spot" else {}),
        },
    }
