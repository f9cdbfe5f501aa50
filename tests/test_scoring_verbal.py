"""The verbal-probability scale (Kent 1964) and the Brier score of claims under it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.scoring import verbal


def test_kent_words_have_the_published_points_and_spreads() -> None:
    # Kent (1964): almost certain 93% give or take about 6%, probable 75% +- 12%,
    # chances about even 50% +- 10%, probably not 30% +- 10%, almost certainly not 7% +- 5%.
    published = {
        "certain": (1.0, 0.0),
        "almost-certain": (0.93, 0.06),
        "probable": (0.75, 0.12),
        "chances-about-even": (0.50, 0.10),
        "probably-not": (0.30, 0.10),
        "almost-certainly-not": (0.07, 0.05),
        "impossible": (0.0, 0.0),
    }
    assert [w.word for w in verbal.WORDS] == list(published)
    for word in verbal.WORDS:
        point, spread = published[word.word]
        assert word.p == pytest.approx(point)
        assert word.low == pytest.approx(point - spread)
        assert word.high == pytest.approx(point + spread)


def test_every_range_holds_its_point_and_the_words_are_ordered() -> None:
    for word in verbal.WORDS:
        assert 0.0 <= word.low <= word.p <= word.high <= 1.0
    points = [w.p for w in verbal.WORDS]
    assert points == sorted(points, reverse=True)


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("Probable", "probable"),
        ("likely", "probable"),
        ("Almost certain", "almost-certain"),
        ("virtually_certain", "almost-certain"),
        ("unlikely", "probably-not"),
        ("  chances about even ", "chances-about-even"),
        ("highly doubtful", "almost-certainly-not"),
    ],
)
def test_words_and_their_synonyms_fold_to_the_scale_word(typed: str, word: str) -> None:
    assert verbal.canonical(typed) == word


def test_an_unknown_word_is_refused_naming_the_scale() -> None:
    with pytest.raises(ValueError, match=r"unknown hedge word 'maybe'.*probable"):
        verbal.canonical("maybe")


def test_claim_brier_on_a_hand_worked_set() -> None:
    # probable (0.75) came true: 0.0625; almost-certain (0.93) failed: 0.8649;
    # probably-not (0.30) came true: 0.49; certain (1.0) failed: 1.
    p, low, high = verbal.probabilities(["probable", "almost-certain", "probably-not", "certain"])
    came_true = [1, 0, 1, 0]
    assert verbal.claim_brier(p, came_true) == pytest.approx([0.0625, 0.8649, 0.49, 1.0])
    assert verbal.claim_brier(low, came_true) == pytest.approx([0.1369, 0.7569, 0.64, 1.0])
    assert verbal.claim_brier(high, came_true) == pytest.approx([0.0169, 0.9801, 0.36, 1.0])


def test_claim_brier_matches_scikit_learn() -> None:
    from sklearn.metrics import brier_score_loss

    p, _, _ = verbal.probabilities(["probable", "chances-about-even", "almost-certainly-not"])
    o = np.array([1, 0, 0])
    assert verbal.claim_brier(p, o).mean() == pytest.approx(brier_score_loss(o, p))


def test_claim_brier_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="shape"):
        verbal.claim_brier([0.5, 0.5], [1])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        verbal.claim_brier([1.5], [1])
    with pytest.raises(ValueError, match="only 0 and 1"):
        verbal.claim_brier([0.5], [0.5])


@settings(max_examples=50, deadline=None)
@given(st.sampled_from([w.word for w in verbal.WORDS]), st.booleans())
def test_the_range_ends_bound_the_point_score(word: str, true: bool) -> None:
    w = verbal.lookup(word)
    scores = verbal.claim_brier([w.p, w.low, w.high], [float(true)] * 3)
    assert min(scores[1], scores[2]) <= scores[0] <= max(scores[1], scores[2])
    assert (scores >= 0).all() and (scores <= 1).all()
