"""The standing median: the same numbers as numpy.nanmedian over the dense standing matrix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.scoring.compare import median

VALUES = st.one_of(
    st.sampled_from([0.0, 0.01, 0.25, 0.5, 0.99, 1.0, float("nan")]),  # ties and NaN
    st.floats(0, 2, allow_nan=False),
)


def _dense_reference(
    start: np.ndarray, end: np.ndarray, value: np.ndarray, horizon: int
) -> np.ndarray:
    """numpy.nanmedian over a (times x items) matrix: each item's value where it stands."""
    times = np.arange(horizon)[:, None]
    stands = (start[None, :] <= times) & (times < end[None, :])
    matrix = np.where(stands, value[None, :], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN times are NaN
        return np.nanmedian(matrix, axis=1) if matrix.shape[1] else np.full(horizon, np.nan)


@st.composite
def _items(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """Groups owning consecutive time ranges; items standing within their group's range."""
    lengths = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4))
    bounds = np.cumsum([0, *lengths])
    rows = draw(
        st.lists(
            st.tuples(st.integers(0, len(lengths) - 1), st.integers(0, 11), st.integers(0, 12),
                      VALUES),
            max_size=200,
        )
    )  # fmt: skip
    group, start, end, value = [], [], [], []
    for g, a, b, v in rows:
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        s = lo + a % (hi - lo)
        group.append(g)
        start.append(s)
        end.append(min(s + b, hi))  # b = 0: an item that never stands
        value.append(v)
    return (np.array(start, dtype=np.int64), np.array(end, dtype=np.int64),
            np.array(value, dtype=np.float64), np.array(group, dtype=np.int64),
            bounds)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(_items())
def test_standing_median_is_numpys_nanmedian_of_the_standing_values(items) -> None:
    start, end, value, group, bounds = items
    horizon = int(bounds[-1])
    at = np.arange(horizon)
    at_group = np.searchsorted(bounds, at, side="right") - 1
    got = median.standing_median(start, end, value, group, at, at_group)
    expected = _dense_reference(start, end, value, horizon)
    assert got.tobytes() == expected.tobytes()


@settings(max_examples=60, deadline=None)
@given(_items(), st.data())
def test_any_subset_of_times_in_any_order_gives_the_same_medians(items, data) -> None:
    start, end, value, group, bounds = items
    horizon = int(bounds[-1])
    at = np.array(data.draw(st.lists(st.integers(0, horizon - 1), max_size=20)), dtype=np.int64)
    at_group = np.searchsorted(bounds, at, side="right") - 1
    got = median.standing_median(start, end, value, group, at, at_group)
    expected = _dense_reference(start, end, value, horizon)[at]
    assert got.tobytes() == expected.tobytes()


def test_many_items_in_one_group_span_several_words() -> None:
    # 300 items (five 64-bit words) with few distinct values, standing in overlapping runs
    rng = np.random.default_rng(4)
    n, horizon = 300, 120
    start = rng.integers(0, horizon, n)
    end = np.minimum(start + rng.integers(1, 60, n), horizon)
    value = rng.choice([0.1, 0.2, 0.2, 0.7, np.nan], n)
    at = np.arange(horizon)
    got = median.standing_median(start, end, value, np.zeros(n, np.int64), at, np.zeros_like(at))
    assert got.tobytes() == _dense_reference(start, end, value, horizon).tobytes()


def test_a_time_of_a_group_without_items_is_nan() -> None:
    got = median.standing_median(
        np.array([0]), np.array([2]), np.array([0.3]), np.array([0]),
        np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1]),
    )  # fmt: skip
    assert np.isnan(got[2:]).all()
    assert got[:2].tolist() == [0.3, 0.3]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=30))
def test_popcount_counts_set_bits(words: list[int]) -> None:
    w = np.array(words, dtype=np.uint64)
    assert median.popcount(w).tolist() == [bin(x).count("1") for x in words]


def test_popcount_without_numpys_bitwise_count_counts_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = np.random.default_rng(2).integers(0, 2**63, 500, dtype=np.uint64) * np.uint64(2)
    words = np.concatenate([words, np.array([0, 1, 2**64 - 1], dtype=np.uint64)])
    expected = [bin(int(x)).count("1") for x in words]
    monkeypatch.delattr(np, "bitwise_count", raising=False)  # as on numpy < 2
    assert median.popcount(words).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 2**64 - 1), st.data())
def test_nth_bit_finds_each_set_bit_in_order(word: int, data) -> None:
    bits = [i for i in range(64) if word >> i & 1]
    need = data.draw(st.integers(0, len(bits) - 1))
    got = median._nth_bit(np.array([word], dtype=np.uint64), np.array([need]))
    assert got.tolist() == [bits[need]]


@pytest.mark.parametrize("word", [1, 2**63, 0b1011000, 2**64 - 1])
def test_trailing_zeros_is_the_lowest_set_bits_position(word: int) -> None:
    got = median._trailing_zeros(np.array([word], dtype=np.uint64))
    assert got.tolist() == [(word & -word).bit_length() - 1]


@settings(max_examples=80, deadline=None)
@given(_items())
def test_one_item_starting_at_each_time_gives_numpys_nanmedian(items) -> None:
    # the crowd's case: row i of a question starts standing at time i
    _, end, value, group, _ = items
    order = np.argsort(group, kind="stable")
    group, value = group[order], value[order]
    start = np.arange(group.shape[0], dtype=np.int64)
    last = np.searchsorted(group, group, side="right")
    end = np.minimum(start + end[order] % 5, last)  # within the item's group's rows
    horizon = int(group.shape[0])
    at = np.arange(horizon)
    got = median.standing_median(start, end, value, group, at, group)
    expected = _dense_reference(start, end, value, horizon)
    assert got.tobytes() == expected.tobytes()


@given(
    st.lists(
        st.tuples(
            st.integers(0, 40),
            st.sampled_from([0.0, -0.0, 0.25, -1.5, 2.0, 1e-300, -np.inf, np.inf]),
        ),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([0, 1 << 40]),
)
def test_items_are_ordered_by_group_then_value_as_numpys_lexsort(
    pairs: list[tuple[int, float]], shift: int
) -> None:
    """Ties (0.0 and -0.0 among them) stay in row order; groups too far apart to pack in 32
    bits take numpy's lexsort."""
    group = np.array([g for g, _ in pairs], dtype=np.int64) * (1 + shift)
    value = np.array([v for _, v in pairs], dtype=np.float64)
    got = median._by_group_then_value(group, value)
    assert got.tolist() == np.lexsort((value, group)).tolist()
