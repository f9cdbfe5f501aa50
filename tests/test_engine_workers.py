"""The DuckDB engine's worker processes: the sorted stream cut into runs of whole questions,
each run's batches computed in a forked process, the partials merged in catalog order; the
report is the same bits as from one process.

On the small simulated project of ``fixtures/report_small`` (every question type, four
authors), with row groups and batches small enough that the stream is cut between questions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from pathlib import Path

import pytest

from foretell import engine, engine_stream, engine_workers, forked
from foretell.home import Home, find_home
from foretell.report import partial
from foretell.report.options import ReportOptions, check_options

PROJECT = Path(__file__).parent / "fixtures" / "report_small"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Home:
    root = tmp_path_factory.mktemp("workers") / "project"
    shutil.copytree(PROJECT, root)
    return find_home(root)


@pytest.fixture
def small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_stream, "MIN_ROW_GROUP", 16)
    monkeypatch.setattr(engine_workers, "WORKER_ROWS", 1)
    monkeypatch.setattr(engine_workers, "RUN_ROWS", 1)  # RUNS_PER_WORKER runs per worker
    monkeypatch.setattr(forked, "other_threads", lambda: False)  # idle threads of earlier tests


def _report(home: Home, options: ReportOptions, workers: int, batch_rows: int) -> dict:
    built = engine.build_streaming(
        home, options, today=TODAY, workers=workers, batch_rows=batch_rows
    )
    data = dict(built.data)
    data.pop("generated_at")
    return json.loads(json.dumps(data))


def test_runs_cover_every_question_once_and_are_cut_where_row_groups_begin(
    project: Home, small_groups: None
) -> None:
    book = engine.open_ledger(project)
    n = len(book.questions)
    with engine_stream.sorted_ledger(book, batch_rows=16) as done:
        assert done is not None
        for parts in (2, 3, 5):
            runs = engine_stream.range_cuts(done, n, parts)
            assert 1 < len(runs) <= parts
            assert runs[0][0] == 0 and runs[-1][1] == n
            assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(runs))
        assert engine_stream.range_cuts(done, n, 1) == [(0, n)]


def test_runs_cut_by_cost_hold_about_equal_cost(project: Home, small_groups: None) -> None:
    """A forecast on the last quarter of the catalog costing 20 times one elsewhere: the
    runs' costs (counted from the stream's rows) come out more even than when the cuts count
    rows, and the last run holds fewer rows."""
    import numpy as np
    import pyarrow.parquet as pq

    book = engine.open_ledger(project)
    n = len(book.questions)
    cost = np.ones(n)
    cost[n - n // 4 :] = 20.0
    with engine_stream.sorted_ledger(book, batch_rows=16) as done:
        assert done is not None
        gpos = pq.read_table(done.stream, columns=["gpos"]).column("gpos").to_numpy()

        def spread(runs: list[tuple[int, int]]) -> float:
            costs = [cost[gpos[(gpos >= lo) & (gpos < hi)]].sum() for lo, hi in runs]
            return max(costs) / min(costs)

        by_rows = engine_stream.range_cuts(done, n, 4)
        by_cost = engine_stream.range_cuts(done, n, 4, cost)
        assert by_cost[0][0] == 0 and by_cost[-1][1] == n
        assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(by_cost))
        assert spread(by_cost) < spread(by_rows)
        last = by_cost[-1][0], by_rows[-1][0]
        assert last[0] > last[1]


def test_cuts_from_row_group_statistics_follow_the_cost_inside_a_row_group(
    tmp_path: Path,
) -> None:
    """A stream of 40 questions of 10 forecasts (the path that reads the row groups'
    statistics): with the last 10 questions 10 times as costly, the cut comes at the question
    holding the half-way point of the cost, also when a row group spans several questions
    (it used to be left whole to one run, cut only where a row group begins)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    gpos = np.repeat(np.arange(40, dtype=np.int32), 10)
    cost = np.ones(40)
    cost[30:] = 10.0  # total 30 * 10 + 10 * 100 = 1300: 650 is reached inside question 33
    for group_rows in (20, 100):  # 2 questions a row group, then 10
        stream = tmp_path / f"stream-{group_rows}.parquet"
        pq.write_table(pa.table({"gpos": gpos}), stream, row_group_size=group_rows)
        done = engine_stream.Sorted(stream, stream, gpos.shape[0], gpos.shape[0])
        assert engine_stream.range_cuts(done, 40, 2) == [(0, 20), (20, 40)]
        assert engine_stream.range_cuts(done, 40, 2, cost) == [(0, 33), (33, 40)]
        # four runs: 325, 650 and 975 are reached inside questions 30, 33 and 36
        assert [lo for lo, _ in engine_stream.range_cuts(done, 40, 4, cost)] == [0, 30, 33, 36]


def test_the_runs_batches_hold_every_forecast_once(project: Home, small_groups: None) -> None:
    book = engine.open_ledger(project)
    n = len(book.questions)
    with engine_stream.sorted_ledger(book, batch_rows=16) as done:
        whole = [f.forecasts for *_, f in engine_stream.range_batches(book, done, 0, n, 16)]
        runs = engine_stream.range_cuts(done, n, 3)
        pieces = []
        for lo, hi in runs:
            ends = []
            for first, end, frames in engine_stream.range_batches(book, done, lo, hi, 7):
                ends.append((first, end))
                assert set(frames.questions["id"]) == set(book.questions["id"].iloc[first:end])
                pieces.append(frames.forecasts)
            assert ends[0][0] == lo and ends[-1][1] == hi
            assert all(a[1] == b[0] for a, b in itertools.pairwise(ends))
    key = ["question", "author", "at", "seq"]
    expected = _rows(whole, key)
    assert len(expected) > 16
    assert _rows(pieces, key) == expected


def _rows(frames: list, key: list[str]) -> list[tuple]:
    return sorted(tuple(r) for f in frames for r in f[key].astype(str).itertuples(index=False))


@pytest.mark.parametrize(
    "options",
    [
        ReportOptions(crowd="none", peer=False),
        ReportOptions(group_by="forecaster,type", crowd="none", peer=False),
        ReportOptions(rule="last", group_by="tag"),
    ],
    ids=["core", "by-type", "crowd-and-peer"],
)
def test_two_and_three_workers_give_the_one_process_report_bit_for_bit(
    project: Home, small_groups: None, options: ReportOptions
) -> None:
    one = _report(project, options, workers=1, batch_rows=16)
    for workers in (2, 3):
        assert _report(project, options, workers=workers, batch_rows=16 * workers) == one


def test_one_worker_reads_the_stream_as_before(project: Home, small_groups: None) -> None:
    """workers=1 and duckdb_batches see the same batches (the same cuts)."""
    book = engine.open_ledger(project)
    options = check_options(ReportOptions())
    methods = engine._crowd_methods(book, options)
    merged = None
    for *_, frames in engine.duckdb_batches(book, 16):
        part, _ = partial.partial(
            frames, options, TODAY, book.positions, check_names=False, methods=methods
        )
        merged = part if merged is None else partial.merge(merged, part)
        merged = partial.bounded(merged, options.top)
    streamed = engine.streamed_partial(book, options, TODAY, book.positions, methods, 16)
    assert merged is not None
    assert merged.counts == streamed.counts


def test_the_workers_option_reaches_the_engine_and_refuses_zero(
    project: Home, small_groups: None
) -> None:
    from conftest import run_cli

    home = str(project.root)
    args = ("report", "--engine", "duckdb", "--format", "json", "--home", home)
    one, two = run_cli(*args, "--workers", "1"), run_cli(*args, "--workers", "2")
    assert one.code == two.code == 0, one.err + two.err
    drop = lambda text: {k: v for k, v in json.loads(text).items() if k != "generated_at"}  # noqa: E731
    assert drop(one.out) == drop(two.out)
    zero = run_cli(*args, "--workers", "0")
    assert zero.code != 0 and "--workers" in zero.err and "Traceback" not in zero.err


def test_a_run_trims_the_heap_once_at_its_end_not_after_every_batch(
    project: Home, small_groups: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(engine_workers, "release_memory", lambda heap=True: calls.append(heap))
    book = engine.open_ledger(project)
    options = check_options(ReportOptions(crowd="none", peer=False))
    n = len(book.questions)
    with engine_stream.sorted_ledger(book, batch_rows=16) as done:
        batches = sum(1 for _ in engine_stream.range_batches(book, done, 0, n, 7))
        job = engine_workers.Job(book, done, options, TODAY, book.positions, ())
        engine_workers.run_partial(job, 0, n, 7)
    assert batches > 2
    assert calls == [False] * batches + [True]
