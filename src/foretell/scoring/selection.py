"""Which forecasts count: per-row weights under foretell's three selection rules.

A *pair* is one forecaster on one question; its *close day* is
``min(resolved_on, resolve_by)`` as a UTC day number. Days are whole UTC dates.

- ``time-averaged`` (default): for each day ``d`` from the pair's first forecast day to the
  close day, both inclusive, the forecast in effect is the latest one made on or before ``d``;
  the pair's score is the mean of the day scores. Days before the forecaster's first forecast
  are not counted (a late joiner is scored over the days they forecast, never charged for
  the days before). A row's weight is therefore
  ``(days it is in effect) / (close_day - first_day + 1)``. Of several forecasts on one day
  only the latest counts. Forecasts after the close day weigh 0.
- ``last``: weight 1 on the final forecast made on or before the close day.
- ``first``: weight 1 on the forecaster's first forecast, if it is on or before the close day.
- ``each``: weight 1 on every forecast made on or before the close day (same-day forecasts
  included): each forecast is its own scored unit, so the caller gives every row its own
  group (``pair_sums`` over pairs would add, not average).
- ``spot:N`` (N >= 0 days; Metaculus' spot score): weight 1 on the forecast standing N days
  before the close day, i.e. the latest one made on or before ``close_day - N``. A pair
  with no forecast by then gets no weight (the caller counts such pairs).

Under the first three (``RULES``) and ``spot:N``, weights within a pair sum to 1, or are
all 0 when no forecast precedes the close (or the spot day); such a pair is skipped.
Pair score = ``sum(w * row score)``; pair probability = ``sum(w * p)``. Because the Brier
and log scores are computed per forecast, the time-averaged pair score equals the mean of
the daily scores, not the score of the time-averaged probability.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from foretell.scoring.order import lexsort

RULES = ("time-averaged", "last", "first")
"""The rules whose weights sum to 1 within each pair."""
RULE_CHOICES = (*RULES, "each", "spot:N")
NAMED_RULES = (*RULES, "each")


def parse_rule(rule: str) -> tuple[str, int]:
    """``(name, days)``: ``("spot", N)`` for ``spot:N``, else ``(rule, 0)``; ValueError if bad."""
    if rule in NAMED_RULES:
        return rule, 0
    name, sep, days = rule.partition(":")
    if name == "spot" and sep and days.isdigit() and len(days) <= 5:
        return "spot", int(days)
    if name == "spot":
        raise ValueError(f"rule {rule!r}: give spot:N with N a whole number of days, e.g. spot:30")
    raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULE_CHOICES)}")


IntArray = NDArray[np.int64]


def rule_weights(
    group: ArrayLike, day: ArrayLike, close_day: ArrayLike, rule: str = "time-averaged"
) -> NDArray[np.float64]:
    """Weight of each forecast row under ``rule`` (see the module docstring).

    ``group`` (n,) int codes of (forecaster, question) pairs; ``day`` (n,) UTC day numbers
    (ints, or ``datetime64``); ``close_day`` (n,) the pair's close day, equal within a group.
    Rows may come in any order; within a pair, forecasts on the same day are taken in row
    order (pass rows sorted by time), the later row replacing the earlier.
    """
    name, offset = parse_rule(rule)
    g = _as_ints(group, "group")
    n = g.shape[0]
    d = _as_ints(day, "day", n)
    c = _as_ints(close_day, "close_day", n)
    if name == "each":
        return (d <= c).astype(np.float64)
    if name == "spot":
        return rule_weights(g, d, c - offset, "last")

    order = _pair_day_order(g, d)
    gs, ds, cs = (g, d, c) if order is None else (g[order], d[order], c[order])
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    np.not_equal(gs[1:], gs[:-1], out=new_group[1:])
    if ((cs[1:] != cs[:-1]) & ~new_group[1:]).any():
        raise ValueError("close_day must be the same for every row of a group")

    valid = ds <= cs
    weights = np.zeros(n, dtype=np.float64)
    if rule == "first":
        first = new_group & valid
        weights[first if order is None else order[first]] = 1.0
        return weights

    # Keep the rows on or before close; sorted by day, they lead each group.
    if valid.all():  # (usually) every row: no copies
        at: IntArray | slice = slice(None) if order is None else order
        gv, dv, cv = gs, ds, cs
    else:
        rows = np.flatnonzero(valid)
        at = rows if order is None else order[rows]  # the kept rows' places in the input
        gv, dv, cv = gs[rows], ds[rows], cs[rows]
    m = gv.shape[0]
    if m == 0:
        return weights
    is_last = np.empty(m, dtype=bool)
    is_last[-1] = True
    np.not_equal(gv[1:], gv[:-1], out=is_last[:-1])
    if rule == "last":
        weights[is_last if isinstance(at, slice) else at[is_last]] = 1.0
        return weights

    # time-averaged: a row is in effect from its day up to the next row's day (exclusive),
    # or through the close day for the group's last row; same-day rows get 0 days.
    end = np.empty(m, dtype=np.int64)
    end[:-1] = dv[1:]
    end = np.where(is_last, cv + 1, end)
    is_first = np.empty(m, dtype=bool)
    is_first[0] = True
    is_first[1:] = is_last[:-1]
    first_pos = np.maximum.accumulate(np.where(is_first, np.arange(m), 0))
    span = cv - dv[first_pos] + 1
    weights[at] = (end - dv) / span
    return weights


def pair_sums(
    group: ArrayLike, weights: ArrayLike, values: ArrayLike
) -> tuple[IntArray, NDArray[np.float64]]:
    """Per pair ``sum(w * value)`` for the pairs with weight, as ``(codes, sums)``.

    ``group`` holds non-negative int codes; pairs whose weights are all 0 are left out.
    Rows with weight 0 are skipped, so an ``inf`` log score there does not leak into a sum.
    """
    g = _as_ints(group, "group")
    n = g.shape[0]
    w = np.asarray(weights, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if w.shape != (n,) or v.shape != (n,):
        raise ValueError(f"weights and values must have shape ({n},)")
    if g.min() < 0:
        raise ValueError("group codes must be non-negative")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and non-negative")
    used = w > 0
    gu = g[used]
    total = np.bincount(gu, weights=w[used] * v[used])
    has = np.bincount(gu) > 0
    codes = np.flatnonzero(has)
    return codes, total[codes]


def _pair_day_order(g: IntArray, d: IntArray) -> IntArray | None:
    """Stable order sorting rows by (group, day); row order breaks ties. None when the rows
    are in that order already (as ``report.pairing`` gives them)."""
    dg = g[1:] - g[:-1]
    if (dg >= 0).all() and ((d[1:] >= d[:-1]) | (dg > 0)).all():
        return None
    return lexsort((d, g))


def _as_ints(x: ArrayLike, name: str, n: int | None = None) -> IntArray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {arr.shape}")
    if n is None and arr.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have length {n}, got {arr.shape[0]}")
    if arr.dtype.kind == "M":
        if np.isnat(arr).any():
            raise ValueError(f"{name} contains NaT")
        return arr.astype("datetime64[D]").astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers (day numbers), got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)
