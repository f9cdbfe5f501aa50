"""forked.forked_map / forked_results: the results of work done in forked processes are those
of the same work done in this process, in the jobs' order, closures included; a free process
takes the next job; a child does not fork again."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from foretell import forked


@pytest.fixture(autouse=True)
def no_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Earlier tests in the same run may leave idle threads behind (a Dask cluster's, say),
    which would keep every map in this process: these tests pin the forking itself (the
    guard is tested with a thread of its own, below)."""
    monkeypatch.setattr(forked, "other_threads", lambda: False)


def test_results_come_back_in_order_and_the_same_bits() -> None:
    rng = np.random.default_rng(3)
    data = [rng.random(50) for _ in range(23)]  # inherited at the fork, never pickled in

    def work(i: int) -> dict[str, float]:
        return {"i": i, "sum": math.fsum(data[i]), "log": float(np.log(data[i]).sum())}

    jobs = list(range(len(data)))
    assert forked.forked_map(work, jobs, 3) == [work(i) for i in jobs]


def test_a_free_process_takes_the_next_job_while_another_is_busy(tmp_path: Path) -> None:
    """Job 0 waits until jobs 1-5 have all run: only a process that was free could run them
    (with the jobs dealt out in fixed shares, job 0's share would wait behind it)."""
    import time

    def work(i: int) -> tuple[int, bool]:
        if i == 0:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if all((tmp_path / str(j)).exists() for j in range(1, 6)):
                    return os.getpid(), True
                time.sleep(0.01)
            return os.getpid(), False
        (tmp_path / str(i)).touch()
        return os.getpid(), True

    results = list(forked.forked_results(work, list(range(6)), 2))
    assert all(done for _, done in results)
    assert results[0][0] not in {pid for pid, _ in results[1:]}


def test_results_are_yielded_in_order_as_they_come() -> None:
    results = forked.forked_results(lambda i: i * i, list(range(7)), 2)
    assert next(results) == 0
    assert list(results) == [i * i for i in range(1, 7)]


def test_the_work_runs_in_other_processes() -> None:
    pids = forked.forked_map(lambda _: os.getpid(), list(range(8)), 2)
    assert os.getpid() not in pids


def test_one_worker_or_one_job_runs_here() -> None:
    assert forked.forked_map(lambda _: os.getpid(), [0, 1], 1) == [os.getpid()] * 2
    assert forked.forked_map(lambda _: os.getpid(), [0], 4) == [os.getpid()]


def test_a_child_maps_its_own_jobs_in_itself() -> None:
    def inner(_: int) -> list[bool]:
        here = os.getpid()
        return [pid == here for pid in forked.forked_map(lambda _: os.getpid(), [0, 1, 2], 2)]

    assert forked.forked_map(inner, [0, 1], 2) == [[True] * 3] * 2


def test_an_error_in_a_job_reaches_the_caller() -> None:
    def work(i: int) -> int:
        if i == 5:
            raise ValueError("job 5")
        return i

    with pytest.raises(ValueError, match="job 5"):
        forked.forked_map(work, list(range(8)), 2)


def test_a_process_running_other_threads_does_not_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.undo()  # the real check of the threads
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert forked.forked_map(lambda _: os.getpid(), [0, 1, 2], 2) == [os.getpid()] * 3
    finally:
        stop.set()
        other.join()


def test_children_inherit_a_frozen_heap_and_the_parent_is_unfrozen_after() -> None:
    import gc

    before = gc.get_freeze_count()
    kept = [[] for _ in range(1000)]  # objects the collector tracks, alive at the fork
    counts = forked.forked_map(lambda _: gc.get_freeze_count(), [0, 1, 2], 2)
    assert all(c >= len(kept) for c in counts)  # the collector leaves the inherited ones
    assert gc.get_freeze_count() == before == 0
