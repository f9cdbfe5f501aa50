"""Cells of Metaculus' export: quantiles read off a continuous CDF match an independent
inverse; a decreasing CDF and a cell that is no literal are refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.interop.metaculus_cells import LEVELS, cdf_quantiles, parse_literal


def reference_quantiles(cdf: np.ndarray, xs: np.ndarray, level: float) -> float:
    """Inverse of a strictly increasing piecewise-linear CDF, clamped to its ends."""
    return float(np.interp(level, cdf, xs))


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.floats(min_value=1e-3, max_value=1.0), min_size=4, max_size=60),
    below=st.floats(min_value=0.0, max_value=0.2),
    above=st.floats(min_value=0.0, max_value=0.2),
    low=st.floats(min_value=-1e6, max_value=1e6),
    width=st.floats(min_value=1e-3, max_value=1e6),
)
def test_cdf_quantiles_match_an_independent_inverse(
    steps: list[float], below: float, above: float, low: float, width: float
) -> None:
    increments = np.array(steps) / sum(steps) * (1.0 - below - above)
    cdf = np.concatenate([[below], below + np.cumsum(increments)])
    xs = np.linspace(low, low + width, len(cdf))
    got = cdf_quantiles(list(cdf), low, low + width, None, list(xs))
    for level in LEVELS:
        assert got[level] == pytest.approx(
            reference_quantiles(cdf, xs, level), rel=1e-9, abs=1e-9 * width
        )
    values = [got[level] for level in LEVELS]
    assert values == sorted(values)
    assert all(low - 1e-9 * width <= v <= low + width + 1e-9 * width for v in values)
    # without explicit locations, a linear question gives the same answer
    linear = cdf_quantiles(list(cdf), low, low + width)
    assert [linear[q] for q in LEVELS] == pytest.approx(values, rel=1e-9, abs=1e-9 * width)


def test_cdf_quantiles_refuse_a_decreasing_cdf() -> None:
    with pytest.raises(ValueError, match="decreases"):
        cdf_quantiles([0.0, 0.5, 0.4, 1.0], 0.0, 1.0)


def test_a_cell_the_compiler_warns_about_is_refused_without_a_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail the test
        with pytest.raises(ValueError, match="cannot read"):
            parse_literal("1if 2 else 3")
    assert parse_literal("[0.25, 0.75]") == [0.25, 0.75]
