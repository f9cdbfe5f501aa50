"""What reading the claims costs the report: prints figures.

Builds throw-away projects of resolved binary forecasts (100 per question, 50 forecasters,
no claims; entries in time order), then times, in one process, as medians of interleaved
runs:

- ``read_claims``: the scan of every ledger file for claim entries (each file is searched for
  the kind marker before any line is parsed), with no claims and with ``--claims`` claims
  added to one claimant's chain;
- ``load_frames``: the whole read path of ``report`` (from its derived cache, after a first
  run), so the scan can be read as a share of it.

Usage: python benchmarks/claims_bench.py [--sizes 100000 1000000] [--runs 7] [--claims 1000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from foretell import catalog, ledger
from foretell.claims import read_claims
from foretell.frames import load_frames
from foretell.home import Home, init_home
from foretell.model import Question

START = datetime(2025, 1, 1, tzinfo=UTC)


def build_project(root: Path, n_forecasts: int, seed: int = 7) -> Path:
    """``n_forecasts`` binary forecasts, a second apart, round the questions; all resolved."""
    rng = random.Random(seed)
    home = init_home(root)
    questions = []
    for i in range(max(1, n_forecasts // 100)):
        q = Question.model_validate(
            {"id": f"bench-b{i:07d}", "title": f"Benchmark question {i}", "type": "binary",
             "opened": date(2025, 1, 1), "resolve_by": date(2026, 6, 30),
             "criteria": "Synthetic question for benchmarks."}
        )  # fmt: skip
        catalog.write_new_question(home.forecasts, q)
        questions.append((q.id, q.sha()))
    with ledger.AppendSession(home.ledger) as session:
        for i in range(n_forecasts):
            qid, sha = questions[i % len(questions)]
            entry = {"at": ledger.format_at(START + timedelta(seconds=i)), "kind": "forecast",
                     "question": qid, "question_sha": sha, "p": round(rng.random(), 3)}  # fmt: skip
            session.append(f"forecaster-{rng.randrange(50):02d}", entry)
        end = START + timedelta(seconds=n_forecasts)
        for qid, sha in questions:
            entry = {"at": ledger.format_at(end), "kind": "resolution", "question": qid,
                     "question_sha": sha, "outcome": rng.choice(["yes", "no"]),
                     "resolved_on": "2026-06-30"}  # fmt: skip
            session.append("resolver", entry)
    return home.root


def interleaved(runs: int, **work: Callable[[], object]) -> dict[str, float]:
    """Median seconds of each callable, the callables run in turn ``runs`` times."""
    times: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):
        for name, fn in work.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def add_claims(home: Home, n: int) -> None:
    """``n`` claims by one claimant on the project's binary questions."""
    questions = [q for q in catalog.load_catalog(home.forecasts).values() if q.type == "binary"]
    with ledger.AppendSession(home.ledger) as session:
        for i in range(n):
            q = questions[i % len(questions)]
            session.append(
                "bench-claimant",
                {
                    "at": ledger.now_at(),
                    "kind": "claim",
                    "question": q.id,
                    "question_sha": q.sha(),
                    "on": date(2024, 12, 1 + i % 28).isoformat(),
                    "source": f"doc-{i}.txt",
                    "hedge": "probable",
                    "value": "yes" if i % 2 else "no",
                },
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--claims", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'forecasts':>10} {'ledger MiB':>10} {'claims':>7} {'read_claims s':>14} "
          f"{'load_frames s':>14} {'scan share':>10}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="foretell-claims-bench-") as tmp:
        for size in args.sizes:
            home = Home(build_project(Path(tmp) / f"p{size}", size))
            mib = sum(p.stat().st_size for p in ledger.ledger_files(home.ledger)) / 2**20
            for n_claims in (0, args.claims):
                if n_claims:
                    add_claims(home, n_claims)
                load_frames(home)  # builds the derived cache
                got = interleaved(
                    args.runs,
                    scan=lambda h=home: read_claims(h.ledger),
                    frames=lambda h=home: load_frames(h),
                )
                print(
                    f"{size:>10,} {mib:>10.1f} {n_claims:>7,} {got['scan']:>14.4f} "
                    f"{got['frames']:>14.3f} {got['scan'] / got['frames']:>10.1%}"
                )


if __name__ == "__main__":
    main()
