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
and counts per unit. Each row's PIT draw is a hash of the forecast (question, author, its
rank among the author's rows there) with a fixed seed (``pit_uniforms``), so a report is
reproducible and its streamed batches draw what the whole ledger would. The sums themselves
are ``report.numeric_partial``'s, which the in-memory and the streamed report share.

Scale: WIS, CRPS and their parts are in each question's unit. ``by_unit`` gives them per
unit; the scale-free summaries across units are bias, coverage, the PIT histogram, the WIS
on the log scale and the relative WIS (per question the ratio of a forecaster's WIS to the
baseline's on the same question, then the geometric mean over shared questions).
"""

from __future__ import annotations

import hashlib
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
    """The diagnostics added to a group's numeric block (see the module docstring), from the
    mergeable sums of ``report.numeric_partial`` (as the streamed report computes them)."""
    from foretell.report.numeric_partial import NumericExtras

    return NumericExtras.of(pairs, coverage, pit, units).block()


def units_of(question: pd.Series, units: dict[str, Any]) -> np.ndarray:
    """Each pair's unit, as text (looked up once per distinct question)."""
    codes, uniques = pd.factorize(question)
    per_question = np.asarray([str(units.get(str(q))) for q in uniques], dtype=object)
    if (codes < 0).any():  # a missing question id: looked up as "nan", as str() gives it
        per_question = np.append(per_question, str(units.get("nan")))
    return per_question[codes]


def mean_of(total: float, n: int) -> float | None:
    """A mean from its sum and count (None when nothing is defined)."""
    return total / n if n else None


def pit_block(counts: FloatArray) -> dict[str, Any]:
    """Counts per PIT bin (summed rule weights) and Pearson's chi-square test of uniformity."""
    block: dict[str, Any] = {"bins": PIT_BINS, "counts": [float(c) for c in counts]}
    total = float(np.sum(counts))
    block["n"] = total
    if total > 0:
        test = qp.uniformity_test(np.asarray(counts, dtype=np.float64))
        block.update(chi2=test.chi2, dof=test.dof, p_value=test.p_value)
    return block


def pit_uniforms(
    ids: np.ndarray, authors: list[str], qpos: np.ndarray, author_code: np.ndarray,
    stamp: np.ndarray, seq: np.ndarray,
) -> FloatArray:  # fmt: skip
    """The uniform draw of each forecast row's randomised PIT: a hash (SplitMix64's mixer,
    with ``PIT_SEED``) of its question's id (``ids[qpos]``), its author's name
    (``authors[author_code]``) and its rank among that author's rows on the question (by
    ``stamp``, then ``seq``). A row's draw does not depend on which other rows are in the
    report, nor on how the questions were batched."""
    n = qpos.shape[0]
    if n == 0:
        return np.zeros(0)
    uq, q_of = np.unique(qpos, return_inverse=True)
    ua, a_of = np.unique(author_code, return_inverse=True)
    order = np.lexsort((seq, stamp, a_of, q_of))
    pair = q_of[order] * len(ua) + a_of[order]
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    rank = np.empty(n, dtype=np.uint64)
    rank[order] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    qh = _text_hashes([str(ids[i]) for i in uq])[q_of]
    ah = _text_hashes([authors[i] for i in ua])[a_of]
    with np.errstate(over="ignore"):
        x = qh * np.uint64(0x9E3779B97F4A7C15) ^ ah * np.uint64(0xC2B2AE3D27D4EB4F)
        x ^= (rank << np.uint64(20)) + np.uint64(PIT_SEED)
        for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
            x = (x ^ (x >> np.uint64(shift))) * np.uint64(mult)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _text_hashes(texts: list[str]) -> np.ndarray:
    return np.array(
        [int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
         for t in texts],
        dtype=np.uint64,
    )  # fmt: skip


def relative_wis(pairs: pd.DataFrame, baseline: str | None) -> dict[str, Any]:
    """Per forecaster: geometric mean over shared questions of WIS / baseline's WIS (from
    the per-question sums of ``report.numeric_partial.RelativeWis``)."""
    from foretell.report.numeric_partial import RelativeWis

    return RelativeWis.of(pairs, baseline).block(baseline)


def range_notes(questions: pd.DataFrame, outside: dict[int, int]) -> list[str]:
    """Notes for outcomes outside a numeric question's range and quantiles beyond it."""
    return [note for _, note in range_notes_of(questions, outside)]


def range_notes_of(questions: pd.DataFrame, outside: dict[int, int]) -> list[tuple[int, str]]:
    """``range_notes`` with each note's question position (notes of one question in order)."""
    notes = []
    numeric = questions["type"].to_numpy() == "numeric"
    for i in np.flatnonzero(numeric):
        y = questions["outcome"].iat[i]
        low, high = questions["range_low"].iat[i], questions["range_high"].iat[i]
        qid = str(questions["id"].iat[i])
        if isinstance(y, int | float) and not isinstance(y, bool) and not low <= y <= high:
            notes.append(
                (int(i), f"{qid}: the outcome {y:g} lies outside the question's range "
                 f"[{low:g}, {high:g}]; P(X >= t) read off the quantiles is capped at the "
                 "range ends.")
            )  # fmt: skip
        if outside.get(i):
            notes.append(
                (int(i), f"{qid}: {outside[i]} forecast(s) give quantiles outside the "
                 f"question's range [{low:g}, {high:g}] (scored as given; clipped only for "
                 "P(X >= t)).")
            )  # fmt: skip
    return notes
