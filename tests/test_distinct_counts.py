"""report.partial.distinct_counts: per group, the number of distinct items, equal to counting
the distinct (group, item) pairs, by its table and by its sort alike."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.report.partial import distinct_counts


def _reference(group: np.ndarray, item: np.ndarray, n_groups: int) -> np.ndarray:
    rows = max(int(group.max()) + 1 if group.size else 0, n_groups)
    out = np.zeros(rows, dtype=np.int64)
    for g, _ in {(int(g), int(i)) for g, i in zip(group, item, strict=True)}:
        out[g] += 1
    return out


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 300),
    groups=st.sampled_from([1, 5, 40, 3000]),
    items=st.sampled_from([1, 7, 60, 5000]),
    n_groups=st.integers(0, 50),
)
def test_distinct_counts_count_the_distinct_pairs(seed, n, groups, items, n_groups) -> None:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    item = rng.integers(0, items, n)
    got = distinct_counts(group, item, n_groups)
    assert got.tolist() == _reference(group, item, n_groups).tolist()
