"""The Dask engine: the streamed report's partials mapped over partitions of the catalog.

The questions are cut into runs of catalog positions of about equal estimated work (about four
per worker; the forecasts counted by DuckDB, each weighted by ``engine_workers.COST`` for its
question's type); each task (``partition_partial``) reads its questions'
forecasts from the ledger's Parquet copy with a filter on the question, runs the same
per-question kernels as a batch of ``engine.duckdb_batches`` and returns its partial; the
client merges them (``report.partial.merge``), so the numbers equal the DuckDB engine's.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from foretell import tables
from foretell.engine import (
    COLUMNS,
    MEMORY_LIMIT,
    Ledger,
    _batch_frames,
    _ids,
    _sql_text,
    connect,
)
from foretell.errors import ForetellError

if TYPE_CHECKING:
    from foretell.report.options import ReportOptions
    from foretell.report.partial import Partial


def _partition_bounds(
    book: Ledger, n: int, memory_limit: str = MEMORY_LIMIT
) -> list[tuple[int, int]]:
    """About equal runs of catalog positions by estimated work: forecasts (counted by DuckDB)
    weighted by ``engine_workers.position_costs``, plus one per question."""
    from foretell.engine_workers import position_costs

    total = len(book.questions)
    if total == 0:
        return [(0, 0)]
    counts = np.zeros(total, dtype=np.int64)
    if book.files:
        files = "[" + ", ".join(f"'{_sql_text(f)}'" for f in book.files) + "]"
        con = connect(memory_limit)
        con.register(
            "catalog",
            pa.table(
                {
                    "question": pa.array(_ids(book.questions)),
                    "gpos": pa.array(np.arange(total, dtype=np.int32)),
                }
            ),
        )
        got = con.sql(
            f"SELECT c.gpos, count(*) AS n FROM read_parquet({files}) f "
            "JOIN catalog c ON f.question = c.question GROUP BY c.gpos"
        ).to_arrow_table()
        con.close()
        counts[got.column("gpos").to_numpy()] = got.column("n").to_numpy()
    cumulative = np.cumsum((counts + 1) * position_costs(book))
    edges = np.searchsorted(cumulative, np.linspace(0, cumulative[-1], n + 1)[1:-1], "left")
    bounds = sorted({0, *(int(e) + 1 for e in edges), total})
    return list(itertools.pairwise(bounds))


def partition_partial(
    files: list[str],
    authors: list[str],
    questions: pd.DataFrame,
    outcomes: pd.DataFrame,
    claims: pd.DataFrame,
    positions: dict[str, int],
    options: ReportOptions,
    today: dt.date,
    methods: tuple[str, ...] = (),
) -> Partial:
    """One partition's partial: its questions' forecasts read from the Parquet files (a Dask
    task; everything it needs comes in its arguments)."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from foretell.report import partial

    ids = [str(q) for q in questions["id"]]
    if files and ids:
        dataset = ds.dataset(files, format="parquet", schema=tables.SCHEMA)
        arrow = dataset.to_table(
            columns=list(COLUMNS), filter=pc.field("question").isin(pa.array(ids))
        )
    else:
        arrow = tables.SCHEMA.empty_table()
    arrow = arrow.set_column(
        arrow.schema.get_field_index("at"), "at", arrow.column("at").cast(pa.int64())
    )
    book = Ledger(questions, outcomes, claims, Counter(), files, authors, arrow.num_rows)
    frames = _batch_frames(book, arrow, 0, len(questions))
    part, _ = partial.partial(frames, options, today, positions, check_names=False, methods=methods)
    return part


def dask_partials(
    book: Ledger,
    options: ReportOptions,
    today: dt.date,
    positions: dict[str, int],
    methods: tuple[str, ...],
    scheduler: str | None,
    workers: int,
) -> Partial:
    """The merged partials of about four partitions per worker, each a Dask task."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ForetellError("--engine dask needs Dask: pip install 'foretell[dask]'") from None

    if scheduler:
        client = Client(scheduler)
        cluster = None
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        bounds = _partition_bounds(book, 4 * n_workers)
        futures = [
            client.submit(
                partition_partial,
                book.files,
                book.authors,
                book.questions.iloc[lo:hi].reset_index(drop=True),
                book.outcomes[book.outcomes["question"].isin(book.questions["id"].iloc[lo:hi])],
                book.claims[book.claims["question"].isin(book.questions["id"].iloc[lo:hi])],
                positions,
                options,
                today,
                methods,
                pure=False,
            )
            for lo, hi in bounds
        ]
        parts = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    from foretell.engine_workers import partial_merge

    return partial_merge(parts, options.top)
