"""foretell export --format parquet: a dataset DuckDB (and pandas) read back row for row."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import run_cli
from foretell.frames import load_frames
from foretell.home import find_home

PROJECT = Path(__file__).parent / "fixtures" / "report_small"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    return root


def test_duckdb_reads_every_forecast_question_and_outcome_back(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dataset"
    result = run_cli("export", "--format", "parquet", str(out), "--home", str(project))
    assert result.code == 0, result.err
    frames = load_frames(find_home(project))
    forecasts = f"read_parquet('{out}/forecasts/*/*.parquet', hive_partitioning = true)"
    counted = duckdb.sql(
        f"SELECT count(*), count(p), count(probs), count(quantiles), count(DISTINCT question) "
        f"FROM {forecasts}"
    ).fetchall()[0]
    f = frames.forecasts
    assert counted == (
        len(f),
        int(f["p"].notna().sum()),
        int(f["probs"].notna().sum()),
        int(f["quantiles"].notna().sum()),
        f["question"].nunique(),
    )
    questions = duckdb.sql(f"SELECT count(*) FROM '{out}/questions.parquet'").fetchall()[0][0]
    assert questions == len(frames.questions)
    outcomes = duckdb.sql(f"SELECT status, count(*) FROM '{out}/outcomes.parquet' GROUP BY 1")
    assert dict(outcomes.fetchall()) == frames.outcomes["status"].value_counts().to_dict()
    # one forecast's payload survives as typed columns
    first = f[f["quantiles"].notna()].iloc[0]
    got = duckdb.sql(
        f"SELECT quantiles FROM {forecasts} WHERE author = '{first['author']}' "
        f"AND seq = {first['seq']}"
    ).fetchall()[0][0]
    assert got == first["quantiles"]
    assert len(pd.read_parquet(out / "forecasts")) == len(f)


def test_the_dataset_is_never_written_over_or_half_written(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    out.mkdir()
    result = run_cli("export", "--format", "parquet", str(out), "--home", str(project))
    assert result.code == 1 and "already exists" in result.err
    assert list(out.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dataset")] == []


def test_parquet_wants_a_directory_and_the_streams_do_not(project: Path, tmp_path: Path) -> None:
    home = ["--home", str(project)]
    assert run_cli("export", "--format", "parquet", *home).code == 2
    assert run_cli("export", "--format", "csv", str(tmp_path / "x"), *home).code == 2
