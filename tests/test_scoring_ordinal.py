"""Ranked probability score: hand values, scoringrules, invariants, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scoringrules as sr

from foretell.scoring.ordinal import rps
from foretell.scoring.rules import brier_binary


def test_rps_matches_hand_worked_values():
    # k = 3, outcome the middle option. F = (0.2, 0.7), O = (0, 1):
    # ((0.2 - 0)^2 + (0.7 - 1)^2) / 2 = (0.04 + 0.09) / 2 = 0.065
    assert rps([[0.2, 0.5, 0.3]], [1])[0] == pytest.approx(0.065)
    # all on the first option, the last happened: F = (1, 1), O = (0, 0) -> (1 + 1) / 2 = 1
    assert rps([[1.0, 0.0, 0.0]], [2])[0] == pytest.approx(1.0)
    # a near miss costs less than a far miss (what Brier ignores)
    near = rps([[0.0, 1.0, 0.0, 0.0]], [0])[0]
    far = rps([[0.0, 0.0, 0.0, 1.0]], [0])[0]
    assert near == pytest.approx(1 / 3) and far == pytest.approx(1.0)


def test_rps_is_scoringrules_rps_divided_by_k_minus_one():
    rng = np.random.default_rng(7)
    for k in (2, 3, 5, 8):
        probs = rng.dirichlet(np.ones(k), size=50)
        outcome = rng.integers(0, k, size=50)
        reference = np.asarray(sr.rps_score(outcome + 1, probs))
        onehot = np.asarray(sr.rps_score(np.eye(k)[outcome], probs, onehot=True))
        np.testing.assert_allclose(rps(probs, outcome) * (k - 1), reference, atol=1e-12)
        np.testing.assert_allclose(reference, onehot, atol=1e-12)


def test_rps_with_two_options_is_the_binary_brier_score():
    p = np.array([0.1, 0.6, 0.95])
    outcome = np.array([0, 1, 0])
    probs = np.column_stack([p, 1 - p])
    np.testing.assert_allclose(rps(probs, outcome), brier_binary(p, outcome == 0))


def test_rps_rows_of_different_widths_are_padded():
    probs = np.array([[0.2, 0.5, 0.3, 0.0], [0.1, 0.2, 0.3, 0.4]])
    got = rps(probs, np.array([1, 3]), k=np.array([3, 4]))
    assert got[0] == pytest.approx(rps([[0.2, 0.5, 0.3]], [1])[0])
    assert got[1] == pytest.approx(rps([[0.1, 0.2, 0.3, 0.4]], [3])[0])


def test_rps_is_zero_for_a_perfect_forecast_and_within_zero_one():
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(5), size=200)
    got = rps(probs, rng.integers(0, 5, size=200))
    assert (got >= 0).all() and (got <= 1).all()
    assert rps(np.eye(5), np.arange(5)).max() == 0.0


@pytest.mark.parametrize(
    ("probs", "outcome", "k"),
    [
        ([[0.5, 0.6]], [0], None),  # does not sum to 1
        ([[0.5, 0.5]], [2], None),  # outcome out of range
        ([[1.0]], [0], None),  # one option
        ([[0.5, 0.5, 0.1]], [0], [2]),  # non-zero padding
        ([[0.5, 0.5]], [0.0], None),  # float outcome
    ],
)
def test_rps_refuses_bad_input(probs, outcome, k):
    with pytest.raises(ValueError):
        rps(np.asarray(probs), np.asarray(outcome), None if k is None else np.asarray(k))
