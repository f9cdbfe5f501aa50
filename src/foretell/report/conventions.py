"""The scoring conventions every report states, worded for the chosen rule and binning."""

from __future__ import annotations

from foretell.report.bins import Bins, edges_text
from foretell.scoring.calibration import MIN_FOR_CALIBRATION

HORIZON_EDGES = (7, 30, 90, 365)

_RULES = {
    "time-averaged": (
        "time-averaged: each pair (forecaster, question) is scored on every UTC day from the "
        "forecaster's first forecast to the close day, both inclusive, with the latest "
        "forecast made on or before that day; the pair's score is the mean of the daily "
        "scores. Days before the first forecast are not counted."
    ),
    "last": "last: each pair is scored on its final forecast made on or before the close day.",
    "first": "first: each pair is scored on the forecaster's first forecast.",
    "each": (
        "each: every forecast made on or before the close day is its own scored unit (several "
        "forecasts by one forecaster on one question are several units, same-day ones "
        "included); the tables' 'pairs' are these units."
    ),
    "spot": (
        "spot:{n}: each pair is scored on the forecast standing {n} days before the close day "
        "(the latest made on or before close day - {n}), as Metaculus' spot score; pairs with "
        "no forecast by then are not scored and are counted."
    ),
}

_PAIRS = {
    "time-averaged": (
        "Calibration pairs: one probability per pair, the time-weighted mean probability "
        "sum(w * p) with w = the share of the pair's days each forecast was in effect. The "
        "headline Brier and log scores are time-weighted means of the daily scores; the Murphy "
        "and CORP decompositions and the calibration tests use the pair probabilities, so the "
        "decompositions add up to the 'Brier of pair probabilities', which is at most the "
        "headline Brier (the square is convex)."
    ),
    "last": (
        "Calibration pairs: one probability per pair, the counted (last) forecast; the "
        "decompositions add up to the headline Brier."
    ),
    "first": (
        "Calibration pairs: one probability per pair, the counted (first) forecast; the "
        "decompositions add up to the headline Brier."
    ),
    "each": (
        "Calibration units: one probability per forecast; the decompositions add up to the "
        "headline Brier."
    ),
    "spot": (
        "Calibration pairs: one probability per pair, the forecast standing at the spot day; "
        "the decompositions add up to the headline Brier."
    ),
}


def _binning(bins: Bins) -> str:
    if isinstance(bins, str):  # "quantile"
        return (
            "10 bins with edges at the deciles of the pair probabilities (tied forecasts stay "
            "in one bin)"
        )
    if isinstance(bins, int):
        return f"{bins} equal-width bins on [0, 1], each [lower, upper) and the last closed"
    edges = list(bins)
    return (
        f"{len(edges) - 1} bins with the edges {edges_text(edges)}, each [lower, upper) and "
        "the last closed"
    )


def conventions(rule: str, bins: Bins, horizons: tuple[int, ...] | None = None) -> dict[str, str]:
    """Named statements of how this report scores (keys are stable for JSON readers)."""
    from foretell.report.grouping import horizon_labels
    from foretell.scoring.selection import parse_rule

    binning = _binning(bins)
    name, days = parse_rule(rule)
    rule_text = _RULES[name].format(n=days)
    return {
        "brier": (
            "Binary Brier score (p - o)^2 on the 0..1 scale (0 perfect; always saying 50% "
            "scores 0.25). Scores are means over pairs."
        ),
        "multi_category_brier": (
            "Multiple-choice questions: multi-category Brier score sum_k (p_k - o_k)^2 on the "
            "0..2 scale (a two-option question scores twice its binary Brier)."
        ),
        "log_score": (
            "Log score -ln(probability given to what happened), natural log, lower is better; "
            "infinite when the outcome had probability 0 (such pairs are counted and the mean "
            "is then shown as infinite)."
        ),
        "rule": "Rule " + rule_text + " Close day = min(resolved_on, resolve_by).",
        "pairs": _PAIRS[name],
        "skill": (
            "Brier skill = 1 - Brier / reference: against always 50% (reference 0.25) and "
            "against always the group's observed base rate obar (reference obar(1 - obar), "
            "in-sample)."
        ),
        "decompositions": (
            "Murphy: Brier = REL - RES + UNC + WBV - WBC (Stephenson, Coelho & Jolliffe 2008, "
            "same bins as the calibration table): REL reliability, RES resolution, UNC = "
            "obar(1 - obar) uncertainty, WBV the within-bin variance of the forecasts, WBC "
            "twice the within-bin covariance of forecasts and outcomes. CORP: S = MCB - DSC + "
            "UNC after isotonic (PAV) recalibration (Dimitriadis, Gneiting & Jordan 2021)."
        ),
        "calibration": (
            f"Calibration table: {binning}; observed frequency with a Wilson 95% interval. "
            "Spiegelhalter's z (two-sided p); Cox recalibration logit P(yes) = a + b logit(p) "
            "(b < 1 overconfident, b > 1 underconfident); calibration-in-the-large = mean "
            "forecast - observed rate, and the intercept of the fit with slope fixed at 1."
        ),
        "minimum": (
            f"The decompositions and calibration tests need at least {MIN_FOR_CALIBRATION} "
            "resolved binary pairs (Cox also both outcomes); with fewer the report says so."
        ),
        "derived": (
            "Numeric thresholds: P(X >= t) is read off the forecast's piecewise-linear CDF "
            "through (range low, 0), its quantiles, (range high, 1); each threshold is scored "
            "as a derived binary event X >= t and included in the binary scores and calibration "
            "(counted separately as derived)."
        ),
        "multiple_choice_calibration": (
            "Multiple-choice options are not mixed into the binary calibration (the options of "
            "one question are dependent); a separate table treats each option's probability as "
            "a one-vs-rest binary event."
        ),
        "numeric": (
            "Numeric questions: pinball loss per quantile level, weighted interval score "
            "(Bracher et al. 2021; needs the median), CRPS approximated as 2 x the mean pinball "
            "loss over the levels, and coverage of the central 50% and 90% intervals. Losses "
            "are in each question's unit, so means across questions mix units."
        ),
        "ranked_probability_score": (
            "Ordered multiple-choice questions (ordered = true): ranked probability score "
            "RPS = 1/(k - 1) sum_{j<k} (F_j - O_j)^2 over the cumulative forecast F and "
            "outcome O (Epstein 1969), normalised to 0..1 by k - 1; beside the Brier score, it "
            "charges less for probability on options near the outcome."
        ),
        "wis_parts": (
            "WIS parts (as scoringutils defines them): dispersion sum (alpha/2)(u - l), "
            "overprediction (l - y)+ and underprediction (y - u)+ over the central intervals "
            "[l, u], the median counted as a half-weight interval of width 0, each divided by "
            "K + 1/2; they add up to the WIS. Bias (scoringutils' quantile bias) in [-1, 1], "
            "positive when forecasts are too high; absolute error of the median |y - q_0.5|."
        ),
        "numeric_units": (
            "WIS, CRPS, their parts and the absolute error are in each question's unit: they "
            "are given per unit; a mean over several units is labelled as mixed. Scale-free "
            "across units: bias, interval coverage, the PIT histogram, WIS of ln(x + 1) values "
            "(Bosse et al. 2023; questions whose range, quantiles and outcome are >= 0) and the "
            "relative WIS (per shared question the ratio of WIS to the --wis-baseline "
            "forecaster's WIS, geometric mean over questions)."
        ),
        "pit": (
            "PIT from quantiles: the outcome's PIT lies between the highest level whose "
            "quantile is below it and the lowest level whose quantile is above it (0 and 1 "
            "beyond the ends); the randomised PIT draws uniformly there (fixed seed). The "
            "histogram adds each forecast's rule weight to its bin (10 bins); uniformity by "
            "Pearson's chi-square test, 9 degrees of freedom. Coverage is given for every "
            "central interval the forecasts hold (level pairs tau, 1 - tau)."
        ),
        "corp_band": (
            "CORP reliability curve: the isotonic (PAV) fit of the outcome on the pair "
            "probabilities; its 90% consistency band comes from 200 resamples of the outcomes "
            "as Bernoulli(p) under calibration, refitted each time (Dimitriadis, Gneiting & "
            "Jordan 2021). Where the curve leaves the band, the forecasts are miscalibrated "
            "there."
        ),
        "discrimination": (
            "Discrimination: histograms of the pair probabilities for events that happened "
            "and did not; ROC area (AUC, ties count half) with DeLong's standard error and a "
            "95% interval AUC +- 1.96 se."
        ),
        "trend": (
            "Trend: per forecaster, each resolved binary question's mean Brier score "
            "(derived threshold events averaged into their question), ordered by resolution "
            "date; the rolling mean over the last --window questions. --group-by period "
            "groups by the month, quarter or year (--period) of resolution."
        ),
        "exclusions": (
            "Annulled questions are excluded from every score; open questions are not scored; "
            "forecasts dated after a question's close day are ignored."
        ),
        "equal_weight": (
            "equal-weight: the unweighted mean of the groups' mean scores (each group counts "
            "once, whatever its number of pairs), beside the pooled 'all' (each pair counts "
            "once); with several group keys, over every combination that has pairs."
        ),
        "horizon": (
            "Horizon (lead time): days from the pair's counted forecast (its first forecast "
            "under time-averaged and first; the forecast itself under each) to the question's "
            "target_date when it names one (the date a quantity refers to), else to the close "
            "day; in bins "
            + ", ".join(horizon_labels(horizons or HORIZON_EDGES))
            + " (a-bd holds lead times a to b days; negative lead times fall in the first)."
        ),
    }
