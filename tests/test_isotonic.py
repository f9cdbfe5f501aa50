"""scoring.isotonic: scipy's compiled PAVA, loaded on its own, gives scipy's fit bit for bit."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import isotonic_regression

from foretell.scoring import isotonic

values = st.lists(
    st.tuples(
        st.floats(-5, 5, allow_nan=False, width=64),
        st.floats(0.01, 50, allow_nan=False, width=64),
    ),
    min_size=1,
    max_size=60,
)


@given(values)
@settings(max_examples=200, deadline=None)
def test_the_fit_is_scipys_isotonic_regression_bit_for_bit(rows: list[tuple[float, float]]) -> None:
    y = np.array([r[0] for r in rows])
    w = np.array([r[1] for r in rows])
    got = isotonic.fit(y, w)
    want = isotonic_regression(y, weights=w).x
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.float64


def test_the_compiled_kernel_is_found_here() -> None:
    assert isotonic.compiled_pava() is not None  # else every fit takes the fallback


def test_without_the_compiled_kernel_the_fit_falls_back_to_the_same_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(3)
    y, w = rng.uniform(0, 1, 500), rng.integers(1, 9, 500).astype(float)
    direct = isotonic.fit(y, w)
    monkeypatch.setattr(isotonic, "compiled_pava", lambda: None)
    np.testing.assert_array_equal(isotonic.fit(y, w), direct)


def test_a_worked_example_pools_the_violating_pair_to_its_weighted_mean() -> None:
    fitted = isotonic.fit([1.0, 3.0, 2.0, 4.0], [1, 1, 1, 1])
    np.testing.assert_array_equal(fitted, [1, 2.5, 2.5, 4])
    # weights 3 and 1: the pool is (3*3 + 1*2) / 4
    np.testing.assert_array_equal(isotonic.fit([1.0, 3.0, 2.0], [1, 3, 1]), [1, 2.75, 2.75])


@given(values)
@settings(max_examples=100, deadline=None)
def test_the_fit_is_non_decreasing_and_keeps_the_weighted_sum(
    rows: list[tuple[float, float]],
) -> None:
    y = np.array([r[0] for r in rows])
    w = np.array([r[1] for r in rows])
    x = isotonic.fit(y, w)
    assert (np.diff(x) >= 0).all()
    assert np.isclose((w * x).sum(), (w * y).sum(), rtol=1e-12, atol=1e-9)


def test_the_input_arrays_are_not_changed() -> None:
    y, w = np.array([3.0, 1.0, 2.0]), np.array([1.0, 2.0, 1.0])
    isotonic.fit(y, w)
    np.testing.assert_array_equal(y, [3.0, 1.0, 2.0])
    np.testing.assert_array_equal(w, [1.0, 2.0, 1.0])


@pytest.mark.parametrize(
    ("y", "w", "message"),
    [([1.0, 2.0], [1.0], "one length"), ([1.0, 2.0], [1.0, 0.0], "strictly positive")],
)
def test_bad_input_is_refused(y: list[float], w: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        isotonic.fit(y, w)


def test_a_fit_does_not_import_scipy_optimize_and_scipy_optimize_still_works_after_it() -> None:
    code = (
        "import sys; from foretell.scoring import isotonic; "
        "x = isotonic.fit([2.0, 1.0], [1.0, 1.0]); "
        "print('scipy.optimize' in sys.modules); "
        "from scipy.optimize import isotonic_regression; "
        "print(list(x) == list(isotonic_regression([2.0, 1.0]).x))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
