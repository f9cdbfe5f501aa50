"""Scores and diagnostics for one group of pairs, as JSON-ready dicts (NaN -> None).

Thresholds: the calibration table needs one pair; the Murphy and CORP decompositions, the
CORP curve with its consistency band, the discrimination view (``report.discrimination``),
Spiegelhalter's test, the Cox fit and calibration-in-the-large need
``MIN_FOR_CALIBRATION`` (20) resolved binary pairs, and Cox also needs both outcomes
present. Below that a diagnostic is ``{"unavailable": "<why>"}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from foretell.report import discrimination
from foretell.report.bins import Bins
from foretell.scoring import calibration as cal
from foretell.scoring import decompose, rules
from foretell.scoring.reliability import distinct_counts


def num(x: object) -> float | None:
    """A finite float, or None (JSON null) for NaN, infinity or missing."""
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def too_few(n: int, what: str = "calibration tests") -> dict[str, str]:
    return {
        "unavailable": f"{what} need at least {cal.MIN_FOR_CALIBRATION} resolved binary pairs; "
        f"have {n}"
    }


def _count_events(pairs: pd.DataFrame, derived: np.ndarray) -> int:
    """Distinct derived events (question, threshold) among the pairs."""
    if not derived.any():
        return 0
    column = pairs["question"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        question = column.cat.codes.to_numpy()[derived].tolist()  # one code per question
    else:
        question = column.to_numpy(dtype=object)[derived].tolist()
    event = pairs["event"].to_numpy(dtype=object)[derived].tolist()
    return len(set(zip(question, event, strict=True)))


def _mean_log(log: np.ndarray) -> tuple[float | None, int]:
    """Mean log score and how many pairs scored infinity (None then: the mean is infinite)."""
    n_inf = int(np.isinf(log).sum())
    return (None if n_inf or log.size == 0 else float(log.mean())), n_inf


def binary_block(pairs: pd.DataFrame, bins: Bins, diagnose: str | None = None) -> dict[str, Any]:
    """Scores, decompositions and calibration diagnostics of binary (and derived) pairs.

    Scores use every pair; the calibration table, decompositions and tests only the pairs
    whose outcome is 0 or 1 (``n_probability_outcomes`` says how many were left out).

    ``diagnose``: None to compute everything, or the reason the calibration table,
    decompositions and tests are left out (scores only).
    """
    n = len(pairs)
    derived = pairs["derived"].to_numpy(dtype=bool) if n else np.zeros(0, bool)
    block: dict[str, Any] = {
        "n_pairs": n,
        "n_questions": int(pairs["question"].nunique()) if n else 0,
        "n_derived_pairs": int(derived.sum()),
        "n_derived_events": _count_events(pairs, derived),
        "n_forecasters": int(pairs["author"].nunique()) if n else 0,
    }
    if n == 0:
        block["unavailable"] = "no resolved binary forecasts"
        return block
    p = np.clip(pairs["p"].to_numpy(dtype=np.float64), 0.0, 1.0)
    o = pairs["o"].to_numpy(dtype=np.float64)
    brier = float(pairs["brier"].mean())
    log, n_inf = _mean_log(pairs["log"].to_numpy(dtype=np.float64))
    base = float(o.mean())
    unc = float(np.mean((base - o) ** 2))  # obar(1 - obar) when every outcome is 0 or 1
    crisp = (o == 0.0) | (o == 1.0)
    n_soft = int((~crisp).sum())
    block["n_probability_outcomes"] = n_soft
    if n_soft:
        p, o = p[crisp], o[crisp]
    if not p.size:
        block.update(
            brier=brier,
            brier_of_pair_probabilities=None,
            log_score=log,
            n_log_infinite=n_inf,
            base_rate=base,
            skill_vs_half=rules.brier_skill_score(brier, 0.25),
            skill_vs_base_rate=rules.brier_skill_score(brier, unc) if unc > 0 else None,
        )
        block["calibration_table"] = []
        why = f"all {n_soft} pair(s) have an outcome that is a probability (not 0 or 1)"
        block.update({k: {"unavailable": why} for k in DIAGNOSTICS})
        return block
    block.update(
        brier=brier,
        brier_of_pair_probabilities=float(rules.brier_binary(p, o).mean()),
        log_score=log,
        n_log_infinite=n_inf,
        base_rate=base,
        skill_vs_half=rules.brier_skill_score(brier, 0.25),
        skill_vs_base_rate=rules.brier_skill_score(brier, unc) if unc > 0 else None,
    )
    if diagnose is not None:
        block["calibration_table"] = []
        block.update({k: {"unavailable": diagnose} for k in DIAGNOSTICS})
        return block
    block["calibration_table"] = table_rows(cal.calibration_table(p, o, bins))
    block.update(_diagnostics(p, o, bins))
    return block


DIAGNOSTICS = (
    "murphy",
    "corp",
    "spiegelhalter",
    "cox",
    "calibration_in_the_large",
    "corp_curve",
    "discrimination",
)


def _diagnostics(p: np.ndarray, o: np.ndarray, bins: Bins) -> dict[str, Any]:
    n = p.shape[0]
    if n < cal.MIN_FOR_CALIBRATION:
        return too_few_diagnostics(n)
    return diagnostics_entry(
        decompose.murphy(p, o, bins),
        decompose.corp(p, o),
        cal.spiegelhalter(p, o),
        lambda: cal.cox(p, o),
        cal.calibration_in_the_large(p, o),
        p,
        o,
    )


def too_few_diagnostics(n: int) -> dict[str, Any]:
    """Every diagnostic marked unavailable: fewer than ``MIN_FOR_CALIBRATION`` pairs."""
    return {
        "murphy": too_few(n, "the Murphy and CORP decompositions"),
        "corp": too_few(n, "the Murphy and CORP decompositions"),
        "spiegelhalter": too_few(n),
        "cox": too_few(n),
        "calibration_in_the_large": too_few(n),
        "corp_curve": too_few(n, "the CORP curve and its consistency band"),
        "discrimination": too_few(n, "the ROC curve and AUC"),
    }


def diagnostics_entry(
    m: Any,
    c: Any,
    s: Any,
    cox: Callable[[], Any],
    itl: Any,
    p: np.ndarray | None,
    o: np.ndarray | None,
    counts: Any = None,
) -> dict[str, Any]:
    """The diagnostics' JSON from their results, however they were computed (from pairs in
    memory, or from mergeable sums): Murphy ``m``, CORP ``c``, Spiegelhalter ``s``, the Cox fit
    (called here: it raises ``ValueError`` when undefined), calibration-in-the-large ``itl``;
    the CORP curve and discrimination are drawn from the pairs ``p``, ``o`` (outcomes 0 or
    1), or from their ``reliability.Counts`` (``counts``: the same curves, pairs not read)."""
    out: dict[str, Any] = {
        "murphy": {
            "rel": m.rel,
            "res": m.res,
            "unc": m.unc,
            "wbv": m.wbv,
            "wbc": m.wbc,
            "brier": m.brier,
            "n": m.n,
        },
        "corp": {"mcb": c.mcb, "dsc": c.dsc, "unc": c.unc, "score": c.score, "n": c.n},
        "spiegelhalter": (
            {"z": s.z, "p_value": s.p_value}
            if math.isfinite(s.z)
            else {"unavailable": "every forecast is 0, 0.5 or 1: Spiegelhalter's z is undefined"}
        ),
    }
    try:
        fit = cox()
        out["cox"] = {
            "slope": num(fit.slope),
            "intercept": num(fit.intercept),
            "se_slope": num(fit.se_slope),
            "se_intercept": num(fit.se_intercept),
            "n": fit.n,
            "converged": bool(getattr(fit, "converged", True)),
        }
    except ValueError as err:
        out["cox"] = {"unavailable": f"the Cox fit is undefined: {err}"}
    if counts is None:
        assert p is not None and o is not None
        counts = distinct_counts(p, o)
    out["corp_curve"] = discrimination.corp_block(p, o, counts)
    out["discrimination"] = discrimination.discrimination_block(p, o, counts)
    out["calibration_in_the_large"] = {
        "mean_forecast": itl.mean_forecast,
        "observed_rate": itl.observed_rate,
        "difference": itl.difference,
        "intercept": num(itl.intercept),
        "se_intercept": num(itl.se_intercept),
    }
    return out


def table_rows(table: cal.CalibrationTable) -> list[dict[str, Any]]:
    return [
        {
            "lower": float(table.lower[i]),
            "upper": float(table.upper[i]),
            "n": int(table.n[i]),
            "mean_forecast": float(table.mean_forecast[i]),
            "observed": float(table.observed[i]),
            "wilson_low": float(table.wilson_low[i]),
            "wilson_high": float(table.wilson_high[i]),
        }
        for i in range(table.n.shape[0])
    ]


def choice_block(pairs: pd.DataFrame, options: pd.DataFrame, bins: Bins) -> dict[str, Any]:
    """Multi-category Brier (0..2), log score, and the one-vs-rest option calibration table."""
    n = len(pairs)
    block: dict[str, Any] = {
        "n_pairs": n,
        "n_questions": int(pairs["question"].nunique()) if n else 0,
    }
    if n == 0:
        return block
    log, n_inf = _mean_log(pairs["log"].to_numpy(dtype=np.float64))
    block.update(
        brier_multi=float(pairs["brier_multi"].mean()),
        log_score=log,
        n_log_infinite=n_inf,
    )
    if "rps" in pairs:
        rps = pairs["rps"].to_numpy(dtype=np.float64)
        ordered = ~np.isnan(rps)
        block["n_ordered_pairs"] = int(ordered.sum())
        block["n_ordered_questions"] = (
            int(pairs.loc[ordered, "question"].nunique()) if ordered.any() else 0
        )
        block["rps"] = float(rps[ordered].mean()) if ordered.any() else None
        block["brier_multi_ordered"] = (
            float(pairs["brier_multi"].to_numpy()[ordered].mean()) if ordered.any() else None
        )
    if len(options):
        p = np.clip(options["p"].to_numpy(dtype=np.float64), 0.0, 1.0)
        o = options["o"].to_numpy(dtype=np.float64)
        block["option_calibration_table"] = table_rows(cal.calibration_table(p, o, bins))
        block["n_option_events"] = len(options)
    return block


def numeric_block(pairs: pd.DataFrame, pinball: pd.DataFrame) -> dict[str, Any]:
    """Mean WIS, CRPS and pinball loss per level (in the questions' units) and coverage."""
    n = len(pairs)
    block: dict[str, Any] = {
        "n_pairs": n,
        "n_questions": int(pairs["question"].nunique()) if n else 0,
    }
    if n == 0:
        return block
    for name, column in (
        ("wis", "wis"),
        ("crps", "crps"),
        ("coverage_50", "cover50"),
        ("coverage_90", "cover90"),
    ):
        values = pairs[column].to_numpy(dtype=np.float64)
        defined = ~np.isnan(values)
        block[name] = float(values[defined].mean()) if defined.any() else None
        block[f"n_{name}"] = int(defined.sum())
    if len(pinball):
        per_level = pinball.groupby("level")["loss"].agg(["mean", "size"]).reset_index()
        block["pinball"] = [
            {"level": float(r.level), "mean_loss": float(r.mean), "n": int(r.size)}
            for r in per_level.itertuples()
        ]
    return block


def numeric_questions(pairs: pd.DataFrame, questions: pd.DataFrame) -> list[dict[str, Any]]:
    """Per numeric question: its unit, outcome and mean WIS, CRPS and coverage over pairs.

    The questions in the order ``groupby("question", sort=True, observed=True)`` lists them
    (a categorical's in its categories' order), each one's pairs in their row order; each
    mean is ``pandas_mean`` of the question's values (pandas' own ``Series.mean``)."""
    if not len(pairs):
        return []
    units = dict(zip(questions["id"].tolist(), questions["unit"].tolist(), strict=False))
    column = pairs["question"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        names = column.cat.categories.to_numpy(dtype=object)
        rank = np.arange(names.shape[0])
    else:
        found, names = pd.factorize(column.to_numpy(dtype=object))
        codes, names = found.astype(np.int64), np.asarray(names, dtype=object)
        rank = np.argsort(np.argsort(names, kind="stable"), kind="stable")  # sorted names
    has = np.flatnonzero(codes >= 0)
    key = rank[codes[has]]
    order = has[np.argsort(key, kind="stable")]  # by question, each one's rows in row order
    ranked = key[np.argsort(key, kind="stable")]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]]) if order.size else order
    ends = np.r_[starts[1:], order.shape[0]] if order.size else order
    columns = {
        name: pairs[name].to_numpy(dtype=np.float64)[order]
        for name in ("outcome", "wis", "crps", "cover50", "cover90")
    }
    out = []
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        qid = names[codes[order[lo]]]
        out.append(
            {
                "question": str(qid),
                "unit": units.get(qid),
                "outcome": float(columns["outcome"][lo]),
                "n_pairs": hi - lo,
                "wis": num(pandas_mean(columns["wis"][lo:hi])),
                "crps": num(pandas_mean(columns["crps"][lo:hi])),
                "coverage_50": num(pandas_mean(columns["cover50"][lo:hi])),
                "coverage_90": num(pandas_mean(columns["cover90"][lo:hi])),
            }
        )
    return out


def pandas_mean(values: np.ndarray) -> float:
    """The mean of the values that are not NaN (NaN when none is), as ``pandas.Series.mean``
    takes it for float64: the NaN replaced by 0 in a copy, the copy summed by numpy (its
    pairwise summation), the sum divided by the count."""
    missing = np.isnan(values)
    count = values.shape[0] - int(missing.sum())
    if not count:
        return math.nan
    filled = values.copy()
    np.putmask(filled, missing, 0.0)
    return float(filled.sum() / np.float64(count))
