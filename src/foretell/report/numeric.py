"""Numeric forecasts, whole: WIS in parts, bias, coverage of every interval, PIT, units.

Per forecast row (``row_parts``, from ``foretell.scoring.quantile_parts``): dispersion,
overprediction and underprediction (they add up to the row's WIS), bias, absolute error of
the median, WIS of ``ln(x + 1)``-transformed quantiles and outcome (Bosse et al. 2023; only
where the question's range, the quantiles and the outcome are >= 0), and the interval that
holds the PIT. A pair's value is the weighted mean of its rows' values (weights from the
rule), as for WIS.

Across pairs every quantity is a mergeable sum: coverage per nominal level is (pairs,
covered pairs); the randomised PIT histogram is a count per bin, each row adding its rule
weight to the bin its PIT draw falls in, so a pair adds 1 in all; per-unit means are sums
and counts per unit. The PIT draws use a generator with a fixed seed (``PIT_SEED``), so a
report is reproducible.

Scale: WIS, CRPS and their parts are in each question's unit. ``by_unit`` gives them per
unit; the scale-free summaries across units are bias, coverage, the PIT histogram, the WIS
on the log scale and the relative WIS (per question the ratio of a forecaster's WIS to the
baseline's on the same question, then the geometric mean over shared questions).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from foretell.report.pairing import FloatArray
from foretell.scoring import quantile_parts as qp
from foretell.scoring.quantiles import weighted_interval_score

PIT_BINS = 10
PIT_SEED = 0
PARTS = ("dispersion", "overprediction", "underprediction", "bias", "ae_median", "wis_log")


def row_parts(
    levels: FloatArray, values: FloatArray, y: FloatArray, low: FloatArray, high: FloatArray
) -> dict[str, FloatArray]:
    """Per-row diagnostics of one batch sharing ``levels`` (NaN where undefined)."""
    n = y.shape[0]
    out = {name: np.full(n, np.nan) for name in PARTS}
    if qp.median_index(levels) is not None:
        parts = qp.wis_parts(levels, values, y)
        out["dispersion"] = parts.dispersion
        out["overprediction"] = parts.overprediction
        out["underprediction"] = parts.underprediction
        out["ae_median"] = qp.abs_error_median(levels, values, y)
        positive = (low >= 0) & (values.min(axis=1) >= 0) & (y >= 0)
        if positive.any():
            out["wis_log"][positive] = weighted_interval_score(
                levels, qp.log_plus_one(values[positive]), qp.log_plus_one(y[positive])
            )
    if (levels <= 0.5).any() and (levels >= 0.5).any():
        out["bias"] = qp.bias(levels, values, y)
    out["pit_low"], out["pit_high"] = qp.pit_bounds(levels, values, y)
    out["outside_range"] = ((values < low[:, None]) | (values > high[:, None])).any(axis=1)
    return out


def coverage_rows(
    levels: FloatArray, values: FloatArray, y: FloatArray
) -> tuple[FloatArray, np.ndarray]:
    return qp.coverage(levels, values, y)


def numeric_extras(
    pairs: pd.DataFrame, coverage: pd.DataFrame, pit: pd.DataFrame, units: dict[str, Any]
) -> dict[str, Any]:
    """The diagnostics added to a group's numeric block (see the module docstring)."""
    out: dict[str, Any] = {}
    for name in ("dispersion", "overprediction", "underprediction", "ae_median", "bias"):
        if name in pairs:
            values = pairs[name].to_numpy(dtype=np.float64)
            defined = ~np.isnan(values)
            out[name] = float(values[defined].mean()) if defined.any() else None
    if "wis_log" in pairs:
        values = pairs["wis_log"].to_numpy(dtype=np.float64)
        defined = ~np.isnan(values)
        out["wis_log"] = {
            "mean": float(values[defined].mean()) if defined.any() else None,
            "n": int(defined.sum()),
        }
    out["units"] = sorted({str(units.get(str(q))) for q in pairs["question"].unique()})
    out["by_unit"] = _by_unit(pairs, units)
    out["coverage_levels"] = _coverage(coverage)
    out["pit"] = pit_block(pit)
    return out


def _by_unit(pairs: pd.DataFrame, units: dict[str, Any]) -> list[dict[str, Any]]:
    unit = _units_of(pairs["question"], units)
    rows = []
    for name in sorted(set(unit)):
        g = pairs[unit == name]
        entry: dict[str, Any] = {
            "unit": name,
            "n_pairs": len(g),
            "n_questions": int(g["question"].nunique()),
        }
        for col in ("wis", "dispersion", "overprediction", "underprediction", "ae_median", "crps"):
            if col in g:
                v = g[col].to_numpy(dtype=np.float64)
                entry[col] = float(np.nanmean(v)) if (~np.isnan(v)).any() else None
        rows.append(entry)
    return rows


def _units_of(question: pd.Series, units: dict[str, Any]) -> np.ndarray:
    """Each pair's unit, as text (looked up once per question of a categorical column)."""
    if isinstance(question.dtype, pd.CategoricalDtype):
        codes = question.cat.codes.to_numpy()
        if (codes >= 0).all():
            per_question = [str(units.get(str(q))) for q in question.cat.categories]
            return np.asarray(per_question, dtype=object)[codes]
    return question.astype(str).map(lambda q: str(units.get(q))).to_numpy()


def _coverage(coverage: pd.DataFrame) -> list[dict[str, Any]]:
    if not len(coverage):
        return []
    agg = coverage.groupby("level")["covered"].agg(["mean", "size"]).reset_index()
    return [
        {"level": float(r.level), "empirical": float(r.mean), "n": int(r.size)}
        for r in agg.itertuples()
    ]


def pit_block(pit: pd.DataFrame) -> dict[str, Any]:
    """Counts per PIT bin (summed rule weights) and Pearson's chi-square test of uniformity."""
    counts = np.zeros(PIT_BINS)
    if len(pit):
        counts = np.bincount(
            pit["bin"].to_numpy(dtype=np.int64), weights=pit["w"].to_numpy(), minlength=PIT_BINS
        )
    block: dict[str, Any] = {"bins": PIT_BINS, "counts": [float(c) for c in counts]}
    total = float(counts.sum())
    block["n"] = total
    if total > 0:
        test = qp.uniformity_test(counts)
        block.update(chi2=test.chi2, dof=test.dof, p_value=test.p_value)
    return block


def relative_wis(pairs: pd.DataFrame, baseline: str | None) -> dict[str, Any]:
    """Per forecaster: geometric mean over shared questions of WIS / baseline's WIS."""
    if baseline is None:
        return {"unavailable": "give --wis-baseline NAME to compare WIS across units"}
    if not len(pairs) or baseline not in set(pairs["author"].astype(str)):
        return {"baseline": baseline, "unavailable": f"{baseline} has no scored numeric pairs"}
    frame = pairs[["author", "question", "wis"]].astype({"author": str, "question": str})
    base = frame[frame["author"] == baseline].set_index("question")["wis"]
    rows = []
    for author, g in frame[frame["author"] != baseline].groupby("author", sort=True):
        shared = g[g["question"].isin(base.index)]
        ratio = shared["wis"].to_numpy() / base.loc[shared["question"]].to_numpy()
        ok = np.isfinite(ratio) & (ratio > 0)
        rows.append(
            {
                "forecaster": author,
                "n_shared_questions": int(ok.sum()),
                "relative_wis": float(math.exp(np.log(ratio[ok]).mean())) if ok.any() else None,
            }
        )
    return {"baseline": baseline, "forecasters": rows}


def range_notes(questions: pd.DataFrame, outside: dict[int, int]) -> list[str]:
    """Notes for outcomes outside a numeric question's range and quantiles beyond it."""
    notes = []
    numeric = questions["type"].to_numpy() == "numeric"
    for i in np.flatnonzero(numeric):
        y = questions["outcome"].iat[i]
        low, high = questions["range_low"].iat[i], questions["range_high"].iat[i]
        qid = str(questions["id"].iat[i])
        if isinstance(y, int | float) and not isinstance(y, bool) and not low <= y <= high:
            notes.append(
                f"{qid}: the outcome {y:g} lies outside the question's range [{low:g}, {high:g}]; "
                "P(X >= t) read off the quantiles is capped at the range ends."
            )
        if outside.get(i):
            notes.append(
                f"{qid}: {outside[i]} forecast(s) give quantiles outside the question's range "
                f"[{low:g}, {high:g}] (scored as given; clipped only for P(X >= t))."
            )
    return notes
