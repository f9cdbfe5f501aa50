"""The sources' claims as a DataFrame (``Frames.claims``): one row per claim, apart from the
forecasts so nothing built from them counts a claim as a forecaster's probability.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

CLAIM_COLUMNS = [
    "kind", "claimant", "seq", "line", "at", "on", "question", "question_sha", "type", "hedge",
    "value", "low", "high", "source", "figures", "note", "edited",
]  # fmt: skip


def empty_claims() -> pd.DataFrame:
    return claims_frame([], {})


def claims_frame(entries: list[dict[str, Any]], types: dict[str, str]) -> pd.DataFrame:
    """One row per claim (see ``foretell.claims``): ``on`` as a date (datetime64, midnight),
    ``at`` as a UTC timestamp; numeric claims have ``low``/``high`` (equal for a point), the
    others keep their ``value`` (yes/no, or the list of claimed options)."""
    from foretell.claims import claim_bounds

    rows = []
    for e in entries:
        bounds = claim_bounds(e)
        rows.append(
            {
                "kind": "claim",
                "claimant": e["claimant"],
                "seq": e.get("seq"),
                "line": e.get("line"),
                "at": e.get("at"),
                "on": e.get("on"),
                "question": e["question"],
                "question_sha": e.get("question_sha"),
                "type": types.get(e["question"]),
                "hedge": e.get("hedge"),
                "value": None if bounds is not None else e.get("value"),
                "low": bounds[0] if bounds else np.nan,
                "high": bounds[1] if bounds else np.nan,
                "source": e.get("source"),
                "figures": list(e.get("figures") or []),
                "note": e.get("note"),
                "edited": bool(e.get("edited")),
            }
        )
    frame = pd.DataFrame(rows, columns=CLAIM_COLUMNS)
    frame["at"] = pd.to_datetime(frame["at"], utc=True, errors="coerce").astype(
        "datetime64[ns, UTC]"
    )
    frame["on"] = pd.to_datetime(frame["on"], errors="coerce").astype("datetime64[ns]")
    for col in ("low", "high"):
        frame[col] = frame[col].astype(np.float64)
    frame["value"] = frame["value"].astype(object)
    return frame
