"""foretell.report.group_sums: every group's summary at once equals each group's own summary."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.report import build, group_sums, grouping
from foretell.report.options import ReportOptions
from foretell.report.summary import GroupSummary
from foretell.scoring import grouped

AUTHORS = ["ann", "bo", "cy", "di", "crowd:median"]
TAGS = [["a"], ["a", "b"], [], None, ["b", "c", "a"]]


def _questions(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"q{i}" for i in range(n)],
            "type": rng.choice(["binary", "multiple_choice", "numeric"], n).astype(object),
            "tags": [TAGS[i] for i in rng.integers(0, len(TAGS), n)],
            "resolved_on_day": rng.choice(["2025-01-03", "2025-05-20", "2026-11-30"], n),
        }
    )


def _base(rng: np.random.Generator, n: int, q: pd.DataFrame, repeats: bool) -> pd.DataFrame:
    """Pair rows: (author, question) unique unless ``repeats`` (as under ``--rule each``)."""
    n_q = len(q)
    if repeats:
        author = rng.integers(0, len(AUTHORS), n)
        qpos = rng.integers(0, n_q, n)
    else:
        codes = rng.choice(len(AUTHORS) * n_q, size=min(n, len(AUTHORS) * n_q), replace=False)
        author, qpos = codes // n_q, codes % n_q
    m = author.shape[0]
    return pd.DataFrame(
        {
            "author": pd.Categorical.from_codes(author, AUTHORS),
            "qpos": qpos.astype(np.int64),
            "horizon_days": rng.integers(-5, 400, m),
            "question": pd.Categorical.from_codes(qpos, q["id"].tolist()),
        }
    )


def _tables(seed: int, n: int, n_q: int, repeats: bool) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    q = _questions(rng, n_q)
    binary = _base(rng, n, q, repeats)
    m = len(binary)
    p = np.round(rng.uniform(0, 1, m), int(rng.integers(1, 4)))
    p[rng.uniform(0, 1, m) < 0.05] = -0.0
    o = (rng.uniform(0, 1, m) < p).astype(np.float64)
    o[rng.uniform(0, 1, m) < 0.05] = 0.3  # an outcome that is a probability
    derived = rng.uniform(0, 1, m) < 0.3
    binary = binary.assign(
        p=p,
        o=o,
        brier=(p - o) ** 2,
        log=np.where(rng.uniform(0, 1, m) < 0.03, np.inf, rng.exponential(1, m)),
        derived=derived,
        event=np.where(derived, rng.choice([">= 5", ">= 10"], m), "").astype(object),
    )
    choice = _base(rng, n // 2, q, repeats)
    k = len(choice)
    choice = choice.assign(
        brier_multi=rng.uniform(0, 2, k),
        log=np.where(rng.uniform(0, 1, k) < 0.03, np.inf, rng.exponential(1, k)),
        rps=np.where(rng.uniform(0, 1, k) < 0.5, np.nan, rng.uniform(0, 1, k)),
    )
    width = 3
    pair_of = np.repeat(np.arange(k), width)
    options = pd.DataFrame(
        {
            "author": choice["author"].to_numpy()[pair_of],
            "question": choice["question"].to_numpy()[pair_of],
            "p": np.round(rng.uniform(0, 1, k * width), 2),
            "o": (rng.uniform(0, 1, k * width) < 0.3).astype(np.float64),
        }
    )
    numeric = _base(rng, n // 3, q, repeats)
    j = len(numeric)
    numeric = numeric.assign(
        wis=np.where(rng.uniform(0, 1, j) < 0.3, np.nan, rng.exponential(5, j)),
        crps=rng.exponential(5, j),
        cover50=rng.integers(0, 2, j).astype(float),
        cover90=np.where(rng.uniform(0, 1, j) < 0.2, np.nan, 1.0),
    )
    levels = [0.1, 0.5, 0.9]
    row = np.repeat(np.arange(j), len(levels))
    pinball = pd.DataFrame(
        {
            "author": numeric["author"].to_numpy()[row],
            "question": numeric["question"].to_numpy()[row],
            "level": np.tile(levels, j),
            "loss": rng.exponential(2, row.shape[0]),
        }
    )
    return {"q": q, "binary": binary, "choice": choice, "options": options,
            "numeric": numeric, "pinball": pinball}  # fmt: skip


def _one_by_one(t: dict[str, Any], keys: tuple[str, ...], options: Any) -> dict[Any, GroupSummary]:
    """Label every row, split the tables into one frame per group, summarise each."""
    q = t["q"]
    if not keys:  # the one group of every pair, as the report's ``all``
        whole = [t[k] for k in ("binary", "choice", "options", "numeric", "pinball")]
        has = len(t["binary"]) or len(t["choice"]) or len(t["numeric"])
        return {(): GroupSummary.of(*whole)} if has else {}
    lb = grouping.label(t["binary"], keys, q, options)
    lc = grouping.label(t["choice"], keys, q, options)
    ln = grouping.label(t["numeric"], keys, q, options)
    lo = build._attach(t["options"], lc, ["author", "question"])
    lp = build._attach(t["pinball"], ln, ["author", "question"])
    names = {tuple(n) for f in (lb, lc, ln) if len(f) for n in f["group"]}
    split = [build._split(f) for f in (lb, lc, lo, ln, lp)]
    return {
        labels: GroupSummary.of(*(part.get(labels, pd.DataFrame()) for part in split))
        for labels in names
    }


def _plain(value: Any) -> Any:
    """A summary as nested plain values (histogram parts collapsed), for equality."""
    if isinstance(value, GroupSummary):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if dataclasses.is_dataclass(value):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.name in ("hist_parts", "option_parts"):
                item = [a.tolist() for a in grouped.collapse(item)]
                out[f.name + "_dtypes"] = [
                    str(a.dtype) for a in grouped.collapse(getattr(value, f.name))
                ]
            out[f.name] = _plain(item)
        return out
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


KEY_SETS = [
    (),
    ("forecaster",),
    ("type",),
    ("tag",),
    ("horizon",),
    ("period",),
    ("forecaster", "type"),
    ("tag", "forecaster"),
    ("forecaster", "tag", "horizon"),
]


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 120),
    n_q=st.integers(1, 12),
    repeats=st.booleans(),
    keys=st.sampled_from(KEY_SETS),
    period=st.sampled_from(["month", "quarter", "year"]),
)
def test_all_groups_at_once_equal_each_groups_own_summary(
    seed: int, n: int, n_q: int, repeats: bool, keys: tuple[str, ...], period: str
) -> None:
    t = _tables(seed, n, n_q, repeats)
    options = ReportOptions(horizons=(7, 30), period=period)
    at_once = group_sums.summaries(
        options, keys, t["q"], t["binary"], t["choice"], t["options"], t["numeric"],
        t["pinball"],
    )  # fmt: skip
    alone = _one_by_one(t, keys, options)
    assert set(at_once) == set(alone)
    for labels, summary in alone.items():
        assert _plain(at_once[labels]) == _plain(summary), labels


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), n_q=st.integers(1, 8))
def test_a_key_without_codes_is_grouped_by_its_labels(seed: int, n: int, n_q: int) -> None:
    t = _tables(seed, n, n_q, repeats=False)
    plain = grouping.GroupKey("plain_tag", grouping._tags, grouping._alphabetical, many=True)
    grouping.register(plain)
    try:
        options = ReportOptions()
        keys = ("plain_tag", "forecaster")
        at_once = group_sums.summaries(
            options, keys, t["q"], t["binary"], t["choice"], t["options"], t["numeric"],
            t["pinball"],
        )  # fmt: skip
        alone = _one_by_one(t, keys, options)
    finally:
        del grouping.GROUP_KEYS["plain_tag"]
    assert {k: _plain(v) for k, v in at_once.items()} == {k: _plain(v) for k, v in alone.items()}


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 60),
    n_q=st.integers(1, 8),
    keys=st.sampled_from(KEY_SETS[1:]),  # grouping.label needs a key
)
def test_each_pair_row_is_in_the_groups_its_labels_name(
    seed: int, n: int, n_q: int, keys: tuple[str, ...]
) -> None:
    t = _tables(seed, n, n_q, repeats=True)
    options = ReportOptions()
    rows = group_sums.group_rows(t["binary"], keys, t["q"], options)
    labelled = grouping.label(
        t["binary"].assign(_row=np.arange(len(t["binary"]))), keys, t["q"], options
    )
    expected = sorted(zip(labelled["_row"].tolist(), labelled["group"].tolist(), strict=True))
    got = sorted(zip(rows.row.tolist(), [rows.names[c] for c in rows.group.tolist()], strict=True))
    assert got == expected
