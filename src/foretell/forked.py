"""Independent jobs computed on every core by processes forked from the report's.

``forked_map(work, jobs, workers)`` is ``[work(job) for job in jobs]``: the children inherit
``work`` and ``jobs`` at the fork (nothing is pickled on the way in, so closures over large
tables are fine); each takes the next job's index from the pool and sends back its result
pickled (floats travel exactly, so a result is the same bits as computed in the parent). The
results come back in the jobs' order.

It runs in this process instead when there are fewer than two workers or jobs, where the
system cannot fork, or when this process runs other Python threads (a Dask client's, say: a
child forked from it would hold a copy of their locks, perhaps taken). The report uses it for
its groups' diagnostics (the CORP band's Binomial draws, the isotonic fits, the logistic
fits), which are independent per group and hold the interpreter lock for much of their time,
so threads would not share them out. Before forking, the parent's objects are frozen
(``gc.freeze``: the collector leaves them alone) until the children are done.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 8
_FORKED: dict[str, Any] = {}  # what a forked child reads: set before the fork


def default_workers() -> int:
    """One per core this process may run on, at most ``MAX_WORKERS``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def other_threads() -> bool:
    """Whether this process runs Python threads besides the calling one."""
    return threading.active_count() > 1


def forked_map(work: Callable[[T], R], jobs: Sequence[T], workers: int) -> list[R]:
    """``[work(job) for job in jobs]`` by up to ``workers`` forked processes (module doc)."""
    return list(forked_results(work, jobs, workers))


def forked_results(work: Callable[[T], R], jobs: Sequence[T], workers: int) -> Iterator[R]:
    """``work(job)`` for each job, yielded in the jobs' order as they are done, by up to
    ``workers`` forked processes (module doc). Each free process takes the next job, so jobs
    of unequal cost share out; a caller that folds the results as they come holds only those
    finished ahead of the next one it needs."""
    workers = min(workers, len(jobs))
    if workers < 2 or not can_fork() or other_threads() or _FORKED:  # _FORKED: inside a child
        yield from (work(job) for job in jobs)
        return
    from concurrent.futures import ProcessPoolExecutor

    _FORKED.update(work=work, jobs=jobs)
    # every object the children inherit goes to the collector's permanent generation first,
    # so that a child's collections never write to their headers: each write would copy a
    # page shared with the parent (the 3M report's peak, parent and two workers: 633-645
    # MiB without, 585-589 MiB with)
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            yield from pool.map(_run, range(len(jobs)))
    finally:
        _FORKED.clear()
        gc.unfreeze()


def _run(index: int) -> Any:
    return _FORKED["work"](_FORKED["jobs"][index])
