"""``foretell compare``: two forecasters head to head, or every forecaster's relative skill.

Both work on per-question score tables (``comparison.score_long``): one score per
(forecaster, question) under the chosen rule, crowd forecasters included.

- ``head_to_head``: for each metric (``brier``, ``log``, ``wis``) the questions both answered,
  and on them ``scoring.compare.paired.paired_test`` (mean difference a - b, bootstrap 95%
  interval resampling questions, sign-flip permutation p-value, Diebold-Mariano statistic).
  Refuses when no metric has at least 2 shared questions.
- ``skill_table``: the pairwise mean-score ratios and relative skill of every forecaster on
  one metric (``scoring.compare.skill``), optionally scaled to a baseline forecaster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from foretell.errors import ForetellError
from foretell.report import comparison, crowd
from foretell.report.comparison import METRIC_TEXT, METRICS, ScoredPairs
from foretell.report.scope import Filters, select
from foretell.scoring.compare import paired, skill
from foretell.scoring.compare.crowd import DEFAULT_EXTREMIZE
from foretell.scoring.selection import RULES

if TYPE_CHECKING:
    from foretell.frames import Frames


@dataclass(frozen=True)
class CompareOptions:
    filters: Filters = field(default_factory=Filters)
    rule: str = "time-averaged"
    crowd: str | tuple[str, ...] | None = None
    extremize: float = DEFAULT_EXTREMIZE
    metric: str = "brier"
    baseline: str | None = None
    n_resamples: int = paired.N_RESAMPLES
    seed: int = paired.SEED


@dataclass(frozen=True)
class Scores:
    """Per metric, the long (author, question, score) table; and every forecaster's name."""

    long: dict[str, Any]
    names: list[str]
    crowd: list[str]


def scores(frames: Frames, options: CompareOptions) -> Scores:
    if options.rule not in RULES:
        raise ForetellError(f"unknown rule {options.rule!r}; choose one of {', '.join(RULES)}")
    if options.metric not in METRICS:
        raise ForetellError(
            f"unknown --metric {options.metric!r}; choose one of {', '.join(METRICS)}"
        )
    scope = select(frames, options.filters)
    methods = crowd.parse_methods(options.crowd)
    if methods is None:
        methods = crowd.default_methods(scope.forecasts)
    people = ScoredPairs.of(scope, options.rule)
    crowds = ScoredPairs.of(crowd.crowd_scope(scope, methods, options.extremize), options.rule)
    long = {m: comparison.score_long(people, crowds, m) for m in METRICS}
    seen = {str(a) for t in long.values() for a in t["author"]}
    names = sorted(n for n in seen if not crowd.is_crowd(n))
    names += [n for n in crowd.NAMES if n in seen]
    return Scores(long, names, [crowd.PREFIX + m for m in methods])


def _check_name(name: str, s: Scores) -> None:
    if name not in s.names:
        known = ", ".join(s.names) or "none"
        raise ForetellError(f"no scored forecasts by {name!r} (forecasters: {known})")


def head_to_head(frames: Frames, a: str, b: str, options: CompareOptions) -> dict[str, Any]:
    """The JSON document of ``foretell compare A B`` (schema in the README)."""
    if a == b:
        raise ForetellError(f"compare {a!r} with someone else")
    s = scores(frames, options)
    _check_name(a, s)
    _check_name(b, s)
    metrics: dict[str, Any] = {}
    shared_any: set[str] = set()
    for metric in METRICS:
        long = s.long[metric]
        xa = long[long["author"] == a].groupby("question")["score"].mean()
        xb = long[long["author"] == b].groupby("question")["score"].mean()
        shared = sorted(set(xa.index) & set(xb.index))
        shared_any.update(shared)
        if not len(xa) and not len(xb):
            continue
        if len(shared) < 2:
            metrics[metric] = {
                "n_questions": len(shared),
                "unavailable": f"{len(shared)} shared question(s); a paired comparison needs 2",
            }
            continue
        t = paired.paired_test(
            xa[shared].to_numpy(), xb[shared].to_numpy(), options.n_resamples, options.seed
        )
        metrics[metric] = {
            "n_questions": t.n_questions,
            "mean_a": t.mean_a,
            "mean_b": t.mean_b,
            "mean_difference": t.mean_difference,
            "ci_low": t.ci_low,
            "ci_high": t.ci_high,
            "p_value": t.p_value,
            "p_exact": t.p_exact,
            "dm_statistic": t.dm_statistic,
            "dm_p_value": t.dm_p_value,
        }
    tested = [m for m in METRICS if m in metrics and "unavailable" not in metrics[m]]
    if not tested:
        n = len(shared_any)
        which = f" ({', '.join(sorted(shared_any))})" if n else ""
        raise ForetellError(
            f"{a} and {b} share {n} scored question(s){which}; a paired comparison needs at "
            "least 2 questions both answered"
        )
    primary = options.metric if options.metric in tested else tested[0]
    head = metrics[primary]
    return {
        "a": a,
        "b": b,
        "rule": options.rule,
        "crowd": s.crowd,
        "metric": primary,
        "n_questions": head["n_questions"],
        "mean_difference": head["mean_difference"],
        "ci_low": head["ci_low"],
        "ci_high": head["ci_high"],
        "p_value": head["p_value"],
        "metrics": metrics,
        "conventions": CONVENTIONS | {"resamples": _resamples(options)},
    }


def skill_table(frames: Frames, options: CompareOptions) -> dict[str, Any]:
    """The JSON document of ``foretell compare`` (schema in the README)."""
    s = scores(frames, options)
    if options.baseline is not None:
        _check_name(options.baseline, s)
    long = s.long[options.metric]
    names = [n for n in s.names if n in set(long["author"])]
    if len(names) < 2:
        raise ForetellError(
            f"relative skill needs at least 2 forecasters with a {options.metric} score; "
            f"have {len(names)}"
        )
    if options.baseline is not None and options.baseline not in names:
        raise ForetellError(f"{options.baseline!r} has no {options.metric} score to scale to")
    matrix, _ = comparison.score_matrix(long, names)
    rel, theta, shared = skill.relative_skill(matrix)
    scaled = skill.scaled(rel, names.index(options.baseline)) if options.baseline else None
    rows = []
    for i, name in enumerate(names):
        rows.append(
            {
                "name": name,
                "crowd": crowd.is_crowd(name),
                "n_questions": int(shared[i, i]),
                "relative_skill": _num(rel[i]),
                "scaled_relative_skill": None if scaled is None else _num(scaled[i]),
            }
        )
    return {
        "metric": options.metric,
        "rule": options.rule,
        "baseline": options.baseline,
        "crowd": s.crowd,
        "forecasters": rows,
        "matrix": {
            "names": names,
            "mean_score_ratio": [[_num(x) for x in row] for row in theta],
            "n_shared": shared.tolist(),
        },
        "conventions": CONVENTIONS,
    }


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _resamples(options: CompareOptions) -> str:
    return (
        f"{options.n_resamples} bootstrap resamples and (beyond {paired.EXACT_UP_TO} questions) "
        f"{options.n_resamples} random sign patterns, seed {options.seed}."
    )


CONVENTIONS = {
    "metrics": "; ".join(f"{k}: {v}" for k, v in METRIC_TEXT.items())
    + ". Each is the pair's score under the rule (one score per forecaster and question); "
    "lower is better.",
    "paired": (
        "Head to head, on the questions both answered: mean difference A - B (negative "
        "favours A); a percentile bootstrap 95% interval resampling questions; a two-sided "
        "paired permutation (sign-flip) p-value, exact up to "
        f"{paired.EXACT_UP_TO} questions; the Diebold-Mariano statistic mean(d) / "
        "sqrt(var(d) / n) with no autocovariance terms, and its normal p-value."
    ),
    "relative_skill": (
        "Relative skill (Cramer et al. 2022, as scoringutils computes it): for each pair, the "
        "ratio of the two forecasters' mean scores on the questions both answered; a "
        "forecaster's relative skill is the geometric mean of its ratios against every "
        "forecaster it shares a question with, itself included (ratio 1); below 1 is better. "
        "Scaled: divided by the baseline's relative skill."
    ),
}
