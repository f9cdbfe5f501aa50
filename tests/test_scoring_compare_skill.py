"""Relative skill against a hand-computed three-model example."""

from __future__ import annotations

import math

import numpy as np
import pytest

from foretell.scoring.compare import skill

# Three models, four questions; C skipped question 4.
#        q1   q2   q3   q4
# A     0.1  0.2  0.3  0.4
# B     0.2  0.2  0.2  0.2
# C     0.3  0.1  0.2  --
S = np.array([[0.1, 0.2, 0.3, 0.4], [0.2, 0.2, 0.2, 0.2], [0.3, 0.1, 0.2, np.nan]])


def test_mean_score_ratios_use_only_shared_questions() -> None:
    theta, shared = skill.ratio_matrix(S)
    assert theta[0, 1] == pytest.approx(1.0 / 0.8)  # A 1.0 over B 0.8 on q1-q4
    assert theta[0, 2] == pytest.approx(0.6 / 0.6)  # A 0.6 over C 0.6 on q1-q3
    assert theta[1, 2] == pytest.approx(0.6 / 0.6)
    assert theta[2, 1] == pytest.approx(1.0)
    assert theta[1, 0] == pytest.approx(0.8)
    assert np.diag(theta).tolist() == [1.0, 1.0, 1.0]
    assert shared.tolist() == [[4, 4, 3], [4, 4, 3], [3, 3, 3]]


def test_relative_skill_is_the_geometric_mean_of_ratios_including_itself() -> None:
    rel, _, _ = skill.relative_skill(S)
    assert rel[0] == pytest.approx((1.0 * 1.25 * 1.0) ** (1 / 3))
    assert rel[1] == pytest.approx((0.8 * 1.0 * 1.0) ** (1 / 3))
    assert rel[2] == pytest.approx(1.0)
    scaled = skill.scaled(rel, 1)
    assert scaled[1] == 1.0
    assert scaled[0] == pytest.approx(math.pow(1.25, 1 / 3) / math.pow(0.8, 1 / 3))


def test_forecasters_sharing_no_question_have_no_ratio() -> None:
    s = np.array([[0.1, np.nan], [np.nan, 0.2], [0.3, 0.4]])
    theta, shared = skill.ratio_matrix(s)
    assert math.isnan(theta[0, 1]) and shared[0, 1] == 0
    rel, _, _ = skill.relative_skill(s)
    assert rel[0] == pytest.approx(math.sqrt(1.0 * (0.1 / 0.3)))
