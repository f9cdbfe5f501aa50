"""The ledger files' columnar copies brought up to date by worker processes, begun early.

A report reads the ledger through each file's columnar copy (``tables.update_copy``), and on a
cold run (copies missing or older than their files) converting the files is most of its work.
When more than ``PARALLEL_BYTES`` are to be parsed and there are at least two cores, one
worker process per core converts them while the reader does something else (it reads the
question catalog meanwhile); anything left over is converted by the reader itself, so what
the workers do is only ever a head start.

``ahead(ledger_dir)`` begins that conversion as soon as a command knows it will read the
ledger through the copies, before it imports pandas and the report's modules (about 0.3 s on
one core, the other idle until then); only where processes are forked by default, since a
spawned child would import everything again. The readers (``engine.open_ledger``,
``frames.load_frames``) enter ``converted(paths)``: it waits for the files begun ahead, or
starts the workers itself when none were, and shuts the workers down on leaving, so that no
pool thread is left when the report forks its own workers (``forked``). The workers are forked
once numpy, pyarrow and ``foretell.tables`` are imported (so each child need not import
them again) and pandas is not; pyarrow's first check for pandas objects is made without
importing pandas (``interop.arrow``), which the conversions never need. A command that stops
before reading the ledger (a bad option) cancels the files not yet started and waits for
those started: a copy is written whole or not at all (``tables``), and a copy left from a
head start is checked like any other.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from foretell import ledger

PARALLEL_BYTES = 32 * 1024 * 1024  # bytes to parse from which worker processes convert them

_ahead: dict[str, Future[None]] = {}  # path -> its conversion, while conversions are pending
_pools: list[ProcessPoolExecutor] = []  # the pool converting them (at most one)


def bytes_to_parse(path: Path) -> int:
    """The file's size unless its copy looks current (a guess: ``update_copy`` decides)."""
    from foretell.tables import cache_path

    size = path.stat().st_size
    try:
        return 0 if cache_path(path).stat().st_mtime_ns >= path.stat().st_mtime_ns else size
    except OSError:
        return size


def workers_for(paths: list[Path]) -> int:
    """Worker processes worth starting for ``paths``: one per core (at most one per file)
    when more than ``PARALLEL_BYTES`` are to be parsed, else 0."""
    workers = min(os.cpu_count() or 1, len(paths))
    if workers < 2:
        return 0
    return workers if sum(bytes_to_parse(p) for p in paths) > PARALLEL_BYTES else 0


@contextlib.contextmanager
def ahead(ledger_dir: Path) -> Iterator[None]:
    """Begin converting the ledger's files while the body runs (see the module doc)."""
    workers = 0
    # only where processes are forked by default: a spawned child would import everything
    # again, which is no head start
    if not _pools and multiprocessing.get_context().get_start_method() == "fork":
        try:
            paths = ledger.ledger_files(ledger_dir)
            workers = workers_for(paths)
        except OSError:  # the reader will name the problem
            workers = 0
    if workers == 0:
        yield
        return
    _begin(paths, workers)
    try:
        yield
    finally:
        _finish(cancel=True)


def _begin(paths: list[Path], workers: int) -> None:
    """Start ``workers`` processes converting ``paths``; their jobs go into ``_ahead``."""
    from foretell import tables  # imported before the fork: the children inherit it
    from foretell.interop.arrow import arrow

    arrow()  # nor do the children import pandas for pyarrow's first conversion (0.2-0.4 s)
    pool = ProcessPoolExecutor(workers)
    _pools.append(pool)
    _ahead.update({str(p): pool.submit(tables.prepare_copy, p) for p in paths})


def _finish(cancel: bool) -> None:
    """Shut the pool down (joined), its jobs forgotten."""
    _ahead.clear()
    while _pools:
        _pools.pop().shutdown(wait=True, cancel_futures=cancel)


@contextlib.contextmanager
def converted(paths: list[Path], meanwhile: Callable[[], object] | None = None) -> Iterator[None]:
    """Convert ``paths`` by worker processes while the body runs, where ``workers_for`` says
    so or a head start has begun them; on leaving, call ``meanwhile`` if some are still being
    converted (work the reader will need next, done instead of waiting), then wait for them
    (raising their errors) and shut the workers down. Files neither begun nor worth the
    workers are left to ``tables.update_copy`` after."""
    if not _ahead:
        workers = workers_for(paths)
        if workers == 0:
            yield
            return
        _begin(paths, workers)
    jobs = [_ahead[str(p)] for p in paths if str(p) in _ahead]
    try:
        yield
        if meanwhile is not None and not all(job.done() for job in jobs):
            meanwhile()
        for job in jobs:
            job.result()
    except BaseException:
        _finish(cancel=True)
        raise
    _finish(cancel=False)
