"""report.partial.distinct_counts: per group, the number of distinct items, equal to counting
the distinct (group, item) pairs, by its table and by its sort alike; the claims section's
forecast counts per question taken with it equal those of ``groupby``."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.report import claims
from foretell.report.partial import distinct_counts
from foretell.report.scope import Scope


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


def _people_by_groupby(f: pd.DataFrame) -> dict[str, dict]:
    """``claims._people``'s forecast counts as it took them from ``groupby``."""
    out: dict[str, dict] = defaultdict(lambda: {"n_forecasts": 0, "n_forecasters": 0})
    grouped = f.groupby("question", observed=True)["author"]
    for qid, n in grouped.size().items():
        out[str(qid)]["n_forecasts"] = int(n)
    for qid, n in grouped.nunique().items():
        out[str(qid)]["n_forecasters"] = int(n)
    return out


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), categorical=st.booleans())
def test_claims_people_counts_equal_the_groupby_ones(seed, n, categorical) -> None:
    rng = np.random.default_rng(seed)
    names = np.array(["q3", "q1", "q10", "q2", None], dtype=object)
    question = names[rng.integers(0, len(names), n)]
    author = np.array(["ann", "bo", "cy", None], dtype=object)[rng.integers(0, 4, n)]
    f = pd.DataFrame({"question": question, "author": author})
    if categorical:
        f["question"] = pd.Categorical(question, categories=["q2", "q10", "q3", "q1", "q9"])
        f["author"] = pd.Categorical(author)
    scope = Scope(questions=pd.DataFrame(), forecasts=f)
    got = claims._people(scope, pd.DataFrame(), pd.DataFrame())
    expected = _people_by_groupby(f)
    assert list(got.items()) == list(expected.items())
