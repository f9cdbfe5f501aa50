"""The DuckDB engine's worker processes: the sorted stream's batches computed on every core.

Once DuckDB has sorted the ledger (``engine_stream.sorted_ledger``) and closed, the stream is
cut into runs of whole questions (``engine_stream.range_cuts``), ``RUNS_PER_WORKER`` per
worker (each of at least ``RUN_ROWS`` forecasts), of about equal estimated work: a forecast
costs ``COST`` by its question's type (a numeric forecast's quantiles are scored at every level
and turned into threshold events: about ten times a binary forecast's work). The estimate is
rough (who forecast and whether the question is resolved matter too), so the runs are handed
out as the workers become free rather than one fixed share each. Each run's batches go
through the per-question kernels in a process forked from the report's (so the catalog,
outcomes and options are inherited, never pickled; only each run's partial travels back), and
the runs' partials are merged in catalog order as they come back, as the Dask engine merges
its partitions'. Every number a question contributes is
computed within that question and the sums that cross questions are exact, so the report is
the same bits whatever the number of workers or runs.

Memory: each worker holds one batch of ``batch_rows // workers`` forecasts (the batches held
at once stay within the same memory as one process's) plus its run's sums; the parent holds
the catalog, the merged partial, and the partials of runs finished ahead of the next one in
order. Workers are used only where the system can fork and each would have at least
``WORKER_ROWS`` forecasts; the runs go through ``forked.forked_results`` (which computes them
in this process, one after another, when it runs other Python threads).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from foretell import engine_stream, forked
from foretell.engine import Ledger, release_memory

if TYPE_CHECKING:
    from foretell.report.options import ReportOptions
    from foretell.report.partial import Partial

# forecasts a worker process must have at least: cached reports on the benchmark's ledgers
# (2026-12-03, 2 cores, 4-5 alternating rounds) with two workers against none took 1.49 s
# against 1.44 s at 10,000 forecasts, 1.60 s against 1.60 s at 30,000, 1.69 s against 1.74 s
# at 50,000 and 1.87 s against 2.24 s at 100,000
WORKER_ROWS = 25_000
# runs the stream is cut into, per worker: each run costs a fixed part (opening the stream,
# its first batch, its partial merged in the parent), so fewer is faster while the costs
# share out; 2 against 4 on the 10M scale ledger's core report: 6.75 s against 7.16 s
RUNS_PER_WORKER = 2
RUN_ROWS = 100_000  # forecasts a run must have at least
# a forecast's work by its question's type, in binary forecasts' (CPU time per forecast of
# ``run_partial`` on the 10M scale benchmark's questions of each type: about 1 : 4 : 10)
COST = {"binary": 1.0, "multiple_choice": 4.0, "numeric": 10.0}


@dataclass(frozen=True)
class Job:
    """What every run of the report needs besides its catalog positions."""

    book: Ledger
    done: engine_stream.Sorted | None  # the sorted stream (None: nothing to read)
    options: ReportOptions
    today: dt.date
    positions: dict[str, int]
    methods: tuple[str, ...]


def partial_of(job: Job, batch_rows: int, workers: int) -> Partial:
    """The merged partial of every question, from ``workers`` processes where that is
    worth it (see the module doc), else from this one."""
    n_questions = len(job.book.questions)
    runs = [(0, n_questions)]
    done = job.done
    if workers > 1 and done is not None and done.rows >= 2 * WORKER_ROWS and forked.can_fork():
        workers = min(workers, done.rows // WORKER_ROWS)
        parts = min(workers * RUNS_PER_WORKER, max(done.rows // RUN_ROWS, workers))
        runs = engine_stream.range_cuts(done, n_questions, parts, position_costs(job.book))
    if len(runs) == 1:
        return run_partial(job, 0, n_questions, batch_rows)
    workers = min(workers, len(runs))
    per_worker = max(batch_rows // workers, 1)
    return partial_merge(
        forked.forked_results(
            lambda run: run_partial(job, run[0], run[1], per_worker), runs, workers
        ),
        job.options.top,
    )


def position_costs(book: Ledger) -> np.ndarray:
    """``COST`` of a forecast at each catalog position (1 for a type it does not name)."""
    kinds = book.questions["type"].tolist() if len(book.questions) else []
    return np.array([COST.get(str(k), 1.0) for k in kinds], dtype=np.float64)


def run_partial(job: Job, lo: int, hi: int, batch_rows: int) -> Partial:
    """The merged partial of the batches of catalog positions [lo, hi)."""
    from foretell.report import partial

    merged: Partial | None = None
    top = job.options.top
    for _, _, frames in engine_stream.range_batches(job.book, job.done, lo, hi, batch_rows):
        part, _ = partial.partial(
            frames, job.options, job.today, job.positions, check_names=False, methods=job.methods
        )
        merged = partial.bounded(part if merged is None else partial.merge(merged, part), top)
        del frames, part
        release_memory(heap=False)  # the next batch reuses the heap's pages
    release_memory()
    assert merged is not None  # range_batches yields at least one batch
    return merged


def partial_merge(parts: Iterable[Partial], top: int) -> Partial:
    """The partials of consecutive runs of questions merged in order (at least one)."""
    from foretell.report import partial

    merged: Partial | None = None
    for part in parts:
        merged = partial.bounded(part if merged is None else partial.merge(merged, part), top)
    assert merged is not None
    return merged
