"""Peer scores: the published formulas, hand-worked timelines, a direct day-by-day reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.scoring.compare import peer
from foretell.scoring.compare.peer import peer_scores

YES = 1.0


def _scores(member, day, p, o, person, start, close):
    p = np.asarray(p, dtype=np.float64)
    brier = 2 * (p - o) ** 2
    log_p = np.log(np.where(o == 1.0, p, 1 - p))
    return peer_scores(
        np.asarray(member), np.asarray(day), brier, log_p, np.asarray(person), start, close
    )


def test_metaculus_peer_score_is_100_times_log_ratio_to_the_others_geometric_mean() -> None:
    # Metaculus' scores FAQ ("Peer score math"): 100 x mean_i (ln p - ln p_i) over the other
    # forecasters, which equals 100 x (ln p - ln GM(p_i)). All forecast on day 0, one-day life.
    p = [0.9, 0.6, 0.3, 0.5]
    r = _scores([0, 1, 2, 3], [0, 0, 0, 0], p, YES, [True] * 4, 0, 0)
    for i, pi in enumerate(p):
        others = [x for j, x in enumerate(p) if j != i]
        gm = math.exp(np.mean(np.log(others)))
        assert r.log_peer[i] == pytest.approx(100 * (math.log(pi) - math.log(gm)))
    # "Peer scores sum to zero across all forecasters" when all cover the whole life
    assert r.log_peer.sum() == pytest.approx(0.0, abs=1e-9)


def test_metaculus_code_form_n_over_n_minus_1_log_ratio_to_everyones_gm_agrees() -> None:
    # Metaculus' scoring code: 100 * N / (N - 1) * ln(p / GM(all N forecasts incl. yours)).
    p = np.array([0.8, 0.35, 0.55])
    r = _scores([0, 1, 2], [0, 0, 0], p, 0.0, [True] * 3, 0, 0)
    q = 1 - p  # the outcome was no
    gm_all = math.exp(np.mean(np.log(q)))
    expected = 100 * 3 / 2 * np.log(q / gm_all)
    assert r.log_peer == pytest.approx(expected)


def test_log_peer_is_time_averaged_over_the_life_with_coverage() -> None:
    # life days 0..9; A 0.8 from day 0, B 0.4 from day 0, C 0.6 from day 5; outcome yes
    r = _scores([0, 1, 2], [0, 0, 5], [0.8, 0.4, 0.6], YES, [True] * 3, 0, 9)
    a_first = 100 * (math.log(0.8) - math.log(0.4))
    a_later = 100 * (math.log(0.8) - (math.log(0.4) + math.log(0.6)) / 2)
    assert r.log_peer[0] == pytest.approx((5 * a_first + 5 * a_later) / 10)
    c = 100 * (math.log(0.6) - (math.log(0.8) + math.log(0.4)) / 2)
    assert r.log_peer[2] == pytest.approx(5 * c / 10)  # half the life: half the weight
    assert r.coverage.tolist() == [1.0, 1.0, 0.5]


def test_brier_peer_is_mean_daily_brier_minus_the_median_as_hand_worked() -> None:
    # Brier on Good Judgment Open's 0..2 scale: A 0.8 -> 0.08, B 0.4 -> 0.72, C 0.6 -> 0.32.
    # Days 0-4 median(0.08, 0.72) = 0.40; days 5-9 median(0.08, 0.72, 0.32) = 0.32.
    r = _scores([0, 1, 2], [0, 0, 5], [0.8, 0.4, 0.6], YES, [True] * 3, 0, 9)
    assert r.brier_peer[0] == pytest.approx((5 * (0.08 - 0.40) + 5 * (0.08 - 0.32)) / 10)
    assert r.brier_peer[1] == pytest.approx((5 * (0.72 - 0.40) + 5 * (0.72 - 0.32)) / 10)
    assert r.brier_peer[2] == pytest.approx(0.0)  # C was the median on each of its days


def test_days_before_a_late_joiner_are_not_counted_in_the_brier_peer() -> None:
    r = _scores([0, 1], [0, 6], [0.7, 0.9], YES, [True, True], 0, 9)
    # B's days 6..9: median of (0.18, 0.02) = 0.10; B's daily 0.02 -> -0.08
    assert r.brier_peer[1] == pytest.approx(0.02 - 0.10)
    assert r.days.tolist() == [10, 4]


def test_alone_on_a_question_has_no_peer_score() -> None:
    r = _scores([0, 0], [0, 3], [0.7, 0.9], YES, [True], 0, 9)
    assert r.alone.tolist() == [True]
    assert math.isnan(r.brier_peer[0]) and math.isnan(r.log_peer[0])


def test_a_crowd_is_scored_against_the_people_but_is_nobodys_peer() -> None:
    # members 0, 1 are people; 2 is a crowd forecaster (not a peer)
    r = _scores([0, 1, 2], [0, 0, 0], [0.8, 0.4, 0.6], YES, [True, True, False], 0, 0)
    assert r.log_peer[0] == pytest.approx(100 * (math.log(0.8) - math.log(0.4)))
    assert r.log_peer[2] == pytest.approx(100 * (math.log(0.6) - np.mean(np.log([0.8, 0.4]))))
    assert r.brier_peer[0] == pytest.approx(0.08 - 0.40)


def test_forecasts_after_the_close_day_do_not_count() -> None:
    r = _scores([0, 1, 0], [0, 0, 12], [0.8, 0.4, 0.1], YES, [True, True], 0, 9)
    assert r.log_peer[0] == pytest.approx(100 * (math.log(0.8) - math.log(0.4)))


def _reference(member, day, p, o, person, start, close):
    """Day-by-day loop: the same definitions written out directly."""
    m = len(person)
    n_days = close - start + 1
    b_sum, b_days, l_sum = np.zeros(m), np.zeros(m), np.zeros(m)
    for d in range(start, close + 1):
        standing = {}
        for i in range(len(member)):
            if day[i] <= d:
                standing[member[i]] = p[i]
        briers = {a: 2 * (q - o) ** 2 for a, q in standing.items()}
        logs = {a: math.log(q if o == 1 else 1 - q) for a, q in standing.items()}
        people = [a for a in standing if person[a]]
        if not people:
            continue
        med = float(np.median([briers[a] for a in people]))
        for a in standing:
            b_sum[a] += briers[a] - med
            b_days[a] += 1
            others = [logs[x] for x in people if x != a]
            if others:
                l_sum[a] += 100 * (logs[a] - np.mean(others))
    with np.errstate(invalid="ignore"):
        return b_sum / b_days, l_sum / n_days


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 12), st.floats(0.05, 0.95)),
        min_size=2,
        max_size=12,
    ),
    st.booleans(),
)
def test_peer_scores_match_a_direct_day_by_day_reference(rows, yes: bool) -> None:
    rows = sorted(rows, key=lambda r: r[1])
    member = np.array([r[0] for r in rows])
    day = np.array([r[1] for r in rows])
    p = np.array([r[2] for r in rows])
    person = np.array([True, True, True, True])
    o = 1.0 if yes else 0.0
    got = _scores(member, day, p, o, person, 0, 10)
    brier, log = _reference(member, day, p, o, person, 0, 10)
    for a in range(4):
        if not got.forecasts[a] or got.alone[a]:
            continue
        assert got.brier_peer[a] == pytest.approx(brier[a], abs=1e-12)
        assert got.log_peer[a] == pytest.approx(log[a], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 5), st.integers(-2, 14),
                  st.sampled_from([0.05, 0.3, 0.5, 0.5, 0.8, 0.95])),
        min_size=1, max_size=60,
    ),
    st.lists(st.booleans(), min_size=6, max_size=6),
    st.lists(st.booleans(), min_size=3, max_size=3),
)  # fmt: skip
def test_batched_sums_equal_the_day_by_day_terms_of_the_daily_definition(rows, person, yes) -> None:
    # several questions at once (ties in the Brier scores, forecasts before the opening and
    # after the close, members who are not people): the prefix-sum path against ``_daily``
    rows = sorted(rows, key=lambda r: (r[0], r[2]))
    question = np.array([r[0] for r in rows], dtype=np.int64)
    member = np.array([r[1] for r in rows], dtype=np.int64)
    day = np.array([r[2] for r in rows], dtype=np.int64)
    p = np.array([r[3] for r in rows])
    o = np.array(yes, dtype=np.float64)[question]
    brier = 2 * (p - o) ** 2
    log_p = np.log(np.where(o == 1, p, 1 - p))
    who = np.array(person)
    start, close = np.array([0, 1, 3]), np.array([10, 4, 12])
    grid = peer._segments(question, day, start, close)
    fast = peer._by_sums(grid, question, member, brier, log_p, who)
    slow = peer._daily(grid, question, member, brier, log_p, who)
    for field in ("forecasts", "alone", "days"):
        assert getattr(fast, field).tolist() == getattr(slow, field).tolist()
    for field in ("brier_peer", "log_peer", "coverage"):
        np.testing.assert_allclose(
            getattr(fast, field), getattr(slow, field), rtol=1e-9, atol=1e-9, equal_nan=True
        )
