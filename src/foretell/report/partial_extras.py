"""The pieces of a partial report beyond the groups' scores: numeric diagnostics per group,
the relative WIS, the score trend and the notes on numeric ranges.

Each is computed within whole questions, so a batch's ``Extras`` merges with another's
(``merge``) into those of both: the groups' (and crowd groups') ``NumericExtras`` and the
``RelativeWis`` terms (``report.numeric_partial``), the trend's points
(``report.trend_partial``) and the range notes tagged with their question's catalog
position. ``report.partial`` carries one ``Extras`` per partial and finishes it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foretell.report import numeric as nm
from foretell.report.group_sums import GroupRows
from foretell.report.numeric_partial import NumericColumns, NumericExtras, RelativeWis
from foretell.report.trend_partial import TrendPoints

if TYPE_CHECKING:
    from foretell.report.options import ReportOptions
    from foretell.report.quantile_pairs import NumericPairs

Labels = tuple[str, ...]


@dataclass
class Extras:
    groups: dict[Labels, NumericExtras] = field(default_factory=dict)
    crowd_groups: dict[Labels, NumericExtras] = field(default_factory=dict)
    relative_wis: RelativeWis = field(default_factory=RelativeWis)
    trend: TrendPoints = field(default_factory=TrendPoints)
    range_notes: list[tuple[int, str]] = field(default_factory=list)  # (position, note)

    @classmethod
    def of(
        cls,
        options: ReportOptions,
        keys: tuple[str, ...],
        q: pd.DataFrame,
        gpos: np.ndarray,
        numeric: NumericPairs,
        binary: pd.DataFrame,
        crowd_numeric: NumericPairs,
    ) -> Extras:
        """A batch's pieces: ``numeric`` and ``binary`` (derived events included) are the
        people's pairs, ``crowd_numeric`` the crowd forecasters'; ``gpos`` the catalog
        position of each question of ``q``."""
        crowd_keys = keys if "forecaster" in keys else ("forecaster",)
        return cls(
            group_extras(options, keys, q, numeric),
            group_extras(options, crowd_keys, q, crowd_numeric, with_all=False),
            RelativeWis.of(numeric.pairs, options.wis_baseline),
            TrendPoints.of(binary, q, gpos),
            [(int(gpos[i]), note) for i, note in nm.range_notes_of(q, numeric.outside_range)],
        )

    def merge(self, other: Extras) -> Extras:
        return Extras(
            _merged(self.groups, other.groups),
            _merged(self.crowd_groups, other.crowd_groups),
            self.relative_wis.merge(other.relative_wis),
            self.trend.merge(other.trend),
            self.range_notes + other.range_notes,
        )

    def notes(self) -> list[str]:
        """The range notes in catalog order (as ``numeric.range_notes`` lists them)."""
        return [note for _, note in sorted(self.range_notes, key=lambda item: item[0])]


def _merged(
    a: dict[Labels, NumericExtras], b: dict[Labels, NumericExtras]
) -> dict[Labels, NumericExtras]:
    out = dict(a)
    for labels, extras in b.items():
        out[labels] = out[labels].merge(extras) if labels in out else extras
    return out


def group_extras(
    options: ReportOptions,
    keys: tuple[str, ...],
    q: pd.DataFrame,
    numeric: NumericPairs,
    with_all: bool = True,
) -> dict[Labels, NumericExtras]:
    """Each group's numeric sums, keyed by its labels (``()`` for ``all``): the pairs in
    their groups as ``group_sums.group_rows`` codes them, the coverage and PIT rows in the
    groups of the pairs with the same forecaster and question (``group_sums.attached``, as
    ``build._attach`` joins them), each group's sums from its rows' positions
    (``NumericColumns.extras``)."""
    from foretell.report import group_sums

    units = dict(zip(q["id"].astype(str).tolist(), q["unit"].tolist(), strict=False))
    out = {}
    if with_all:
        out[()] = NumericExtras.of(numeric.pairs, numeric.coverage, numeric.pit, units)
    if not keys or not len(numeric.pairs):
        return out
    pairs = numeric.pairs
    rows = group_sums.group_rows(pairs, keys, q, options)
    coverage = group_sums.attached(numeric.coverage, pairs, rows)
    pit = group_sums.attached(numeric.pit, pairs, rows)
    columns = NumericColumns.of(pairs, numeric.coverage, numeric.pit, units)
    by_pairs, by_coverage, by_pit = (_positions(r) for r in (rows, coverage, pit))
    none = np.zeros(0, dtype=np.int64)
    for g, labels in enumerate(rows.names):
        if g in by_pairs:
            out[labels] = columns.extras(by_pairs[g], by_coverage.get(g, none), by_pit.get(g, none))
    return out


def _positions(rows: GroupRows) -> dict[int, np.ndarray]:
    """Each group code's row positions (the entries of ``rows`` sorted by group)."""
    order = np.argsort(rows.group, kind="stable")
    group = rows.group[order]
    cuts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if group.size else group
    ends = np.r_[cuts[1:], group.shape[0]] if group.size else group
    return {
        int(group[lo]): rows.row[order[lo:hi]]
        for lo, hi in zip(cuts.tolist(), ends.tolist(), strict=True)
    }


def add_numeric(entry: dict[str, Any], extras: NumericExtras | None) -> dict[str, Any]:
    """A finished group entry with its numeric diagnostics (when it has numeric pairs)."""
    if extras is not None and entry["numeric"].get("n_pairs"):
        entry["numeric"].update(extras.block())
    return entry
