"""CSV report: one row per scored (forecaster, question) pair, sorted by forecaster, question.

Columns: forecaster, question, type, outcome, n_forecasts, horizon_days, probability (binary:
the pair probability under the rule), brier (binary, 0..1, the headline pair score),
brier_multi (multiple choice, 0..2), log_score, wis, crps, covered_50, covered_90 (numeric:
the share of the pair's weight whose interval held the outcome), threshold_events and
threshold_brier (numeric: how many derived X >= t events, and their mean Brier). Cells that
do not apply are empty; an infinite log score is written as ``inf``. Text cells that begin
like a spreadsheet formula are neutralised with a leading quote (``foretell.escape.csv_cell``).

Claims (unless ``--claims none``) follow as rows of their own, ``kind`` = ``claim`` (pairs have
``kind`` = ``pair``), with the claimant as ``forecaster``, the hedge word's probability as
``probability`` and its Brier as ``brier``, and the columns after ``kind``: claim,
claimed_on, hedge, source, came_true, brier_at_low, brier_at_high, abs_error, rel_error,
in_range, threshold_hits, hindsight. ``--claims only`` writes the claim rows alone.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from foretell.escape import csv_cell
from foretell.report.build import Report

COLUMNS = [
    "forecaster",
    "question",
    "type",
    "outcome",
    "n_forecasts",
    "horizon_days",
    "probability",
    "brier",
    "brier_multi",
    "log_score",
    "wis",
    "crps",
    "covered_50",
    "covered_90",
    "threshold_events",
    "threshold_brier",
    "kind",
    "claim",
    "claimed_on",
    "hedge",
    "source",
    "came_true",
    "brier_at_low",
    "brier_at_high",
    "abs_error",
    "rel_error",
    "in_range",
    "threshold_hits",
    "hindsight",
]


def pair_table(report: Report) -> pd.DataFrame:
    parts = []
    b = report.binary
    if len(b):
        derived = b["derived"].to_numpy(dtype=bool)
        plain = b[~derived]
        if len(plain):
            parts.append(
                pd.DataFrame(
                    {
                        "forecaster": plain["author"].astype(str).to_numpy(),
                        "question": plain["question"].astype(str).to_numpy(),
                        "type": "binary",
                        "outcome": np.where(plain["o"].to_numpy() == 1.0, "yes", "no"),
                        "n_forecasts": plain["n_forecasts"].to_numpy(),
                        "horizon_days": plain["horizon_days"].to_numpy(),
                        "probability": plain["p"].to_numpy(),
                        "brier": plain["brier"].to_numpy(),
                        "log_score": plain["log"].to_numpy(),
                    }
                )
            )
    c = report.choice
    if len(c):
        parts.append(
            pd.DataFrame(
                {
                    "forecaster": c["author"].astype(str).to_numpy(),
                    "question": c["question"].astype(str).to_numpy(),
                    "type": "multiple_choice",
                    "outcome": c["outcome"].astype(str).to_numpy(),
                    "n_forecasts": c["n_forecasts"].to_numpy(),
                    "horizon_days": c["horizon_days"].to_numpy(),
                    "brier_multi": c["brier_multi"].to_numpy(),
                    "log_score": c["log"].to_numpy(),
                }
            )
        )
    n = report.numeric
    if len(n):
        frame = pd.DataFrame(
            {
                "forecaster": n["author"].astype(str).to_numpy(),
                "question": n["question"].astype(str).to_numpy(),
                "type": "numeric",
                "outcome": [f"{v:g}" for v in n["outcome"]],
                "n_forecasts": n["n_forecasts"].to_numpy(),
                "horizon_days": n["horizon_days"].to_numpy(),
                "wis": n["wis"].to_numpy(),
                "crps": n["crps"].to_numpy(),
                "covered_50": n["cover50"].to_numpy(),
                "covered_90": n["cover90"].to_numpy(),
            }
        )
        if len(b) and b["derived"].any():
            d = b[b["derived"].to_numpy(dtype=bool)]
            agg = (
                pd.DataFrame(
                    {
                        "forecaster": d["author"].astype(str).to_numpy(),
                        "question": d["question"].astype(str).to_numpy(),
                        "brier": d["brier"].to_numpy(),
                    }
                )
                .groupby(["forecaster", "question"])["brier"]
                .agg(threshold_events="size", threshold_brier="mean")
                .reset_index()
            )
            frame = frame.merge(agg, on=["forecaster", "question"], how="left")
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(parts, ignore_index=True).reindex(columns=COLUMNS)
    if "threshold_events" in table:
        table["threshold_events"] = table["threshold_events"].astype("Int64")
    return table.sort_values(["forecaster", "question"], kind="stable").reset_index(drop=True)


def render_csv(report: Report) -> str:
    from foretell.report.claims_text import claim_rows

    mode = report.data["options"].get("claims", "with")
    parts = [] if mode == "only" else [pair_table(report).assign(kind="pair")]
    if mode != "none":
        parts.append(pd.DataFrame(claim_rows(report.data), columns=COLUMNS))
    table = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=COLUMNS)
    )
    table = table.reindex(columns=COLUMNS)
    for col in table.columns:  # text cells only: numbers, negative ones too, stay numbers
        if table[col].dtype == object or pd.api.types.is_string_dtype(table[col].dtype):
            cells = [csv_cell(v) if isinstance(v, str) else v for v in table[col]]
            table[col] = pd.Series(cells, index=table.index, dtype=object)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, lineterminator="\n", float_format="%.10g")
    return buffer.getvalue()
