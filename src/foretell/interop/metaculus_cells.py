"""Reading cells of Metaculus' data export: literals, and continuous CDFs as quantiles.

A cell holding a list or a number is read as JSON, else as a Python literal. A continuous
forecast is stored as quantiles at ``LEVELS``, read off the ``Continuous CDF``: the level-q
quantile is where the piecewise-linear CDF first reaches q. The CDF's points sit at
``Continuous Range`` when the export gives it; otherwise at Metaculus' scaled locations
x(t) = min + (max - min) t on a linear question and, with a ``Zero Point`` z (log scale),
x(t) = min + (max - min) (r^t - 1) / (r - 1) with r = (max - z) / (min - z), for
t = 0, 1/(n-1), ..., 1. Probability below the range's low end (or above its high end) puts
the quantiles there at the bound itself.
"""

from __future__ import annotations

import ast
import math
import warnings
from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

import orjson

LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def parse_literal(text: str) -> Any:
    """A JSON or Python literal (lists, dicts, numbers, strings, None) from an export cell."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        with warnings.catch_warnings():
            # the compiler warns (on stderr) about cells such as ``1if 2 else 3`` before
            # literal_eval refuses them; the refusal below is the message
            warnings.simplefilter("ignore", SyntaxWarning)
            return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        raise ValueError(f"cannot read {text[:40]!r}") from None


def scaled_location(t: float, low: float, high: float, zero_point: float | None) -> float:
    """Metaculus' map from a CDF position t in [0, 1] to the question's scale."""
    if zero_point is None:
        return low + (high - low) * t
    ratio = (high - zero_point) / (low - zero_point)
    if ratio <= 0 or ratio == 1:
        return low + (high - low) * t
    return low + (high - low) * (ratio**t - 1) / (ratio - 1)


def cdf_quantiles(
    cdf: Sequence[float],
    low: float,
    high: float,
    zero_point: float | None = None,
    locations: Sequence[float] | None = None,
    levels: Sequence[float] = LEVELS,
) -> dict[float, float]:
    """Quantiles of a CDF given at n points over [low, high] (see the module docstring).

    ValueError if the CDF is not a non-decreasing list of probabilities."""
    n = len(cdf)
    if n < 2:
        raise ValueError("the CDF needs at least two points")
    if locations is not None and len(locations) != n:
        raise ValueError(f"the CDF has {n} points but the range has {len(locations)}")
    values: list[float] = []
    top = -math.inf
    for i, raw in enumerate(cdf):
        v = float(raw)
        if not (math.isfinite(v) and -1e-9 <= v <= 1 + 1e-9):
            raise ValueError(f"CDF value {raw!r} at point {i} is not a probability")
        if v < top - 1e-6:
            raise ValueError(f"the CDF decreases at point {i}")
        top = max(top, v)
        values.append(top)
    out: dict[float, float] = {}
    for q in levels:
        i = bisect_left(values, q)
        if i == 0:
            t_index = 0.0
        elif i >= n:
            t_index = float(n - 1)
        else:
            c0, c1 = values[i - 1], values[i]
            t_index = i - 1 + (q - c0) / (c1 - c0)
        if locations is not None:
            k = min(int(t_index), n - 2)
            frac = t_index - k
            x = locations[k] + frac * (locations[k + 1] - locations[k])
        else:
            x = scaled_location(t_index / (n - 1), low, high, zero_point)
        out[q] = float(x)
    return out
