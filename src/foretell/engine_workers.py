"""The DuckDB engine's worker processes: the sorted stream's batches computed on every core.

Once DuckDB has sorted the ledger (``engine_stream.sorted_ledger``) and closed, the stream is
cut into as many runs of whole questions as there are workers, of about equal forecast counts
(``engine_stream.range_cuts``); each run's batches go through the per-question kernels in a
process of its own, forked from the report's (so the catalog, outcomes and options are
inherited, never pickled; only each run's partial travels back), and the runs' partials are
merged in catalog order, as the Dask engine merges its partitions'. Every number a question
contributes is computed within that question and the sums that cross questions are exact,
so the report is the same bits whatever the number of workers.

Memory: each worker holds one batch of ``batch_rows // workers`` forecasts (the batches held
at once stay within the same memory as one process's) plus its run's sums; the parent holds
the catalog and, at the end, the partials being merged. Workers are used only where the
system can fork and each would have at least ``WORKER_ROWS`` forecasts; the runs go through
``forked.forked_map`` (which computes them in this process, one after another, when it runs
other Python threads).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from foretell import engine_stream, forked
from foretell.engine import Ledger, release_memory

if TYPE_CHECKING:
    from foretell.report.options import ReportOptions
    from foretell.report.partial import Partial

WORKER_ROWS = 200_000  # forecasts a worker process must have at least


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
        runs = engine_stream.range_cuts(done, n_questions, min(workers, done.rows // WORKER_ROWS))
    if len(runs) == 1:
        return run_partial(job, 0, n_questions, batch_rows)
    per_worker = max(batch_rows // len(runs), 1)
    parts = forked.forked_map(
        lambda run: run_partial(job, run[0], run[1], per_worker), runs, len(runs)
    )
    return partial_merge(parts, job.options.top)


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
        release_memory()
    assert merged is not None  # range_batches yields at least one batch
    return merged


def partial_merge(parts: list[Partial], top: int) -> Partial:
    """The partials of consecutive runs of questions merged in order."""
    from foretell.report import partial

    merged = partial.bounded(parts[0], top)
    for part in parts[1:]:
        merged = partial.bounded(partial.merge(merged, part), top)
    return merged
