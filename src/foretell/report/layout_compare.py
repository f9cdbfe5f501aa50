"""Report sections on forecasters compared with each other (the per-forecaster peer table)."""

from __future__ import annotations

from typing import Any

from foretell.report.layout import Section, Table, f3, f4


def compared_sections(data: dict[str, Any]) -> list[Section]:
    comparison = data.get("comparison") or {}
    rows = comparison.get("forecasters") or []
    if not rows:
        return []
    section = Section("Compared with others")
    crowd = data["options"].get("crowd") or []
    if crowd:
        section.blocks.append(
            "Crowd forecasters (derived from everyone's standing forecasts, never stored): "
            + ", ".join(crowd)
            + ". Peer scores on binary and multiple-choice questions: Brier peer = mean daily "
            "Brier (0..2) minus the median of the people that day, lower is better; log peer "
            "= 100 x (ln p(outcome) minus the others' mean), time-averaged over the question's "
            "life, higher is better (see Conventions)."
        )
    table_rows = [
        [
            r["name"],
            str(r["n_questions"]),
            f4(r["brier"]),
            f4(r["brier_peer"]),
            f3(r["log_peer"]),
            f3(r["coverage"]),
            str(r["n_peer_questions"]),
            str(r["n_alone"]),
        ]
        for r in rows
    ]
    section.blocks.append(
        Table(
            [
                "forecaster",
                "questions",
                "Brier",
                "Brier peer",
                "log peer",
                "coverage",
                "with peers",
                "alone",
            ],
            table_rows,
        )
    )
    alone = [r for r in rows if r["n_alone"]]
    if alone:
        named = ", ".join(f"{r['name']} {r['n_alone']}" for r in alone[:5])
        more = f" and {len(alone) - 5} more" if len(alone) > 5 else ""
        section.blocks.append(
            f"Questions with no other forecaster (no peer score there): {named}{more}."
        )
    return [section]
