"""The numeric diagnostics and the relative WIS as sums that merge across questions.

``NumericExtras`` holds what a group's numeric block adds to WIS, CRPS, coverage and pinball
loss (``report.numeric``): per part (dispersion, over- and underprediction, absolute error of
the median, bias, WIS on the log scale) the sum and count of the pairs where it is defined;
per unit the pairs, questions and the same sums of WIS, its parts and CRPS; per nominal
interval level the sum and count of the pairs' covered share; per PIT bin the summed rule
weights. Each mean is ``sum / count``; the PIT block is ``numeric.pit_block`` of the counts.

``RelativeWis`` holds, per forecaster other than the baseline, the sum of
``ln(WIS / baseline's WIS)`` over the questions both scored (where the ratio is finite and
positive) and how many; the relative WIS is ``exp(sum / n)``, the geometric mean of the
ratios. Every ratio is within one question, so a batch of whole questions gives its terms.

Sums are ``summary.ExactSum`` (correctly rounded, whatever the split), so merging the pieces
of any split of the questions gives the unsplit numbers. What they carry grows with the
number of units, levels and forecasters, never with the number of forecasts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from foretell.report import numeric as nm
from foretell.report.summary import ExactSum

Sum = tuple[ExactSum, int]  # a sum and how many values it adds
MEANS = ("dispersion", "overprediction", "underprediction", "ae_median", "bias")
UNIT_SCORES = ("wis", "dispersion", "overprediction", "underprediction", "ae_median", "crps")


def _defined(values: np.ndarray) -> Sum:
    kept = values[~np.isnan(values)]
    return ExactSum.of(kept), int(kept.shape[0])


def _added(a: dict[Any, Sum], b: dict[Any, Sum]) -> dict[Any, Sum]:
    out = dict(a)
    for key, (s, n) in b.items():
        out[key] = (out[key][0].merge(s), out[key][1] + n) if key in out else (s, n)
    return out


def _mean(item: Sum) -> float | None:
    return nm.mean_of(item[0].value, item[1])


@dataclass
class UnitSums:
    """One unit's pairs: how many, on how many questions, and sums of ``UNIT_SCORES``."""

    n_pairs: int = 0
    n_questions: int = 0
    scores: dict[str, Sum] = field(default_factory=dict)

    def merge(self, other: UnitSums) -> UnitSums:
        return UnitSums(
            self.n_pairs + other.n_pairs,
            self.n_questions + other.n_questions,
            _added(self.scores, other.scores),
        )


@dataclass
class NumericExtras:
    n_pairs: int = 0
    means: dict[str, Sum] = field(default_factory=dict)  # MEANS and wis_log
    units: dict[str, UnitSums] = field(default_factory=dict)
    coverage: dict[float, Sum] = field(default_factory=dict)  # per nominal level
    pit: list[ExactSum] = field(default_factory=list)  # summed weights per PIT bin

    @classmethod
    def of(
        cls, pairs: pd.DataFrame, coverage: pd.DataFrame, pit: pd.DataFrame, units: dict[str, Any]
    ) -> NumericExtras:
        """The sums of a group's numeric pairs, their per-level coverage and PIT rows."""
        if not len(pairs):
            return cls()
        columns = NumericColumns.of(pairs, coverage, pit, units)
        every = (np.arange(n, dtype=np.int64) for n in (len(pairs), len(coverage), len(pit)))
        return columns.extras(*every)

    def merge(self, other: NumericExtras) -> NumericExtras:
        units = dict(self.units)
        for name, sums in other.units.items():
            units[name] = units[name].merge(sums) if name in units else sums
        pit = (
            [a.merge(b) for a, b in zip(self.pit, other.pit, strict=True)]
            if self.pit and other.pit
            else self.pit or other.pit
        )
        return NumericExtras(
            self.n_pairs + other.n_pairs,
            _added(self.means, other.means),
            units,
            _added(self.coverage, other.coverage),
            pit,
        )

    def block(self) -> dict[str, Any]:
        """The keys ``numeric.numeric_extras`` adds to a group's numeric block."""
        out: dict[str, Any] = {
            name: _mean(self.means[name]) for name in MEANS if name in self.means
        }
        if "wis_log" in self.means:
            out["wis_log"] = {"mean": _mean(self.means["wis_log"]), "n": self.means["wis_log"][1]}
        out["units"] = sorted(self.units)
        out["by_unit"] = [
            {
                "unit": name,
                "n_pairs": u.n_pairs,
                "n_questions": u.n_questions,
                **{c: _mean(u.scores[c]) for c in UNIT_SCORES if c in u.scores},
            }
            for name, u in sorted(self.units.items())
        ]
        out["coverage_levels"] = [
            {"level": level, "empirical": s.value / n, "n": n}
            for level, (s, n) in sorted(self.coverage.items())
        ]
        counts = np.array([s.value for s in self.pit]) if self.pit else np.zeros(nm.PIT_BINS)
        out["pit"] = nm.pit_block(counts)
        return out


@dataclass(frozen=True)
class NumericColumns:
    """A numeric pairs table, its coverage rows and PIT rows as arrays, for the sums of any
    subset of their rows (``extras``): the score columns, each pair's question code (-1:
    none) and unit (a code into the sorted ``unit_names``), each coverage row's level and
    covered share, each PIT row's bin and weight."""

    scores: dict[str, np.ndarray]
    question: np.ndarray
    unit: np.ndarray
    unit_names: list[str]
    level: np.ndarray
    covered: np.ndarray
    pit_bin: np.ndarray
    pit_w: np.ndarray

    @classmethod
    def of(
        cls, pairs: pd.DataFrame, coverage: pd.DataFrame, pit: pd.DataFrame, units: dict[str, Any]
    ) -> NumericColumns:
        names = dict.fromkeys((*MEANS, "wis_log", *UNIT_SCORES))
        question = pairs["question"]
        if isinstance(question.dtype, pd.CategoricalDtype):
            q_codes = question.cat.codes.to_numpy().astype(np.int64)
        else:
            q_codes = pd.factorize(question.to_numpy(dtype=object))[0].astype(np.int64)
        unit_names, unit = np.unique(nm.units_of(question, units), return_inverse=True)

        def column(frame: pd.DataFrame, name: str, dtype: type) -> np.ndarray:
            return frame[name].to_numpy(dtype=dtype) if len(frame) else np.zeros(0, dtype)

        return cls(
            {name: pairs[name].to_numpy(dtype=np.float64) for name in names if name in pairs},
            q_codes,
            unit.reshape(-1).astype(np.int64),
            [str(u) for u in unit_names],
            column(coverage, "level", np.float64),
            column(coverage, "covered", np.float64),
            column(pit, "bin", np.int64),
            column(pit, "w", np.float64),
        )

    def extras(self, rows: np.ndarray, cov_rows: np.ndarray, pit_rows: np.ndarray) -> NumericExtras:
        """``NumericExtras.of`` the pairs ``rows``, coverage rows ``cov_rows`` and PIT rows
        ``pit_rows`` (positions; the sums do not depend on their order)."""
        if not rows.shape[0]:
            return NumericExtras()
        scores = self.scores
        means = {
            name: _defined(scores[name][rows]) for name in (*MEANS, "wis_log") if name in scores
        }
        unit = self.unit[rows]
        per_unit = {}
        for code in np.unique(unit).tolist():
            sel = rows[unit == code]
            q = self.question[sel]
            per_unit[self.unit_names[code]] = UnitSums(
                int(sel.shape[0]),
                int(np.unique(q[q >= 0]).shape[0]),
                {c: _defined(scores[c][sel]) for c in UNIT_SCORES if c in scores},
            )
        levels: dict[float, Sum] = {}
        if cov_rows.shape[0]:
            level, covered = self.level[cov_rows], self.covered[cov_rows]
            for value in np.unique(level[~np.isnan(level)]).tolist():
                share = covered[level == value]
                levels[float(value)] = (ExactSum.of(share), int(share.shape[0]))
        bins = [ExactSum() for _ in range(nm.PIT_BINS)]
        if pit_rows.shape[0]:
            which, weight = self.pit_bin[pit_rows], self.pit_w[pit_rows]
            bins = [ExactSum.of(weight[which == b]) for b in range(nm.PIT_BINS)]
        return NumericExtras(int(rows.shape[0]), means, per_unit, levels, bins)


@dataclass
class RelativeWis:
    authors: set[str] = field(default_factory=set)  # every forecaster with numeric pairs
    logs: dict[str, Sum] = field(default_factory=dict)  # per other forecaster: sum of ln ratios

    @classmethod
    def of(cls, pairs: pd.DataFrame, baseline: str | None) -> RelativeWis:
        """The terms of the numeric ``pairs`` (whole questions) against ``baseline``."""
        if baseline is None or not len(pairs):
            return cls()
        author = pairs["author"].astype(str).to_numpy(dtype=object)
        question = pairs["question"].astype(str).to_numpy(dtype=object)
        wis = pairs["wis"].to_numpy(dtype=np.float64)
        is_base = author == baseline
        base = pd.Series(wis[is_base], index=question[is_base])
        others = ~is_base
        ratio = wis[others] / pd.Series(question[others]).map(base).to_numpy(dtype=np.float64)
        ok = np.isfinite(ratio) & (ratio > 0)
        logs = np.log(np.where(ok, ratio, 1.0))
        names, codes = np.unique(author[others], return_inverse=True)
        terms = {
            str(name): (ExactSum.of(logs[(codes == i) & ok]), int(ok[codes == i].sum()))
            for i, name in enumerate(names)
        }
        return cls({str(a) for a in np.unique(author)}, terms)

    def merge(self, other: RelativeWis) -> RelativeWis:
        return RelativeWis(self.authors | other.authors, _added(self.logs, other.logs))

    def block(self, baseline: str | None) -> dict[str, Any]:
        if baseline is None:
            return {"unavailable": "give --wis-baseline NAME to compare WIS across units"}
        if baseline not in self.authors:
            return {"baseline": baseline, "unavailable": f"{baseline} has no scored numeric pairs"}
        rows = [
            {
                "forecaster": name,
                "n_shared_questions": n,
                "relative_wis": math.exp(s.value / n) if n else None,
            }
            for name, (s, n) in sorted(self.logs.items())
        ]
        return {"baseline": baseline, "forecasters": rows}
