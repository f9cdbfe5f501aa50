"""scoring.exact_sum: the parts math.fsum gives, for many groups at once."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from foretell.report.summary import ExactSum
from foretell.scoring import exact_sum

FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.0, 1e16, -1e16]),
    st.floats(0, 2),  # scores
)


def _fsum_parts(values: list[float]) -> tuple[float, float]:
    total = math.fsum(values)
    return total, math.fsum([*values, -total])


def _bits(x: float) -> bytes:
    return np.float64(x).tobytes()


@given(st.lists(st.tuples(st.integers(0, 4), FLOATS), max_size=80))
@example([(0, 1e308), (0, 1e308)])  # the sum overflows: left to math.fsum
@example([(1, -0.0), (1, -0.0), (2, 1e-300), (2, -1e-300)])  # sums of zero
def test_each_groups_parts_are_the_bits_of_math_fsum(pairs: list[tuple[int, float]]) -> None:
    values = np.array([v for _, v in pairs], dtype=np.float64)
    group = np.array([g for g, _ in pairs], dtype=np.int64)
    got = exact_sum.grouped_parts(values, group, 5)
    for g in range(5):
        mine = [v for h, v in pairs if h == g]
        if got[g] is None:
            continue  # left to math.fsum (checked below through ExactSum.grouped)
        want = _fsum_parts(mine)
        assert [_bits(x) for x in got[g]] == [_bits(x) for x in want]


@given(st.lists(st.tuples(st.integers(0, 3), FLOATS), min_size=0, max_size=40))
def test_exact_sum_grouped_equals_of_on_each_group(pairs: list[tuple[int, float]]) -> None:
    """Many values go through numpy, few through math.fsum: either way each group's parts
    are those ``ExactSum.of`` gives its values (none for a group without values)."""
    values = np.array([v for _, v in pairs], dtype=np.float64)
    group = np.array([g for g, _ in pairs], dtype=np.int64)
    for repeat in (1, 60):  # 60 copies: past GROUPED_FROM, the numpy path
        many_values, many_groups = np.tile(values, repeat), np.tile(group, repeat)
        try:
            want = [ExactSum.of(many_values[many_groups == g]).parts for g in range(4)]
        except OverflowError:
            continue
        got = [s.parts for s in ExactSum.grouped(many_values, many_groups, 4)]
        assert [[_bits(x) for x in p] for p in got] == [[_bits(x) for x in p] for p in want]


def test_a_large_random_sum_matches_math_fsum() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.random(50_000) ** 3, -rng.random(50_000) * 1e-9, [1e20, -1e20]])
    group = rng.integers(0, 7, values.shape[0])
    got = exact_sum.grouped_parts(values, group, 7)
    for g in range(7):
        assert got[g] == _fsum_parts(values[group == g].tolist())


def test_values_that_are_not_finite_are_left_to_math_fsum() -> None:
    values = np.array([1.0, np.inf, 2.0])
    assert exact_sum.grouped_parts(values, np.array([0, 1, 0]), 2) == [None, None]
