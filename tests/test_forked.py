"""forked.forked_map: the results of work done in forked processes are those of the same work
done in this process, in the jobs' order, closures included; a child does not fork again."""

from __future__ import annotations

import math
import os

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
