"""Exact sums of float64 values, many groups at once: what ``math.fsum`` gives, in numpy.

Every finite double is ``m * 2^(e - 53)`` with ``m`` an integer below 2^53 in magnitude and
``e`` its binary exponent (``numpy.frexp``). Split as ``m = hi * 2^26 + lo`` (``lo`` in
0 .. 2^26 - 1), the halves of all the values sharing a (group, exponent) are added by
``numpy.bincount`` in float64, exactly: each half is below 2^27 in magnitude, so fewer than
2^26 of them sum to an integer below 2^53. A group's exact sum is then the integer
``sum over e of (HI_e * 2^26 + LO_e) * 2^(e - e_min)`` times ``2^(e_min - 53)``, and Python's
division of integers rounds it correctly to a double. So each group gets two numbers with the
same bits as ``math.fsum`` gives: the correctly rounded sum, and the correctly rounded
remainder (the exact sum minus that), which is ``math.fsum`` of the values and the negated sum.

Where that cannot be shown to hold, the group is left to ``math.fsum`` itself (``None``): an
exact sum of zero (``math.fsum`` keeps the sign of a sum of negative zeros), values that are
not finite, more than 2^26 values, a sum that overflows.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Parts = tuple[float, float] | None

_HALF = 26
_LOW = (1 << _HALF) - 1
_MAX_TERMS = 1 << _HALF
_TWO_53 = float(1 << 53)


def fsum_parts(values: NDArray[np.float64]) -> tuple[float, float]:
    """``math.fsum`` of ``values``, and of ``values`` with that sum negated appended."""
    xs = values.tolist()
    total = math.fsum(xs)
    xs.append(-total)
    return total, math.fsum(xs)


def grouped_parts(
    values: NDArray[np.float64], group: NDArray[np.int64], n_groups: int
) -> list[Parts]:
    """``fsum_parts`` of the values of each group ``0 .. n_groups - 1`` (``None`` where the
    module docstring leaves a group to ``math.fsum``, and for a group without values)."""
    out: list[Parts] = [None] * n_groups
    n = values.shape[0]
    if n == 0 or n >= _MAX_TERMS or not np.isfinite(values).all():
        return out
    mantissa, exponent = np.frexp(values)
    m = (mantissa * _TWO_53).astype(np.int64)  # exact: |mantissa| < 1
    low_exponent = int(exponent.min())
    width = int(exponent.max()) - low_exponent + 1
    cell = group.astype(np.int64) * width + (exponent - low_exponent)
    size = n_groups * width
    high = np.bincount(cell, weights=(m >> _HALF).astype(np.float64), minlength=size)
    low = np.bincount(cell, weights=(m & _LOW).astype(np.float64), minlength=size)
    used = np.flatnonzero((high != 0.0) | (low != 0.0))
    owners = (used // width).tolist()
    shifts = (used % width).tolist()
    totals: dict[int, int] = {}
    for g, k, h, lo in zip(owners, shifts, high[used].tolist(), low[used].tolist(), strict=True):
        totals[g] = totals.get(g, 0) + (((int(h) << _HALF) + int(lo)) << k)
    scale = 53 - low_exponent  # the exact sum is total / 2^scale
    for g, total in totals.items():
        if total != 0:
            out[g] = _rounded(total, scale)
    return out


def _rounded(total: int, scale: int) -> Parts:
    """(total / 2^scale correctly rounded, the remainder correctly rounded)."""
    try:
        if scale <= 0:
            exact = total << -scale
            rounded = float(exact)
            return rounded, float(exact - int(rounded))
        denominator = 1 << scale
        rounded = total / denominator
        # ``rounded`` is a multiple of 1 / denominator: exactly total / denominator when
        # |total| < 2^53 (every term a multiple of 2^-1074, so representable), else a double
        # whose last place is at least that wide; so this division leaves no remainder
        num, den = rounded.as_integer_ratio()
        return rounded, (total - num * denominator // den) / denominator
    except OverflowError:
        return None
