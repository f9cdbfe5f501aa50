"""Numeric claims: absolute and relative error, in range, threshold sides; by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.scoring import claims as sc


def test_errors_of_the_shipment_aim_against_a_hand_worked_outcome() -> None:
    # 750,000 claimed, 702,000 shipped: |750000 - 702000| = 48,000; 48000 / 702000 = 0.068376
    assert sc.absolute_error([750_000], [702_000]) == pytest.approx([48_000])
    assert sc.relative_error([750_000], [702_000]) == pytest.approx([48_000 / 702_000])
    assert sc.relative_error([12.0], [7.5]) == pytest.approx([0.6])


def test_relative_error_is_undefined_for_a_zero_outcome() -> None:
    out = sc.relative_error([3.0, 2.0], [0.0, 4.0])
    assert math.isnan(out[0]) and out[1] == pytest.approx(0.5)


def test_in_range_includes_both_ends() -> None:
    got = sc.in_range([600, 600, 600], [700, 700, 700], [600, 700, 701])
    assert got.tolist() == [True, True, False]


def test_threshold_hits_by_hand() -> None:
    # a point claim of 750,000; the outcome 702,000; thresholds 500k, 750k, 1M
    calls = sc.threshold_calls(750_000, 750_000, [500_000, 750_000, 1_000_000], 702_000)
    assert [c.claim_side for c in calls] == [sc.HIGH, sc.HIGH, sc.LOW]
    assert [c.outcome_side for c in calls] == [sc.HIGH, sc.LOW, sc.LOW]
    assert [c.hit for c in calls] == [True, False, True]


def test_a_range_straddling_a_threshold_makes_no_call() -> None:
    calls = sc.threshold_calls(700_000, 800_000, [750_000, 600_000], 760_000)
    assert calls[0].claim_side == sc.STRADDLES and calls[0].hit is None
    assert calls[1].claim_side == sc.HIGH and calls[1].hit is True


def test_an_outcome_exactly_at_the_threshold_is_on_the_high_side() -> None:
    (call,) = sc.threshold_calls(800_000, 800_000, [750_000], 750_000)
    assert call.outcome_side == sc.HIGH and call.hit is True


def test_unresolved_claims_have_sides_but_no_hits() -> None:
    (call,) = sc.threshold_calls(12, 12, [7.5], None)
    assert call.claim_side == sc.HIGH and call.outcome_side is None and call.hit is None


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="low must not exceed high"):
        sc.claim_side(5, 4, 3)
    with pytest.raises(ValueError, match="differ in length"):
        sc.absolute_error([1, 2], [1])


def test_choice_claims_come_true_when_the_outcome_is_among_the_options() -> None:
    assert sc.came_true_choice(["2027-q3", "2027-q4"], "2027-q4")
    assert not sc.came_true_choice(["2026-03"], "2026-04")


def test_median_ignores_undefined_errors() -> None:
    assert sc.median_or_nan([0.1, float("nan"), 0.3]) == pytest.approx(0.2)
    assert math.isnan(sc.median_or_nan([float("nan")]))


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(0, 1e6, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), max_size=5),
)
def test_a_claim_in_range_never_misses_a_threshold_it_calls(
    low: float, width: float, y: float, thresholds: list[float]
) -> None:
    high = low + width
    inside = bool(sc.in_range([low], [high], [y])[0])
    calls = sc.threshold_calls(low, high, thresholds, y)
    if inside:
        assert all(c.hit is not False for c in calls)
    assert sc.absolute_error([low], [y])[0] == pytest.approx(abs(low - y))
    assert np.all(sc.absolute_error([low], [y]) >= 0)
