"""Mergeable summaries of a group's pairs: what crosses questions in the report.

A summary holds counts, exact sums and histograms of a group's scored pairs; ``merge`` adds
two summaries of disjoint sets of questions (the report's batches partition the questions, so
a question's pairs are always summarised together). The group's JSON block is computed from
the summary alone (``block``), so a report built from one summary of every pair and one built
by merging summaries of batches of questions (``report --engine duckdb|dask``) are the same.

- Sums of scores (``ExactSum``): each added array contributes its correctly rounded sum and
  the rounded remainder (``math.fsum``); the value is the correctly rounded sum of those
  parts, so it does not depend on how the pairs were split (up to a remainder below 2^-100
  of the sum).
- Binary calibration (tables, Murphy, CORP, Spiegelhalter, Cox, in-the-large): the histogram
  of distinct pair probabilities with their counts and outcome counts (``scoring.grouped``);
  counts add exactly. The Cox and in-the-large fits are Newton passes over the histogram in
  blocks (``scoring.logistic_counts``: memory that does not grow with it).
- Forecasters: the set of names (a forecaster may appear in several batches).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from foretell.report.blocks import (
    DIAGNOSTICS,
    diagnostics_entry,
    table_rows,
    too_few_diagnostics,
)
from foretell.scoring import exact_sum, grouped, logistic_counts, rules
from foretell.scoring.calibration import MIN_FOR_CALIBRATION
from foretell.scoring.reliability import Counts

Histogram = tuple[np.ndarray, np.ndarray, np.ndarray]
GROUPED_FROM = 2_000  # values from which ``ExactSum.grouped`` adds in numpy


def _merged(a: tuple[Histogram, ...], b: tuple[Histogram, ...]) -> tuple[Histogram, ...]:
    """Both stacks of histogram parts as one (each of ``b``'s parts pushed onto ``a``)."""
    for part in b:
        a = grouped.push(a, part)
    return a


@dataclass
class ExactSum:
    """A float sum that merges exactly (see the module docstring)."""

    parts: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, values: np.ndarray) -> ExactSum:
        if values.size == 0:
            return cls()
        return cls(list(exact_sum.fsum_parts(values)))

    @classmethod
    def grouped(cls, values: np.ndarray, group: np.ndarray, n_groups: int) -> list[ExactSum]:
        """``of`` the values of each group ``0 .. n_groups - 1`` (the same parts): from
        ``scoring.exact_sum`` for many values, each group by ``of`` for few."""
        values = np.asarray(values, dtype=np.float64)
        if values.shape[0] < GROUPED_FROM:
            found: list[exact_sum.Parts] = [None] * n_groups
        else:
            found = exact_sum.grouped_parts(values, group, n_groups)
        counts = np.bincount(group, minlength=n_groups)
        ends = np.cumsum(counts).tolist()
        order: np.ndarray | None = None
        out, start = [], 0
        for g, (parts, end) in enumerate(zip(found, ends, strict=True)):
            if parts is not None:
                out.append(cls(list(parts)))
            elif counts[g] == 0:
                out.append(cls())
            else:  # left to math.fsum
                if order is None:
                    order = np.argsort(group, kind="stable")
                out.append(cls.of(values[order[start:end]]))
            start = end
        return out

    def merge(self, other: ExactSum) -> ExactSum:
        """Both sums, kept as two parts (their correctly rounded sum and its remainder), so
        a sum merged over many batches does not grow."""
        parts = self.parts + other.parts
        if len(parts) <= 2:
            return ExactSum(parts)
        total = math.fsum(parts)
        return ExactSum([total, math.fsum([*parts, -total])])

    @property
    def value(self) -> float:
        return math.fsum(self.parts)


def _finite_sum(log: np.ndarray) -> tuple[ExactSum, int]:
    finite = np.isfinite(log)
    return ExactSum.of(log[finite]), int((~finite).sum())


def _n_questions(pairs: pd.DataFrame) -> int:
    return int(pairs["question"].nunique()) if len(pairs) else 0


def _names(column: pd.Series) -> set[str]:
    """The distinct values of a (categorical) column as text."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = np.unique(column.cat.codes.to_numpy())
        return {str(column.cat.categories[c]) for c in codes if c >= 0}
    return {str(a) for a in pd.unique(column.to_numpy(dtype=object))}


def _distinct_events(pairs: pd.DataFrame, derived: np.ndarray) -> int:
    """Distinct (question, threshold) among the derived pairs."""
    if not derived.any():
        return 0
    question = pairs["question"]
    codes = (
        question.cat.codes.to_numpy()
        if isinstance(question.dtype, pd.CategoricalDtype)
        else pd.factorize(question.to_numpy(dtype=object))[0]
    )
    events = pd.factorize(pairs["event"].to_numpy(dtype=object))[0]
    key = codes[derived].astype(np.int64) * (int(events.max()) + 1) + events[derived]
    return int(np.unique(key).shape[0])


# ------------------------------------------------------------------------ binary


@dataclass
class BinarySummary:
    n_pairs: int = 0
    n_questions: int = 0
    n_derived_pairs: int = 0
    n_derived_events: int = 0
    authors: set[str] = field(default_factory=set)
    brier: ExactSum = field(default_factory=ExactSum)
    log: ExactSum = field(default_factory=ExactSum)  # finite log scores
    n_log_infinite: int = 0
    hist_parts: tuple[Histogram, ...] = ()  # clipped pair p, count, yes (grouped.push)
    outcomes: ExactSum = field(default_factory=ExactSum)  # sum of o (a probability or 0/1)
    squares: ExactSum = field(default_factory=ExactSum)  # sum of o^2
    n_soft: int = 0  # pairs whose outcome is a probability: scored, not in the histogram

    @classmethod
    def of(cls, pairs: pd.DataFrame) -> BinarySummary:
        n = len(pairs)
        if n == 0:
            return cls()
        derived = pairs["derived"].to_numpy(dtype=bool)
        log, n_inf = _finite_sum(pairs["log"].to_numpy(dtype=np.float64))
        p = np.clip(pairs["p"].to_numpy(dtype=np.float64), 0.0, 1.0)
        o = pairs["o"].to_numpy(dtype=np.float64)
        crisp = (o == 0.0) | (o == 1.0)
        return cls(
            n_pairs=n,
            n_questions=_n_questions(pairs),
            n_derived_pairs=int(derived.sum()),
            n_derived_events=_distinct_events(pairs, derived),
            authors=_names(pairs["author"]),
            brier=ExactSum.of(pairs["brier"].to_numpy(dtype=np.float64)),
            log=log,
            n_log_infinite=n_inf,
            hist_parts=grouped.push((), grouped.histogram(p[crisp], o[crisp])),
            outcomes=ExactSum.of(o),
            squares=ExactSum.of(o * o),
            n_soft=int((~crisp).sum()),
        )

    @property
    def hist(self) -> Histogram:
        return grouped.collapse(self.hist_parts)

    def merge(self, other: BinarySummary) -> BinarySummary:
        return BinarySummary(
            self.n_pairs + other.n_pairs,
            self.n_questions + other.n_questions,
            self.n_derived_pairs + other.n_derived_pairs,
            self.n_derived_events + other.n_derived_events,
            self.authors | other.authors,
            self.brier.merge(other.brier),
            self.log.merge(other.log),
            self.n_log_infinite + other.n_log_infinite,
            _merged(self.hist_parts, other.hist_parts),
            self.outcomes.merge(other.outcomes),
            self.squares.merge(other.squares),
            self.n_soft + other.n_soft,
        )

    def block(self, bins: Any, diagnose: str | None = None) -> dict[str, Any]:
        """Scores, decompositions and calibration diagnostics of the group's binary pairs.

        ``diagnose``: None to compute everything, or the reason the calibration table,
        decompositions and tests are left out (scores only).
        """
        n = self.n_pairs
        block: dict[str, Any] = {
            "n_pairs": n,
            "n_questions": self.n_questions,
            "n_derived_pairs": self.n_derived_pairs,
            "n_derived_events": self.n_derived_events,
            "n_forecasters": len(self.authors),
        }
        if n == 0:
            block["unavailable"] = "no resolved binary forecasts"
            return block
        hist = self.hist
        p, count, yes = hist
        brier = self.brier.value / n
        if self.n_soft:  # outcomes that are probabilities: mean((obar - o)^2)
            base = self.outcomes.value / n
            unc = max(self.squares.value / n - base * base, 0.0)
        else:
            base = float(yes.sum()) / n
            unc = base * (1.0 - base)
        block["n_probability_outcomes"] = self.n_soft
        block.update(
            brier=brier,
            brier_of_pair_probabilities=grouped.brier(p, count, yes) if p.size else None,
            log_score=None if self.n_log_infinite else self.log.value / n,
            n_log_infinite=self.n_log_infinite,
            base_rate=base,
            skill_vs_half=rules.brier_skill_score(brier, 0.25),
            skill_vs_base_rate=rules.brier_skill_score(brier, unc) if unc > 0 else None,
        )
        if not p.size:
            block["calibration_table"] = []
            why = f"all {self.n_soft} pair(s) have an outcome that is a probability (not 0 or 1)"
            block.update({k: {"unavailable": why} for k in DIAGNOSTICS})
            return block
        if diagnose is not None:
            block["calibration_table"] = []
            block.update({k: {"unavailable": diagnose} for k in DIAGNOSTICS})
            return block
        block["calibration_table"] = table_rows(grouped.calibration_table(p, count, yes, bins))
        block.update(diagnostics(hist, bins))
        return block


def diagnostics(hist: Histogram, bins: Any) -> dict[str, Any]:
    """The diagnostics from the histogram of distinct forecasts (``grouped``'s sums); the
    CORP curve and discrimination from the same histogram as ``reliability.Counts`` (what
    ``distinct_counts`` gives for the histogram written out as pairs)."""
    p, count, yes = hist
    n = int(count.sum())
    if n < MIN_FOR_CALIBRATION:
        return too_few_diagnostics(n)
    counts = Counts(p, count.astype(np.float64), yes.astype(np.float64))
    return diagnostics_entry(
        grouped.murphy(p, count, yes, bins),
        grouped.corp(p, count, yes),
        grouped.spiegelhalter(p, count, yes),
        lambda: logistic_counts.cox(p, count, yes),
        logistic_counts.calibration_in_the_large(p, count, yes),
        None,
        None,
        counts,
    )


# ------------------------------------------------------------------------ multiple choice


@dataclass
class ChoiceSummary:
    n_pairs: int = 0
    n_questions: int = 0
    brier_multi: ExactSum = field(default_factory=ExactSum)
    log: ExactSum = field(default_factory=ExactSum)
    n_log_infinite: int = 0
    option_parts: tuple[Histogram, ...] = ()  # one-vs-rest option events (grouped.push)
    has_rps: bool = False  # the pairs carry an ``rps`` column (ordered options)
    n_ordered: int = 0
    n_ordered_questions: int = 0
    rps: ExactSum = field(default_factory=ExactSum)
    brier_ordered: ExactSum = field(default_factory=ExactSum)

    @classmethod
    def of(cls, pairs: pd.DataFrame, options: pd.DataFrame) -> ChoiceSummary:
        if not len(pairs):
            return cls()
        log, n_inf = _finite_sum(pairs["log"].to_numpy(dtype=np.float64))
        hist: tuple[Histogram, ...] = ()
        if len(options):
            p = np.clip(options["p"].to_numpy(dtype=np.float64), 0.0, 1.0)
            hist = grouped.push((), grouped.histogram(p, options["o"].to_numpy(np.float64)))
        out = cls(
            len(pairs),
            _n_questions(pairs),
            ExactSum.of(pairs["brier_multi"].to_numpy(dtype=np.float64)),
            log,
            n_inf,
            hist,
        )
        if "rps" in pairs:
            rps = pairs["rps"].to_numpy(dtype=np.float64)
            ordered = ~np.isnan(rps)
            out.has_rps = True
            out.n_ordered = int(ordered.sum())
            out.n_ordered_questions = _n_questions(pairs[ordered]) if ordered.any() else 0
            out.rps = ExactSum.of(rps[ordered])
            out.brier_ordered = ExactSum.of(pairs["brier_multi"].to_numpy(np.float64)[ordered])
        return out

    def merge(self, other: ChoiceSummary) -> ChoiceSummary:
        return ChoiceSummary(
            self.n_pairs + other.n_pairs,
            self.n_questions + other.n_questions,
            self.brier_multi.merge(other.brier_multi),
            self.log.merge(other.log),
            self.n_log_infinite + other.n_log_infinite,
            _merged(self.option_parts, other.option_parts),
            self.has_rps or other.has_rps,
            self.n_ordered + other.n_ordered,
            self.n_ordered_questions + other.n_ordered_questions,
            self.rps.merge(other.rps),
            self.brier_ordered.merge(other.brier_ordered),
        )

    def block(self, bins: Any) -> dict[str, Any]:
        """Multi-category Brier (0..2), log score, and the one-vs-rest option calibration."""
        n = self.n_pairs
        block: dict[str, Any] = {"n_pairs": n, "n_questions": self.n_questions}
        if n == 0:
            return block
        block.update(
            brier_multi=self.brier_multi.value / n,
            log_score=None if self.n_log_infinite else self.log.value / n,
            n_log_infinite=self.n_log_infinite,
        )
        if self.has_rps:
            k = self.n_ordered
            block["n_ordered_pairs"] = k
            block["n_ordered_questions"] = self.n_ordered_questions
            block["rps"] = self.rps.value / k if k else None
            block["brier_multi_ordered"] = self.brier_ordered.value / k if k else None
        p, count, yes = grouped.collapse(self.option_parts)
        if p.size:
            table = grouped.calibration_table(p, count, yes, bins)
            block["option_calibration_table"] = table_rows(table)
            block["n_option_events"] = int(count.sum())
        return block


# ------------------------------------------------------------------------ numeric

NUMERIC_SCORES = (("wis", "wis"), ("crps", "crps"), ("coverage_50", "cover50"),
                  ("coverage_90", "cover90"))  # fmt: skip


@dataclass
class NumericSummary:
    n_pairs: int = 0
    n_questions: int = 0
    scores: dict[str, tuple[ExactSum, int]] = field(default_factory=dict)  # sum, n defined
    pinball: dict[float, tuple[ExactSum, int]] = field(default_factory=dict)  # per level

    @classmethod
    def of(cls, pairs: pd.DataFrame, pinball: pd.DataFrame) -> NumericSummary:
        if not len(pairs):
            return cls()
        scores = {}
        for name, column in NUMERIC_SCORES:
            values = pairs[column].to_numpy(dtype=np.float64)
            defined = values[~np.isnan(values)]
            scores[name] = (ExactSum.of(defined), int(defined.shape[0]))
        levels: dict[float, tuple[ExactSum, int]] = {}
        if len(pinball):
            for level, grp in pinball.groupby("level", sort=True):
                loss = grp["loss"].to_numpy(dtype=np.float64)
                levels[float(level)] = (ExactSum.of(loss), int(loss.shape[0]))
        return cls(len(pairs), _n_questions(pairs), scores, levels)

    def merge(self, other: NumericSummary) -> NumericSummary:
        def add(
            a: dict[Any, tuple[ExactSum, int]], b: dict[Any, tuple[ExactSum, int]]
        ) -> dict[Any, tuple[ExactSum, int]]:
            out = dict(a)
            for key, (s, n) in b.items():
                if key in out:
                    out[key] = (out[key][0].merge(s), out[key][1] + n)
                else:
                    out[key] = (s, n)
            return out

        return NumericSummary(
            self.n_pairs + other.n_pairs,
            self.n_questions + other.n_questions,
            add(self.scores, other.scores),
            add(self.pinball, other.pinball),
        )

    def block(self) -> dict[str, Any]:
        """Mean WIS, CRPS and pinball loss per level (in the questions' units) and coverage."""
        n = self.n_pairs
        block: dict[str, Any] = {"n_pairs": n, "n_questions": self.n_questions}
        if n == 0:
            return block
        for name, _ in NUMERIC_SCORES:
            total, count = self.scores.get(name, (ExactSum(), 0))
            block[name] = total.value / count if count else None
            block[f"n_{name}"] = count
        if self.pinball:
            block["pinball"] = [
                {"level": level, "mean_loss": s.value / count, "n": count}
                for level, (s, count) in sorted(self.pinball.items())
            ]
        return block


# ------------------------------------------------------------------------ a group


@dataclass
class GroupSummary:
    binary: BinarySummary = field(default_factory=BinarySummary)
    choice: ChoiceSummary = field(default_factory=ChoiceSummary)
    numeric: NumericSummary = field(default_factory=NumericSummary)

    @classmethod
    def of(
        cls,
        binary: pd.DataFrame,
        choice: pd.DataFrame,
        options: pd.DataFrame,
        numeric: pd.DataFrame,
        pinball: pd.DataFrame,
    ) -> GroupSummary:
        return cls(
            BinarySummary.of(binary),
            ChoiceSummary.of(choice, options),
            NumericSummary.of(numeric, pinball),
        )

    def merge(self, other: GroupSummary) -> GroupSummary:
        return GroupSummary(
            self.binary.merge(other.binary),
            self.choice.merge(other.choice),
            self.numeric.merge(other.numeric),
        )

    def entry(self, name: str, bins: Any, skip_diagnostics: str | None = None) -> dict[str, Any]:
        return {
            "name": name,
            "binary": self.binary.block(bins, skip_diagnostics),
            "multiple_choice": self.choice.block(bins),
            "numeric": self.numeric.block(),
        }


def merge_groups(
    a: dict[tuple[str, ...], GroupSummary], b: dict[tuple[str, ...], GroupSummary]
) -> dict[tuple[str, ...], GroupSummary]:
    """Two batches' group summaries (keyed by group labels) merged."""
    out = dict(a)
    for labels, summary in b.items():
        out[labels] = out[labels].merge(summary) if labels in out else summary
    return out
