"""The chi-square survival function of the PIT uniformity test, in closed form
(``scoring.quantile_parts.chi2_sf``), against scipy and against its worked cases."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import chdtrc
from scipy.stats import chi2

from foretell.scoring.quantile_parts import chi2_sf


@settings(max_examples=400, deadline=None)
@given(
    st.integers(min_value=1, max_value=120),
    st.floats(min_value=1e-9, max_value=3000.0, allow_nan=False),
)
def test_chi2_sf_agrees_with_scipy_chdtrc(dof: int, x: float) -> None:
    ref = float(chdtrc(dof, x))
    got = chi2_sf(x, dof)
    if ref > 1e-290:
        assert got == pytest.approx(ref, rel=1e-12, abs=0.0)
    else:  # far in the tail both are (next to) nothing
        assert got <= 1e-280


def test_chi2_sf_agrees_with_scipy_stats_on_a_grid() -> None:
    for dof in (1, 2, 3, 4, 9, 19, 49):
        for x in np.linspace(0.01, 5.0 * dof + 30.0, 97):
            assert chi2_sf(float(x), dof) == pytest.approx(float(chi2.sf(x, dof)), rel=1e-13)


def test_chi2_sf_worked_cases() -> None:
    # dof 2 is the exponential with mean 2; dof 1 the square of a standard normal
    for x in (0.1, 1.0, 7.5, 40.0):
        assert chi2_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-15)
        assert chi2_sf(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-15)
    # printed tables: the 5% critical value of chi-square(9) is 16.919, of chi-square(1) 3.841
    assert chi2_sf(16.919, 9) == pytest.approx(0.05, abs=5e-6)
    assert chi2_sf(3.841, 1) == pytest.approx(0.05, abs=5e-5)


def test_chi2_sf_is_one_at_zero_and_zero_at_infinity() -> None:
    for dof in (1, 2, 9, 10):
        assert chi2_sf(0.0, dof) == 1.0
        assert chi2_sf(-3.0, dof) == 1.0
        assert chi2_sf(math.inf, dof) == 0.0
        assert chi2_sf(1e6, dof) == 0.0


@given(st.integers(min_value=1, max_value=60), st.floats(min_value=0.0, max_value=500.0))
@example(1, 5e-324)  # the smallest positive float: half of it rounds to 0
@example(19, 0.15)  # Q near 1: the finite sum for dof 20 gave 1 - 1.1e-16, below dof 19's 1.0
def test_chi2_sf_falls_with_x_and_rises_with_dof(dof: int, x: float) -> None:
    p = chi2_sf(x, dof)
    assert 0.0 <= p <= 1.0
    assert chi2_sf(x + 1.0, dof) <= p
    assert chi2_sf(x, dof + 1) >= p


def test_chi2_sf_refuses_bad_input() -> None:
    for dof in (0, -1, 2.5):
        with pytest.raises(ValueError, match="degrees of freedom"):
            chi2_sf(1.0, dof)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="NaN"):
        chi2_sf(math.nan, 3)


def test_the_uniformity_test_loads_no_scipy() -> None:
    code = (
        "import sys\n"
        "from foretell.scoring import quantile_parts as qp\n"
        "r = qp.uniformity_test([12.0, 8, 10, 15, 5])\n"
        "assert 0 < r.p_value < 1\n"
        "print(sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
