"""The DuckDB engine's read path: the ledger's Parquet copy sorted by question, cut into
batches of whole questions.

DuckDB joins each forecast's question to its catalog position (``gpos``) and sorts by it out
of core, writing two Parquet files into a temporary directory, then closes:

- the stream: per forecast only what sorts and scores it, as numbers: ``gpos``, ``at`` (int64
  nanoseconds), ``seq``, ``p`` and ``row``, its place in the copy (``file_index * 2**32 +``
  its row number within that Parquet part), which names its author (each part holds one
  ledger file's forecasts) and is unique;
- the extras: ``gpos``, ``row`` and the JSON texts of ``probs``, ``quantiles``, ``note`` and
  ``imported`` for the forecasts that have any of them (the numeric and multiple-choice ones,
  imports), sorted by ``gpos`` too.

Text columns widen every row DuckDB sorts (an author's name, four mostly empty texts), so they
are carried only where they are set. ``sorted_ledger`` keeps the two files for as long as its
context lasts; ``range_batches`` reads any run of catalog positions from them (row groups
before the run skipped by their statistics), so runs can be read by separate processes
(``range_cuts`` cuts the stream into runs of about equal forecast counts; ``engine_workers``).
The stream is read in pieces of ``READ_ROWS`` rows and cut where a question ends
(``batch_rows`` or more forecasts a batch); the extras are read alongside, up to the same
question, and matched to their rows by ``row``. Each batch's frames are built from the arrays
with numpy (``frames.forecast_frame``), as ``frames.forecasts_of`` builds them from the copy's
own columns.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from foretell import tables
from foretell.engine import (
    MEMORY_LIMIT,
    READ_ROWS,
    Ledger,
    _files,
    _ids,
    _sql_text,
    connect,
    release_memory,
)
from foretell.frames import Frames, Rows, forecast_frame
from foretell.payload_checks import drop_bad_payloads as _drop_bad_payloads
from foretell.payload_checks import question_stand_ins as _stand_ins

ROW_BITS = 32  # row = file_index << ROW_BITS | row number in the part
STREAM = ("gpos", "at", "seq", "p", "row")
EXTRAS = ("gpos", "row", *tables.EXTRA_COLUMNS)
COMPRESSION = "uncompressed"  # the files live only while the report runs: fast over small
UNKNOWN = "entries naming an unknown question"
MIN_ROW_GROUP = 2048  # rows of the sorted files' row groups, at least


@dataclass(frozen=True)
class Sorted:
    """The two files ``sorted_stream`` writes and what it counted."""

    stream: Path
    extras: Path
    rows: int  # forecasts on known questions (the stream's rows)
    total: int  # forecasts in the copies


def sorted_stream(
    book: Ledger, work: Path, batch_rows: int, memory_limit: str, spill: Path | None = None
) -> Sorted:
    """The stream and the extras (see the module doc), written by DuckDB into ``work``.

    DuckDB sorts within ``memory_limit`` (spilling to ``spill``, default ``work``) and is
    closed before the batches are read, so its buffers and the batches' frames are never
    held at once."""
    if any(int(p) >= 1 << ROW_BITS for p in book.part_rows):
        raise ValueError("a part of the columnar copy holds 2**32 rows or more")
    con = connect(memory_limit, spill or work)
    try:
        positions = pa.table(
            {
                "question": pa.array(_ids(book.questions), pa.string()),
                "gpos": pa.array(np.arange(len(book.questions), dtype=np.int32)),
            }
        )
        con.register("catalog", positions)
        joined = (
            f"read_parquet({_files(book)}, file_row_number = true) f "
            "JOIN catalog c ON f.question = c.question"
        )
        row = f'f.file_index::BIGINT * {1 << ROW_BITS} + f.file_row_number AS "row"'
        size = row_group_rows(batch_rows)
        written = f"(FORMAT parquet, ROW_GROUP_SIZE {size}, COMPRESSION {COMPRESSION})"
        stream, extras = work / "stream.parquet", work / "extras.parquet"
        con.execute(
            f'COPY (SELECT c.gpos, epoch_ns(f."at") AS "at", f.seq, f.p, {row} FROM {joined} '
            f"ORDER BY c.gpos) TO '{_sql_text(str(stream))}' {written}"
        )
        texts = ", ".join(f'f."{c}"' for c in tables.EXTRA_COLUMNS)
        some = " OR ".join(f'f."{c}" IS NOT NULL' for c in tables.EXTRA_COLUMNS)
        con.execute(
            f"COPY (SELECT c.gpos, {row}, {texts} FROM {joined} WHERE {some} "
            f"ORDER BY c.gpos) TO '{_sql_text(str(extras))}' {written}"
        )
        found = con.execute(f"SELECT count(*) FROM read_parquet({_files(book)})").fetchone()
    finally:
        con.close()
    rows = pq.ParquetFile(stream).metadata.num_rows
    return Sorted(stream, extras, rows, int(found[0]) if found else rows)


class _Ahead:
    """The rows of a ``gpos``-sorted Parquet file with ``lo <= gpos < hi`` (``_pieces``),
    handed out in order up to a position."""

    def __init__(self, path: Path, chunk: int, lo: int, hi: int) -> None:
        self._schema = _open(path).schema_arrow
        self._batches = _pieces(path, chunk, lo, hi)
        self._held: list[pa.RecordBatch] = []
        self._last = -1  # gpos of the last row read (-1: none yet)
        self._done = False

    def upto(self, end: int) -> pa.Table:
        """The rows not handed out yet whose ``gpos`` is below ``end``."""
        while not self._done and self._last < end:
            batch = next(self._batches, None)
            if batch is None:
                self._done = True
            elif batch.num_rows:
                self._held.append(batch)
                self._last = int(batch.column("gpos")[-1].as_py())
        table = pa.Table.from_batches(self._held, schema=self._schema)
        cut = int(np.searchsorted(table.column("gpos").to_numpy(), end, "left"))
        self._held = table.slice(cut).to_batches()  # _last stays the last row read's
        return table.slice(0, cut)


def _open(path: Path) -> pq.ParquetFile:
    """A sorted file for reading in order: without pre-buffering, which keeps every row group
    read until the reader is done (the whole stream's bytes, by the end of a large report)."""
    return pq.ParquetFile(path, pre_buffer=False)


def _group_bounds(file: pq.ParquetFile) -> list[tuple[int, int, int]] | None:
    """(rows, first gpos, last gpos) of each row group, from the file's statistics (None
    when a row group has none)."""
    column = file.schema_arrow.get_field_index("gpos")
    bounds = []
    for i in range(file.num_row_groups):
        group = file.metadata.row_group(i)
        stats = group.column(column).statistics
        if group.num_rows and (stats is None or not stats.has_min_max):
            return None
        low, high = (int(stats.min), int(stats.max)) if group.num_rows else (-1, -1)
        bounds.append((group.num_rows, low, high))
    return bounds


def _first_group(file: pq.ParquetFile, first: int) -> int:
    """The first row group that may hold a row at position ``first`` or later."""
    bounds = _group_bounds(file) if first > 0 else None
    if not bounds:
        return 0
    for i, (rows, _, high) in enumerate(bounds):
        if rows and high >= first:
            return i
    return len(bounds)


def range_cuts(
    done: Sorted, n_questions: int, parts: int, cost: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """Runs [lo, hi) of catalog positions covering 0..n_questions, at most ``parts``, of
    about equal cost: a forecast at catalog position g costs ``cost[g]`` (1 for every one when
    None, so the runs hold about equal numbers of the stream's rows). A run ends where the
    cost reached is a multiple of the total over ``parts``, the question holding that point
    beginning the next run. Where the stream has at least ``parts`` row groups with
    statistics, the point is found from them (a row group's forecasts taken as spread evenly
    over its positions, each costing its position's cost: a run may begin inside a row group,
    so a row group of costly questions is not left whole to one run); else from the stream's
    ``gpos`` column, read whole (only small streams have so few row groups)."""
    if parts <= 1 or n_questions == 0 or done.rows == 0:
        return [(0, n_questions)]
    file = pq.ParquetFile(done.stream)
    bounds = [b for b in _group_bounds(file) or [] if b[0] and b[1] >= 0]
    per = np.ones(n_questions) if cost is None else np.asarray(cost, dtype=np.float64)
    before = np.r_[0.0, np.cumsum(per, dtype=np.float64)]  # cost of the positions below g
    if len(bounds) >= parts:
        rows, lows, highs = (np.array(c, dtype=np.int64) for c in zip(*bounds, strict=True))
        inside = before[highs + 1] - before[lows]  # a forecast on each position, added up
        spend = rows * inside / (highs - lows + 1)
        ends = np.cumsum(spend)
        targets = np.arange(1, parts) * ends[-1] / parts
        group = np.minimum(np.searchsorted(ends, targets, "right"), len(bounds) - 1)
        held = spend[group]  # the target's share of its row group's cost, then its position
        share = np.clip((targets - (ends[group] - held)) / np.where(held > 0, held, 1), 0, 1)
        point = before[lows[group]] + share * inside[group]
        found = [int(g) for g in np.searchsorted(before, point, "right") - 1]
    else:
        gpos = file.read(columns=["gpos"]).column("gpos").to_numpy()
        spent = np.cumsum(per[gpos])
        at = np.searchsorted(spent, [k * spent[-1] / parts for k in range(1, parts)], "right")
        found = [int(gpos[min(int(i), gpos.shape[0] - 1)]) for i in at]
    edges = sorted({0, n_questions, *(g for g in found if 0 < g < n_questions)})
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def row_group_rows(batch_rows: int) -> int:
    """Rows per row group of the sorted files, for batches of ``batch_rows``."""
    return max(min(batch_rows, READ_ROWS), MIN_ROW_GROUP)


@contextmanager
def sorted_ledger(
    book: Ledger, batch_rows: int, memory_limit: str = MEMORY_LIMIT, temp_dir: str | None = None
) -> Iterator[Sorted | None]:
    """The sorted stream and extras of ``book`` (``sorted_stream``) for as long as the
    context lasts: from the ledger's sorted cache (``sorted_cache``) when the book has one
    and it can be written, else in a temporary directory; None when there is nothing to sort."""
    from foretell import sorted_cache

    if not (book.files and len(book.questions)):
        yield None
        return
    with sorted_cache.temporary(temp_dir) as work:

        def write(target: Path) -> Sorted:
            done = sorted_stream(book, target, batch_rows, memory_limit, spill=work)
            release_memory()
            return done

        with contextlib.ExitStack() as stack:
            done = None
            if book.sorted_dir is not None:
                try:
                    done = stack.enter_context(
                        sorted_cache.cached_sorted(
                            book, book.sorted_dir, row_group_rows(batch_rows), write
                        )
                    )
                except OSError:
                    done = None  # the ledger directory cannot be written: no cache this time
            yield done if done is not None else write(work)


def range_batches(
    book: Ledger, done: Sorted | None, lo: int, hi: int, batch_rows: int
) -> Iterator[tuple[int, int, Frames]]:
    """(first, end, frames) for consecutive runs of catalog positions covering [lo, hi),
    each of whole questions: the stream is read in pieces of ``READ_ROWS`` rows, and once
    ``batch_rows`` or more are held, every question among them but the last (which may go
    on) is a batch; the rest of [lo, hi) is the last batch."""
    if done is None:
        yield lo, hi, _stream_frames(book, _empty(STREAM), _empty(EXTRAS), lo, hi)
        return
    chunk = min(batch_rows, READ_ROWS)
    extras = _Ahead(done.extras, chunk, lo, hi)
    schema = pq.ParquetFile(done.stream).schema_arrow
    pending: list[pa.RecordBatch] = []
    count, start = 0, lo
    for batch in _pieces(done.stream, chunk, lo, hi):
        pending.append(batch)
        count += batch.num_rows
        if count < batch_rows:
            continue
        table = pa.Table.from_batches(pending, schema=schema)
        gpos = table.column("gpos").to_numpy()
        cut = int(np.searchsorted(gpos, gpos[-1], "left"))
        if cut == 0:
            continue  # one question of more than batch_rows forecasts: read on
        end = int(gpos[cut - 1]) + 1
        yield start, end, _stream_frames(book, table.slice(0, cut), extras.upto(end), start, end)
        rest = table.slice(cut)
        pending, count, start = [*rest.to_batches()], rest.num_rows, end
        del table, rest
    table = pa.Table.from_batches(pending, schema=schema)
    yield start, hi, _stream_frames(book, table, extras.upto(hi), start, hi)


def _pieces(path: Path, chunk: int, lo: int, hi: int) -> Iterator[pa.RecordBatch]:
    """The rows of a ``gpos``-sorted file with ``lo <= gpos < hi``, in pieces of at most
    ``chunk`` rows (row groups wholly below ``lo`` are not read)."""
    file = _open(path)
    groups = list(range(_first_group(file, lo), file.num_row_groups))
    for batch in file.iter_batches(batch_size=chunk, row_groups=groups):
        gpos = batch.column("gpos").to_numpy()
        if not gpos.shape[0]:
            continue
        first = int(np.searchsorted(gpos, lo, "left")) if gpos[0] < lo else 0
        last = int(np.searchsorted(gpos, hi, "left")) if gpos[-1] >= hi else gpos.shape[0]
        if last > first:
            yield batch.slice(first, last - first)
        if last < gpos.shape[0]:
            return


def duckdb_batches(
    book: Ledger,
    batch_rows: int,
    memory_limit: str = MEMORY_LIMIT,
    temp_dir: str | None = None,
    counts: Counter[str] | None = None,
) -> Iterator[tuple[int, int, Frames]]:
    """(first, end, frames) for consecutive runs of catalog positions [first, end), every
    question in exactly one run, each run's forecasts read in one piece from the sorted
    stream; forecasts on questions not in the catalog are added to ``counts`` (when given)
    once the stream is read."""
    with sorted_ledger(book, batch_rows, memory_limit, temp_dir) as done:
        yield from range_batches(book, done, 0, len(book.questions), batch_rows)
        add_unknown(book, done, counts)


def add_unknown(book: Ledger, done: Sorted | None, counts: Counter[str] | None) -> None:
    """Add the forecasts naming a question not in the catalog to ``counts``."""
    if counts is None:
        return
    unknown = book.rows if done is None else done.total - done.rows
    if unknown:
        counts[UNKNOWN] += unknown


def _empty(columns: tuple[str, ...]) -> pa.Table:
    types = {"gpos": pa.int32(), "at": pa.int64(), "seq": pa.int64(), "p": pa.float64()}
    return pa.table({c: pa.array([], types.get(c, pa.int64() if c == "row" else pa.string()))
                     for c in columns})  # fmt: skip


def _stream_frames(book: Ledger, stream: pa.Table, extras: pa.Table, lo: int, hi: int) -> Frames:
    """Frames of the questions at catalog positions lo..hi-1 from their rows of the stream
    and of the extras (every extras row matches one stream row by ``row``)."""
    q = book.questions.iloc[lo:hi].reset_index(drop=True)
    ids = _ids(q)
    types = dict(zip(ids, q["type"].tolist(), strict=True))
    gpos = stream.column("gpos").to_numpy()
    row = stream.column("row").to_numpy()
    n = gpos.shape[0]
    found = pd.Index(extras.column("row").to_numpy()).get_indexer(row)  # -1: no extras
    held = np.flatnonzero(found >= 0)
    if held.shape[0] != extras.num_rows:
        raise ValueError("the sorted extras do not match the sorted stream")
    rows_of = np.empty(held.shape[0], dtype=np.int64)  # each extras row's stream row
    rows_of[found[held]] = held
    file_authors = np.asarray(book.file_authors, dtype=np.int32)
    rows = Rows(
        question=(gpos - lo).astype(np.int32),
        questions=ids,
        sha=np.zeros(n, dtype=np.int32),
        shas=[""],
        author=file_authors[row >> ROW_BITS] if n else np.zeros(0, np.int32),
        at=stream.column("at").to_numpy(),
        seq=stream.column("seq").to_numpy(),
        p=stream.column("p").to_numpy(),
        extras={c: (rows_of, extras.column(c)) for c in tables.EXTRA_COLUMNS},
    )
    forecasts = forecast_frame(rows, book.authors, types)
    forecasts, bad = _drop_bad_payloads(forecasts, _stand_ins(q))
    known = set(ids)
    outcomes = book.outcomes[book.outcomes["question"].isin(known)].reset_index(drop=True)
    claims = book.claims[book.claims["question"].isin(known)].reset_index(drop=True)
    return Frames(q, forecasts, outcomes, {tables.MALFORMED: bad} if bad else {}, claims)
