"""Report time with ``--rule each`` against the default rule, on a benchmark ledger.

Builds (or reuses, with ``--keep DIR``) the project of ``benchmarks/bench.py`` with N resolved
binary forecasts (plus its numeric questions), then times ``foretell report --format json``
under the default rule (time-averaged) and under ``--rule each`` (every forecast its own
unit) and ``--rule spot:30``, runs interleaved, and prints the medians and the ratios. With
``--plot-dir DIR`` it also writes the report's figures for the project.

Usage: python benchmarks/scores.py [--size 1000000] [--runs 3] [--keep DIR] [--plot-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench import build_project, timed

RULES = ("time-averaged", "each", "spot:30")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="build the project here, keep it")
    parser.add_argument("--plot-dir", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="foretell-scores-"))
    root = base / f"scores-{args.size}"
    if not (root / "ledger").exists():
        print(f"building {args.size:,} forecasts in {root} ...", flush=True)
        build_project(root, args.size)
    exe = [sys.executable, "-m", "foretell"]
    report = [*exe, "report", "--home", str(root), "--format", "json"]
    subprocess.run([*exe, "report", "--home", str(root)], capture_output=True, check=True)  # cache
    times: dict[str, list[float]] = {rule: [] for rule in RULES}
    for _ in range(args.runs):
        for rule in RULES:
            times[rule].append(timed([*report, "--rule", rule, "-o", str(base / "r.json")]))
    medians = {rule: statistics.median(t) for rule, t in times.items()}
    print(f"report --format json on {args.size:,} binary forecasts (median of {args.runs}):")
    for rule in RULES:
        ratio = medians[rule] / medians["time-averaged"]
        print(f"  --rule {rule:<14} {medians[rule]:7.2f} s   {ratio:5.2f}x the default")
    if args.plot_dir is not None:
        subprocess.run([*report, "--plot-dir", str(args.plot_dir), "-o", str(base / "r.json")],
                       check=True)  # fmt: skip
        print(f"figures in {args.plot_dir}")


if __name__ == "__main__":
    main()
