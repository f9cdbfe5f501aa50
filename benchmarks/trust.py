"""foretell trust figures: races, kills and forgeries tried against a ledger, counted.

Prints, for the README and the issue's closing note:

- contradictory resolutions left by 8 concurrent ``resolve`` of one question (per trial);
- forecasts landing after a resolution when a ``log`` races a ``resolve``;
- duplicate imports left by 3 concurrent imports of the same file;
- the state a ``kill -9`` at a random moment of a large import leaves: untouched, complete,
  named by ``verify`` and undone or completed by ``repair`` (then the import re-run), or
  undiagnosed (anything else);
- truncations, deletions and rewrites (fresh hashes) of sealed ledger files detected.

Usage: python benchmarks/trust.py [--trials 100] [--import-trials 20] [--kills 50]
       [--rows 200000] [--tamper 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from foretell import actions, catalog, ledger, seals
from foretell.errors import ForetellError
from foretell.home import Home, init_home
from foretell.interop.formats import open_source
from foretell.interop.load import import_file
from foretell.interop.source import ImportOptions
from foretell.model import Question
from foretell.repair import repair
from foretell.verify import verify

CTX = multiprocessing.get_context("fork")


def _question(qid: str) -> Question:
    return Question.model_validate(
        {
            "id": qid,
            "title": f"Will {qid} happen?",
            "type": "binary",
            "opened": "2025-01-01",
            "resolve_by": "2027-12-31",
            "criteria": "Yes if it happens.",
        }
    )


def _race(targets: list[tuple[Any, tuple[Any, ...]]]) -> list[str]:
    barrier = CTX.Barrier(len(targets))
    queue = CTX.Queue()

    def run(i: int, fn: Any, args: tuple[Any, ...]) -> None:
        barrier.wait()
        try:
            fn(*args)
            queue.put((i, "ok"))
        except ForetellError as err:
            queue.put((i, err.message))

    procs = [CTX.Process(target=run, args=(i, fn, a)) for i, (fn, a) in enumerate(targets)]
    for p in procs:
        p.start()
    results = dict(queue.get(timeout=300) for _ in procs)
    for p in procs:
        p.join()
    return [results[i] for i in range(len(procs))]


def _entries(home: Home) -> list[dict[str, Any]]:
    out = []
    for path in ledger.ledger_files(home.ledger):
        out += ledger.read_file(path)[0]
    return out


def resolutions(root: Path, trials: int) -> int:
    """Trials (of 8 concurrent resolvers) that left more than one non-amending resolution."""
    home = init_home(root / "resolve")
    bad = 0
    for t in range(trials):
        qid = f"q{t}"
        catalog.write_new_question(home.forecasts, _question(qid))
        _race([(actions.resolve, (home, qid, "yes" if i % 2 else "no", f"r{i}")) for i in range(8)])
        closings = [e for e in _entries(home) if e["question"] == qid and e["kind"] != "forecast"]
        bad += len(closings) != 1
    return bad


def _log(home: Home, qid: str) -> None:
    actions.log_forecast(home, qid, {"p": 0.4}, "fore")


def late_forecasts(root: Path, trials: int) -> tuple[int, int]:
    """(forecasts dated after their question's resolution, forecasts that got in)."""
    home = init_home(root / "late")
    late = landed = 0
    for t in range(trials):
        qid = f"q{t}"
        catalog.write_new_question(home.forecasts, _question(qid))
        _race([(_log, (home, qid)), (actions.resolve, (home, qid, "yes", "judge"))])
        mine = [e for e in _entries(home) if e["question"] == qid]
        resolved = next(e["at"] for e in mine if e["kind"] == "resolution")
        forecasts = [e for e in mine if e["kind"] == "forecast"]
        landed += len(forecasts)
        late += sum(e["at"] > resolved for e in forecasts)
    return late, landed


def _csv(path: Path, rows: int, questions: int, authors: int, seed: int = 3) -> Path:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("question,title,type,opened,resolve_by,criteria,author,at,p\n")
        for i in range(rows):
            q = i % questions
            out.write(
                f"imp-{q},Will {q} happen?,binary,2025-01-01,2025-12-31,Yes if it does.,"
                f"a{rng.randrange(authors)},2025-{1 + i % 12:02d}-{1 + i % 28:02d}T"
                f"{i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d}Z,0.{rng.randrange(1, 10)}\n"
            )
    return path


def _import(home: Home, path: Path) -> None:
    import_file(home, open_source("generic", path, ImportOptions()))


def duplicate_imports(root: Path, trials: int) -> int:
    """Trials (of 3 concurrent identical imports) after which the ledger held a row twice."""
    bad = 0
    for t in range(trials):
        home = init_home(root / f"dup{t}")
        path = _csv(root / f"dup{t}.csv", 600, 6, 5, seed=t)
        _race([(_import, (home, path))] * 3)
        bad += len(_entries(home)) != 600
    return bad


def _state(home: Home) -> dict[str, str]:
    """Digest of every ledger and question file (what a user's project is)."""
    files = [*ledger.ledger_files(home.ledger), *catalog.question_files(home.forecasts)]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _base(root: Path) -> Home:
    """A project with entries of its own, by authors the import also appends to."""
    home = init_home(root)
    catalog.write_new_question(home.forecasts, _question("own"))
    for who in ("a1", "a2", "mine"):
        actions.log_forecast(home, "own", {"p": 0.3}, who)
    return home


def kills(root: Path, trials: int, rows: int) -> tuple[Counter[str], float]:
    """Kill ``foretell import`` at random moments; count what each kill left."""
    source = _csv(root / "big.csv", rows, max(1, rows // 100), 50)
    base = _base(root / "base")
    before = _state(base)
    reference = root / "reference"
    shutil.copytree(base.root, reference)
    command = [sys.executable, "-m", "foretell", "import", str(source), "--from", "generic"]
    started = time.perf_counter()
    subprocess.run([*command, "--home", str(reference)], check=True, capture_output=True)
    full = time.perf_counter() - started
    after = _state(Home(reference))
    rng = random.Random(11)
    outcome: Counter[str] = Counter()
    for t in range(trials):
        work = root / f"kill{t}"
        shutil.copytree(base.root, work)
        home = Home(work)
        child = subprocess.Popen(
            [*command, "--home", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0, full * 1.05))
        child.send_signal(signal.SIGKILL)
        child.wait()
        found = verify(home)
        state = _state(home)
        if not found and state == before:
            outcome["untouched"] += 1
        elif not found and state == after:
            outcome["complete"] += 1
        elif found:
            repair(home, lambda bad: True)
            mended = _state(home)
            if verify(home) == [] and mended in (before, after):
                if mended == before:
                    _import(home, source)
                outcome["named, repaired" if _state(home) == after else "undiagnosed"] += 1
            else:
                outcome["undiagnosed"] += 1
        else:
            outcome["undiagnosed"] += 1
        shutil.rmtree(work)
    return outcome, full


def _sealed(root: Path) -> Home:
    home = init_home(root)
    for q in range(5):
        catalog.write_new_question(home.forecasts, _question(f"s{q}"))
    for who in ("ann", "bo", "cy", "di"):
        for i in range(20):
            actions.log_forecast(home, f"s{i % 5}", {"p": (i % 9 + 1) / 10}, who)
    seals.seal(home, "ann")
    return home


def tampering(root: Path, trials: int) -> dict[str, tuple[int, int]]:
    """Per kind of tampering: (detected by verify, tried)."""
    rng = random.Random(5)
    base = _sealed(root / "sealed")
    counts = {"truncated": [0, 0], "deleted": [0, 0], "rewritten": [0, 0]}
    for t in range(trials):
        for kind in counts:
            work = root / f"t-{kind}-{t}"
            shutil.copytree(base.root, work)
            home = Home(work)
            path = rng.choice(ledger.ledger_files(home.ledger))
            if kind == "truncated":
                lines = path.read_bytes().splitlines(keepends=True)
                path.write_bytes(b"".join(lines[: rng.randrange(0, len(lines))]))
            elif kind == "deleted":
                path.unlink()
            else:
                entries = ledger.read_file(path)[0]
                path.unlink()
                target = rng.randrange(len(entries))
                for i, e in enumerate(entries):
                    body = {k: v for k, v in e.items() if k not in ("seq", "prev", "sha", "_line")}
                    if i == target:
                        body["p"] = round(1 - body["p"], 3) if body["p"] != 0.5 else 0.6
                    ledger.append(home.ledger, path.stem, body)
            counts[kind][1] += 1
            counts[kind][0] += bool(verify(home))
            shutil.rmtree(work)
    return {k: (v[0], v[1]) for k, v in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--import-trials", type=int, default=20)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--tamper", type=int, default=30)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="foretell-trust-", dir=args.keep))
    os.environ.setdefault("FORETELL_USER", "bench")
    try:
        bad = resolutions(root, args.trials)
        print(f"contradictory resolutions: {bad} of {args.trials} trials of 8 concurrent resolvers")
        late, landed = late_forecasts(root, args.trials)
        print(
            f"forecasts landing after a resolution: {late} in {args.trials} races "
            f"({landed} forecasts got in before the resolution, the rest were refused)"
        )
        dup = duplicate_imports(root, args.import_trials)
        print(
            f"duplicate imports: {dup} of {args.import_trials} trials of 3 concurrent "
            "identical imports"
        )
        outcome, full = kills(root, args.kills, args.rows)
        parts = ", ".join(f"{k} {v}" for k, v in sorted(outcome.items()))
        print(
            f"kill -9 at random moments of a {args.rows:,}-row import ({full:.1f} s uncut), "
            f"{args.kills} kills: {parts}; undiagnosed {outcome['undiagnosed']}"
        )
        for kind, (found, tried) in tampering(root, args.tamper).items():
            print(f"sealed files {kind}: {found} of {tried} detected")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
