"""report.partial_extras (numeric diagnostics, relative WIS, trend, range notes) merge across
batches: the pieces of any split of the questions, merged in any order, finish to the numbers
of the unsplit questions; the streamed report then equals the in-memory one on a project with
quantiles and outcomes outside the range and a WIS baseline; PIT draws depend only on the
forecast."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from foretell import engine, engine_dask
from foretell.frames import load_frames
from foretell.home import Home, find_home
from foretell.report import numeric as nm
from foretell.report import partial
from foretell.report.build import build_report
from foretell.report.options import ReportOptions, check_options
from foretell.report.partial_extras import Extras
from test_engine import same
from test_report_fixtures import QUANTILES, closing, forecast, make_home, question

PROJECT = Path(__file__).parent / "fixtures" / "report_small"
TODAY = dt.date(2026, 12, 1)


def _finished(extras: Extras, options: ReportOptions) -> dict:
    """Everything the report takes from ``extras``, as JSON."""
    return json.loads(
        json.dumps(
            {
                "groups": {"|".join(k): v.block() for k, v in sorted(extras.groups.items())},
                "crowd": {"|".join(k): v.block() for k, v in sorted(extras.crowd_groups.items())},
                "relative_wis": extras.relative_wis.block(options.wis_baseline),
                "trend": extras.trend.trend(options.window),
                "notes": extras.notes(),
            }
        )
    )


def _range_home(root: Path) -> Home:
    """Numeric questions with an outcome and quantiles outside their range, a baseline, and
    binary questions resolved on several days (for the trend)."""
    qs = [
        question("q-n1", "numeric", unit="units", range=(0, 100), thresholds=[50]),
        question("q-n2", "numeric", unit="tonnes", range=(0, 10)),
        *(question(f"q-b{i}") for i in range(6)),
    ]
    wide = {0.05: -5.0, 0.25: 30.0, 0.5: 50.0, 0.75: 70.0, 0.95: 120.0}
    entries = [
        ("alice", forecast(qs[0], 1, {"quantiles": QUANTILES})),
        ("base", forecast(qs[0], 1, {"quantiles": wide})),
        ("base", forecast(qs[0], 3, {"quantiles": QUANTILES})),
        ("alice", forecast(qs[1], 1, {"quantiles": {k: v / 10 for k, v in QUANTILES.items()}})),
        ("base", forecast(qs[1], 2, {"quantiles": {k: v / 10 for k, v in wide.items()}})),
        ("carol", forecast(qs[1], 2, {"quantiles": {k: v / 8 for k, v in QUANTILES.items()}})),
        ("judge", closing(qs[0], 20, 150.0)),
        ("judge", closing(qs[1], 21, 6.0)),
    ]
    for i, q in enumerate(qs[2:]):
        entries += [
            ("alice", forecast(q, 1, {"p": 0.1 + 0.1 * i})),
            ("carol", forecast(q, 2, {"p": 0.9 - 0.1 * i})),
            ("judge", closing(q, 10 + (i % 3), "yes" if i % 2 else "no")),
        ]
    return make_home(root, qs, entries)


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Home]:
    root = tmp_path_factory.mktemp("extras")
    shutil.copytree(PROJECT, root / "small")
    return {"small": find_home(root / "small"), "range": _range_home(root / "range")}


def _pieces(home: Home, options: ReportOptions, cuts: list[int]) -> list[Extras]:
    """The extras of each run of catalog positions between ``cuts``, as a Dask task makes."""
    book = engine.open_ledger(home)
    methods = engine._crowd_methods(book, options)
    bounds = [0, *cuts, len(book.questions)]
    out = []
    for lo, hi in itertools.pairwise(bounds):
        ids = book.questions["id"].iloc[lo:hi]
        part = engine_dask.partition_partial(
            book.files,
            book.authors,
            book.questions.iloc[lo:hi].reset_index(drop=True),
            book.outcomes[book.outcomes["question"].isin(ids)],
            book.claims[book.claims["question"].isin(ids)],
            book.positions,
            options,
            TODAY,
            methods,
        )
        out.append(part.extras)
    return out


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_merged_pieces_of_random_splits_equal_the_unsplit_ones(homes, data) -> None:
    name = data.draw(st.sampled_from(sorted(homes)))
    options = check_options(
        ReportOptions(
            group_by=data.draw(st.sampled_from(["forecaster", "tag,type", None])),
            wis_baseline="base" if name == "range" else "sim-calibrated",
            window=data.draw(st.integers(1, 6)),
        )
    )
    n = len(engine.open_ledger(homes[name]).questions)
    cuts = sorted(data.draw(st.sets(st.integers(1, n - 1), max_size=min(n - 1, 8))))
    (whole,) = _pieces(homes[name], options, [])
    pieces = _pieces(homes[name], options, cuts)
    random.Random(data.draw(st.integers(0, 1000))).shuffle(pieces)
    merged = pieces[0]
    for piece in pieces[1:]:
        merged = merged.merge(piece)
    assert _finished(merged, options) == _finished(whole, options)


@pytest.mark.parametrize("group_by", ["forecaster", "type", "tag"])
def test_streamed_range_notes_relative_wis_and_trend_equal_the_in_memory_ones(
    homes, group_by: str
) -> None:
    home = homes["range"]
    options = ReportOptions(group_by=group_by, wis_baseline="base", window=2)
    memory = json.loads(
        json.dumps(build_report(load_frames(home), options, home=home.root.name, today=TODAY).data)
    )
    range_notes = [n for n in memory["notes"] if "range [" in n]
    assert any("outcome 150 lies outside" in n for n in range_notes)
    assert any("q-n1: 1 forecast(s) give quantiles outside" in n for n in range_notes)
    assert [r["forecaster"] for r in memory["relative_wis"]["forecasters"]] == ["alice", "carol"]
    assert {u["unit"] for u in memory["groups"][0]["numeric"]["by_unit"]} == {"units", "tonnes"}
    assert memory["trend"]["n_forecasters"] == 3
    memory.pop("generated_at")
    for rows in (1, 3, 10**6):
        streamed = engine.build_streaming(home, options, today=TODAY, batch_rows=rows).data
        streamed = json.loads(json.dumps(streamed))
        streamed.pop("generated_at")
        assert same(memory, streamed) == []


def test_the_relative_wis_is_the_geometric_mean_of_the_shared_ratios(homes) -> None:
    home = homes["range"]
    report = build_report(load_frames(home), ReportOptions(wis_baseline="base"), today=TODAY)
    pairs = report.numeric.astype({"author": str, "question": str})
    wis = {(r.author, r.question): r.wis for r in pairs.itertuples()}
    got = {r["forecaster"]: r for r in report.data["relative_wis"]["forecasters"]}
    for name in ("alice", "carol"):
        ratios = [wis[name, q] / wis["base", q] for a, q in wis if a == name and ("base", q) in wis]
        assert got[name]["n_shared_questions"] == len(ratios)
        assert got[name]["relative_wis"] == pytest.approx(stats.gmean(ratios), rel=1e-12)


def _draws(seed: int, n: int, keep: np.ndarray | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    qpos = rng.integers(0, 30, n)
    code = rng.integers(0, 5, n)
    stamp = rng.integers(0, 10**6, n)
    seq = np.arange(n)
    ids = np.array([f"q-{i}" for i in range(30)], dtype=object)
    authors = [f"a{i}" for i in range(5)]
    if keep is None:
        return nm.pit_uniforms(ids, authors, qpos, code, stamp, seq)
    # the same forecasts (``keep``: in another order, other questions' rows left out)
    return nm.pit_uniforms(ids, authors, qpos[keep], code[keep], stamp[keep], seq[keep])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 300), data=st.data())
def test_a_forecasts_pit_draw_does_not_depend_on_the_other_rows(seed, n, data) -> None:
    qpos = np.random.default_rng(seed).integers(0, 30, n)
    questions = data.draw(st.sets(st.integers(0, 29), min_size=1))
    keep = np.flatnonzero(np.isin(qpos, list(questions)))  # whole questions, as a batch
    order = np.random.default_rng(seed + 1).permutation(keep.shape[0])
    full = _draws(seed, n)
    assert np.array_equal(_draws(seed, n, keep[order]), full[keep[order]])


def test_pit_draws_are_uniform() -> None:
    u = _draws(7, 20_000)
    assert ((u >= 0) & (u < 1)).all()
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    assert np.unique(u).shape[0] == u.shape[0]


def test_a_merged_partial_carries_the_trend_points_as_compact_arrays(homes) -> None:
    options = check_options(ReportOptions())
    book = engine.open_ledger(homes["small"])
    methods = engine._crowd_methods(book, options)
    merged = engine.streamed_partial(book, options, TODAY, book.positions, methods, batch_rows=5)
    trend = merged.extras.trend
    n_points = sum(part[0].shape[0] for part in trend.point_parts)
    report = partial.finish(merged, options, {}, home=None, verification=None, methods=methods)
    assert n_points == sum(f["n_questions"] for f in report["trend"]["forecasters"])
    assert len(trend.point_parts) <= np.log2(n_points) + 1
    assert trend.nbytes < 16 * n_points + 100 * sum(p[0].shape[0] for p in trend.question_parts)
