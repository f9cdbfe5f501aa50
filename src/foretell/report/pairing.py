"""Forecast rows -> (forecaster, question[, event]) pairs under a selection rule.

Rows are sorted by (pair key, time, seq); ``foretell.scoring.selection.rule_weights`` gives
each row its weight and every pair statistic is a weighted sum over the pair's rows
(``np.bincount``), so a million rows cost a few array passes and no Python loop.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from foretell.scoring.order import lexsort
from foretell.scoring.selection import rule_weights

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Paired:
    """Rows in pair order with their weights; per-pair summaries via ``sum``/``mean``.

    ``order`` maps sorted position -> original row; ``code`` is each sorted row's pair code
    (0..n_pairs-1); ``first`` the sorted position of each pair's first row. Pairs whose rows
    all fall after the close day have ``total`` 0 and are dropped by ``kept``.
    """

    order: IntArray
    code: IntArray
    weight: FloatArray
    first: IntArray
    day: IntArray
    close: IntArray

    @property
    def n_pairs(self) -> int:
        return int(self.first.shape[0])

    @property
    def total(self) -> FloatArray:
        return np.bincount(self.code, weights=self.weight, minlength=self.n_pairs)

    @property
    def kept(self) -> NDArray[np.bool_]:
        return self.total > 0

    def rows(self, values: NDArray) -> NDArray:
        """Values given per original row, in sorted order."""
        return values[self.order]

    def sum(self, sorted_values: FloatArray) -> FloatArray:
        """Per pair ``sum(w * value)`` over rows with weight (an ``inf`` at weight 0 is ignored)."""
        used, code, weight = self._weighted
        return np.bincount(code, weights=weight * sorted_values[used], minlength=self.n_pairs)

    @functools.cached_property
    def _weighted(self) -> tuple[NDArray[np.bool_], IntArray, FloatArray]:
        """The rows with weight, their pair codes and weights (taken once for every ``sum``)."""
        used = self.weight > 0
        return used, self.code[used], self.weight[used]

    def mean_defined(self, sorted_values: FloatArray) -> FloatArray:
        """Per pair ``sum(w * x) / sum(w)`` over weighted rows where x is not NaN (NaN if none)."""
        used = (self.weight > 0) & ~np.isnan(sorted_values)
        num = np.bincount(
            self.code[used],
            weights=self.weight[used] * sorted_values[used],
            minlength=self.n_pairs,
        )
        den = np.bincount(self.code[used], weights=self.weight[used], minlength=self.n_pairs)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)

    def count_on_or_before_close(self) -> IntArray:
        on_time = (self.day <= self.close).astype(np.float64)
        return np.bincount(self.code, weights=on_time, minlength=self.n_pairs).astype(np.int64)

    def reference_day(self, rule: str) -> IntArray:
        """The day a pair's lead time is measured from: the counted forecast under ``last``,
        ``each`` and ``spot:N``, the pair's first forecast under ``first`` and
        ``time-averaged``."""
        if rule not in ("first", "time-averaged"):
            chosen = np.bincount(self.code, weights=self.weight * self.day, minlength=self.n_pairs)
            return np.rint(chosen).astype(np.int64)
        return self.day[self.first]


def pair_rows(
    key: IntArray, stamp: IntArray, seq: IntArray, day: IntArray, close: IntArray, rule: str
) -> Paired:
    """Sort rows by (key, stamp, seq), code the pairs and weigh the rows under ``rule``.

    ``key`` is any int64 identifying the pair (equal keys = same pair); ``close`` the pair's
    close day (the same on each of its rows). Under ``each`` every row is its own unit: the
    units keep the (key, stamp, seq) order, one code per row.
    """
    n = key.shape[0]
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Paired(empty, empty, np.zeros(0), empty, empty, empty)
    order = lexsort((seq, stamp, key))
    sorted_key = np.arange(n, dtype=np.int64) if rule == "each" else key[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new[1:])
    code = np.cumsum(new, dtype=np.int64) - 1
    day_s = day[order]
    close_s = close[order]
    weight = rule_weights(code, day_s, close_s, rule)
    return Paired(
        order=order,
        code=code,
        weight=weight,
        first=np.flatnonzero(new).astype(np.int64),
        day=day_s,
        close=close_s,
    )


def combine_keys(*parts: tuple[IntArray, int]) -> IntArray:
    """One int64 key from several non-negative int columns given as (values, cardinality)."""
    key = np.zeros(parts[0][0].shape[0], dtype=np.int64)
    for values, size in parts:
        key = key * np.int64(max(size, 1)) + values.astype(np.int64)
    return key
