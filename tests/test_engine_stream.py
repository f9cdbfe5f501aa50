"""foretell.engine_stream: the batches built from DuckDB's sorted stream hold exactly the frames
``frames.forecasts_of`` builds from the copy's own columns for the same questions.

Frames compared whole (every column but the blank ``question_sha``: dtypes, category lists,
row order) on the small simulated project of ``fixtures/report_small`` (every question type,
notes), with forecasts added that carry an import mark or a note at one same time, one naming
a question the catalog does not have, and one in a second part of an author's copy; batches
cut small and large.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from foretell import engine, engine_stream, ledger, tables
from foretell.frames import load_frames
from foretell.home import Home, find_home

PROJECT = Path(__file__).parent / "fixtures" / "report_small"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Home:
    root = tmp_path_factory.mktemp("stream") / "project"
    shutil.copytree(PROJECT, root)
    home = find_home(root)
    book = engine.open_ledger(home)
    first = book.questions.iloc[0]
    base = {"kind": "forecast", "question": first["id"], "question_sha": first["sha"]}
    at = "2024-03-01T10:00:00.000000Z"
    ledger.append(home.ledger, "an-importer", {**base, "at": at, "p": 0.3, "imported": "site"})
    ledger.append(home.ledger, "an-importer", {**base, "at": at, "p": 0.6, "note": "again"})
    ledger.append(home.ledger, "an-importer", {**base, "at": at, "p": 0.2})
    gone = {**base, "question": "not-in-the-catalog", "at": at, "p": 0.5}
    ledger.append(home.ledger, "an-importer", gone)
    later = {**base, "at": "2026-01-15T10:00:00.000000Z", "p": 0.45, "note": "later"}
    ledger.append(home.ledger, "sim-calibrated", later)
    engine.open_ledger(home)
    grown = tables.load_manifest(home.ledger / "sim-calibrated.jsonl")
    assert grown is not None and len(grown.parts) == 2  # a second part: its rows name its author
    return home


def _reference(book: engine.Ledger, lo: int, hi: int) -> pd.DataFrame:
    """The batch's forecasts as ``frames.forecasts_of`` makes them from the copy's columns
    (its questions' categories put in catalog order: the dictionary's order may differ)."""
    ids = [str(q) for q in book.questions["id"].iloc[lo:hi]]
    dataset = ds.dataset(book.files, format="parquet", schema=tables.SCHEMA)
    arrow = dataset.to_table(
        columns=list(engine.COLUMNS), filter=pc.field("question").isin(pa.array(ids, pa.string()))
    )
    arrow = arrow.set_column(
        arrow.schema.get_field_index("at"), "at", arrow.column("at").cast(pa.int64())
    )
    frame = engine._batch_frames(book, arrow, lo, hi).forecasts
    used = set(frame["question"].cat.categories)  # in catalog order, as the stream keeps them
    in_order = [q for q in ids if q in used]
    question = pd.Categorical(frame["question"], categories=pd.Index(in_order, dtype=object))
    return frame.assign(question=question)


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows tied on (at, author, seq) may come in either order: sort them by what differs."""
    keys = ["at", "author", "seq", "p", "note", "imported"]
    order = frame.assign(
        note=frame["note"].astype(str), imported=frame["imported"].astype(str)
    ).sort_values(keys, kind="stable")
    return frame.loc[order.index].reset_index(drop=True)


@pytest.mark.parametrize("batch_rows", [7, 40, 10**6])
def test_stream_batches_equal_the_frames_of_the_copys_columns(
    project: Home, batch_rows: int
) -> None:
    book = engine.open_ledger(project)
    checked = 0
    for lo, hi, frames in engine.duckdb_batches(book, batch_rows):
        expected = _reference(book, lo, hi)
        got = frames.forecasts
        # the stream leaves question_sha blank (the report never reads it), as before
        assert set(got["question_sha"]) <= {""}
        pd.testing.assert_frame_equal(
            _comparable(got.drop(columns="question_sha")),
            _comparable(expected.drop(columns="question_sha")),
        )
        assert list(frames.forecasts.columns) == list(expected.columns)
        checked += len(expected)
    memory = load_frames(project).forecasts
    assert checked == len(memory)
    assert memory["imported"].notna().sum() == 1 and memory["note"].notna().sum() > 1
    assert (memory["quantiles"].notna() & memory["probs"].notna()).sum() == 0
    assert memory["quantiles"].notna().any() and memory["probs"].notna().any()


def test_each_extra_stays_with_its_own_forecast(project: Home) -> None:
    book = engine.open_ledger(project)
    rows = pd.concat([f.forecasts for *_, f in engine.duckdb_batches(book, 5)])
    mine = rows[rows["author"] == "an-importer"].sort_values("p")
    assert mine["p"].tolist() == [0.2, 0.3, 0.6]
    assert mine["imported"].tolist() == [None, "site", None]
    assert mine["note"].tolist() == [None, None, "again"]


def test_forecasts_on_unknown_questions_are_counted_once(project: Home) -> None:
    book = engine.open_ledger(project)
    counts: Counter[str] = Counter()
    for _ in engine.duckdb_batches(book, 9, counts=counts):
        pass
    assert counts == Counter({engine_stream.UNKNOWN: 1})
    assert load_frames(project).skipped[engine_stream.UNKNOWN] == 1
    assert engine._unknown(book) == 1


def test_a_ledger_without_forecasts_streams_one_empty_batch(tmp_path: Path, project: Home) -> None:
    root = tmp_path / "project"
    shutil.copytree(project.root / "forecasts", root / "forecasts")
    (root / "ledger").mkdir()
    book = engine.open_ledger(find_home(root))
    batches = list(engine.duckdb_batches(book, 10))
    assert [(lo, hi) for lo, hi, _ in batches] == [(0, len(book.questions))]
    frame = batches[0][2].forecasts
    memory = load_frames(find_home(root)).forecasts
    assert frame.empty and memory.empty
    assert frame.dtypes.astype(str).to_dict() == memory.dtypes.astype(str).to_dict()


def test_reading_the_sorted_stream_holds_one_piece_not_everything_read(tmp_path: Path) -> None:
    """The stream is read without pre-buffering: the memory Arrow holds while the pieces are
    read stays near one row group's, not the bytes read so far (which pre-buffering keeps
    until the reader is done)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    n, group = 400_000, 4096
    path = tmp_path / "stream.parquet"
    gpos = np.repeat(np.arange(n // 100, dtype=np.int32), 100)
    columns = {"gpos": gpos, "at": np.arange(n, dtype=np.int64), "p": np.linspace(0, 1, n)}
    pq.write_table(pa.table(columns), path, row_group_size=group, compression="none")
    size = n * (4 + 8 + 8)
    held, rows = 0, 0
    for piece in engine_stream._pieces(path, group, 0, n // 100):
        rows += piece.num_rows
        held = max(held, pa.total_allocated_bytes())
    assert rows == n
    assert held < size / 8
