"""scoring.grouped's stack of histogram parts: what a streamed report carries across batches."""

from __future__ import annotations

import itertools
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.scoring import grouped


@given(
    st.lists(
        st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 0.9, 1.0]), max_size=40),
        max_size=30,
    ),
    st.randoms(use_true_random=False),
)
@settings(max_examples=60, deadline=None)
def test_a_stack_of_parts_collapses_to_the_histogram_of_all_the_pieces(
    pieces: list[list[float]], rnd: random.Random
) -> None:
    stack: tuple = ()
    everything: list[float] = []
    outcomes: list[float] = []
    for piece in pieces:
        o = [float(rnd.random() < 0.5) for _ in piece]
        everything += piece
        outcomes += o
        stack = grouped.push(stack, grouped.histogram(np.array(piece), np.array(o)))
        sizes = [part[0].size for part in stack]
        assert all(a > 2 * b for a, b in itertools.pairwise(sizes))  # log2(N) + 1 parts at most
    whole = grouped.collapse(stack)
    expected = grouped.histogram(np.array(everything), np.array(outcomes))
    for got, want in zip(whole, expected, strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype


def test_pushing_an_empty_piece_leaves_the_stack_as_it_was() -> None:
    part = grouped.histogram(np.array([0.2, 0.2, 0.6]), np.array([1.0, 0.0, 1.0]))
    stack = grouped.push((), part)
    assert grouped.push(stack, grouped.histogram(np.zeros(0), np.zeros(0))) == stack
    assert grouped.collapse(())[0].size == 0
    np.testing.assert_array_equal(grouped.collapse(stack)[1], [2, 1])


@given(
    st.lists(st.floats(0, 1, allow_nan=False), max_size=80),
    st.lists(st.floats(0, 1, allow_nan=False), max_size=80),
    st.integers(0, 40),
    st.randoms(use_true_random=False),
)
@settings(max_examples=150, deadline=None)
def test_merging_two_histograms_gives_the_histogram_of_both_samples(
    a: list[float], b: list[float], shared: int, rnd: random.Random
) -> None:
    b = b + a[:shared]  # some values in both
    oa = [float(rnd.random() < 0.5) for _ in a]
    ob = [float(rnd.random() < 0.5) for _ in b]
    got = grouped.merge(
        grouped.histogram(np.array(a), np.array(oa)), grouped.histogram(np.array(b), np.array(ob))
    )
    want = grouped.histogram(np.array(a + b), np.array(oa + ob))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
        assert g.dtype == w.dtype


@given(st.sampled_from([0, 1, 255, 256, 65_535, 65_536, 2**32 - 1, 2**32, 2**40]))
def test_narrow_keeps_the_counts_in_the_narrowest_type_that_holds_them(top: int) -> None:
    n = np.array([1, top, 3], dtype=np.int64)
    k = np.array([0, top // 2, 3], dtype=np.int64)
    _, small_n, small_k = grouped.narrow((np.array([0.1, 0.5, 0.9]), n, k))
    want = next(
        (t for t in (np.uint8, np.uint16, np.uint32) if max(top, 3) <= np.iinfo(t).max), np.int64
    )
    assert small_n.dtype == want and small_k.dtype == want
    np.testing.assert_array_equal(small_n.astype(np.int64), n)
    np.testing.assert_array_equal(small_k.astype(np.int64), k)


def test_narrow_leaves_negative_counts_as_int64() -> None:
    hist = (np.array([0.5]), np.array([-1], dtype=np.int64), np.array([0], dtype=np.int64))
    assert grouped.narrow(hist)[1].dtype == np.int64


@given(st.integers(1, 70_000), st.integers(1, 70_000), st.integers(0, 3))
def test_narrow_parts_merge_to_exact_int64_counts_past_their_types_range(
    n_a: int, n_b: int, extra: int
) -> None:
    # two parts whose counts each fit a narrow type and whose sums may not
    values = np.array([0.2, 0.7])
    a = (values, np.array([n_a, 1], np.int64), np.array([n_a // 2, 1], np.int64))
    b = (values, np.array([n_b, 1 + extra], np.int64), np.array([n_b, extra], np.int64))
    stack = grouped.push(grouped.push((), a), b)
    assert all(part[1].dtype.itemsize <= 4 for part in stack)
    whole = grouped.collapse(stack)
    assert whole[1].dtype == np.int64 and whole[2].dtype == np.int64
    np.testing.assert_array_equal(whole[1], [n_a + n_b, 2 + extra])
    np.testing.assert_array_equal(whole[2], [n_a // 2 + n_b, 1 + extra])
