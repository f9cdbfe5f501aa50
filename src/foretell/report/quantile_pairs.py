"""Numeric (quantile) forecasts: pair scores, pinball loss per level and derived events.

Per forecast row (``foretell.scoring.quantiles``): pinball loss at each level, WIS (needs the
median), CRPS from the quantiles, and whether the outcome lies in the central 50% and 90%
intervals (needs both ends). A pair's value is the weighted mean over its rows where the score
is defined (weights from the rule). Rows are scored in batches sharing one set of levels.

Each threshold ``t`` of a numeric question turns every forecast row into a derived binary
event row: P(X >= t) from ``prob_at_least`` (piecewise-linear CDF through the range ends) with
outcome ``y >= t``; ``pairs.binary`` pairs and scores those like binary forecasts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from foretell.report import numeric as nm
from foretell.report.pairing import FloatArray, IntArray, combine_keys
from foretell.report.pairs import Events, Rows, base_table, finish, pair_by
from foretell.report.scope import Scope
from foretell.scoring import quantiles as qs


@dataclass(frozen=True)
class NumericPairs:
    pairs: pd.DataFrame  # author, question, outcome, wis, crps, cover50, cover90, ...
    pinball: pd.DataFrame  # per (pair, level): author, question, level, loss
    derived: Events  # derived threshold events at the row level
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)  # per (pair, central level)
    pit: pd.DataFrame = field(default_factory=pd.DataFrame)  # per (pair, PIT bin): weight w
    outside_range: dict[int, int] = field(default_factory=dict)  # qpos -> forecasts


def numeric(scope: Scope, rows: Rows, rule: str) -> NumericPairs:
    q = scope.questions
    src = rows.of_type("numeric")
    if src.size == 0:
        return NumericPairs(pd.DataFrame(), pd.DataFrame(), Events.empty())
    qpos = rows.qpos[src]
    y = np.array([_number(v) for v in q["outcome"]])[qpos]
    low = q["range_low"].to_numpy(dtype=np.float64)[qpos]
    high = q["range_high"].to_numpy(dtype=np.float64)[qpos]
    thresholds = [np.asarray(t if t is not None else [], dtype=np.float64) for t in q["thresholds"]]
    n = src.shape[0]
    wis, crps, cover50, cover90 = (np.full(n, np.nan) for _ in range(4))
    pin: list[tuple[IntArray, FloatArray, FloatArray]] = []
    cov: list[tuple[IntArray, FloatArray, FloatArray]] = []
    derived: list[Events] = []
    extra = {name: np.full(n, np.nan) for name in (*nm.PARTS, "pit_low", "pit_high")}
    outside = np.zeros(n, dtype=bool)
    quantile_col = scope.forecasts["quantiles"].to_numpy(dtype=object)[src]
    for levels, where, values in _batches(quantile_col):
        yy = y[where]
        parts = nm.row_parts(levels, values, yy, low[where], high[where])
        for name, arr in extra.items():
            arr[where] = parts[name]
        outside[where] = parts["outside_range"]
        nominal, inside = nm.coverage_rows(levels, values, yy)
        if nominal.size:
            cov.append(
                (
                    np.repeat(where, nominal.shape[0]),
                    np.tile(nominal, where.shape[0]),
                    inside.ravel().astype(np.float64),
                )
            )
        loss = qs.pinball_loss(levels, values, yy)
        pin.append(
            (np.repeat(where, levels.shape[0]), np.tile(levels, where.shape[0]), loss.ravel())
        )
        crps[where] = qs.crps_from_quantiles(levels, values, yy)
        if _has_median(levels):
            wis[where] = qs.weighted_interval_score(levels, values, yy)
        cover50[where] = _coverage(levels, values, yy, 0.5)
        cover90[where] = _coverage(levels, values, yy, 0.9)
        derived.append(_derived(src, where, levels, values, qpos, y, low, high, thresholds))

    key = combine_keys((rows.author_code[src], len(rows.authors)), (qpos, len(q)))
    paired = pair_by(rows, src, key, rule)
    table = base_table(rows, src, paired, rule)
    table["outcome"] = y[paired.order[paired.first]]
    for name, values in (("wis", wis), ("crps", crps), ("cover50", cover50), ("cover90", cover90)):
        table[name] = paired.mean_defined(paired.rows(values))
    for name in nm.PARTS:
        table[name] = paired.mean_defined(paired.rows(extra[name]))
    kept = paired.kept
    table = finish(table, paired, rows, q)

    position = np.empty(n, dtype=np.int64)
    position[paired.order] = np.arange(n)
    row_of, level, loss = (np.concatenate(parts) for parts in zip(*pin, strict=True))
    sorted_pos = position[row_of]
    long = pd.DataFrame(
        {
            "code": paired.code[sorted_pos],
            "level": level,
            "w": paired.weight[sorted_pos],
        }
    )
    long["wl"] = long["w"] * loss
    long = long[long["w"] > 0]
    agg = long.groupby(["code", "level"], as_index=False)[["w", "wl"]].sum()
    # pair codes -> rows of the kept table
    kept_index = np.cumsum(kept) - 1
    table_row = kept_index[agg["code"].to_numpy()]
    pinball = pd.DataFrame(
        {
            "author": table["author"].to_numpy()[table_row],
            "question": table["question"].to_numpy()[table_row],
            "level": agg["level"].to_numpy(),
            "loss": (agg["wl"] / agg["w"]).to_numpy(),
        }
    )
    coverage = _per_pair(cov, position, paired, kept, table, "covered")
    draw = nm.pit_uniforms(
        q["id"].to_numpy(dtype=object), rows.authors, qpos, rows.author_code[src],
        rows.stamp[src], rows.seq[src],
    )  # fmt: skip
    pit_value = extra["pit_low"] + draw * (extra["pit_high"] - extra["pit_low"])
    pit_bin = np.minimum((pit_value * nm.PIT_BINS).astype(np.int64), nm.PIT_BINS - 1)
    pit = _per_pair(
        [(np.arange(n), pit_bin.astype(np.float64), np.ones(n))],
        position,
        paired,
        kept,
        table,
        "one",
    )
    pit = pit.rename(columns={"level": "bin", "w_total": "w"}).drop(columns="one")
    in_use = (paired.weight > 0)[position] & outside
    outside_range = {
        int(k): int(v) for k, v in zip(*np.unique(qpos[in_use], return_counts=True), strict=True)
    }
    events = [e for e in derived if e.src.size]
    merged = (
        Events(
            *(np.concatenate([getattr(e, f) for e in events]) for f in ("src", "event", "p", "o"))
        )
        if events
        else Events.empty()
    )
    return NumericPairs(
        pairs=table,
        pinball=pinball,
        derived=merged,
        coverage=coverage.drop(columns="w_total") if len(coverage) else coverage,
        pit=pit,
        outside_range=outside_range,
    )


def _per_pair(
    parts: list[tuple[IntArray, FloatArray, FloatArray]],
    position: IntArray,
    paired: Any,
    kept: np.ndarray,
    table: pd.DataFrame,
    name: str,
) -> pd.DataFrame:
    """Rows' (row, level, value) -> per (pair, level): ``name`` = weighted mean, ``w_total``."""
    if not parts:
        return pd.DataFrame(columns=["author", "question", "level", name, "w_total"])
    row_of, level, value = (np.concatenate(p) for p in zip(*parts, strict=True))
    sorted_pos = position[row_of]
    long = pd.DataFrame(
        {"code": paired.code[sorted_pos], "level": level, "w": paired.weight[sorted_pos]}
    )
    long["wv"] = long["w"] * value
    long = long[long["w"] > 0]
    agg = long.groupby(["code", "level"], as_index=False)[["w", "wv"]].sum()
    table_row = (np.cumsum(kept) - 1)[agg["code"].to_numpy()]
    return pd.DataFrame(
        {
            "author": table["author"].to_numpy()[table_row],
            "question": table["question"].to_numpy()[table_row],
            "level": agg["level"].to_numpy(),
            name: (agg["wv"] / agg["w"]).to_numpy(),
            "w_total": agg["w"].to_numpy(),
        }
    )


def _number(value: object) -> float:
    """A numeric outcome as float; NaN for the outcomes of other question types."""
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else np.nan
    )


def _has_median(levels: FloatArray) -> bool:
    return bool(np.any(np.abs(levels - 0.5) <= qs.LEVEL_TOLERANCE))


def _derived(
    src: IntArray,
    where: IntArray,
    levels: FloatArray,
    values: FloatArray,
    qpos: IntArray,
    y: FloatArray,
    low: FloatArray,
    high: FloatArray,
    thresholds: list[FloatArray],
) -> Events:
    """One event row per (forecast row, threshold of its question): the rows in order, each
    row's thresholds in the question's order."""
    n_thresholds = np.array([t.shape[0] for t in thresholds], dtype=np.int64)
    counts = n_thresholds[qpos[where]]
    if counts.sum() == 0:
        return Events.empty()
    table = np.full((len(thresholds), int(n_thresholds.max())), np.nan)
    for i, t in enumerate(thresholds):
        table[i, : t.shape[0]] = t
    local = np.repeat(np.arange(where.shape[0]), counts)
    rows_ = where[local]
    j = np.arange(local.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    t = table[qpos[rows_], j]
    p = np.asarray(qs.prob_at_least(levels, values[local], t, low[rows_], high[rows_]))
    return Events(src[rows_], (j + 1).astype(np.int64), p, (y[rows_] >= t).astype(np.float64))


def _coverage(levels: FloatArray, values: FloatArray, y: FloatArray, central: float) -> FloatArray:
    """1.0/0.0 whether y lies in the central interval; NaN when the levels lack its ends."""
    if not qs.has_central_interval(levels, central):
        return np.full(y.shape[0], np.nan)
    return np.asarray(qs.interval_coverage(levels, values, y, central=central), dtype=np.float64)


def _batches(quantiles: np.ndarray) -> Iterator[tuple[FloatArray, IntArray, FloatArray]]:
    """Group rows by their set of levels: (levels, row positions, values (n, m)), the groups
    in the order of their first row. A payload object shared by several rows (the frames
    parse each distinct text once) is read once: rows are told apart by their payload's
    identity, and only each distinct payload is read in Python."""
    n = quantiles.shape[0]
    if n == 0:
        return
    ids = np.fromiter(map(id, quantiles), dtype=np.uint64, count=n)
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    sets: dict[tuple[float, ...], int] = {}  # level set -> its number
    values: list[list[list[float]]] = []  # per level set, its payloads' values
    set_of = np.full(first.shape[0], -1, dtype=np.int64)  # each distinct payload's set (-1: none)
    slot = np.zeros(first.shape[0], dtype=np.int64)  # and its row in that set's values
    for k, i in enumerate(first.tolist()):
        d = {float(a): float(v) for a, v in (quantiles[i] or {}).items()}
        if not d:
            continue
        levels = tuple(sorted(d))
        g = sets.setdefault(levels, len(sets))
        if g == len(values):
            values.append([])
        set_of[k], slot[k] = g, len(values[g])
        values[g].append([d[lv] for lv in levels])
    row_set = set_of[inverse]
    used = np.flatnonzero(row_set >= 0)
    if used.size == 0:
        return
    # the level sets in the order of their first row, each set's rows in row order
    order = used[np.argsort(row_set[used], kind="stable")]
    starts = np.flatnonzero(np.r_[True, np.diff(row_set[order]) != 0])
    ends = np.r_[starts[1:], order.shape[0]]
    levels_of = list(sets)
    for a in np.argsort(order[starts], kind="stable"):
        where = order[starts[a] : ends[a]]
        g = int(row_set[where[0]])
        table = np.array(values[g], dtype=np.float64)
        yield np.array(levels_of[g]), where, table[slot[inverse[where]]]
