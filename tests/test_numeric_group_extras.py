"""report.partial_extras.group_extras takes every group's numeric sums from row positions
(``numeric_partial.NumericColumns``): they equal those of the pandas way it replaced, which
labels the pairs, joins the coverage and PIT rows to them on (forecaster, question), splits
every table into one frame per group and sums each frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.report import build, grouping
from foretell.report import numeric as nm
from foretell.report.numeric_partial import (
    MEANS,
    UNIT_SCORES,
    NumericExtras,
    UnitSums,
    _defined,
)
from foretell.report.options import ReportOptions
from foretell.report.partial_extras import group_extras
from foretell.report.quantile_pairs import NumericPairs
from foretell.report.summary import ExactSum
from test_report_group_sums import KEY_SETS, _base, _plain, _questions

UNITS = ["kg", "m", None]
PAIR_KEYS = ["author", "question"]


def _numeric(seed: int, n: int, n_q: int, repeats: bool) -> tuple[pd.DataFrame, NumericPairs]:
    rng = np.random.default_rng(seed)
    q = _questions(rng, n_q)
    q["unit"] = [UNITS[i] for i in rng.integers(0, len(UNITS), n_q)]
    pairs = _base(rng, n, q, repeats)
    m = len(pairs)
    for name in dict.fromkeys((*MEANS, "wis_log", *UNIT_SCORES)):
        values = rng.exponential(3, m)
        values[rng.uniform(0, 1, m) < 0.2] = np.nan
        pairs[name] = values
    levels = rng.choice([0.5, 0.8, 0.9], size=rng.integers(0, 3), replace=False)
    row = np.repeat(np.arange(m), levels.shape[0])
    coverage = pd.DataFrame(
        {
            "author": pairs["author"].to_numpy()[row],
            "question": pairs["question"].to_numpy()[row],
            "level": np.tile(levels, m),
            "covered": rng.uniform(0, 1, row.shape[0]),
        }
    )
    row = rng.integers(0, max(m, 1), 2 * m) if m else np.zeros(0, np.int64)
    pit = pd.DataFrame(
        {
            "author": pairs["author"].to_numpy()[row],
            "question": pairs["question"].to_numpy()[row],
            "bin": rng.integers(0, nm.PIT_BINS, row.shape[0]),
            "w": rng.uniform(0, 1, row.shape[0]),
        }
    )
    return q, NumericPairs(pairs, pd.DataFrame(), None, coverage, pit)  # type: ignore[arg-type]


def _extras_of(pairs: pd.DataFrame, coverage: pd.DataFrame, pit: pd.DataFrame, units: dict):
    """One group's sums from its own frames, as ``NumericExtras.of`` computed them."""
    if not len(pairs):
        return NumericExtras()
    means = {n: _defined(pairs[n].to_numpy(dtype=np.float64)) for n in (*MEANS, "wis_log")}
    unit = nm.units_of(pairs["question"], units)
    per_unit = {}
    for name in sorted(set(unit)):
        g = pairs[unit == name]
        per_unit[name] = UnitSums(
            len(g),
            int(g["question"].nunique()),
            {c: _defined(g[c].to_numpy(dtype=np.float64)) for c in UNIT_SCORES},
        )
    levels = {}
    if len(coverage):
        for level, grp in coverage.groupby("level", sort=True):
            covered = grp["covered"].to_numpy(dtype=np.float64)
            levels[float(level)] = (ExactSum.of(covered), int(covered.shape[0]))
    bins = [ExactSum() for _ in range(nm.PIT_BINS)]
    if len(pit):
        which, weight = pit["bin"].to_numpy(dtype=np.int64), pit["w"].to_numpy(dtype=np.float64)
        bins = [ExactSum.of(weight[which == b]) for b in range(nm.PIT_BINS)]
    return NumericExtras(len(pairs), means, per_unit, levels, bins)


def _one_by_one(q: pd.DataFrame, numeric: NumericPairs, keys: tuple[str, ...], options: Any):
    units = dict(zip(q["id"].astype(str), q["unit"], strict=False))
    out = {(): _extras_of(numeric.pairs, numeric.coverage, numeric.pit, units)}
    if not keys or not len(numeric.pairs):
        return out
    labelled = grouping.label(numeric.pairs, keys, q, options)
    split = [
        build._split(frame)
        for frame in (
            labelled,
            build._attach(numeric.coverage, labelled, PAIR_KEYS),
            build._attach(numeric.pit, labelled, PAIR_KEYS),
        )
    ]
    for labels, pairs in split[0].items():
        coverage, pit = (s.get(labels, pd.DataFrame()) for s in split[1:])
        out[labels] = _extras_of(pairs, coverage, pit, units)
    return out


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 90),
    n_q=st.integers(1, 10),
    repeats=st.booleans(),
    keys=st.sampled_from(KEY_SETS),
)
def test_every_groups_numeric_sums_equal_those_of_its_own_frames(
    seed: int, n: int, n_q: int, repeats: bool, keys: tuple[str, ...]
) -> None:
    q, numeric = _numeric(seed, n, n_q, repeats)
    options = ReportOptions(horizons=(7, 30))
    at_once = group_extras(options, keys, q, numeric)
    alone = _one_by_one(q, numeric, keys, options)
    assert {k: _plain(v) for k, v in at_once.items()} == {k: _plain(v) for k, v in alone.items()}


def test_a_group_without_coverage_or_pit_rows_has_empty_sums() -> None:
    q, numeric = _numeric(7, 30, 4, repeats=False)
    bare = NumericPairs(numeric.pairs, pd.DataFrame(), None, numeric.coverage.iloc[:0])  # type: ignore[arg-type]
    extras = group_extras(ReportOptions(), ("forecaster",), q, bare)
    for value in extras.values():
        assert value.coverage == {}
        assert all(s.parts == [] for s in value.pit)
