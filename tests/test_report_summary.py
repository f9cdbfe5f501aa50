"""foretell.report.summary: group summaries merged over batches equal the unsplit summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.report import blocks, summary
from foretell.scoring import calibration as cal
from foretell.scoring import decompose, grouped


def _pairs(seed: int, n: int, n_questions: int, rounding: int | None) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    question = rng.integers(0, n_questions, n)
    p = rng.uniform(0, 1, n)
    if rounding is not None:
        p = np.round(p, rounding)
    o = (rng.uniform(0, 1, n) < p).astype(np.float64)
    derived = rng.uniform(0, 1, n) < 0.2
    authors = np.array(["ann", "bo", "cy", "di"], dtype=object)[rng.integers(0, 4, n)]
    binary = pd.DataFrame(
        {
            "author": authors,
            "question": [f"q{i}" for i in question],
            "p": p,
            "o": o,
            "brier": (p - o) ** 2 * rng.uniform(0.5, 1.5, n),
            "log": np.where(rng.uniform(0, 1, n) < 0.02, np.inf, rng.exponential(1, n)),
            "derived": derived,
            "event": np.where(derived, ">= 5", ""),
        }
    )
    choice = pd.DataFrame(
        {
            "author": authors,
            "question": [f"m{i}" for i in question],
            "brier_multi": rng.uniform(0, 2, n),
            "log": rng.exponential(1, n),
        }
    )
    options = pd.DataFrame({"author": authors, "question": choice["question"], "p": p, "o": o})
    numeric = pd.DataFrame(
        {
            "author": authors,
            "question": [f"n{i}" for i in question],
            "wis": np.where(rng.uniform(0, 1, n) < 0.3, np.nan, rng.exponential(5, n)),
            "crps": rng.exponential(5, n),
            "cover50": rng.integers(0, 2, n).astype(float),
            "cover90": rng.integers(0, 2, n).astype(float),
        }
    )
    pinball = pd.DataFrame(
        {
            "author": np.repeat(authors, 2),
            "question": np.repeat(numeric["question"].to_numpy(), 2),
            "level": np.tile([0.1, 0.9], n),
            "loss": rng.exponential(2, 2 * n),
        }
    )
    return {"binary": binary, "choice": choice, "options": options, "numeric": numeric,
            "pinball": pinball}  # fmt: skip


def _summary(parts: dict[str, pd.DataFrame], keep: set[int] | None) -> summary.GroupSummary:
    def pick(frame: pd.DataFrame) -> pd.DataFrame:
        if keep is None:
            return frame
        number = frame["question"].str[1:].astype(int)
        return frame[number.isin(keep).to_numpy()]

    return summary.GroupSummary.of(
        *(pick(parts[k]) for k in ("binary", "choice", "options", "numeric", "pinball"))
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(1, 300),
    n_questions=st.integers(1, 30),
    rounding=st.sampled_from([None, 1, 2]),
    cuts=st.lists(st.integers(0, 3), min_size=30, max_size=30),
    bins=st.sampled_from([10, "quantile", (0.0, 0.3, 0.5, 1.0)]),
)
def test_merged_summaries_of_any_split_by_question_equal_the_unsplit_one(
    seed: int, n: int, n_questions: int, rounding: int | None, cuts: list[int], bins: object
) -> None:
    parts = _pairs(seed, n, n_questions, rounding)
    whole = _summary(parts, None).entry("all", bins)
    pieces = [_summary(parts, {q for q in range(30) if cuts[q] == k}) for k in range(4)]
    merged = pieces[0]
    for piece in pieces[1:]:
        merged = merged.merge(piece)
    assert merged.entry("all", bins) == whole
    backwards = pieces[3].merge(pieces[2]).merge(pieces[1].merge(pieces[0]))
    assert backwards.entry("all", bins) == whole


def test_the_binary_block_agrees_with_the_scoring_functions_on_every_pair() -> None:
    parts = _pairs(3, 500, 40, 2)
    b = parts["binary"]
    block = blocks.binary_block(b, "quantile")
    p, o = b["p"].to_numpy(), b["o"].to_numpy()
    m = decompose.murphy(p, o, "quantile")
    for key in ("rel", "res", "unc", "wbv", "wbc", "brier"):
        assert np.isclose(block["murphy"][key], getattr(m, key), rtol=1e-12, atol=1e-15)
    c = decompose.corp(p, o)
    assert np.isclose(block["corp"]["mcb"], c.mcb, rtol=1e-12, atol=1e-15)
    assert np.isclose(block["corp"]["dsc"], c.dsc, rtol=1e-12, atol=1e-15)
    fit = cal.cox(p, o)
    assert np.isclose(block["cox"]["slope"], fit.slope, rtol=1e-9)
    assert np.isclose(block["cox"]["se_slope"], fit.se_slope, rtol=1e-9)
    itl = cal.calibration_in_the_large(p, o)
    assert np.isclose(block["calibration_in_the_large"]["intercept"], itl.intercept, rtol=1e-9)
    s = cal.spiegelhalter(p, o)
    assert np.isclose(block["spiegelhalter"]["z"], s.z, rtol=1e-12)
    table = cal.calibration_table(p, o, "quantile")
    assert [r["n"] for r in block["calibration_table"]] == table.n.tolist()
    assert np.allclose([r["wilson_low"] for r in block["calibration_table"]], table.wilson_low)
    finite = b["log"][np.isfinite(b["log"])]
    assert block["n_log_infinite"] == int(np.isinf(b["log"]).sum()) and finite.size


def test_a_histogram_merges_to_the_histogram_of_both_samples() -> None:
    rng = np.random.default_rng(5)
    p = np.round(rng.uniform(0, 1, 200), 1)
    o = (rng.uniform(0, 1, 200) < 0.5).astype(float)
    whole = grouped.histogram(p, o)
    merged = grouped.merge(grouped.histogram(p[:77], o[:77]), grouped.histogram(p[77:], o[77:]))
    for a, b in zip(whole, merged, strict=True):
        assert a.tolist() == b.tolist()
    assert whole[1].sum() == 200 and whole[2].sum() == o.sum()


def test_exact_sums_do_not_depend_on_the_split() -> None:
    rng = np.random.default_rng(9)
    x = rng.standard_normal(10_000) * 10.0 ** rng.integers(-8, 8, 10_000)
    whole = summary.ExactSum.of(x).value
    for cut in (1, 13, 5000, 9999):
        assert summary.ExactSum.of(x[:cut]).merge(summary.ExactSum.of(x[cut:])).value == whole


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(20, 400),
    rounding=st.sampled_from([0, 1, 2, 3, None]),
    rate=st.sampled_from([0.0, 0.3, 1.0, None]),
)
def test_the_diagnostics_from_a_histogram_equal_those_of_its_pairs_written_out(
    seed: int, n: int, rounding: int | None, rate: float | None
) -> None:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n)
    if rounding is not None:
        p = np.round(p, rounding)
    o = (rng.uniform(0, 1, n) < (p if rate is None else rate)).astype(np.float64)
    hist = grouped.histogram(p, o)
    values, count, yes = hist
    p_all = np.repeat(values, count)  # the pairs, one row each, as the histogram holds them
    o_all = np.concatenate(
        [np.r_[np.ones(k), np.zeros(c - k)] for c, k in zip(count, yes, strict=True)]
    )
    from foretell.scoring import logistic_counts

    def with_counts() -> dict[str, object]:
        return summary.diagnostics(hist, 10)

    def with_pairs() -> dict[str, object]:
        return blocks.diagnostics_entry(
            grouped.murphy(values, count, yes, 10),
            grouped.corp(values, count, yes),
            grouped.spiegelhalter(values, count, yes),
            lambda: logistic_counts.cox(values, count, yes),
            logistic_counts.calibration_in_the_large(values, count, yes),
            p_all,
            o_all,
        )

    assert repr(with_counts()) == repr(with_pairs())
