"""report.blocks.numeric_questions takes each question's means from sorted slices: the
entries equal, to the last bit, those of the groupby it replaced (pandas' Series.mean per
question), questions in the same order, for categorical and text question columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.report import blocks
from foretell.report.blocks import num, pandas_mean


def _by_groupby(pairs: pd.DataFrame, questions: pd.DataFrame) -> list[dict[str, Any]]:
    units = dict(zip(questions["id"], questions["unit"], strict=False))
    out = []
    for qid, grp in pairs.groupby("question", observed=True, sort=True):
        out.append(
            {
                "question": str(qid),
                "unit": units.get(qid),
                "outcome": float(grp["outcome"].iat[0]),
                "n_pairs": len(grp),
                "wis": num(grp["wis"].mean()),
                "crps": num(grp["crps"].mean()),
                "coverage_50": num(grp["cover50"].mean()),
                "coverage_90": num(grp["cover90"].mean()),
            }
        )
    return out


def _values(rng: np.random.Generator, n: int) -> np.ndarray:
    values = rng.exponential(rng.choice([1e-3, 1.0, 1e6]), n) * rng.choice([-1, 1], n)
    values[rng.uniform(0, 1, n) < rng.uniform(0, 0.5)] = np.nan
    values[rng.uniform(0, 1, n) < 0.01] = np.inf
    return values


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 700),
    n_q=st.integers(1, 9),
    categorical=st.booleans(),
)
def test_numeric_questions_equal_the_groupby_ones(seed, n, n_q, categorical) -> None:
    rng = np.random.default_rng(seed)
    ids = [f"q{i}" for i in rng.permutation(n_q + 2)]
    questions = pd.DataFrame({"id": ids, "unit": rng.choice(["kg", "m", None], len(ids))})
    question = np.array(ids[:n_q], dtype=object)[rng.integers(0, n_q, n)]
    question[rng.uniform(0, 1, n) < 0.02] = None
    pairs = pd.DataFrame(
        {
            "question": pd.Categorical(question, categories=ids) if categorical else question,
            "outcome": rng.normal(0, 10, n),
            "wis": _values(rng, n),
            "crps": _values(rng, n),
            "cover50": rng.integers(0, 2, n).astype(float),
            "cover90": np.where(rng.uniform(0, 1, n) < 0.5, np.nan, 1.0),
        }
    )
    got = blocks.numeric_questions(pairs, questions)
    expected = _by_groupby(pairs, questions)
    assert repr(got) == repr(expected)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 2000))
def test_pandas_mean_is_series_mean_to_the_last_bit(seed: int, n: int) -> None:
    values = _values(np.random.default_rng(seed), n)
    expected = pd.Series(values).mean()
    got = pandas_mean(values)
    assert np.float64(got).tobytes() == np.float64(expected).tobytes()
