"""What a question's state costs ``log`` as the number of ledger files grows.

Builds ledgers of 1, 52 and 500 files (forecasters' files, plus a resolver's file closing
``--closed`` questions), then, in interleaved rounds, appends one forecast to one file (as
``log`` does) and times ``status.question_status`` for the question it logged on: the index
header is read, each file ``stat``ed, the appended file's new bytes scanned, one shard read and
the header rewritten. Prints the median per ledger and its ratio to the one-file ledger, and
which index files one lookup reads.

    python benchmarks/status_files.py            # about half a minute
    python benchmarks/status_files.py --rounds 60 --closed 30000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from foretell import ids, ledger, status, status_store

SIZES = (1, 52, 500)


def build(where: Path, files: int, closed: int) -> None:
    """``files`` ledger files: a resolver's (``closed`` closings) and forecasters' (5 each)."""
    where.mkdir()
    with ledger.AppendSession(where) as session:
        for i in range(closed):
            entry = {
                "at": f"2026-01-01T00:00:{i % 60:02d}.000000Z",
                "kind": "resolution",
                "question": f"q{i}",
                "outcome": "yes",
                "imported": "bench",
            }
            session.append("resolver", entry)
    for f in range(files - 1):
        with ledger.AppendSession(where) as session:
            for i in range(5):
                entry = {
                    "at": "2026-01-01T00:00:00.000000Z",
                    "kind": "forecast",
                    "question": f"q{i}",
                    "p": 0.5,
                    "imported": "bench",
                }
                session.append(f"forecaster-{f:03d}", entry)
    status.question_statuses(where)  # the index as the first command after these builds it


def lookup(where: Path, append: bool) -> float:
    if append:
        entry = {"kind": "forecast", "question": "open", "question_sha": "x", "p": 0.6}
        ledger.append(where, "bench", entry)
    start = time.perf_counter()
    status.question_status(where, "open")
    return time.perf_counter() - start


def reads(where: Path) -> list[str]:
    """The index files one lookup reads."""
    seen: list[str] = []
    real = ids.read_bytes

    def spy(path: Path) -> bytes:
        if status_store.INDEX_DIR in path.parts:
            seen.append("/".join(path.parts[path.parts.index(status_store.INDEX_DIR) + 1 :]))
        return real(path)

    ids.read_bytes = spy  # type: ignore[assignment]
    try:
        status.question_status(where, "q7")
    finally:
        ids.read_bytes = real  # type: ignore[assignment]
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="rounds per median")
    parser.add_argument("--closed", type=int, default=10_000, help="questions resolved")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="foretell-status-"))
    try:
        ledgers = {n: work / f"files-{n}" for n in SIZES}
        for n, where in ledgers.items():
            start = time.perf_counter()
            build(where, n, args.closed)
            print(
                f"built {n} files ({args.closed:,} closed) in {time.perf_counter() - start:.1f} s"
            )
        grown: dict[int, list[float]] = {n: [] for n in SIZES}
        same: dict[int, list[float]] = {n: [] for n in SIZES}
        for r in range(args.rounds):
            for n in SIZES[r % len(SIZES) :] + SIZES[: r % len(SIZES)]:
                grown[n].append(lookup(ledgers[n], append=True))
                same[n].append(lookup(ledgers[n], append=False))
        head = f"{'files':>5}  {'after one append':>16}  {'ratio':>6}  {'unchanged':>10}"
        print(f"\n{head}  {'ratio':>6}")
        g0, s0 = statistics.median(grown[SIZES[0]]), statistics.median(same[SIZES[0]])
        for n in SIZES:
            g, u = statistics.median(grown[n]), statistics.median(same[n])
            print(
                f"{n:>5}  {g * 1e3:>13.2f} ms  {g / g0:>5.2f}x  {u * 1e3:>7.2f} ms  {u / s0:>5.2f}x"
            )
        for n in SIZES:
            names = reads(ledgers[n])
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            print(f"index files one lookup reads at {n} files: {len(names)} ({shown})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
