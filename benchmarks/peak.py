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
import threading
import time
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


def run_measured(
    cmd: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, int, bytes]:
    """(seconds, peak MiB, exit status, standard output) of ``cmd``: the peak as the module
    docstring says (``ru_maxrss`` from ``wait4`` of the command alone). Standard error is
    passed through."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    chunks: list[bytes] = []
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(INTERVAL):
            peak[0] = max(peak[0], sum(_pss_kib(p) for p in _tree(proc.pid)))

    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    watcher = threading.Thread(target=sample, daemon=True)
    if Path("/proc/self/smaps_rollup").exists():
        watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    reader.join()
    if watcher.is_alive():
        watcher.join()
    return seconds, max(peak[0], usage.ru_maxrss) / 1024, proc.returncode, b"".join(chunks)
