"""Peak memory of a command and every process it starts.

The report may compute its batches in forked worker processes, so the peak of the largest
single process (``ru_maxrss``) is not the command's memory. While the command runs, its
process tree (the processes numbered after it whose parent is in it) is sampled every
``INTERVAL`` seconds and the proportional set sizes (PSS, from ``/proc/PID/smaps_rollup``: a
page shared by n processes counts 1/n in each, so pages a forked worker shares with its parent
are counted once) are added up; the figure given is the larger of that sum's maximum and the
command's own ``ru_maxrss`` (which catches a peak between two samples of a one-process run).
Linux only: elsewhere it is ``ru_maxrss`` alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

INTERVAL = 0.1  # seconds between samples of the process tree


def _tree(root: int) -> list[int]:
    """``root`` and its descendants: the processes numbered from ``root`` on whose parent is
    in the tree (read from ``/proc/*/stat``; a descendant numbered below ``root`` after the
    process numbers wrap around would be missed)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) > root:
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    tree = [root]
    for pid in sorted(parents):  # a child is numbered after its parent
        if parents[pid] in tree:
            tree.append(pid)
    return tree


def _pss_kib(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


# Run by ``run_measured`` in a fresh process, which starts the command and writes the
# command's wall time and peak resident size to the file named first. On Linux a command's
# ``ru_maxrss`` counts the resident size of the process it was started from (the old memory's
# high-water mark is kept through ``exec``), so a command started straight from a benchmark
# holding a built project or a query's memory would report that as its own peak; started
# from this small launcher it carries the launcher's few MiB at most.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{time.perf_counter() - start} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(
    cmd: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, int, bytes]:
    """(seconds, peak MiB, exit status, standard output) of ``cmd``: the peak as the module
    docstring says (``ru_maxrss`` of the command alone, started from ``LAUNCHER``, whose own
    memory is left out of the sampled sum; the seconds are the launcher's measure of the
    command). Standard error is passed through."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp, "measured")
        launch = [sys.executable, "-c", LAUNCHER, str(report), *cmd]
        proc = subprocess.Popen(launch, stdout=subprocess.PIPE, env=env)
        assert proc.stdout is not None
        chunks: list[bytes] = []
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(INTERVAL):
                peak[0] = max(peak[0], sum(_pss_kib(p) for p in _tree(proc.pid)[1:]))

        reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)
        reader.start()
        watcher = threading.Thread(target=sample, daemon=True)
        if Path("/proc/self/smaps_rollup").exists():
            watcher.start()
        proc.wait()
        done.set()
        reader.join()
        if watcher.is_alive():
            watcher.join()
        try:
            seconds_text, maxrss_text = report.read_text().split()
        except (OSError, ValueError):  # the launcher itself failed
            return 0.0, 0.0, proc.returncode or 1, b"".join(chunks)
    return (
        float(seconds_text),
        max(peak[0], int(maxrss_text)) / 1024,
        proc.returncode,
        b"".join(chunks),
    )
