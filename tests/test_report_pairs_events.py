"""foretell.report.pairs: the derived events' labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.report import pairs


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200), n_q=st.integers(1, 6))
def test_each_derived_pair_is_labelled_with_its_own_threshold(seed: int, n: int, n_q: int) -> None:
    rng = np.random.default_rng(seed)
    thresholds = [list(np.round(rng.uniform(-50, 5000, rng.integers(0, 4)), 3)) for _ in range(n_q)]
    q = pd.DataFrame({"thresholds": [t or None for t in thresholds]})
    qpos = rng.integers(0, n_q, n)
    sizes = np.array([len(thresholds[i]) for i in qpos])
    event = np.where(sizes > 0, rng.integers(0, 10**6, n) % np.maximum(sizes, 1) + 1, 0)
    event[rng.uniform(0, 1, n) < 0.3] = 0  # the binary questions' own pairs
    got = pairs._event_labels(qpos, event, q)
    expected = [
        f">= {float(thresholds[i][e - 1]):g}" if e > 0 else ""
        for i, e in zip(qpos, event, strict=True)
    ]
    assert got.tolist() == expected
