"""foretell at scale: prints the figures of the README's "Scale" section, side by side.

Projects are simulated: ``--forecasters`` forecasters, each question forecast by a share of
them about ten times each between its opening and its resolution; 2% of the questions are
numeric (five quantiles, one threshold), 1% multiple choice (three options), the rest binary;
every question is resolved.

- ``--size`` (default 10M): a real ledger (JSON Lines written through ``ledger.AppendSession``,
  about 340 bytes a forecast). Measured: the first report (the ledger converted to its
  columnar copy), the cached report (``--engine duckdb``, the engine ``auto`` picks above 2M),
  the same per-forecaster Brier and calibration tables computed by a DuckDB query over the same
  Parquet copy (and the largest difference from the report's numbers), ``--engine dask`` on a
  local cluster of 2 workers (its JSON compared with DuckDB's), and bringing the copy up to
  date after one ``foretell log``.
- ``--big`` (default 100M): the columnar copy is written directly (the ledger would be about
  34 GB); each ledger file is a sparse placeholder whose last line is a real entry, so the copy
  checks as current and the report reads only the copy. Measured: the report's time and peak
  memory with ``--memory-limit``.

The cached reports (with and without crowd and peer scores) and the DuckDB query are timed in
``--rounds`` interleaved rounds (default 3) and given as medians, with the spread of the runs;
those runs are plain (nothing samples their memory). Peak memory comes from one more run of
each under ``peak.py`` (the ``foretell`` command's whole process tree, its worker processes
included), which also gives the JSON compared with the query and with Dask. Every other
timing (the first report, Dask, the 100M report) is that one run, with its memory sampled.

Usage: python benchmarks/scale.py [--size N] [--big N|0] [--dir DIR] [--keep] [--rounds R]
[--skip first full dask big]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
from bench import run as timed
from bench import spread
from peak import run_measured

from foretell import catalog, ledger, tables
from foretell.home import init_home
from foretell.model import Question

START = date(2025, 1, 1)
DAY_NS = 86_400 * 10**9
LEVELS = ("0.05", "0.25", "0.5", "0.75", "0.95")
OPTIONS = ["a", "b", "c"]


# ------------------------------------------------------------------------ simulation


def plan(n_forecasts: int, forecasters: int, seed: int) -> dict:
    """Questions and, per forecaster, its forecasts' columns sorted by time."""
    rng = np.random.default_rng(seed)
    per_question = 1000 if n_forecasts >= 10**6 else 100
    n_q = max(n_forecasts // per_question, 3)
    kind = np.where(np.arange(n_q) % 100 < 2, 2, np.where(np.arange(n_q) % 100 == 2, 1, 0))
    opened = rng.integers(0, 300, n_q)
    span = rng.integers(30, 365, n_q)
    truth = rng.uniform(0.02, 0.98, n_q)
    yes = rng.uniform(0, 1, n_q) < truth
    value = rng.uniform(300_000, 1_200_000, n_q)
    question = np.repeat(np.arange(n_q), per_question)[:n_forecasts]
    question = np.concatenate([question, rng.integers(0, n_q, n_forecasts - question.size)])
    author = rng.integers(0, forecasters, n_forecasts)
    day = opened[question] + (rng.uniform(0, 1, n_forecasts) * span[question]).astype(np.int64)
    ns = (np.datetime64(START, "ns").astype(np.int64) + day * DAY_NS) + rng.integers(
        0, DAY_NS, n_forecasts
    ) // 1000 * 1000
    skill = rng.uniform(0.05, 0.3, forecasters)
    p = np.clip(truth[question] + rng.normal(0, 1, n_forecasts) * skill[author], 0.01, 0.99)
    p = np.round(p, 2)
    order = np.lexsort((ns, author))
    return {
        "n_q": n_q,
        "kind": kind,
        "opened": opened,
        "span": span,
        "truth": truth,
        "yes": yes,
        "value": value,
        "question": question[order],
        "author": author[order],
        "ns": ns[order],
        "p": p[order],
        "forecasters": forecasters,
    }


def write_questions(root: Path, sim: dict) -> tuple[object, list[str], list[str]]:
    home = init_home(root)
    ids, shas = [], []
    for i in range(sim["n_q"]):
        kind = ("binary", "multiple_choice", "numeric")[sim["kind"][i]]
        fields: dict = {
            "id": f"scale-{kind[0]}{i:07d}",
            "title": f"Simulated question {i}",
            "type": kind,
            "opened": START + timedelta(days=int(sim["opened"][i])),
            "resolve_by": START + timedelta(days=int(sim["opened"][i] + sim["span"][i])),
            "criteria": "Simulated question for the scale benchmark.",
            "tags": [f"group-{i % 10}"],
        }
        if kind == "numeric":
            fields.update(unit="units", range=(0.0, 2_000_000.0), thresholds=[750_000.0])
        if kind == "multiple_choice":
            fields["options"] = OPTIONS
        question = Question.model_validate(fields)
        catalog.write_new_question(home.forecasts, question)
        ids.append(question.id)
        shas.append(question.sha())
    return home, ids, shas


def payload(sim: dict, q: int, p: float) -> dict:
    kind = sim["kind"][q]
    if kind == 0:
        return {"p": p}
    if kind == 1:
        first = p if sim["yes"][q] else (1 - p)
        a, b = round(first, 2), round((1 - first) / 2, 3)
        return {"probs": {"a": a, "b": b, "c": round(1 - a - b, 3)}}
    mid = sim["value"][q] * (0.7 + 0.6 * p)
    factors = (0.7, 0.85, 1, 1.15, 1.3)
    return {"quantiles": {lv: round(mid * f) for lv, f in zip(LEVELS, factors, strict=True)}}


def resolutions(sim: dict, ids: list[str], shas: list[str]) -> list[dict]:
    out = []
    for q in range(sim["n_q"]):
        on = START + timedelta(days=int(sim["opened"][q] + sim["span"][q]))
        kind = sim["kind"][q]
        outcome: object = (
            ("yes" if sim["yes"][q] else "no")
            if kind == 0
            else ("a" if sim["yes"][q] else "b")
            if kind == 1
            else round(float(sim["value"][q]))
        )
        out.append(
            {
                "at": ledger.format_at(datetime(on.year, on.month, on.day, 20, tzinfo=UTC)),
                "kind": "resolution",
                "question": ids[q],
                "question_sha": shas[q],
                "outcome": outcome,
                "resolved_on": on.isoformat(),
            }
        )
    out.sort(key=lambda e: e["at"])
    return out


def _at(ns: int) -> str:
    return ledger.format_at(
        datetime.fromtimestamp(ns / 1e9, UTC).replace(microsecond=0)
        + timedelta(microseconds=(ns // 1000) % 1_000_000)
    )


def build_jsonl(root: Path, n: int, forecasters: int, seed: int = 7) -> Path:
    """A real ledger of ``n`` forecasts (and the resolutions) written line by line."""
    sim = plan(n, forecasters, seed)
    home, ids, shas = write_questions(root, sim)
    q, a, ns, p = sim["question"], sim["author"], sim["ns"], sim["p"]
    with ledger.AppendSession(home.ledger) as session:
        for i in range(q.shape[0]):
            qi = int(q[i])
            entry = {
                "at": _at(int(ns[i])),
                "kind": "forecast",
                "question": ids[qi],
                "question_sha": shas[qi],
                **payload(sim, qi, float(p[i])),
            }
            session.append(f"forecaster-{int(a[i]):04d}", entry)
        for entry in resolutions(sim, ids, shas):
            session.append("resolver", entry)
    return home.root


def build_copy(root: Path, n: int, forecasters: int, n_questions: int, seed: int = 7) -> Path:
    """The columnar copy of an ``n``-forecast ledger written directly, forecaster by
    forecaster (each forecasts every question about n / (forecasters x questions) times),
    each ledger file a sparse placeholder ending in a real entry (see the module docstring)."""
    rng = np.random.default_rng(seed)
    sim = {
        "n_q": n_questions,
        "kind": np.where(
            np.arange(n_questions) % 100 < 2, 2, np.where(np.arange(n_questions) % 100 == 2, 1, 0)
        ),
        "opened": rng.integers(0, 300, n_questions),
        "span": rng.integers(30, 365, n_questions),
        "truth": rng.uniform(0.02, 0.98, n_questions),
        "value": rng.uniform(300_000, 1_200_000, n_questions),
    }
    sim["yes"] = rng.uniform(0, 1, n_questions) < sim["truth"]
    home, ids, shas = write_questions(root, sim)
    with ledger.AppendSession(home.ledger) as session:
        for entry in resolutions(sim, ids, shas):
            session.append("resolver", entry)
    qids = pa.array(ids, pa.string())
    qshas = pa.array(shas, pa.string())
    kinds = sim["kind"]
    start_ns = np.datetime64(START, "ns").astype(np.int64)
    per = n // forecasters
    for f in range(forecasters):
        name = f"forecaster-{f:04d}"
        fq = rng.integers(0, n_questions, per)
        day = sim["opened"][fq] + (rng.uniform(0, 1, per) * sim["span"][fq]).astype(np.int64)
        ns = start_ns + day * DAY_NS + rng.integers(0, DAY_NS, per) // 1000 * 1000
        order = np.argsort(ns, kind="stable")
        fq, ns = fq[order], ns[order]
        noise = rng.normal(0, 1, per) * rng.uniform(0.05, 0.3)
        p = np.round(np.clip(sim["truth"][fq] + noise, 0.01, 0.99), 2)
        other = np.flatnonzero(kinds[fq] != 0)
        probs: list[str | None] = [None] * per
        quantiles: list[str | None] = [None] * per
        for j in other:
            pl = payload(sim, int(fq[j]), float(p[j]))
            text = orjson.dumps(next(iter(pl.values()))).decode()
            (probs if "probs" in pl else quantiles)[j] = text
        codes = pa.array(fq.astype(np.int32))
        table = pa.table(
            {
                "author": pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(per, np.int32)), pa.array([name])
                ),
                "seq": pa.array(np.arange(1, per + 1, dtype=np.int64)),
                "at": pa.array(ns).cast(pa.timestamp("ns", tz="UTC")),
                "question": pa.DictionaryArray.from_arrays(codes, qids),
                "question_sha": pa.DictionaryArray.from_arrays(codes, qshas),
                "p": pa.array(np.where(kinds[fq] == 0, p, np.nan)),
                "probs": pa.array(probs, pa.string()),
                "quantiles": pa.array(quantiles, pa.string()),
                "note": pa.nulls(per, pa.string()),
                "imported": pa.nulls(per, pa.string()),
            },
            schema=tables.SCHEMA,
        )
        last = int(fq[-1])
        line, sha = ledger.encode_entry(
            {
                "at": _at(int(ns[-1])),
                "kind": "forecast",
                "prev": None,
                "question": ids[last],
                "question_sha": shas[last],
                "seq": per,
                **payload(sim, last, float(p[-1])),
            }
        )
        size = per * 340
        path = home.ledger / f"{name}.jsonl"
        with open(path, "wb") as fh:  # holes, a newline, then the real last entry
            fh.truncate(size - len(line) - 1)
            fh.seek(size - len(line) - 1)
            fh.write(b"\n" + line)
        directory = tables.copy_dir(path)
        directory.mkdir(parents=True, exist_ok=True)
        part = tables._write_part(directory, table, 0, size)
        copy = tables.Copy(
            size,
            path.stat().st_mtime_ns,
            sha,
            [{"file": part, "start": 0, "end": size, "end_sha": sha, "rows": per}],
            [],
            tables.Counter(),
        )
        tables._save(path, copy)
    return home.root


# ------------------------------------------------------------------------ measuring


def measured(cmd: list[str]) -> tuple[float, float, str]:
    """(seconds, peak MiB of ``cmd`` and the processes it starts: ``peak.run_measured``,
    standard output)."""
    seconds, peak, code, out = run_measured(cmd)
    if code:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return seconds, peak, out.decode()


FORETELL = [sys.executable, "-m", "foretell"]
CORE = ["--crowd", "none", "--no-peer"]


def duckdb_tables(root: Path, memory_limit: str) -> tuple[float, dict, list]:
    """Per-forecaster time-averaged Brier and the 10-bin calibration table by a DuckDB query
    over the report's own Parquet copy (resolved binary questions; forecasts on or before
    the close day, each counted for the days it stands)."""
    import duckdb

    from foretell import engine
    from foretell.home import find_home

    home = find_home(root)
    book = engine.open_ledger(home)
    q = book.questions
    out = book.outcomes
    resolved = out[out["status"] == "resolved"].merge(q, left_on="question", right_on="id")
    resolved = resolved[resolved["type"] == "binary"]
    close = np.minimum(
        resolved["resolved_on"].to_numpy().astype("datetime64[D]").astype(np.int64),
        resolved["resolve_by"].to_numpy().astype("datetime64[D]").astype(np.int64),
    )
    closes = pa.table(
        {
            "question": pa.array(resolved["question"].astype(str).tolist()),
            "close_day": pa.array(close),
            "o": pa.array((resolved["outcome"] == "yes").to_numpy(dtype=np.float64)),
        }
    )
    files = "[" + ", ".join(f"'{f}'" for f in book.files) + "]"
    start = time.perf_counter()
    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": os.cpu_count() or 1})
    con.register("closes", closes)
    con.execute(f"""
        CREATE TEMP TABLE pairs AS
        WITH d AS (
            SELECT f.author, f.question, f.p, f.seq, epoch_ns(f."at") AS ns,
                   CAST(floor(epoch_ns(f."at") / {DAY_NS}) AS BIGINT) AS day, c.close_day, c.o
            FROM read_parquet({files}) f JOIN closes c ON f.question = c.question
        ), w AS (
            SELECT *, LEAD(day) OVER (PARTITION BY author, question ORDER BY ns, seq) AS next_day,
                   MIN(day) OVER (PARTITION BY author, question) AS first_day
            FROM d WHERE day <= close_day
        )
        SELECT author, question, any_value(o) AS o,
               sum((coalesce(next_day, close_day + 1) - day) * p)
                   / (max(close_day) - min(first_day) + 1) AS p,
               sum((coalesce(next_day, close_day + 1) - day) * (p - o) * (p - o))
                   / (max(close_day) - min(first_day) + 1) AS brier
        FROM w GROUP BY author, question
    """)
    brier = dict(con.sql("SELECT author, avg(brier) FROM pairs GROUP BY author").fetchall())
    cal = con.sql(
        "SELECT least(floor(p * 10), 9) AS bin, count(*), avg(p), avg(o) FROM pairs "
        "GROUP BY bin ORDER BY bin"
    ).fetchall()
    seconds = time.perf_counter() - start
    con.close()
    return seconds, brier, cal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--big", type=int, default=100_000_000)
    parser.add_argument("--forecasters", type=int, default=200)
    parser.add_argument("--big-forecasters", type=int, default=100)
    parser.add_argument("--big-questions", type=int, default=10_000)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds per median (10M timings)"
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        help="skip: first (the run that makes the copy), full (crowd and peer scores), dask, big",
    )
    args = parser.parse_args()
    # the commands run with Python's bytecode cache, as a user's do (without it every run
    # compiles foretell's modules again: the first run below writes it)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    base = args.dir or Path(tempfile.mkdtemp(prefix="foretell-scale-"))
    rows: list[tuple[str, str, str]] = []
    print(
        f"foretell scale benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores",
        flush=True,
    )
    try:
        if args.size:
            root = base / f"ledger-{args.size}"
            t = time.perf_counter()
            if root.exists():
                print(f"reusing {root} ({args.size:,} forecasts, built earlier)", flush=True)
            else:
                build_jsonl(root, args.size, args.forecasters)
                print(
                    f"built {args.size:,} forecasts in {time.perf_counter() - t:.0f} s", flush=True
                )
            report = [
                *FORETELL,
                "report",
                "--home",
                str(root),
                "--format",
                "json",
                "--memory-limit",
                args.memory_limit,
            ]
            if "first" not in args.skip:
                had_copy = (root / "ledger" / ".columnar").exists()
                first = measured([*report, "--engine", "duckdb"])
                made = "copy already there" if had_copy else "copy made"
                rows.append(
                    (
                        f"report, {args.size:,}, first run ({made})",
                        f"{first[0]:.1f} s",
                        f"{first[1]:,.0f} MiB",
                    )
                )
            else:
                subprocess.run([*report, "--engine", "duckdb"], capture_output=True, check=True)
            full_cmd = [*report, "--engine", "duckdb"]
            core_cmd = [*report, *CORE, "--engine", "duckdb"]
            # timings: plain runs (no memory sampler, which reads every process's page
            # tables every 0.1 s), the report and the query interleaved, medians; memory
            # and the JSON checked below: one more run of each under the sampler
            times: dict[str, list[float]] = {"full": [], "core": [], "query": []}
            brier: dict = {}
            for _ in range(args.rounds):
                if "full" not in args.skip:
                    times["full"].append(timed(full_cmd))
                times["core"].append(timed(core_cmd))
                seconds, brier, _ = duckdb_tables(root, args.memory_limit)
                times["query"].append(seconds)
            med = {k: statistics.median(v) for k, v in times.items() if v}
            spreads = {k: spread(v) for k, v in times.items() if v}
            full = None
            if "full" not in args.skip:
                full = measured(full_cmd)
                rows.append(
                    (
                        f"report, {args.size:,}, cached (--engine duckdb), crowd and peer scores",
                        f"{med['full']:.1f} s",
                        f"{full[1]:,.0f} MiB  spread {spreads['full']}",
                    )
                )
            cached = measured(core_cmd)
            rows.append(
                (
                    f"report, {args.size:,}, cached (--engine duckdb {' '.join(CORE)})",
                    f"{med['core']:.1f} s",
                    f"{cached[1]:,.0f} MiB  spread {spreads['core']}",
                )
            )
            rows.append(
                (
                    f"DuckDB query, same Brier + calibration tables, {args.size:,}",
                    f"{med['query']:.1f} s",
                    f"report/query {med['core'] / med['query']:.2f}x  spread {spreads['query']}",
                )
            )
            data = json.loads(cached[2])
            if full is not None:  # the comparison table has each forecaster's binary Brier
                table = json.loads(full[2])["comparison"]["forecasters"]
                people = {r["name"]: r["brier"] for r in table}
                diff = max(abs(people[a] - b) for a, b in brier.items())
                rows.append(
                    (
                        "  largest difference, per-forecaster binary Brier, report vs query",
                        f"{diff:.1e}",
                        f"{len(brier)} forecasters",
                    )
                )
            if "dask" not in args.skip:
                dask = measured([*report, *CORE, "--engine", "dask"])
                same = _without_time(json.loads(dask[2])) == _without_time(data)
                verdict = "same JSON as duckdb" if same else "JSON DIFFERS"
                name = f"report --engine dask, 2 local workers, {args.size:,}"
                rows.append((name, f"{dask[0]:.1f} s", verdict))
            log = [
                *FORETELL,
                "log",
                "--home",
                str(root),
                _a_binary(root),
                "0.42",
                "--by",
                "forecaster-0000",
            ]
            measured(log)
            path = root / "ledger" / "forecaster-0000.jsonl"
            code = (
                "import sys, time; from pathlib import Path; from foretell import tables; "
                "t = time.perf_counter(); c, changed = tables.update_copy(Path(sys.argv[1])); "
                "print(time.perf_counter() - t, changed, len(c.parts))"
            )
            out = subprocess.run(
                [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
            ).stdout.split()
            rows.append(
                (
                    f"copy brought up to date after one log, {args.size:,} ledger",
                    f"{float(out[0]):.3f} s",
                    f"{out[2]} part(s)",
                )
            )
        if args.big and "big" not in args.skip:
            root = base / f"copy-{args.big}"
            t = time.perf_counter()
            if root.exists():
                print(f"reusing {root} ({args.big:,} forecasts, written earlier)", flush=True)
            else:
                build_copy(root, args.big, args.big_forecasters, args.big_questions)
                from foretell.catalog_cache import question_rows
                from foretell.home import find_home

                home = find_home(root)
                question_rows(home.forecasts, home.ledger)  # the catalog cache, once
                took = time.perf_counter() - t
                print(f"wrote the copy of {args.big:,} forecasts in {took:.0f} s", flush=True)
            big = measured(
                [
                    *FORETELL,
                    "report",
                    "--home",
                    str(root),
                    "--format",
                    "json",
                    "--engine",
                    "duckdb",
                    "--memory-limit",
                    args.memory_limit,
                    *CORE,
                ]
            )
            n = json.loads(big[2])["counts"]["forecasts"]["selected"]
            rows.append(
                (
                    f"report, {n:,} forecasts (copy written), --engine duckdb {' '.join(CORE)}",
                    f"{big[0]:.0f} s",
                    f"{big[1]:,.0f} MiB peak",
                )
            )
    finally:
        width = max(len(r[0]) for r in rows) if rows else 10
        print()
        for name, a, b in rows:
            print(f"{name:<{width}}  {a:>10}  {b}")
        if not args.keep and args.dir is None:
            shutil.rmtree(base, ignore_errors=True)


def _without_time(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "generated_at"}


def _a_binary(root: Path) -> str:
    """An open binary question to log on (the benchmark's are all resolved)."""
    from foretell.home import find_home

    home = find_home(root)
    question = Question.model_validate(
        {
            "id": "scale-open",
            "title": "Open question",
            "type": "binary",
            "opened": date(2026, 1, 1),
            "resolve_by": date(2027, 1, 1),
            "criteria": "Never resolved.",
        }
    )
    if not catalog.question_path(home.forecasts, question.id).exists():
        catalog.write_new_question(home.forecasts, question)
    return question.id


if __name__ == "__main__":
    main()
