"""scoring.order.lexsort gives numpy.lexsort's permutation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from foretell.scoring.order import lexsort

BOUNDS = [
    (0, 3),
    (-5, 5),
    (0, 70_000),
    (-(2**40), 2**40),
    (-(2**62), 2**62),
    (-(2**63), 2**63 - 1),  # a range no int64 difference holds
]


@st.composite
def key_sets(draw: st.DrawFn) -> list[np.ndarray]:
    n = draw(st.integers(0, 60))
    keys = []
    for _ in range(draw(st.integers(1, 4))):
        lo, hi = draw(st.sampled_from(BOUNDS))
        dtype = draw(st.sampled_from([np.int64, np.int32])) if hi < 2**31 else np.int64
        if lo >= 0 and draw(st.booleans()):  # unsigned, also reaching above 2^63
            dtype, lo, hi = np.uint64, lo + draw(st.sampled_from([0, 2**63])), hi + 2**63
        keys.append(hnp.arrays(dtype, n, elements=st.integers(lo, hi)))
    return [draw(k) for k in keys]


@settings(max_examples=200, deadline=None)
@given(key_sets())
def test_lexsort_equals_numpy_lexsort(keys: list[np.ndarray]) -> None:
    np.testing.assert_array_equal(lexsort(keys), np.lexsort(keys))


def test_lexsort_equals_numpy_on_many_ties_and_wide_ranges() -> None:
    rng = np.random.default_rng(7)
    n = 50_000
    keys = [
        rng.integers(0, 50, n),  # few distinct: long runs of ties
        rng.integers(0, 3, n),
        rng.integers(1_600_000_000 * 10**9, 1_700_000_000 * 10**9, n) // 10**12,
        rng.integers(0, 10_000, n),
    ]
    np.testing.assert_array_equal(lexsort(keys), np.lexsort(keys))
    keys[2] = np.sort(keys[2])  # an already sorted key
    np.testing.assert_array_equal(lexsort(keys), np.lexsort(keys))


def test_lexsort_equals_numpy_for_keys_spanning_the_whole_int64_and_uint64_range() -> None:
    rng = np.random.default_rng(7)
    n = 2_000
    ends = np.array([-(2**63), 2**63 - 1, 0, -1], dtype=np.int64)
    signed = np.where(rng.random(n) < 0.5, ends[rng.integers(0, 4, n)], rng.integers(-9, 9, n))
    unsigned = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    unsigned[::3] = np.uint64(2**63 + 5)
    small = rng.integers(0, 4, n).astype(np.int8)
    # differences of 2^63 and more: taken in int64 they wrap, and share the factor 2^62
    wrapping = np.array([-(2**63), 0, 2**62], dtype=np.int64)[rng.integers(0, 3, n)]
    for keys in (
        [small, signed],
        [signed, unsigned],
        [unsigned, small],
        [small, wrapping],
        [wrapping, small],
    ):
        np.testing.assert_array_equal(lexsort(keys), np.lexsort(keys))


def test_lexsort_takes_booleans_and_falls_back_for_floats() -> None:
    b = np.array([True, False, True, False])
    x = np.array([0.5, 0.5, -1.0, 2.0])
    i = np.array([3, 1, 3, 1])
    np.testing.assert_array_equal(lexsort([b, i]), np.lexsort([b, i]))
    np.testing.assert_array_equal(lexsort([x, i]), np.lexsort([x, i]))


def test_lexsort_refuses_keys_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="one length"):
        lexsort([np.zeros(2, np.int64), np.zeros(3, np.int64)])


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 400), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_lexsort_equals_numpy_when_rows_come_grouped_by_the_primary_key_with_tied_stamps(
    n: int, groups: int, seed: int
) -> None:
    # the forecast rows of a batch: question first, then a wide time key with many ties (a
    # crowd row carries the time of the forecast that made it), then seq and author
    rng = np.random.default_rng(seed)
    question = np.sort(rng.integers(0, groups, n))
    stamp = rng.integers(0, 5, n) * 10**15 + rng.integers(0, 3, n) * 1000
    seq = rng.integers(0, 4, n)
    author = rng.integers(0, 3, n)
    keys = [author, seq, stamp, question]
    np.testing.assert_array_equal(lexsort(keys), np.lexsort(keys))


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 300), st.integers(0, 2**32 - 1))
def test_lexsort_equals_numpy_when_tied_runs_and_the_next_key_are_too_wide_to_combine(
    n: int, seed: int
) -> None:
    # a primary key with ties and a second key spanning nearly 62 bits: the tied runs cannot
    # be packed with it, so they are sorted by (run, key) apart
    rng = np.random.default_rng(seed)
    primary = rng.integers(0, 8, n)
    wide = rng.integers(0, 2, n) * (2**61) + rng.integers(0, 2, n)
    seq = rng.integers(0, 3, n)
    keys = [seq, wide, primary]
    np.testing.assert_array_equal(lexsort(keys), np.lexsort(keys))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 500), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_lexsort_equals_numpy_when_rows_come_in_time_order_with_some_out_of_place(
    n: int, seed: int, shuffled: float
) -> None:
    # a batch's forecasts in time order, sorted by (pair, stamp, seq): the pair key alone is
    # sorted and only the pairs whose rows are out of time order are sorted further
    rng = np.random.default_rng(seed)
    stamp = np.sort(rng.integers(0, 40, n)) * 10**9
    seq = rng.integers(0, 3, n)
    moved = rng.random(n) < shuffled / 4
    stamp[moved] = rng.integers(0, 40, int(moved.sum())) * 10**9
    pair = rng.integers(0, 70_000, n) if seed % 2 else rng.integers(0, 5, n)
    keys = [seq, stamp, pair]
    np.testing.assert_array_equal(lexsort(keys), np.lexsort(keys))


def test_lexsort_equals_numpy_for_a_primary_key_wider_than_16_bits_in_time_order() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    stamp = np.sort(rng.integers(0, 10**6, n))
    pair = rng.integers(0, 3 * 2**16, n)  # two radix passes
    keys = [rng.integers(0, 2, n), stamp, pair]
    np.testing.assert_array_equal(lexsort(keys), np.lexsort(keys))
