"""ROC AUC from counts: scikit-learn's value, DeLong's variance by brute force, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from foretell.scoring import discrimination as disc
from foretell.scoring.reliability import distinct_counts


def _counts(p, o):
    c = distinct_counts(p, o)
    return c.s, c.n - c.s


def _delong_brute_force(p, o):
    pos, neg = p[o == 1], p[o == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), np.sqrt(v10.var(ddof=1) / pos.size + v01.var(ddof=1) / neg.size)


def test_auc_and_delong_se_match_references_with_ties():
    rng = np.random.default_rng(8)
    p = np.round(rng.uniform(0, 1, 400), 1)  # many ties
    o = (rng.random(400) < p).astype(float)
    got = disc.auc(*_counts(p, o))
    assert got.auc == pytest.approx(roc_auc_score(o, p))
    area, se = _delong_brute_force(p, o)
    assert got.auc == pytest.approx(area)
    assert got.se == pytest.approx(se)
    assert got.ci_low < got.auc < got.ci_high
    assert got.n_events + got.n_nonevents == 400


def test_delong_interval_covers_the_true_auc_about_95_percent_of_the_time():
    rng = np.random.default_rng(9)
    hits = 0
    for _ in range(200):
        p = rng.uniform(0, 1, 150)
        o = (rng.random(150) < p).astype(float)
        a = disc.auc(*_counts(p, o))
        hits += a.ci_low <= 5 / 6 <= a.ci_high  # AUC of p ~ U(0,1), o ~ Bern(p) is 5/6
    assert 0.9 <= hits / 200 <= 0.99


def test_roc_curve_matches_scikit_learn():
    rng = np.random.default_rng(10)
    p = np.round(rng.uniform(0, 1, 200), 2)
    o = (rng.random(200) < p).astype(float)
    fpr, tpr = disc.roc_curve(*_counts(p, o))
    ref_fpr, ref_tpr, _ = roc_curve(o, p, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref_fpr)
    np.testing.assert_allclose(tpr, ref_tpr)


def test_perfect_and_reversed_forecasts():
    assert disc.auc([0, 0, 3], [2, 1, 0]).auc == 1.0
    assert disc.auc([3, 0, 0], [0, 1, 2]).auc == 0.0
    assert disc.auc([1], [1]).auc == 0.5


def test_auc_needs_both_outcomes():
    with pytest.raises(ValueError, match="event"):
        disc.auc([0, 0], [1, 2])
