"""foretell benchmarks: the speed table of the README, measured side by side in one run.

Builds throw-away projects (100k, 1M and 3M resolved binary forecasts, 100 per question,
50 forecasters, plus 2% numeric questions) and measures, interleaved (each round runs every
contender once, in turn) and reported as medians with their spread:

- ``foretell log`` on an empty project and on the 3M project, against the floor
  ``python -c "import typer, pydantic"``, with peak memory and, for the two ``log`` runs, the
  median CPU time too (user + system, from ``wait4``: the machine's other load moves it
  less than the wall time, which a difference of a few percent is lost in);
- ``foretell report --format json`` on 100k forecasts, cached and cold (every derived cache
  removed first), against the peer augur-cli 0.3.0 (``augur score --json``, SQLite) on the same
  forecasts, installed by this script in its own virtual environment (skipped, with a
  message, when it cannot be installed);
- ``foretell report --format json`` on 1M forecasts, cached and cold, against the floor
  script ``benchmarks/floor.py`` (read ``ledger/*.jsonl`` with orjson, per-forecaster Brier
  with numpy), with the median CPU time of each (user + system, worker processes included),
  and the cached report without its comparison sections (``--crowd none --no-peer``);
- the report's peak memory (its whole process tree: ``peak.py``) per extra million forecasts
  (100k -> 1M, and 3M with --report-3m);
- ``foretell import`` of a 1M-row generic CSV (rows/s, with its median user and system CPU
  time: its system time is the kernel writing and creating its files).

Commands run as a user runs them: whole processes timed from here, with Python's bytecode
cache allowed (PYTHONDONTWRITEBYTECODE is removed from their environment) and one warm-up run
each. Usage: python benchmarks/bench.py [--runs 5] [--log-runs 30] [--keep DIR] [--small]
(--small: 10x smaller sizes, to try the script quickly; its figures are not the table's).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from peak import run_measured

from foretell import catalog, ledger
from foretell.home import init_home
from foretell.model import Question

HERE = Path(__file__).resolve().parent
PEER = "augur-cli==0.3.0"
DERIVED = (".cache", ".index", ".columnar", ".catalog", ".catalog-cache")

FORECASTS_PER_QUESTION = 100
FORECASTERS = 50
NUMERIC_SHARE = 0.02
START = datetime(2025, 1, 1, tzinfo=UTC)


def build_project(root: Path, n_forecasts: int, seed: int = 7) -> Path:
    """A project with ``n_forecasts`` resolved binary forecasts and a few numeric questions."""
    rng = random.Random(seed)
    home = init_home(root)
    n_questions = max(1, n_forecasts // FORECASTS_PER_QUESTION)
    n_numeric = max(1, int(n_questions * NUMERIC_SHARE))
    with ledger.AppendSession(home.ledger) as session:
        for i in range(n_questions + n_numeric):
            numeric = i >= n_questions
            opened = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 200))
            resolve_by = opened + timedelta(days=rng.randrange(30, 365))
            fields = {
                "id": f"bench-{'n' if numeric else 'b'}{i:07d}",
                "title": f"Benchmark question {i}",
                "type": "numeric" if numeric else "binary",
                "opened": opened,
                "resolve_by": resolve_by,
                "criteria": "Synthetic question for benchmarks.",
                "tags": ["bench", f"group-{i % 10}"],
            }
            if numeric:
                fields.update(unit="units", range=(0.0, 2_000_000.0), thresholds=[750_000.0])
            question = Question.model_validate(fields)
            catalog.write_new_question(home.forecasts, question)
            sha = question.sha()
            truth = rng.random()
            span = (resolve_by - opened).days
            per_question = 10 if numeric else FORECASTS_PER_QUESTION
            for _ in range(per_question):
                moment = START + timedelta(
                    days=(opened - date(2025, 1, 1)).days + rng.randrange(0, span),
                    seconds=rng.randrange(0, 86_400),
                )
                entry = {
                    "at": ledger.format_at(moment),
                    "kind": "forecast",
                    "question": question.id,
                    "question_sha": sha,
                    "imported": "bench",  # generated history: not in time order per file
                }
                if numeric:
                    mid = rng.uniform(400_000, 1_100_000)
                    entry["quantiles"] = {
                        "0.05": round(mid * 0.8),
                        "0.5": round(mid),
                        "0.95": round(mid * 1.2),
                    }
                else:
                    entry["p"] = round(min(max(rng.gauss(truth, 0.2), 0.01), 0.99), 3)
                session.append(f"forecaster-{rng.randrange(FORECASTERS):02d}", entry)
            outcome: object = (
                rng.uniform(300_000, 1_200_000)
                if numeric
                else ("yes" if rng.random() < truth else "no")
            )
            session.append(
                "resolver",
                {
                    "at": ledger.format_at(
                        START + timedelta(days=(resolve_by - date(2025, 1, 1)).days)
                    ),
                    "kind": "resolution",
                    "question": question.id,
                    "question_sha": sha,
                    "outcome": outcome,
                    "resolved_on": resolve_by.isoformat(),
                    "imported": "bench",
                },
            )
    return home.root


def write_generic_csv(path: Path, n_rows: int, seed: int = 11) -> None:
    """A generic-format CSV of ``n_rows`` binary forecasts over n_rows/100 resolved questions."""
    rng = random.Random(seed)
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "question",
                "title",
                "type",
                "author",
                "at",
                "p",
                "outcome",
                "resolved_at",
                "resolve_by",
            ]
        )
        for i in range(n_rows):
            q = i // FORECASTS_PER_QUESTION
            out.writerow(
                [
                    f"imported-{q:07d}",
                    f"Imported question {q}",
                    "binary",
                    f"person-{rng.randrange(FORECASTERS):02d}",
                    f"2025-{1 + q % 12:02d}-{1 + i % 28:02d}T12:00:00Z",
                    f"{rng.random():.3f}",
                    "yes" if q % 3 else "no",
                    "2026-01-15T00:00:00Z",
                    "2026-01-15",
                ]
            )


def env_for_runs() -> dict[str, str]:
    env = {**os.environ, "FORETELL_USER": "bench"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's Python keeps its bytecode cache
    env.pop("FORETELL_HOME", None)
    return env


ENV = env_for_runs()


def run(cmd: list[str], env: dict[str, str] | None = None, cpu: list[float] | None = None) -> float:
    """Wall time of ``cmd``, seconds; a failing command stops the benchmark. ``cpu``: the
    command's CPU time (user + system, its children's included, from ``wait4``) is appended
    to it, a figure the machine's other load moves less."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env or ENV)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err.decode()[-2000:]}")
    if cpu is not None:
        cpu.append(usage.ru_utime + usage.ru_stime)
    return elapsed


def run_watching_lock(cmd: list[str], ledger_dir: Path) -> tuple[float, float, tuple[float, float]]:
    """Wall time of ``cmd``, how long it held the project lock (``ledger/.lock``), seen from
    outside by trying the lock without waiting every 5 ms, and its (user, system) CPU time
    (its children's included, from ``wait4``). Its output goes to temporary files, so that
    no pipe fills while the lock is watched."""
    from foretell.lock import is_locked

    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=ENV)
        first = last = None
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if is_locked(ledger_dir):
                now = time.perf_counter()
                first = first if first is not None else now
                last = now
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            raise SystemExit(f"failed: {' '.join(cmd)}\n{err.read().decode()[-2000:]}")
    held = (last - first) if first is not None and last is not None else 0.0
    return elapsed, held, (usage.ru_utime, usage.ru_stime)


def peak_rss_mib(cmd: list[str], before: Callable[[], None] | None = None) -> float:
    """Peak memory of ``cmd`` and the processes it starts (``peak.run_measured``)."""
    if before is not None:
        before()
    _, mib, code, _ = run_measured(cmd, env=ENV)
    if code:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return mib


def clear_derived(root: Path) -> None:
    """Remove every derived cache of a project (the ledger and question files stay)."""
    for base in (root / "ledger", root / "forecasts", root):
        for name in DERIVED:
            shutil.rmtree(base / name, ignore_errors=True)


class Rounds:
    """Contenders timed in interleaved rounds; medians and spread per contender."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, Callable[[], float]]] = []
        self.times: dict[str, list[float]] = {}
        self.cold: set[str] = set()  # jobs that start from nothing each time: no warm-up

    def add(self, name: str, job: Callable[[], float], warm_up: bool = True) -> None:
        self.jobs.append((name, job))
        self.times[name] = []
        if not warm_up:
            self.cold.add(name)

    def go(self, rounds: int) -> None:
        for name, job in self.jobs:  # warm-up: bytecode, disk cache, derived caches
            if name not in self.cold:
                job()
        for r in range(rounds):
            order = self.jobs if r % 2 == 0 else self.jobs[::-1]
            for name, job in order:
                self.times[name].append(job())

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])

    def spread(self, name: str) -> str:
        return spread(self.times[name])


def spread(values: list[float]) -> str:
    """The runs' range around their median, as +- percent of it (``-4%/+9%``)."""
    mid = statistics.median(values)
    return f"{(min(values) - mid) / mid:+.0%}/{(max(values) - mid) / mid:+.0%}"


def timed_after(
    prepare: Callable[[], None],
    cmd: list[str],
    env: dict[str, str] | None = None,
    cpu: list[float] | None = None,
):
    def job() -> float:
        prepare()
        return run(cmd, env, cpu)

    return job


def install_peer(work: Path) -> Path | None:
    """``augur`` from augur-cli 0.3.0 in its own virtual environment, or None (with a message)."""
    venv = work / "peer-venv"
    augur = venv / "bin" / "augur"
    if augur.exists():
        return augur
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", PEER],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as err:
        detail = getattr(err, "stderr", b"") or b""
        print(f"peer {PEER} could not be installed ({err}); its rows are skipped")
        if detail:
            print("  " + detail.decode(errors="replace").strip().splitlines()[-1])
        return None
    return augur if augur.exists() else None


PEER_LOAD = """
import json, sys
from augur.db import Database
rows = json.load(open(sys.argv[2]))
db = Database(sys.argv[1])
db.conn.executemany(
    "INSERT INTO predictions (statement, probability, created_at, resolve_by, resolved_at,"
    " outcome, tags, note) VALUES (?, ?, ?, ?, ?, ?, '', '')", rows)
db.conn.commit()
"""


def peer_database(augur: Path, root: Path, target: Path) -> None:
    """The binary forecasts of ``root`` as resolved augur predictions (one per forecast)."""
    import orjson

    outcomes: dict[str, tuple[str, str]] = {}
    forecasts: list[tuple[str, float, str]] = []
    for path in ledger.ledger_files(root / "ledger"):
        for line in path.read_bytes().splitlines():
            entry = orjson.loads(line)
            if entry["kind"] == "resolution" and entry["outcome"] in ("yes", "no"):
                outcomes[entry["question"]] = (entry["outcome"], entry["at"])
            elif entry["kind"] == "forecast" and "p" in entry:
                forecasts.append((entry["question"], entry["p"], entry["at"]))
    rows = [
        (q, p, at[:19], outcomes[q][1][:19], outcomes[q][1][:19], outcomes[q][0])
        for q, p, at in forecasts
        if q in outcomes
    ]
    dump = target.with_suffix(".json")
    dump.write_bytes(orjson.dumps(rows))
    target.unlink(missing_ok=True)
    python = augur.parent / "python"
    subprocess.run([str(python), "-c", PEER_LOAD, str(target), str(dump)], check=True)
    dump.unlink()


def project(work: Path, n: int) -> Path:
    root = work / f"ledger-{n}"
    if not root.exists():  # built under another name first: a killed build is not reused
        start = time.perf_counter()
        partial = root.with_name(f"{root.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        build_project(partial, n)
        add_log_target(partial)
        partial.rename(root)
        print(f"built {n:,} forecasts in {time.perf_counter() - start:.0f} s")
    else:
        print(f"reusing {root} ({n:,} forecasts, built earlier by this script)")
    return root


def add_log_target(root: Path) -> None:
    catalog.write_new_question(
        root / "forecasts",
        Question(
            id="bench-log",
            title="Benchmark log target",
            type="binary",
            opened=date(2026, 1, 1),
            resolve_by=date(2099, 1, 1),
            criteria="Synthetic.",
        ),
    )


def fmt_s(t: float) -> str:
    return f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds per median (report)")
    parser.add_argument("--log-runs", type=int, default=30, help="rounds per median (log)")
    parser.add_argument("--import-runs", type=int, default=5, help="rounds for import")
    parser.add_argument("--mem-runs", type=int, default=3, help="runs per memory median")
    parser.add_argument("--keep", type=Path, default=None, help="build projects here; keep them")
    parser.add_argument("--small", action="store_true", help="10x smaller sizes (a quick try)")
    parser.add_argument("--report-3m", action="store_true", help="also time the 3M report")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer")
    args = parser.parse_args()
    scale = 10 if args.small else 1
    n_peer, n_mid, n_big = 100_000 // scale, 1_000_000 // scale, 3_000_000 // scale
    n_import = 1_000_000 // scale

    work = args.keep or Path(tempfile.mkdtemp(prefix="foretell-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("import-*"):  # an interrupted run's: removed long before the imports
        shutil.rmtree(stale, ignore_errors=True)
    exe = shutil.which("foretell") or sys.exit("install foretell first (pip install -e .)")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, {os.cpu_count()} cores, "
        f"{mem:.0f} GiB; Linux {platform.release()}; Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.1f}; work dir {work}"
    )
    rows: list[
        tuple[str, str, str, str, str, str]
    ] = []  # operation, ours, ref, ratio, target, spread
    augur = None if args.no_peer else install_peer(work)

    # --- log: empty vs the 3M project vs the floor
    big = project(work, n_big)
    empty = work / "empty"
    if not empty.exists():
        init_home(empty)
        add_log_target(empty)
    log_empty = [exe, "log", "bench-log", "0.6", "--home", str(empty)]
    log_big = [exe, "log", "bench-log", "0.6", "--home", str(big)]
    floor = [sys.executable, "-c", "import typer, pydantic"]
    rounds = Rounds()
    cpu_empty: list[float] = []
    cpu_big: list[float] = []
    rounds.add("log empty", lambda: run(log_empty, cpu=cpu_empty))
    rounds.add("log 3M", lambda: run(log_big, cpu=cpu_big))
    rounds.add("floor", lambda: run(floor))
    rounds.go(args.log_runs)
    # the warm-up's CPU time is left out, as its wall time is
    cpu_ratio = statistics.median(cpu_big[1:]) / statistics.median(cpu_empty[1:])
    t_empty, t_big, t_floor = (rounds.median(k) for k in ("log empty", "log 3M", "floor"))
    m_empty = statistics.median(peak_rss_mib(log_empty) for _ in range(args.mem_runs))
    m_big = statistics.median(peak_rss_mib(log_big) for _ in range(args.mem_runs))
    rows.append((
        "`log` one forecast", fmt_s(t_empty),
        f'`python -c "import typer, pydantic"` {fmt_s(t_floor)}',
        f"{t_empty / t_floor:.2f}x", "<= 1.3x",
        f"{rounds.spread('log empty')}, floor {rounds.spread('floor')}",
    ))  # fmt: skip
    rows.append((
        f"`log` on a {n_big / 1e6:g}M-entry ledger vs empty", f"{fmt_s(t_big)}, {m_big:.0f} MiB",
        f"{fmt_s(t_empty)}, {m_empty:.0f} MiB",
        f"{t_big / t_empty:.3f}x, {m_big - m_empty:+.0f} MiB", "<= 1.03x, same memory",
        f"{rounds.spread('log 3M')}; CPU time {cpu_ratio:.3f}x",
    ))  # fmt: skip

    # --- report on the peer's size: cached and cold, against augur
    mid_peer = project(work, n_peer)
    report_peer = [exe, "report", "--format", "json", "--home", str(mid_peer)]
    rounds = Rounds()
    rounds.add("cached", lambda: run(report_peer))
    rounds.add("cold", timed_after(lambda: clear_derived(mid_peer), report_peer), warm_up=False)
    if augur is not None:
        db = work / f"augur-{n_peer}.db"
        if not db.exists():
            peer_database(augur, mid_peer, db)
        augur_env = {**ENV, "AUGUR_DB": str(db), "NO_COLOR": "1"}
        rounds.add(
            "augur", lambda: run([str(augur), "--db", str(db), "score", "--json"], augur_env)
        )
    rounds.go(args.runs)
    t_cached, t_cold = rounds.median("cached"), rounds.median("cold")
    label = f"{n_peer // 1000}k"
    if augur is not None:
        t_peer = rounds.median("augur")
        rows.append((
            f"`report --format json`, {label}, cached", fmt_s(t_cached),
            f"augur `score --json` {fmt_s(t_peer)}", f"{t_cached / t_peer:.2f}x", "<= 0.8x",
            f"{rounds.spread('cached')}, augur {rounds.spread('augur')}",
        ))  # fmt: skip
        rows.append((
            "same, cold (no caches)", fmt_s(t_cold), f"augur {fmt_s(t_peer)}",
            f"{t_cold / t_peer:.2f}x", "<= 1.2x", rounds.spread("cold"),
        ))  # fmt: skip
    else:
        rows.append((f"`report --format json`, {label}, cached", fmt_s(t_cached), "peer skipped",
                     "", "<= 0.8x", rounds.spread("cached")))  # fmt: skip
        rows.append(("same, cold (no caches)", fmt_s(t_cold), "peer skipped", "", "<= 1.2x",
                     rounds.spread("cold")))  # fmt: skip

    # --- report at 1M against the floor script
    mid = project(work, n_mid)
    report_mid = [exe, "report", "--format", "json", "--home", str(mid)]
    floor_mid = [sys.executable, str(HERE / "floor.py"), str(mid)]
    # the same report without its comparison sections (the crowd's and the peer scores):
    # what the floor computes is a part of the rest
    scores_mid = [*report_mid, "--crowd", "none", "--no-peer"]
    cpu_cached: list[float] = []
    cpu_cold: list[float] = []
    rounds = Rounds()
    rounds.add("cached", lambda: run(report_mid, cpu=cpu_cached))
    rounds.add(
        "cold", timed_after(lambda: clear_derived(mid), report_mid, cpu=cpu_cold), warm_up=False
    )
    rounds.add("scores", lambda: run(scores_mid))
    rounds.add("floor", lambda: run(floor_mid))
    rounds.go(args.runs)
    t_cached, t_cold, t_scores, t_floor = (
        rounds.median(k) for k in ("cached", "cold", "scores", "floor")
    )
    label = f"{n_mid / 1e6:g}M"
    cores = os.cpu_count() or 1
    rows.append((
        f"`report`, {label}, cached", fmt_s(t_cached), f"floor {fmt_s(t_floor)}",
        f"{t_cached / t_floor:.2f}x", "<= 1.2x",
        f"{rounds.spread('cached')}, floor {rounds.spread('floor')}; "
        f"CPU {statistics.median(cpu_cached[1:]):.1f} s on {cores} cores",
    ))  # fmt: skip
    rows.append((
        "same, without crowd and peer (`--crowd none --no-peer`)", fmt_s(t_scores),
        f"floor {fmt_s(t_floor)}", f"{t_scores / t_floor:.2f}x", "", rounds.spread("scores"),
    ))  # fmt: skip
    rows.append((
        f"`report`, {label}, cold", fmt_s(t_cold), f"floor {fmt_s(t_floor)}",
        f"{t_cold / t_floor:.2f}x", "<= 1.5x",
        f"{rounds.spread('cold')}; CPU {statistics.median(cpu_cold):.1f} s on {cores} cores",
    ))  # fmt: skip

    # --- report memory per extra million forecasts (cached runs, median of 3)
    sizes = [(n_peer, mid_peer), (n_mid, mid)] + ([(n_big, big)] if args.report_3m else [])
    peaks = []
    for n, root in sizes:
        cmd = [exe, "report", "--format", "json", "--home", str(root)]
        peaks.append((n, statistics.median(peak_rss_mib(cmd) for _ in range(args.mem_runs))))
    (n0, m0), (n1, m1) = peaks[0], peaks[-1]
    per_million = (m1 - m0) / ((n1 - n0) / 1e6)
    shown = ", ".join(f"{n / 1e6:g}M {m:.0f} MiB" for n, m in peaks)
    rows.append((
        "`report` memory", f"{per_million:.0f} MiB per extra million forecasts", shown, "",
        "<= 150 MiB", "",
    ))  # fmt: skip

    # --- import throughput
    source = work / f"generic-{n_import}.csv"
    if not source.exists():
        write_generic_csv(source, n_import)
    # every round imports into a new project, and the projects are removed only after the
    # last round (stale ones at the start of the script, minutes before): on an ext4 file
    # system without a journal, a file or directory created within about a minute (up to
    # six) of many deletions costs the kernel a scan past every recently freed inode (its
    # ``recently_deleted`` check): on 2026-12-04, an import run just after the last one's
    # 20,000 files were removed took 10.6-12.0 s, against 4.8-4.9 s with no deletion in the
    # minutes before
    targets = [work / f"import-{i}" for i in range(args.import_runs)]
    times, held, user, system = [], [], [], []
    for target in targets:
        init_home(target)
        os.sync()
        cmd = [exe, "import", str(source), "--from", "generic", "--home", str(target)]
        elapsed, locked, (cpu_user, cpu_system) = run_watching_lock(cmd, target / "ledger")
        times.append(elapsed)
        held.append(locked)
        user.append(cpu_user)
        system.append(cpu_system)
    for target in targets:
        shutil.rmtree(target, ignore_errors=True)
    t_import = statistics.median(times)
    rows.append((
        f"`import`, {n_import / 1e6:g}M rows", f"{n_import / t_import / 1000:.0f}k rows/s",
        f"{t_import:.2f} s", "", ">= 150k rows/s",
        f"{spread(times)}; CPU {statistics.median(user):.1f} s user, "
        f"{statistics.median(system):.1f} s system",
    ))  # fmt: skip
    t_held = statistics.median(held)
    rows.append((
        f"`import`, {n_import / 1e6:g}M rows: project lock held", f"{t_held:.2f} s",
        "", f"{t_held / t_import:.0%} of the import", "", "",
    ))  # fmt: skip

    print()
    print("| operation | foretell | reference | ratio | target | spread of runs |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        f"\nmedians of {args.runs} interleaved rounds ({args.log_runs} for log, "
        f"{args.import_runs} for import, {args.mem_runs} for memory); spread = fastest/slowest "
        f"run against the median; load average at the end {os.getloadavg()[0]:.1f}"
    )
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
