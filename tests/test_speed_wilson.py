"""The Wilson interval is computed by its closed formula, and agrees with statsmodels."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from foretell.scoring.calibration import calibration_table, wilson_interval


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 10**6).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_matches_statsmodels(case: tuple[int, int]) -> None:
    events, n = case
    low, high = wilson_interval(np.array([events]), np.array([n]))
    ref_low, ref_high = proportion_confint(events, n, alpha=0.05, method="wilson")
    assert low[0] == pytest.approx(ref_low, abs=1e-12)
    assert high[0] == pytest.approx(ref_high, abs=1e-12)


def test_wilson_interval_of_a_published_example() -> None:
    # Wilson interval for 0 successes in 10 trials: [0, 0.2775] (Newcombe 1998, table I).
    low, high = wilson_interval(np.array([0.0]), np.array([10.0]))
    assert low[0] == pytest.approx(0.0, abs=1e-12)
    assert high[0] == pytest.approx(0.2775, abs=5e-5)


def test_wilson_interval_holds_the_observed_rate_and_stays_in_zero_one() -> None:
    events = np.array([0, 1, 5, 9, 10])
    n = np.full(5, 10)
    low, high = wilson_interval(events, n)
    assert (low >= -1e-15).all() and (high <= 1 + 1e-15).all()
    assert (low <= events / n + 1e-15).all() and (events / n <= high + 1e-15).all()


def test_a_calibration_table_imports_no_statistics_library() -> None:
    code = (
        "import sys; from foretell.scoring.calibration import calibration_table; "
        "calibration_table([0.1, 0.5, 0.9, 0.3], [0, 1, 1, 0]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('statsmodels', 'scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_calibration_table_intervals_are_the_wilson_intervals_of_each_bin() -> None:
    table = calibration_table([0.05, 0.15, 0.15, 0.95], [0, 1, 0, 1], bins=10)
    ref = [proportion_confint(k, n, method="wilson") for k, n in ((0, 1), (1, 2), (1, 1))]
    assert np.allclose(table.wilson_low, [r[0] for r in ref], atol=1e-12)
    assert np.allclose(table.wilson_high, [r[1] for r in ref], atol=1e-12)
