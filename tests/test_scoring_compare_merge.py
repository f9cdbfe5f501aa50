"""scoring.compare.merge: two sets of rows sorted alone and merged give numpy.lexsort's order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.scoring.compare.merge import merged_lexsort


def _rows(rng: np.random.Generator, n: int, questions: int, times: int, first: int):
    qpos = rng.integers(0, questions, n)
    stamp = 1_700_000_000 * 10**9 + rng.integers(0, times, n) * 1000
    seq = rng.integers(0, 30, n)
    people = rng.integers(0, 5, first)
    crowd = rng.integers(5, 9, n - first)
    return qpos, stamp, seq, np.concatenate([people, crowd])


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 300),
    share=st.floats(0, 1),
    times=st.sampled_from([1, 3, 50, 10**6]),
)
def test_merge_is_numpys_lexsort_on_random_rows(seed: int, n: int, share: float, times: int):
    rng = np.random.default_rng(seed)
    first = int(share * n)
    qpos, stamp, seq, code = _rows(rng, n, 4, times, first)
    expected = np.lexsort((code, seq, stamp, qpos))
    assert np.array_equal(merged_lexsort(qpos, stamp, seq, code, first), expected)


def test_crowd_rows_already_in_time_order_are_merged_after_the_persons_they_follow() -> None:
    # people rows out of order; crowd rows made at each person's (question, stamp), in order,
    # with sequence numbers of their own (which may equal a person's)
    rng = np.random.default_rng(5)
    n_people = 400
    qpos = rng.integers(0, 6, n_people)
    stamp = rng.integers(0, 40, n_people) * 10**9
    seq = rng.integers(0, 100, n_people)
    code = rng.integers(0, 7, n_people)
    at = np.lexsort((stamp, qpos))[::3]
    c_q, c_s = qpos[at], stamp[at]
    keep = np.r_[True, (c_q[1:] != c_q[:-1]) | (c_s[1:] != c_s[:-1])]
    c_q, c_s = c_q[keep], c_s[keep]
    c_seq = np.arange(c_q.shape[0])
    args = (
        np.concatenate([qpos, c_q]),
        np.concatenate([stamp, c_s]),
        np.concatenate([seq, c_seq]),
        np.concatenate([code, np.full(c_q.shape[0], 7)]),
    )
    expected = np.lexsort(args[::-1])
    assert np.array_equal(merged_lexsort(*args, n_people), expected)


@pytest.mark.parametrize(
    "case", ["codes overlap", "one set", "too wide", "differences overflow", "many shared"]
)
def test_rows_the_merge_cannot_take_are_sorted_together(case: str) -> None:
    rng = np.random.default_rng(7)
    n, first = 200, 120
    qpos, stamp, seq, code = _rows(rng, n, 3, 5, first)
    if case == "codes overlap":
        code[-1] = 0
    if case == "one set":
        first = n
    if case == "too wide":
        stamp = stamp + rng.integers(0, 2, n) * (2**62)
        stamp[0] += 1
    if case == "differences overflow":
        stamp = np.where(rng.integers(0, 2, n) == 1, 2**61 + 5, -(2**61)).astype(np.int64)
    if case == "many shared":
        stamp[:] = stamp[0]
        qpos[:] = 0
    expected = np.lexsort((code, seq, stamp, qpos))
    assert np.array_equal(merged_lexsort(qpos, stamp, seq, code, first), expected)
