"""``foretell compare`` documents -> text (tabulate's ``simple`` tables)."""

from __future__ import annotations

from typing import Any

from foretell import terminal
from foretell.report.layout import Table, f3, f4, pval
from foretell.report.text import table_text

MAX_MATRIX = 10


def _wrap(text: str) -> str:
    """Prose wrapped to the terminal's width (``terminal.width``)."""
    return terminal.wrap(text, terminal.width())


def head_to_head_text(doc: dict[str, Any]) -> str:
    a, b = doc["a"], doc["b"]
    out = [_wrap(f"A = {a}, B = {b} (rule: {doc['rule']})"), ""]
    rows = []
    notes = []
    for metric, m in doc["metrics"].items():
        if "unavailable" in m:
            notes.append(f"{metric}: {m['unavailable']}.")
            continue
        rows.append(
            [
                metric,
                str(m["n_questions"]),
                f4(m["mean_a"]),
                f4(m["mean_b"]),
                f"{m['mean_difference']:+.4f}",
                f"{m['ci_low']:+.4f} to {m['ci_high']:+.4f}",
                pval(m["p_value"]) + (" (exact)" if m["p_exact"] else ""),
                f3(m["dm_statistic"]),
            ]
        )
    headers = ["metric", "shared questions", "mean A", "mean B", "A - B", "95% CI", "p", "DM"]
    # On a narrow screen the two means and the DM statistic go before the difference, its
    # interval and p (the comparison itself).
    priority = [0, 4, 5, 6, 1, 2, 3, 7]
    out += [table_text(Table(headers, rows, priority)), ""]
    out += notes
    head = doc["metrics"][doc["metric"]]
    better = a if head["mean_difference"] < 0 else b
    verdict = (
        "the interval excludes 0" if head["ci_low"] > 0 or head["ci_high"] < 0 else
        "the interval includes 0: no clear difference"
    )  # fmt: skip
    out.append(
        _wrap(
            f"On {doc['metric']}, {better} scored lower (better) on average over "
            f"{head['n_questions']} shared questions; {verdict} (p = {pval(head['p_value'])})."
        )
    )
    out.append("")
    out += [_wrap(f"{k}: {v}") for k, v in doc["conventions"].items()]
    return "\n".join(out).rstrip() + "\n"


def skill_text(doc: dict[str, Any]) -> str:
    base = doc["baseline"]
    out = [_wrap(f"Relative skill on {doc['metric']} (rule: {doc['rule']})"), ""]
    headers = ["forecaster", "questions", "relative skill"]
    if base:
        headers.append(f"scaled to {base}")
    rows = []
    for r in sorted(doc["forecasters"], key=_skill_key):
        row = [r["name"], str(r["n_questions"]), f3(r["relative_skill"])]
        if base:
            row.append(f3(r["scaled_relative_skill"]))
        rows.append(row)
    out += [table_text(Table(headers, rows)), ""]
    names = doc["matrix"]["names"]
    if len(names) <= MAX_MATRIX:
        out.append(_wrap("Mean-score ratio, row over column, on the questions both answered:"))
        out.append("")
        ratio = doc["matrix"]["mean_score_ratio"]
        cells = [[n] + [f3(x) for x in ratio[i]] for i, n in enumerate(names)]
        out += [table_text(Table(["", *names], cells)), ""]
    else:
        out += [f"{len(names)} forecasters: the ratio matrix is in --format json.", ""]
    out += [_wrap(f"{k}: {v}") for k, v in doc["conventions"].items()]
    return "\n".join(out).rstrip() + "\n"


def _skill_key(row: dict[str, Any]) -> tuple[float, str]:
    value = row["relative_skill"]
    return (float("inf") if value is None else value, row["name"])
