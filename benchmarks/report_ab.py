"""Time ``foretell report`` of two source trees side by side: interleaved rounds, medians.

Each round runs every variant (report options) under tree A, then under tree B (``src``
directories put first on ``PYTHONPATH``; the same interpreter), so both see the same load on
a shared machine; the figures are the median wall times and their ratio B / A, and the peak
RSS of each (``/usr/bin/time``, when present). The project is only read by the reports
(reports write their caches: give a copy). ``--cold`` removes every derived cache before
each report, as ``bench.py``'s cold rounds do.

    python benchmarks/report_ab.py --home /tmp/copy-of-project --a /tmp/old/src --b src \\
        --variant "--engine duckdb" --variant "--engine duckdb --crowd none --no-peer"
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import clear_derived  # beside this script


def run(src: Path, home: Path, variant: str, cold: bool = False) -> tuple[float, int | None]:
    """Wall seconds and peak RSS (KiB, None without /usr/bin/time) of one report (after
    removing the derived caches when ``cold``)."""
    if cold:
        clear_derived(home)
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    cmd = [sys.executable, "-m", "foretell", "report", "--home", str(home), "--format", "json"]
    cmd += shlex.split(variant)
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as rss:
        if timer:
            cmd = [timer, "-f", "%M", "-o", rss.name, *cmd]
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        text = Path(rss.name).read_text().strip() if timer else ""
    return wall, int(text.splitlines()[-1]) if text else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="the project (a copy)")
    parser.add_argument("--a", type=Path, required=True, help="src directory of tree A")
    parser.add_argument("--b", type=Path, required=True, help="src directory of tree B")
    parser.add_argument("--variant", action="append", help="report options (repeatable)")
    parser.add_argument("--runs", type=int, default=5, help="rounds")
    parser.add_argument("--cold", action="store_true", help="no derived caches: each run")
    args = parser.parse_args()
    variants = args.variant or [""]
    for variant in variants:  # warm the caches once
        run(args.b, args.home, variant)
    times: dict[tuple[str, str], list[float]] = {}
    peaks: dict[tuple[str, str], list[int]] = {}
    for _ in range(args.runs):
        for variant in variants:
            for name, src in (("A", args.a), ("B", args.b)):
                wall, peak = run(src, args.home, variant, args.cold)
                times.setdefault((variant, name), []).append(wall)
                if peak is not None:
                    peaks.setdefault((variant, name), []).append(peak)
    print(f"{args.runs} interleaved rounds, home {args.home}")
    print(f"A = {args.a}\nB = {args.b}")
    for variant in variants:
        a = statistics.median(times[(variant, "A")])
        b = statistics.median(times[(variant, "B")])
        rss = {
            n: f"{max(peaks[(variant, n)]) / 1024:.0f} MiB" if (variant, n) in peaks else "-"
            for n in ("A", "B")
        }
        print(
            f"report {variant or '(defaults)'}: A {a:.2f} s, B {b:.2f} s, B/A {b / a:.2f}; "
            f"peak A {rss['A']}, B {rss['B']}"
        )


if __name__ == "__main__":
    main()
