"""Crowd and peer scores: the kernels against their dense definitions, and the report's time.

Kernels (always; simulated questions of ``--rows`` forecasts by ``--members`` forecasters,
``--questions`` per batch as the report passes them): the crowd median by
``scoring.compare.median`` (``crowd.binary_timeline``) against the dense standing matrix and
``nanmedian`` (``crowd.crowd_rows`` + ``crowd.binary``); the mean-like crowds each alone
(``crowd.binary``) against the three together (``crowd.binary_timelines``); and the peer
scores' prefix-sum path against the day-by-day one (``peer._daily``). Each is the median of
``--rounds`` runs, alternating; the results also agree bit for bit (checked, and said).

Reports (with ``--home DIR``, a project: copy it first, a report writes caches into it):
``foretell report --format json`` with ``--engine`` (default duckdb) and ``--memory-limit``,
with the default crowd and peer scores and with ``--crowd none --no-peer``, interleaved
round by round; with ``--baseline EXE`` (another ``foretell``, e.g. an older checkout's),
the same two runs of it in each round too, so the figures are side by side (on
``--baseline-home``, a second copy of the project, when the two keep caches of different
formats). Printed: median wall time of each, and ratios.

Usage: python benchmarks/crowd_peer.py [--rows 1000] [--members 200] [--questions 16]
[--rounds 5] [--home DIR [--baseline EXE [--baseline-home DIR]] [--engine duckdb]
[--memory-limit 2GB]]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from foretell.scoring.compare import crowd, peer


def _median_time(fn, rounds: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def _interleaved(a, b, rounds: int) -> tuple[float, float, object, object]:
    """Median seconds of ``a`` and of ``b`` timed in alternation, and their last results."""
    times_a, times_b = [], []
    for _ in range(rounds):
        t, out_a = _median_time(a, 1)
        times_a.append(t)
        t, out_b = _median_time(b, 1)
        times_b.append(t)
    return statistics.median(times_a), statistics.median(times_b), out_a, out_b


def kernels(n_q: int, rows: int, members: int, rounds: int, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(n_q), rows)
    n = group.size
    member = rng.integers(0, members, n)
    stamp = np.concatenate([np.sort(rng.integers(0, 10**9, rows)) for _ in range(n_q)])
    p = np.round(rng.uniform(0.01, 0.99, n), 2)

    def dense() -> np.ndarray:
        _, idx = crowd.crowd_rows(member, stamp, members, group)
        return crowd.binary(p, idx, "median")

    def ranked() -> np.ndarray:
        return crowd.binary_timeline(p, crowd.timeline(member, stamp, members, group), "median")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dense()
        ranked()  # warm both
        md, mr, a, b = _interleaved(dense, ranked, rounds)
    same = np.asarray(a).tobytes() == np.asarray(b).tobytes()
    print(f"crowd median, {n_q} questions x {rows} forecasts, {members} forecasters ({n:,} rows)")
    print(f"  dense standing matrix + nanmedian  {md * 1000:8.1f} ms")
    print(f"  standing median (ranked masks)     {mr * 1000:8.1f} ms   {md / mr:5.1f}x faster")
    print(f"  same numbers bit for bit: {'yes' if same else 'NO'}")

    mean_like = ("mean", "geo-odds", "extremized")

    def dense_means() -> list[np.ndarray]:
        _, idx = crowd.crowd_rows(member, stamp, members, group)
        return [crowd.binary(p, idx, m) for m in mean_like]

    def shared_means() -> list[np.ndarray]:
        line = crowd.timeline(member, stamp, members, group)
        return crowd.binary_timelines(p, line, mean_like)

    md, mr, a, b = _interleaved(dense_means, shared_means, rounds)
    same = all(x.tobytes() == y.tobytes() for x, y in zip(a, b, strict=True))
    print("crowd mean, geo-odds and extremized, the same rows")
    print(f"  each alone (dense gathers + counts) {md * 1000:8.1f} ms")
    print(f"  together (shared log odds, counts)  {mr * 1000:8.1f} ms   {md / mr:5.1f}x faster")
    print(f"  same numbers bit for bit: {'yes' if same else 'NO'}")

    days = rng.integers(30, 365, n_q)
    day = np.concatenate(
        [np.sort(rng.integers(0, d, rows)) for d in days]
    )  # rows in time order per question
    o = rng.integers(0, 2, n_q)[group]
    brier = 2 * (p - o) ** 2
    log_p = np.log(np.where(o == 1, p, 1 - p))
    person = np.ones(members, dtype=bool)
    start, close = np.zeros(n_q, dtype=np.int64), days.astype(np.int64)
    grid = peer._segments(group, day, start, close)
    args = (grid, group, member, brier, log_p, person)
    md, ms, slow, fast = _interleaved(
        lambda: peer._daily(*args), lambda: peer._by_sums(*args), rounds
    )
    close_enough = np.allclose(fast.brier_peer, slow.brier_peer, rtol=1e-9, equal_nan=True)
    print(f"peer scores, the same questions ({int(grid.n_seg.sum()):,} segments)")
    print(f"  day by day (every term, dense)     {md * 1000:8.1f} ms")
    print(f"  prefix sums + standing median      {ms * 1000:8.1f} ms   {md / ms:5.1f}x faster")
    print(f"  same scores (to 1e-9): {'yes' if close_enough else 'NO'}")


def reports(
    home: Path, baseline: str | None, base_home: Path | None, engine: str, limit: str, rounds: int
) -> None:
    mine = shutil.which("foretell") or str(Path(sys.executable).with_name("foretell"))
    runs = {"this": mine, **({"baseline": baseline} if baseline else {})}
    variants = {"full": [], "no crowd/peer": ["--crowd", "none", "--no-peer"]}
    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        for r in range(rounds):
            for who, exe in runs.items():
                for name, extra in variants.items():
                    where = base_home if who == "baseline" and base_home else home
                    cmd = [exe, "report", "--home", str(where), "--engine", engine,
                           "--format", "json", "-o", str(out), *extra]  # fmt: skip
                    if engine == "duckdb":
                        cmd += ["--memory-limit", limit]
                    start = time.perf_counter()
                    subprocess.run(cmd, check=True, capture_output=True, env=dict(os.environ))
                    times.setdefault((who, name), []).append(time.perf_counter() - start)
            print(f"  round {r + 1}/{rounds} done", file=sys.stderr)
    print(f"report --engine {engine} on {home} (median of {rounds} interleaved rounds)")
    med = {k: statistics.median(v) for k, v in times.items()}
    for who in runs:
        full, bare = med[(who, "full")], med[(who, "no crowd/peer")]
        print(f"  {who:9s} full {full:7.2f} s   no crowd/peer {bare:7.2f} s   "
              f"crowd + peer {full - bare:6.2f} s")  # fmt: skip
    if baseline:
        b_extra = med[("baseline", "full")] - med[("baseline", "no crowd/peer")]
        t_extra = med[("this", "full")] - med[("this", "no crowd/peer")]
        ratio = med[("baseline", "full")] / med[("this", "full")]
        print(f"  full report: baseline / this = {ratio:.2f}x; "
              f"crowd + peer part: {b_extra / max(t_extra, 1e-9):.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--questions", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--baseline", default=None)
    parser.add_argument("--baseline-home", type=Path, default=None)
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--memory-limit", default="2GB")
    a = parser.parse_args()
    kernels(a.questions, a.rows, a.members, a.rounds)
    if a.home is not None:
        reports(a.home, a.baseline, a.baseline_home, a.engine, a.memory_limit, a.rounds)


if __name__ == "__main__":
    main()
