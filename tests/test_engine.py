"""foretell.engine: the streaming (DuckDB) and Dask engines give the in-memory report's JSON.

Compared document by document (every number, list and flag, not a sample), on the small
simulated project of ``fixtures/report_small`` (every question type, derived threshold events,
annulled and open questions, four authors) with a claim added, under every rule and grouping,
with batches small enough that every batch boundary falls between questions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import shutil
from pathlib import Path

import pytest

from conftest import run_cli, run_cli_watching
from foretell import engine
from foretell.frames import load_frames
from foretell.home import Home, find_home, init_home
from foretell.report.build import build_report
from foretell.report.options import ReportOptions

PROJECT = Path(__file__).parent / "fixtures" / "report_small"
TODAY = dt.date(2026, 12, 1)
GROUPINGS = ("forecaster", "tag", "type", "horizon", "forecaster,type", None)
RULES = ("time-averaged", "last", "first")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Home:
    root = tmp_path_factory.mktemp("engine") / "project"
    shutil.copytree(PROJECT, root)
    claim = run_cli(
        "claim", "sim-binary-001", "yes", "--by", "a-company", "--source", "report.txt",
        "--on", "2024-01-02", "--hedge", "probable", "--home", str(root),
    )  # fmt: skip
    assert claim.code == 0, claim.err
    return find_home(root)


def _json(report_data: dict) -> dict:
    data = dict(report_data)
    data.pop("generated_at")
    return json.loads(json.dumps(data))


def same(memory: object, streamed: object, where: str = "$") -> list[str]:
    """Differences between the in-memory report and a streamed one: every number within
    1e-9 relative (sums are added in another order), every key, list, flag and text equal."""
    if isinstance(memory, dict) and isinstance(streamed, dict):
        out = []
        for key in sorted(set(memory) | set(streamed)):
            if key not in memory or key not in streamed:
                out.append(f"{where}.{key}: only in one")
                continue
            out += same(memory[key], streamed[key], f"{where}.{key}")
        return out
    if isinstance(memory, list) and isinstance(streamed, list):
        if len(memory) != len(streamed):
            return [f"{where}: {len(memory)} vs {len(streamed)} items"]
        return [d for i, (a, b) in enumerate(zip(memory, streamed, strict=True))
                for d in same(a, b, f"{where}[{i}]")]  # fmt: skip
    if isinstance(memory, float) and isinstance(streamed, float | int):
        ok = math.isclose(memory, streamed, rel_tol=1e-9, abs_tol=1e-12)
        return [] if ok else [f"{where}: {memory} vs {streamed}"]
    return [] if memory == streamed else [f"{where}: {memory!r} vs {streamed!r}"]


def agree(memory: dict, streamed: dict) -> None:
    assert same(memory, streamed) == []


def memory(home: Home, options: ReportOptions) -> dict:
    return _json(build_report(load_frames(home), options, home=home.root.name, today=TODAY).data)


@pytest.mark.parametrize("group_by", GROUPINGS)
@pytest.mark.parametrize("rule", RULES)
def test_streamed_batches_give_the_in_memory_report(
    project: Home, rule: str, group_by: str | None
) -> None:
    options = ReportOptions(rule=rule, group_by=group_by, bins="quantile" if rule == "last" else 10)
    expected = memory(project, options)
    assert expected["groups"][0]["binary"]["n_pairs"] > 0
    assert expected["groups"][0]["numeric"]["n_pairs"] > 0
    assert expected["groups"][0]["multiple_choice"]["n_pairs"] > 0
    assert expected["claims"]["n_claims"] == 1
    streamed = engine.build_streaming(project, options, today=TODAY, batch_rows=37)
    agree(expected, _json(streamed.data))


@pytest.mark.parametrize("batch_rows", [1, 10**6])
def test_any_batch_size_gives_the_same_report(project: Home, batch_rows: int) -> None:
    options = ReportOptions(group_by="forecaster,tag")
    streamed = engine.build_streaming(project, options, today=TODAY, batch_rows=batch_rows)
    agree(memory(project, options), _json(streamed.data))


def test_batches_hold_whole_questions_and_cover_each_once(project: Home) -> None:
    book = engine.open_ledger(project)
    seen: list[str] = []
    spans = []
    for first, end, frames in engine.duckdb_batches(book, batch_rows=25):
        spans.append((first, end))
        ids = list(frames.questions["id"])
        assert ids == list(book.questions["id"].iloc[first:end])
        assert set(frames.forecasts["question"].astype(str)) <= set(ids)
        seen += ids
    assert seen == list(book.questions["id"])
    assert len(spans) > 3
    assert sum(len(f.forecasts) for *_, f in engine.duckdb_batches(book, 25)) == len(
        load_frames(project).forecasts
    )


def test_filters_and_their_name_checks_stream_alike(project: Home) -> None:
    from foretell.errors import ForetellError
    from foretell.report.scope import Filters

    by = Filters(by=("sim-calibrated",), since=dt.date(2025, 2, 1))
    options = ReportOptions(filters=by)
    streamed = engine.build_streaming(project, options, today=TODAY, batch_rows=20)
    agree(memory(project, options), _json(streamed.data))
    with pytest.raises(ForetellError, match="no forecasts by 'nobody'"):
        engine.build_streaming(project, ReportOptions(filters=Filters(by=("nobody",))))


def test_the_dask_engine_gives_the_in_memory_report(project: Home) -> None:
    opts = ReportOptions(rule="last", group_by="forecaster,tag", bins="quantile")
    got = engine.build_streaming(project, opts, engine="dask", workers=2, today=TODAY)
    streamed = engine.build_streaming(project, opts, today=TODAY, batch_rows=30)
    assert same(_json(streamed.data), _json(got.data)) == []
    agree(memory(project, opts), _json(got.data))


def test_dask_partitions_hold_about_equal_estimated_work(project: Home) -> None:
    """Forecasts weighted by their question type's cost (a numeric one's ten times a binary
    one's): the partitions' work, counted from the frames, is within two questions' of equal."""
    import numpy as np

    from foretell import engine_dask, engine_workers

    book = engine.open_ledger(project)
    cost = engine_workers.position_costs(book)
    counts = load_frames(project).forecasts["question"].astype(str).value_counts()
    ids = [str(q) for q in book.questions["id"]]
    work = (np.array([counts.get(q, 0) for q in ids]) + 1) * cost
    bounds = engine_dask._partition_bounds(book, 4)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(ids)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    parts = [work[lo:hi].sum() for lo, hi in bounds]
    assert max(parts) - min(parts) <= 2 * work.max()
    assert set(book.questions["type"]) >= {"binary", "numeric"}
    assert cost[(book.questions["type"] == "numeric").to_numpy()].min() == 10.0


def test_report_engines_from_the_cli(project: Home) -> None:
    outs = {}
    for name in ("duckdb", "dask"):
        result = run_cli(
            "report", "--home", str(project.root), "--format", "json", "--engine", name
        )
        assert result.code == 0, result.err
        outs[name] = json.loads(result.out)
        outs[name].pop("generated_at")
    assert same(outs["duckdb"], outs["dask"]) == []
    refused = run_cli(
        "report", "--home", str(project.root), "--format", "csv", "--engine", "duckdb"
    )
    assert refused.code == 2 and "only --engine memory" in refused.err
    alone = run_cli("report", "--home", str(project.root), "--scheduler", "tcp://x:1")
    assert alone.code == 2 and "--engine dask" in alone.err


def test_auto_streams_any_ledger_with_forecasts(
    project: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert engine.forecast_rows(project) > 0
    assert engine.choose("auto", project) == "duckdb"
    monkeypatch.setattr(engine, "AUTO_ROWS", 10**9)
    assert engine.choose("auto", project) == "memory"
    assert engine.choose("dask", project) == "dask"


def test_auto_keeps_memory_for_an_empty_ledger(tmp_path: Path) -> None:
    empty = init_home(tmp_path / "empty")
    assert engine.forecast_rows(empty) == 0
    assert engine.choose("auto", empty) == "memory"


def _carried(part: object) -> dict[str, int]:
    """Sizes of what a merged partial carries: histogram lengths, sum parts, list lengths."""
    from foretell.report.summary import ExactSum, GroupSummary

    sizes: dict[str, int] = {}

    def walk(value: object, where: str) -> None:
        if isinstance(value, ExactSum):
            sizes[where] = len(value.parts)
        elif isinstance(value, GroupSummary):
            for name in ("binary", "choice", "numeric"):
                walk(getattr(value, name), f"{where}.{name}")
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name), f"{where}.{name}")
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}[{key!r}]")
        elif isinstance(value, tuple) and value and isinstance(value[0], tuple):
            sizes[where] = sum(len(part[0]) for part in value)  # a stack of histogram parts
        elif isinstance(value, list):
            sizes[where] = len(value)

    walk(part, "$")
    return sizes


def test_what_batches_carry_does_not_grow_with_the_number_of_batches(project: Home) -> None:
    from foretell.report.options import check_options

    options = check_options(ReportOptions(group_by="forecaster,tag", top=2))
    book = engine.open_ledger(project)
    methods = engine._crowd_methods(book, options)

    def carried(batch_rows: int) -> tuple[int, dict[str, int]]:
        batches = sum(1 for _ in engine.duckdb_batches(book, batch_rows))
        merged = engine.streamed_partial(
            book, options, TODAY, book.positions, methods, batch_rows=batch_rows
        )
        return batches, _carried(merged)

    n_one, one = carried(10**6)
    n_many, many = carried(1)
    assert n_one == 1 and n_many == len(book.questions)
    assert set(many) == set(one)
    grown = {k: (one[k], many[k]) for k in one if many[k] > max(one[k], 2)}
    # only lists the report prints whole may be longer (they hold one entry per question
    # in both, the same number); sums keep two parts; a stack of histogram parts (sizes
    # falling by more than half from part to part) holds under twice the distinct values
    stacks = {k for k in one if k.endswith("_parts")}
    assert stacks and any(one[k] > 2 for k in stacks)
    assert {k: v for k, v in grown.items() if k not in stacks} == {}
    assert all(many[k] < 2 * one[k] for k in stacks if one[k])
    per_question = [k for k in many if ".per_question[" in k]
    assert per_question and all(many[k] <= 2 * options.top for k in per_question)
    assert any(one[k] == 2 for k in one if k.endswith(".brier"))
    # the trend keeps one point per (forecaster, resolved question): as many in both
    points = [k for k in one if k.endswith("trend.point_parts")]
    assert points and all(0 < one[k] == many[k] for k in points)


def test_batches_follow_the_memory_limit() -> None:
    assert engine.batch_rows_for("256MB") == 256 * 10**6 // engine.ROW_BYTES
    assert engine.batch_rows_for("2GB") == 2 * 10**9 // engine.ROW_BYTES
    assert engine.batch_rows_for(" 1 GiB ") == 2**30 // engine.ROW_BYTES
    assert engine.batch_rows_for("1.5gb") == int(1.5 * 10**9) // engine.ROW_BYTES
    assert engine.batch_rows_for("1MB") == 20_000  # never below
    assert engine.batch_rows_for("100TB") == 2_000_000  # nor above
    assert engine.batch_rows_for("a lot") == engine.BATCH_ROWS  # DuckDB names the mistake
    assert engine.batch_rows_for(engine.MEMORY_LIMIT) < engine.batch_rows_for("2GB")


def test_a_memory_limit_too_small_for_duckdb_is_one_line(project: Home) -> None:
    result = run_cli(
        "report", "--home", str(project.root), "--engine", "duckdb", "--memory-limit", "1MB"
    )
    assert result.code == 1
    assert result.err.startswith("foretell: DuckDB ran out of memory within --memory-limit 1MB")
    assert "Traceback" not in result.err and result.err.count("\n") == 1


def test_copies_converted_by_worker_processes_while_the_catalog_is_read_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foretell import conversions, tables

    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    home = find_home(root)
    options = ReportOptions(group_by="forecaster")
    serial = _json(engine.build_streaming(home, options, today=TODAY).data)
    shutil.rmtree(home.ledger / tables.COLUMNAR_DIR)  # every copy and the catalog's cache
    monkeypatch.setattr(conversions, "PARALLEL_BYTES", 0)  # any size goes to the workers
    parallel = _json(engine.build_streaming(home, options, today=TODAY).data)
    assert parallel == serial
    files = sorted(p.stem for p in home.ledger.glob("*.jsonl"))
    assert len(files) > 1
    parts = 0
    for name in files:  # each file's copy was written, and checks as current
        copy, changed = tables.update_copy(home.ledger / f"{name}.jsonl")
        assert not changed
        parts += len(copy.parts)
    assert parts >= 2  # (a file of resolutions alone has no forecast part)


def test_a_report_on_a_sorted_cache_with_its_crowd_named_does_not_load_duckdb(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    args = ["report", "--engine", "duckdb", "--crowd", "none", "--format", "json"]
    first = run_cli(*args, "--home", str(root))  # sorts, and keeps the sorted files
    assert first.code == 0, first.err
    again, loaded = run_cli_watching("duckdb", *args, "--home", str(root))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["counts"] == json.loads(first.out)["counts"]
    assert not loaded
