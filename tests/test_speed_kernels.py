"""The faster kernels give the numbers of the plain formulations they replaced.

- the peer kernel over several questions at once (segments of days) equals one question at a
  time (whose day-by-day reference is in ``test_scoring_compare_peer``);
- the crowd's standing forecasts, accumulated a question at a time, equal a plain running
  maximum over the rows, and the crowd rows of a batch of questions equal each question's own;
- the crowd runs over batches of whole questions, and the batches cover every row once;
- the CORP consistency band, fitted for all resamples in one PAV pass, equals one fit per
  resample from the same random draws.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import isotonic_regression

from foretell.report import crowd as report_crowd
from foretell.scoring.compare import crowd, peer
from foretell.scoring.reliability import Counts, consistency_band

rows_of_questions = st.lists(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 30), st.floats(0.01, 0.99)),
        min_size=1,
        max_size=12,
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(rows_of_questions, st.lists(st.booleans(), min_size=5, max_size=5))
def test_peer_kernel_on_a_batch_equals_each_question_alone(questions, person_list) -> None:
    person = np.array(person_list)
    q, member, day, brier, log_p, starts, closes = [], [], [], [], [], [], []
    for i, rows in enumerate(questions):
        rows = sorted(rows, key=lambda r: r[1])  # time order within the question
        for m, d, p in rows:
            q.append(i)
            member.append(m)
            day.append(d)
            brier.append(2 * (p - 1) ** 2)
            log_p.append(np.log(p))
        starts.append(rows[0][1] // 2)
        closes.append(max(r[1] for r in rows) + i)  # some rows fall after close when i = 0
    arrays = [np.array(a) for a in (q, member, day, brier, log_p)]
    batch = peer.peer_scores_batch(*arrays, person, np.array(starts), np.array(closes))
    qa = arrays[0]
    for i in range(len(questions)):
        sel = qa == i
        one = peer.peer_scores(
            arrays[1][sel], arrays[2][sel], arrays[3][sel], arrays[4][sel], person,
            starts[i], closes[i],
        )  # fmt: skip
        for name in ("brier_peer", "log_peer", "coverage", "days", "forecasts", "alone"):
            np.testing.assert_allclose(
                getattr(batch, name)[i], getattr(one, name), rtol=1e-12, atol=1e-12
            )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), min_size=1, max_size=40))
def test_standing_forecasts_equal_a_plain_running_maximum(rows) -> None:
    rows = sorted(rows)  # (question, member), questions in order
    group = np.array([r[0] for r in rows])
    member = np.array([r[1] for r in rows])
    got = crowd.standing(member, 6, group)
    want = np.full((len(rows), 6), -1)
    for r in range(len(rows)):
        for m in range(6):
            earlier = [j for j in range(r + 1) if member[j] == m and group[j] == group[r]]
            want[r, m] = max(earlier) if earlier else -1
    assert got.tolist() == want.tolist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(0, 3)), max_size=40))
def test_crowd_rows_of_a_batch_equal_each_questions_own(rows) -> None:
    rows = sorted(rows)  # (question, stamp, member): time order within each question
    group = np.array([r[0] for r in rows], dtype=np.int64)
    stamp = np.array([r[1] for r in rows], dtype=np.int64)
    member = np.array([r[2] for r in rows], dtype=np.int64)
    at, idx = crowd.crowd_rows(member, stamp, 4, group)
    want_at, want_idx = [], []
    for g in np.unique(group):
        sel = np.flatnonzero(group == g)
        a, i = crowd.crowd_rows(member[sel], stamp[sel], 4)
        want_at.extend(sel[a].tolist())
        want_idx.extend(np.where(i >= 0, sel[np.maximum(i, 0)], -1).tolist())
    assert at.tolist() == want_at
    assert np.asarray(idx).reshape(-1, 4).tolist() == want_idx


@given(st.lists(st.integers(1, 9), max_size=30), st.integers(1, 12))
def test_question_batches_cover_every_row_once_and_end_at_question_boundaries(
    sizes: list[int], limit: int
) -> None:
    qpos = np.repeat(np.arange(len(sizes)), sizes)
    old = report_crowd.BATCH_ROWS
    report_crowd.BATCH_ROWS = limit
    try:
        batches = report_crowd._question_batches(qpos)
    finally:
        report_crowd.BATCH_ROWS = old
    covered = [r for lo, hi in batches for r in range(lo, hi)]
    assert covered == list(range(qpos.shape[0]))
    for lo, hi in batches:
        assert lo == 0 or qpos[lo] != qpos[lo - 1]  # starts a question
        assert hi == qpos.shape[0] or qpos[hi] != qpos[hi - 1]  # ends one
        assert hi - lo <= limit or len(set(qpos[lo:hi].tolist())) == 1


@pytest.mark.parametrize("k", [1, 7, 120])
def test_corp_band_in_one_pav_pass_equals_one_fit_per_resample(k: int) -> None:
    rng = np.random.default_rng(3)
    x = np.sort(rng.choice(np.arange(1, 1000) / 1000, size=k, replace=False))
    n = rng.integers(1, 40, k).astype(np.float64)
    counts = Counts(x, n, np.round(n * x))
    band = consistency_band(counts, resamples=50, seed=11)
    draws = np.random.default_rng(11)
    n_int = n.astype(np.int64)
    fits = np.array(
        [isotonic_regression(draws.binomial(n_int, x) / n_int, weights=n).x for _ in range(50)]
    )
    low, high = np.quantile(fits, [0.05, 0.95], axis=0)
    np.testing.assert_allclose(band.low, low, rtol=0, atol=1e-12)
    np.testing.assert_allclose(band.high, high, rtol=0, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(rows_of_questions, st.lists(st.booleans(), min_size=5, max_size=5), st.booleans())
def test_peer_sums_per_forecast_equal_the_terms_taken_day_by_day(
    questions, person_list, yes: bool
) -> None:
    person = np.array(person_list)
    cols: list[list[float]] = [[], [], [], [], []]
    for i, rows in enumerate(questions):
        for m, d, p in sorted(rows, key=lambda r: r[1]):
            o = 1.0 if yes else 0.0
            for col, value in zip(
                cols, (i, m, d, 2 * (p - o) ** 2, np.log(p if yes else 1 - p)), strict=True
            ):
                col.append(value)
    q, member, day = (np.array(c, dtype=np.int64) for c in cols[:3])
    brier, log_p = (np.array(c) for c in cols[3:])
    starts = np.array([min(r[1] for r in rows) for rows in questions])
    closes = starts + 20
    grid = peer._segments(q, day, starts, closes)
    by_sums = peer._by_sums(grid, q, member, brier, log_p, person)
    daily = peer._daily(grid, q, member, brier, log_p, person)
    for name in ("brier_peer", "log_peer", "coverage", "days", "forecasts", "alone"):
        np.testing.assert_allclose(
            getattr(by_sums, name), getattr(daily, name), rtol=1e-9, atol=1e-9
        )


def test_an_infinite_log_score_is_taken_day_by_day() -> None:
    # B said 0 for what happened: its log score is -inf, and A's log peer score is +inf
    r = peer.peer_scores(
        np.array([0, 1]), np.array([0, 0]), np.array([0.5, 2.0]),
        np.array([np.log(0.5), -np.inf]), np.array([True, True]), 0, 3,
    )  # fmt: skip
    assert r.log_peer[0] == np.inf
    assert r.log_peer[1] == -np.inf
