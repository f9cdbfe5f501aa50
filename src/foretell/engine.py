"""Report engines: in memory, streamed through DuckDB, or mapped over a Dask cluster.

All three compute the report as ``report.partial`` describes: the per-question kernels on
whole questions, partials merged, one ``finish``. They differ in how forecasts reach the
kernels:

- ``memory``: the whole ledger as frames (``frames.load_frames``); the pair tables are kept,
  so ``--format csv`` works.
- ``duckdb`` (``engine_stream``): DuckDB reads the ledger's Parquet copy
  (``ledger/.columnar/``), joins each forecast to its question's catalog position and sorts
  by it out of core (``memory_limit``, spilling to a temporary directory): the numbers of
  every forecast in one stream, the texts (payloads, notes, import marks) of those that have
  any in another; the streams are cut into batches of whole questions of about ``batch_rows``
  forecasts (``batch_rows_for(memory_limit)``: about 100,000 at the default 256MB), computed
  by one forked process per core on large ledgers (``engine_workers``). Memory: the batches
  held at once (one batch's worth) plus the mergeable summaries.
- ``dask`` (``engine_dask``): the questions are split into partitions of catalog positions;
  each task reads its questions' forecasts from the same Parquet files (pyarrow, filtered by
  question) and returns its partial; the client merges them. The files must be readable by
  the workers at the same paths (a shared file system), and foretell installed on each one.

``auto`` (the default) is ``duckdb`` once the ledger holds more than ``AUTO_ROWS`` forecasts,
else ``memory`` (``--format csv`` needs ``memory`` whatever the size). The streamed engine is
the faster at every size measured (README, Speed): its fits are Newton passes over sums
(``scoring.logistic_counts``), so it imports neither statsmodels, which the memory engine
fits with, nor ``scipy.stats``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import functools
import importlib
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from foretell import conversions, ledger, people_cache, tables
from foretell.catalog import left_out_counts
from foretell.catalog_cache import question_rows
from foretell.errors import ForetellError, Problem
from foretell.frames import Frames, forecasts_of, ledger_rest, rows_frame
from foretell.home import Home
from foretell.payload_checks import drop_bad_payloads as _drop_bad_payloads
from foretell.payload_checks import question_stand_ins as _stand_ins
from foretell.sorted_cache import SORTED_DIR

if TYPE_CHECKING:
    from foretell.errors import Problem
    from foretell.report.build import Report
    from foretell.report.options import ReportOptions
    from foretell.report.partial import Partial

ENGINES = ("auto", "memory", "duckdb", "dask")
AUTO_ROWS = 0  # any forecast: the streamed engine is the faster at every size measured
BATCH_ROWS = 100_000
ROW_BYTES = 2560  # a batch's forecasts per byte of --memory-limit: 256MB -> about 100,000
_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
               "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip
MEMORY_LIMIT = "256MB"
COLUMNS = ("author", "seq", "at", "question", "question_sha", "p", *tables.EXTRA_COLUMNS)
READ_ROWS = 1 << 16  # rows per read of the sorted stream


@dataclass(frozen=True)
class Ledger:
    """The ledger as the streaming engines see it: its Parquet parts and everything else."""

    questions: pd.DataFrame  # the whole catalog, in catalog order
    outcomes: pd.DataFrame
    claims: pd.DataFrame
    skipped: Counter[str]
    files: list[str]  # Parquet parts of every ledger file's copy
    authors: list[str]
    rows: int  # forecasts in the copies (known questions or not)
    file_authors: tuple[int, ...] = ()  # each Parquet part's author, as a position in authors
    part_rows: tuple[int, ...] = ()  # each part's rows, as its manifest gives them
    sorted_dir: Path | None = None  # where the sorted stream is cached (``sorted_cache``)

    @property
    def positions(self) -> dict[str, int]:
        return {q: i for i, q in enumerate(_ids(self.questions))}


def open_ledger(home: Home) -> Ledger:
    """Bring every file's columnar copy up to date and describe the ledger (never the
    forecasts themselves)."""
    bad_files: list[Problem] = []  # question files left out, named in the skipped counts
    paths = ledger.ledger_files(home.ledger)
    # the catalog is read while workers convert the files; a reader left waiting for them
    # imports DuckDB, which sorts the new copies next (0.07 s)
    with conversions.converted(paths, meanwhile=lambda: importlib.import_module("duckdb")):
        qframe = rows_frame(question_rows(home.forecasts, home.ledger, left_out=bad_files))
    files: list[str] = []
    file_authors: list[int] = []
    part_rows: list[int] = []
    parts: list[tuple[str, list[dict[str, Any]], Counter[str]]] = []
    rows = 0
    for code, path in enumerate(paths):
        try:
            copy, _ = tables.update_copy(path)
        except OSError as err:
            raise ForetellError(
                f"the columnar copy cannot be written ({err}); use --engine memory", path
            ) from None
        files += [str(f) for f in copy.files(tables.copy_dir(path))]
        file_authors += [code] * len(copy.parts)
        part_rows += [int(p["rows"]) for p in copy.parts]
        parts.append((path.stem, copy.closings, copy.skipped))
        rows += sum(int(p["rows"]) for p in copy.parts)
    rest = ledger_rest(home, qframe, parts)
    rest.skipped.update(left_out_counts(bad_files))
    authors = [p.stem for p in paths]
    sorted_dir = home.ledger / tables.COLUMNAR_DIR / SORTED_DIR
    return Ledger(qframe, rest.outcomes, rest.claims, rest.skipped, files, authors, rows,
                  tuple(file_authors), tuple(part_rows), sorted_dir)  # fmt: skip


def forecast_rows(home: Home) -> int:
    """Forecasts in the ledger's columnar copies as they stand (0 for a file without one)."""
    total = 0
    for path in ledger.ledger_files(home.ledger):
        copy = tables.load_manifest(path)
        total += sum(int(p["rows"]) for p in copy.parts) if copy else path.stat().st_size // 300
    return total


def choose(engine: str, home: Home) -> str:
    if engine not in ENGINES:
        raise ForetellError(f"unknown --engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    return "duckdb" if forecast_rows(home) > AUTO_ROWS else "memory"


# ------------------------------------------------------------------------ batches


def _batch_frames(book: Ledger, arrow: pa.Table, lo: int, hi: int) -> Frames:
    """Frames of the questions at catalog positions lo..hi-1 and their forecasts ``arrow``."""
    q = book.questions.iloc[lo:hi].reset_index(drop=True)
    ids = set(q["id"].tolist())
    types = dict(zip(q["id"].tolist(), q["type"].tolist(), strict=True))
    codes = _author_codes(arrow.column("author"), book.authors)
    forecasts, _ = forecasts_of(arrow, codes, book.authors, ids, types)
    forecasts, bad = _drop_bad_payloads(forecasts, _stand_ins(q))
    outcomes = book.outcomes[book.outcomes["question"].isin(ids)].reset_index(drop=True)
    claims = book.claims[book.claims["question"].isin(ids)].reset_index(drop=True)
    return Frames(q, forecasts, outcomes, {tables.MALFORMED: bad} if bad else {}, claims)


def _author_codes(column: pa.ChunkedArray, authors: list[str]) -> np.ndarray:
    """Each row's author as its position in ``authors`` (int32): a dictionary column's
    dictionary is looked up once and its indices mapped."""
    if len(column) == 0:
        return np.zeros(0, dtype=np.int32)
    value_set = pa.array(authors, pa.string())
    if not pa.types.is_dictionary(column.type):
        found = pc.index_in(column.cast(pa.string()), value_set=value_set)
        return found.to_numpy(zero_copy_only=False).astype(np.int32)
    combined = column.unify_dictionaries().combine_chunks()
    at = pc.index_in(combined.dictionary.cast(pa.string()), value_set=value_set)
    table = at.to_numpy(zero_copy_only=False)
    return table[combined.indices.to_numpy(zero_copy_only=False)].astype(np.int32)


def duckdb_batches(
    book: Ledger,
    batch_rows: int = BATCH_ROWS,
    memory_limit: str = MEMORY_LIMIT,
    temp_dir: str | None = None,
    counts: Counter[str] | None = None,
) -> Iterator[tuple[int, int, Frames]]:
    """(first, end, frames) for consecutive runs of catalog positions [first, end), every
    question in exactly one run (``engine_stream.duckdb_batches``)."""
    from foretell import engine_stream

    return engine_stream.duckdb_batches(book, batch_rows, memory_limit, temp_dir, counts)


def connect(memory_limit: str = MEMORY_LIMIT, temp_dir: Path | None = None) -> Any:
    """A DuckDB connection within ``memory_limit``, spilling to ``temp_dir`` (default: the
    system's temporary directory), one thread per core, rows in any order."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": os.cpu_count() or 1})
    where = str(temp_dir) if temp_dir is not None else tempfile.gettempdir()
    con.execute(f"SET temp_directory = '{_sql_text(where)}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def release_memory(heap: bool = True) -> None:
    """Give freed memory back to the system: Arrow's pool, and with ``heap`` the C heap
    where it is glibc's (``malloc_trim``; the batches' many large arrays otherwise leave the
    heap fragmented, so the process's size would keep the largest batch's peak).

    Trimming the heap hands back pages that the next batch faults in again, so a run of
    batches empties Arrow's pool after each batch and trims the heap once, at its end
    (``engine_workers.run_partial``; README, Scale, for what a trim per batch cost).
    """
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim() if heap else None
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc


def _ids(questions: pd.DataFrame) -> list[str]:
    """The questions' ids as text (read out of the column in one piece)."""
    return [str(q) for q in questions["id"].tolist()]


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


# ------------------------------------------------------------------------ reports


def _check_names(book: Ledger, options: ReportOptions, memory_limit: str = MEMORY_LIMIT) -> None:
    """The name checks of ``scope.select``, against the whole ledger."""
    from foretell.report.scope import _check_names as check

    filters = options.filters
    authors: list[str] = []
    if filters.by and book.files:
        files = "[" + ", ".join(f"'{_sql_text(f)}'" for f in book.files) + "]"
        con = connect(memory_limit)
        con.register("catalog", pa.table({"question": pa.array(_ids(book.questions))}))
        authors = [
            r[0]
            for r in con.sql(
                f"SELECT DISTINCT f.author FROM read_parquet({files}) f "
                "JOIN catalog c ON f.question = c.question"
            ).fetchall()
        ]
        con.close()
    probe = Frames(book.questions, pd.DataFrame({"author": authors}), book.outcomes, {})
    check(probe, filters)


def _crowd_methods(
    book: Ledger, options: ReportOptions, memory_limit: str = MEMORY_LIMIT
) -> tuple[str, ...]:
    """The crowd methods for the whole scope (the default depends on how many people it has:
    their names and import marks are read by DuckDB, under the report's filters, or from
    ``people_cache`` on an unchanged copy)."""
    from foretell.report.partial import crowd_methods

    if options.crowd is not None or not book.files:
        return crowd_methods(options, pd.DataFrame({"author": [], "imported": []}))
    import orjson

    filters = options.filters
    q = book.questions
    keep = np.ones(len(q), dtype=bool)
    if filters.questions:
        keep &= q["id"].isin(filters.questions).to_numpy()
    if filters.tags:
        wanted = set(filters.tags)
        keep &= np.array([bool(wanted.intersection(t or ())) for t in q["tags"]], dtype=bool)
    where = []
    if filters.by:
        where.append("f.author IN (" + ", ".join(f"'{_sql_text(b)}'" for b in filters.by) + ")")
    day = 86_400 * 10**9
    if filters.since is not None:
        where.append(f'epoch_ns(f."at") >= {(filters.since - dt.date(1970, 1, 1)).days * day}')
    if filters.until is not None:
        where.append(f'epoch_ns(f."at") < {((filters.until - dt.date(1970, 1, 1)).days + 1) * day}')
    scope_ids = [str(i) for i in q["id"][keep]]
    conditions = " AND ".join(where)

    def scan() -> list[tuple[str, str | None]]:
        con = connect(memory_limit)
        con.register("catalog", pa.table({"question": pa.array(scope_ids)}))
        found = con.sql(
            f"SELECT DISTINCT f.author, f.imported FROM read_parquet({_files(book)}) f "
            "JOIN catalog c ON f.question = c.question"
            + (" WHERE " + conditions if conditions else "")
        ).fetchall()
        con.close()
        return [(str(a), None if m is None else str(m)) for a, m in found]

    rows = people_cache.cached_people(book, scope_ids, conditions, scan)
    people = pd.DataFrame(
        {
            "author": [r[0] for r in rows],
            "imported": [orjson.loads(r[1]) if r[1] is not None else None for r in rows],
        }
    )
    return crowd_methods(options, people)


def _files(book: Ledger) -> str:
    return "[" + ", ".join(f"'{_sql_text(f)}'" for f in book.files) + "]"


def _unknown(book: Ledger, memory_limit: str = MEMORY_LIMIT) -> int:
    """Forecasts in the copies naming a question that is not in the catalog."""
    if not book.files:
        return 0

    files = "[" + ", ".join(f"'{_sql_text(f)}'" for f in book.files) + "]"
    con = connect(memory_limit)
    con.register("catalog", pa.table({"question": pa.array(_ids(book.questions))}))
    rows = con.sql(
        f"SELECT count(*) FROM read_parquet({files}) f ANTI JOIN catalog c "
        "ON f.question = c.question"
    ).fetchall()
    con.close()
    return int(rows[0][0]) if rows else 0


def batch_rows_for(memory_limit: str) -> int:
    """Forecasts per batch for a memory limit: ``limit / ROW_BYTES`` (a batch in the kernels
    takes about 1 kB per forecast, so a batch stays near 40% of the limit; DuckDB's sort, which
    uses the limit, is over before the batches are read), between 20,000 and 2,000,000;
    ``BATCH_ROWS`` when the limit is not a size DuckDB-style (``256MB``, ``2GB``, ``1GiB``)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*", memory_limit, re.I)
    if not match:
        return BATCH_ROWS
    size = float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").lower()]
    return int(min(max(size // ROW_BYTES, 20_000), 2_000_000))


def build_streaming(
    home: Home,
    options: ReportOptions,
    *,
    engine: str = "duckdb",
    scheduler: str | None = None,
    workers: int | None = None,
    today: dt.date | None = None,
    verification: list[Problem] | None = None,
    batch_rows: int | None = None,
    memory_limit: str = MEMORY_LIMIT,
) -> Report:
    """The report of ``home`` by the ``duckdb`` or ``dask`` engine (see the module doc);
    ``batch_rows`` defaults to ``batch_rows_for(memory_limit)``; ``workers``: the processes
    computing the batches (``duckdb``, default ``forked.default_workers()``) or the local cluster's
    worker processes (``dask`` without a scheduler, default 2).

    The returned ``Report`` has the JSON document; its pair tables are empty (they are never
    held), so ``--format csv`` needs ``--engine memory``.
    """
    from foretell.report.options import check_options

    options = check_options(options)
    today = today or dt.datetime.now(dt.UTC).date()
    try:
        return _build(home, options, engine, scheduler, workers, today, verification,
                      batch_rows, memory_limit)  # fmt: skip
    except Exception as err:
        # DuckDB is imported only where it is used (a sort, a scan of the copy): a report
        # on a sorted cache with no such scan never loads it (0.3 s)
        duckdb = sys.modules.get("duckdb")
        if duckdb is not None and isinstance(err, duckdb.OutOfMemoryException):
            raise ForetellError(
                f"DuckDB ran out of memory within --memory-limit {memory_limit}; "
                "give the report more (e.g. --memory-limit 1GB)"
            ) from err
        raise


def _build(
    home: Home,
    options: ReportOptions,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    today: dt.date,
    verification: list[Problem] | None,
    batch_rows: int | None,
    memory_limit: str,
) -> Report:
    from foretell.forked import default_workers
    from foretell.report import partial
    from foretell.report.build import Report

    book = open_ledger(home)
    _check_names(book, options, memory_limit)
    positions = book.positions
    methods = _crowd_methods(book, options, memory_limit)
    if engine == "dask":
        from foretell.engine_dask import dask_partials

        merged = dask_partials(book, options, today, positions, methods, scheduler, workers or 2)
    else:
        rows = batch_rows or batch_rows_for(memory_limit)
        counts: Counter[str] = Counter()
        merged = streamed_partial(
            book, options, today, positions, methods, rows, memory_limit, counts=counts,
            workers=workers or default_workers(),
        )  # fmt: skip
    assert merged is not None
    skipped = Counter(book.skipped) + Counter(merged.left_out)  # + bad payloads in batches
    if engine == "dask":
        unknown = _unknown(book, memory_limit)
        if unknown:
            skipped["entries naming an unknown question"] += unknown
    else:
        skipped += counts
    data = partial.finish(
        merged,
        options,
        dict(skipped),
        home=home.root.name,
        verification=verification,
        methods=methods,
    )
    empty = pd.DataFrame()
    return Report(data=data, binary=empty, choice=empty, numeric=empty, questions=empty)


def streamed_partial(
    book: Ledger,
    options: ReportOptions,
    today: dt.date,
    positions: dict[str, int],
    methods: tuple[str, ...],
    batch_rows: int = BATCH_ROWS,
    memory_limit: str = MEMORY_LIMIT,
    counts: Counter[str] | None = None,
    workers: int = 1,
) -> Partial:
    """The merged partial of every batch of the sorted stream (``engine_stream``), computed
    by ``workers`` processes (``engine_workers``). What it carries from batch to batch does
    not grow with the number of batches: counts, two-part sums, histograms of distinct
    forecasts, the per-question lists (``partial.bounded``: at most twice the best and worst
    questions listed; numeric, open and annulled questions and claims are listed whole in the
    report), and the trend's points (``report.trend_partial``: 16 bytes per forecaster and
    resolved question). Forecasts on questions not in the catalog are added to ``counts``
    (when given)."""
    from foretell import engine_stream, engine_workers

    with engine_stream.sorted_ledger(book, batch_rows, memory_limit) as done:
        job = engine_workers.Job(book, done, options, today, positions, methods)
        merged = engine_workers.partial_of(job, batch_rows, workers)
        engine_stream.add_unknown(book, done, counts)
    return merged
