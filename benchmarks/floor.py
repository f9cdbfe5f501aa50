"""The floor a report is measured against: read every ``ledger/*.jsonl`` with orjson and give
each forecaster's mean binary Brier score (p - o)^2 over its forecasts of resolved questions.

Usage: python benchmarks/floor.py PROJECT_DIR (prints one JSON object: forecaster -> Brier).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import orjson


def main(root: Path) -> dict[str, float]:
    outcome: dict[str, float] = {}
    questions: list[str] = []
    authors: list[str] = []
    probs: list[float] = []
    for path in sorted((root / "ledger").glob("*.jsonl")):
        author = path.stem
        for line in path.read_bytes().splitlines():
            entry = orjson.loads(line)
            kind = entry.get("kind")
            if kind == "resolution" and entry.get("outcome") in ("yes", "no"):
                outcome[entry["question"]] = 1.0 if entry["outcome"] == "yes" else 0.0
            elif kind == "forecast" and "p" in entry:
                questions.append(entry["question"])
                authors.append(author)
                probs.append(entry["p"])
    known = np.array([q in outcome for q in questions])
    o = np.array([outcome.get(q, 0.0) for q in questions])[known]
    p = np.array(probs)[known]
    names, index = np.unique(np.array(authors)[known], return_inverse=True)
    sums = np.bincount(index, weights=(p - o) ** 2)
    counts = np.bincount(index)
    return {str(n): float(s / c) for n, s, c in zip(names, sums, counts, strict=True)}


if __name__ == "__main__":
    sys.stdout.buffer.write(orjson.dumps(main(Path(sys.argv[1]))) + b"\n")
