"""Figures for comparing forecasters: crowd and peer cost, `compare` timings, test behaviour.

Prints:

1. On a simulated ledger of 30 forecasters x 500 binary questions (each forecaster answers
   a question with probability 0.8, one to three forecasts per answer over the question's
   60 days): the report built from the loaded frames with the default crowd (crowd:median)
   and the peer scores, against the report with ``--crowd none`` and no peer scores. Median
   of interleaved runs and their ratio (target <= 1.5x).
2. `compare` of two forecasters (head to head) and the 30 x 30 relative-skill table, in
   seconds (median of runs, from the loaded frames).
3. The known-different-skill pair of that ledger (noise 0.3 vs 1.5 on the log-odds):
   its interval and p-value.
4. 100 simulated ledgers of two forecasters of identical skill (500 questions each): how
   often the 95% interval covers 0.

Run: python benchmarks/compare.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from foretell import catalog, ledger
from foretell.frames import load_frames
from foretell.home import init_home
from foretell.model import Question
from foretell.report.build import build_report
from foretell.report.headtohead import CompareOptions, head_to_head, skill_table
from foretell.report.options import ReportOptions
from foretell.values import fit_forecast

DAY0 = dt.date(2025, 1, 1)


def _at(day: int, second: int) -> str:
    moment = dt.datetime.combine(DAY0, dt.time(12), tzinfo=dt.UTC) + dt.timedelta(
        days=int(day), seconds=int(second)
    )
    return ledger.format_at(moment)


def questions_of(n_questions: int) -> list[Question]:
    return [
        Question(
            id=f"sim-{i:04d}",
            title=f"Simulated question {i}",
            type="binary",
            opened=DAY0,
            resolve_by=DAY0 + dt.timedelta(days=60),
            criteria="Simulated.",
        )
        for i in range(n_questions)
    ]


def simulate(
    root: Path,
    n_forecasters: int,
    n_questions: int,
    noise: np.ndarray,
    seed: int,
    catalog_from: Path | None = None,
):
    """A project on disk: binary questions, noisy forecasters, resolutions; its frames.

    ``catalog_from``: copy the question files from that project's forecasts/ (same
    questions) instead of writing them one by one; the forecasts and outcomes are new.
    """
    rng = np.random.default_rng(seed)
    home = init_home(root)
    questions = questions_of(n_questions)
    if catalog_from is None:
        for q in questions:
            catalog.write_new_question(home.forecasts, q)
    else:
        for path in (catalog_from / "forecasts").glob("*.toml"):
            shutil.copyfile(path, home.forecasts / path.name)
    truth = rng.uniform(0.05, 0.95, n_questions)
    outcome = rng.uniform(size=n_questions) < truth
    entries = []
    for qi, q in enumerate(questions):
        sha = q.sha()
        for f in range(n_forecasters):
            if rng.uniform() > 0.8:
                continue
            for k, day in enumerate(sorted(rng.choice(55, size=rng.integers(1, 4), replace=False))):
                logit = np.log(truth[qi] / (1 - truth[qi])) + rng.normal(0, noise[f])
                p = float(np.clip(1 / (1 + np.exp(-logit)), 0.01, 0.99))
                payload = fit_forecast(q, {"p": round(p, 4)})
                entry = {"at": _at(day, f * 10 + k), "kind": "forecast", "question": q.id,
                         "question_sha": sha, **payload}  # fmt: skip
                entries.append((f"f{f:02d}", entry))
        entries.append(
            (
                "judge",
                {
                    "at": _at(59, 0),
                    "kind": "resolution",
                    "question": q.id,
                    "question_sha": sha,
                    "resolved_on": (DAY0 + dt.timedelta(days=59)).isoformat(),
                    "outcome": "yes" if outcome[qi] else "no",
                },
            )
        )
    entries.sort(key=lambda e: e[1]["at"])
    with ledger.AppendSession(home.ledger) as session:
        for author, entry in entries:
            session.append(author, entry)
    return load_frames(home), len(entries)


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs and ledgers")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    n_ledgers = 20 if args.quick else 100

    with tempfile.TemporaryDirectory() as tmp:
        noise = np.linspace(0.3, 1.5, 30)
        start = time.perf_counter()
        frames, n_entries = simulate(Path(tmp) / "big", 30, 500, noise, seed=1)
        print(f"simulated ledger: 30 forecasters x 500 questions, {n_entries} entries "
              f"({time.perf_counter() - start:.1f} s to write and load)")  # fmt: skip

        with_cmp = ReportOptions(group_by="forecaster")
        without = ReportOptions(group_by="forecaster", crowd="none", peer=False)
        a, b = [], []
        for _ in range(runs):  # interleaved
            a += timed(lambda: build_report(frames, with_cmp), 1)
            b += timed(lambda: build_report(frames, without), 1)
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"report with crowd:median + peer scores: {ma:.2f} s (median of {runs})")
        print(f"report with --crowd none, no peer:      {mb:.2f} s (median of {runs})")
        print(f"ratio: {ma / mb:.2f}x (target <= 1.5x)")
        all_crowds = statistics.median(
            timed(lambda: build_report(frames, ReportOptions(crowd="all")), runs)
        )
        print(f"report with all four crowds + peer:     {all_crowds:.2f} s "
              f"({all_crowds / mb:.2f}x)")  # fmt: skip

        options = CompareOptions()
        h2h = statistics.median(timed(lambda: head_to_head(frames, "f00", "f29", options), runs))
        table = statistics.median(timed(lambda: skill_table(frames, options), runs))
        doc = head_to_head(frames, "f00", "f29", options)
        t = skill_table(frames, options)
        print(f"compare f00 f29: {h2h:.2f} s; compare (table of {len(t['forecasters'])} "
              f"incl. crowd:median): {table:.2f} s (medians of {runs})")  # fmt: skip
        print(
            f"known different skill (noise 0.3 vs 1.5): {doc['n_questions']} shared questions, "
            f"Brier difference {doc['mean_difference']:+.4f}, 95% CI "
            f"[{doc['ci_low']:+.4f}, {doc['ci_high']:+.4f}], p = {doc['p_value']:.3g}; "
            f"CI excludes 0: {doc['ci_high'] < 0 or doc['ci_low'] > 0}, p < 0.01: "
            f"{doc['p_value'] < 0.01}"
        )

        covered = 0
        start = time.perf_counter()
        same = np.array([0.8, 0.8])
        for i in range(n_ledgers):
            small, _ = simulate(
                Path(tmp) / f"same-{i}", 2, 500, same, seed=100 + i, catalog_from=Path(tmp) / "big"
            )
            d = head_to_head(small, "f00", "f01", CompareOptions(crowd="none", n_resamples=2000))
            covered += d["ci_low"] <= 0 <= d["ci_high"]
        print(f"identical skill: the 95% interval covers 0 in {covered} of {n_ledgers} "
              f"simulated ledgers (2 forecasters x 500 questions; "
              f"{time.perf_counter() - start:.0f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
