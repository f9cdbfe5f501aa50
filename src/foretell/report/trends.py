"""Each forecaster's score over time: a rolling mean over their resolved questions.

Per forecaster, each resolved binary question they were scored on (derived threshold events
of a numeric question count as that question, averaged) gives one point: the question's mean
Brier score (0..1) over the forecaster's pairs or units on it, dated by the question's
resolution date. Points are ordered by (resolution date, question id); the rolling value at a
point is the mean of the last ``window`` points (fewer at the start: ``n`` says how many).

The ``MAX_FORECASTERS`` forecasters with the most points are shown (the report says how many
were left out); each series is thinned to at most ``MAX_POINTS`` evenly spaced points, the
last always kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

MAX_FORECASTERS = 12
MAX_POINTS = 200


def trend(binary: pd.DataFrame, q: pd.DataFrame, window: int) -> dict[str, Any]:
    out: dict[str, Any] = {"score": "brier", "window": window, "forecasters": []}
    if not len(binary):
        out["n_forecasters"] = 0
        return out
    per_q = (
        binary.assign(author=binary["author"].astype(str))
        .groupby(["author", "qpos"], observed=True, sort=False)["brier"]
        .mean()
        .reset_index()
    )
    resolved = q["resolved_on_day"].to_numpy(dtype=object)
    ids = q["id"].astype(str).to_numpy(dtype=object)
    per_q["resolved_on"] = resolved[per_q["qpos"].to_numpy()]
    per_q["question"] = ids[per_q["qpos"].to_numpy()]
    sizes = per_q.groupby("author").size().sort_values(ascending=False, kind="stable")
    shown = sorted(sizes.index[:MAX_FORECASTERS])
    out["n_forecasters"] = int(sizes.shape[0])
    for author in shown:
        g = per_q[per_q["author"] == author].sort_values(["resolved_on", "question"])
        scores = g["brier"].to_numpy(dtype=np.float64)
        cum = np.concatenate([[0.0], np.cumsum(scores)])
        idx = np.arange(scores.shape[0])
        start = np.maximum(idx + 1 - window, 0)
        n = idx + 1 - start
        rolling = (cum[idx + 1] - cum[start]) / n
        keep = _thin(scores.shape[0])
        resolved_on = g["resolved_on"].to_numpy(dtype=object)[keep]
        question = g["question"].to_numpy(dtype=object)[keep]
        out["forecasters"].append(
            {
                "name": author,
                "n_questions": int(scores.shape[0]),
                "points": [
                    {"resolved_on": str(r), "question": str(qid), "score": s, "rolling": m,
                     "n": k}
                    for r, qid, s, m, k in zip(
                        resolved_on, question, scores[keep].tolist(), rolling[keep].tolist(),
                        n[keep].tolist(), strict=True,
                    )
                ],
            }
        )  # fmt: skip
    return out


def _thin(m: int) -> np.ndarray:
    if m <= MAX_POINTS:
        return np.arange(m)
    return np.unique(np.linspace(0, m - 1, MAX_POINTS).round().astype(np.int64))
