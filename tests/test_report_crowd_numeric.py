"""report.crowd._medians: the numeric crowd's medians of questions that share their levels,
computed over joined timelines a batch of rows at a time, equal each question's own."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.report import crowd as report_crowd
from foretell.scoring.compare import crowd

LEVEL_SETS = [[0.1, 0.5, 0.9], [0.25, 0.5, 0.75], [0.5]]


def _question(rng: np.random.Generator, levels: list[float]) -> report_crowd._NumericQuestion:
    n = int(rng.integers(2, 40))
    n_members = int(rng.integers(2, 6))
    member = rng.integers(0, n_members, n)
    stamp = np.sort(rng.integers(0, 12, n))
    values = np.sort(np.round(rng.normal(0, 3, (n, len(levels))), 1), axis=1)
    values[rng.uniform(0, 1, values.shape) < 0.15] = np.nan  # a level a member did not give
    part = np.arange(n)
    return report_crowd._NumericQuestion(
        part, levels, values, crowd.timeline(member, stamp, n_members)
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), n_q=st.integers(1, 12), batch=st.sampled_from([8, 50, 16_384])
)
def test_batched_medians_equal_each_questions_own(seed: int, n_q: int, batch: int) -> None:
    rng = np.random.default_rng(seed)
    questions = [_question(rng, LEVEL_SETS[int(rng.integers(0, 3))]) for _ in range(n_q)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_crowd, "BATCH_ROWS", batch)
        got = report_crowd._medians(questions)
    for one, medians in zip(questions, got, strict=True):
        expected = crowd.quantiles_timeline(one.values, one.line, "median")
        assert medians.tobytes() == expected.tobytes()
