"""Each forecaster's score over time: a rolling mean over their resolved questions.

Per forecaster, each resolved binary question they were scored on (derived threshold events
of a numeric question count as that question, averaged) gives one point: the question's mean
Brier score (0..1) over the forecaster's pairs or units on it, dated by the question's
resolution date. Points are ordered by (resolution date, question id); the rolling value at a
point is the mean of the last ``window`` points (fewer at the start: ``n`` says how many).

The ``MAX_FORECASTERS`` forecasters with the most points are shown (the report says how many
were left out); each series is thinned to at most ``MAX_POINTS`` evenly spaced points, the
last always kept.

``points`` gives a batch of whole questions its points (each within one question) and
``series`` the block from points however gathered: the in-memory report calls both on every
pair, the streamed one (``report.trend_partial``) merges the batches' points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

MAX_FORECASTERS = 12
MAX_POINTS = 200


def trend(binary: pd.DataFrame, q: pd.DataFrame, window: int) -> dict[str, Any]:
    """The trend block of the binary pairs (derived events included) on questions ``q``."""
    codes, names, qpos, score = points(binary)
    resolved = q["resolved_on_day"].to_numpy(dtype=object)
    ids = q["id"].astype(str).to_numpy(dtype=object)
    return series(codes, names, qpos, score, resolved, ids, window)


def points(binary: pd.DataFrame) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """One point per (forecaster, question): the forecaster (a code into the names given),
    the question's position and the mean Brier score of the forecaster's pairs on it."""
    if not len(binary):
        return np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=np.int64), np.zeros(0)
    codes, uniques = pd.factorize(binary["author"])
    names = [str(a) for a in uniques]
    key = binary["qpos"].to_numpy(dtype=np.int64) * len(names) + codes
    mean = pd.Series(binary["brier"].to_numpy(dtype=np.float64)).groupby(key, sort=False).mean()
    where = mean.index.to_numpy(dtype=np.int64)
    return where % len(names), names, where // len(names), mean.to_numpy(dtype=np.float64)


def series(
    codes: np.ndarray,
    names: list[str],
    qref: np.ndarray,
    score: np.ndarray,
    resolved_on: np.ndarray,
    ids: np.ndarray,
    window: int,
) -> dict[str, Any]:
    """The trend block from the points: point ``j`` is by ``names[codes[j]]`` on the question
    resolved on ``resolved_on[qref[j]]`` with id ``ids[qref[j]]``, scored ``score[j]``."""
    out: dict[str, Any] = {"score": "brier", "window": window, "forecasters": []}
    sizes = np.bincount(codes, minlength=len(names)) if codes.size else np.zeros(len(names), int)
    present = [i for i in range(len(names)) if sizes[i]]
    out["n_forecasters"] = len(present)
    ranked = sorted(present, key=lambda i: (-sizes[i], names[i]))
    shown = sorted(ranked[:MAX_FORECASTERS], key=lambda i: names[i])
    if not shown:
        return out
    mine = np.isin(codes, shown)
    used = np.unique(qref[mine])
    in_order = sorted(range(used.shape[0]), key=lambda k: (resolved_on[used[k]], ids[used[k]]))
    rank = np.empty(used.shape[0], dtype=np.int64)
    rank[in_order] = np.arange(used.shape[0])
    for i in shown:
        sel = np.flatnonzero(codes == i)
        sel = sel[np.argsort(rank[np.searchsorted(used, qref[sel])], kind="stable")]
        scores = score[sel]
        cum = np.concatenate([[0.0], np.cumsum(scores)])
        idx = np.arange(scores.shape[0])
        start = np.maximum(idx + 1 - window, 0)
        n = idx + 1 - start
        rolling = (cum[idx + 1] - cum[start]) / n
        keep = _thin(scores.shape[0])
        resolved = resolved_on[qref[sel[keep]]]
        question = ids[qref[sel[keep]]]
        out["forecasters"].append(
            {
                "name": names[i],
                "n_questions": int(scores.shape[0]),
                "points": [
                    {"resolved_on": str(r), "question": str(qid), "score": s, "rolling": m,
                     "n": k}
                    for r, qid, s, m, k in zip(
                        resolved, question, scores[keep].tolist(), rolling[keep].tolist(),
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
