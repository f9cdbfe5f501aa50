"""Report sections that list questions: the best and worst scored questions of each kind, the
open questions (at most MAX_LISTED, with how many more) and the annulled ones. Shared by the
text, markdown and html renderers through ``layout.layout``.
"""

from __future__ import annotations

from typing import Any

from foretell.report.layout import Section, Table, f4

MAX_LISTED = 25


def extremes_sections(data: dict[str, Any]) -> list[Section]:
    out = []
    for kind, label in (("binary", "Brier"), ("multiple_choice", "Brier (0..2)")):
        best, worst = data["best_questions"][kind], data["worst_questions"][kind]
        if not best:
            continue
        section = Section(f"Best and worst {kind.replace('_', '-')} questions (mean {label})")
        for name, items in (("best", best), ("worst", worst)):
            if not items:
                continue
            section.blocks.append(
                Table(
                    [name, "title", label, "forecasters", "outcome"],
                    [
                        [
                            r["question"],
                            r["title"],
                            f4(r["score"]),
                            str(r["n_forecasters"]),
                            str(r["outcome"]),
                        ]
                        for r in items
                    ],
                )
            )
        out.append(section)
    return out


def open_and_annulled_sections(data: dict[str, Any]) -> list[Section]:
    out = []
    items = data["open_questions"]
    if items:
        rows = [
            [
                r["id"],
                r["type"],
                r["resolve_by"] + (" (overdue)" if r["overdue"] else ""),
                str(r["n_forecasts"]),
                str(r["n_forecasters"]),
            ]
            for r in items[:MAX_LISTED]
        ]
        blocks: list[str | Table] = [
            Table(["open question", "type", "resolve by", "forecasts", "forecasters"], rows)
        ]
        if len(items) > MAX_LISTED:
            blocks.append(f"... and {len(items) - MAX_LISTED} more (all in --format json).")
        out.append(Section(f"Open questions ({len(items)})", blocks))
    annulled = data["annulled_questions"]
    if annulled:
        out.append(
            Section(
                f"Annulled questions ({len(annulled)}, not scored)",
                [
                    Table(
                        ["question", "title", "annulled on"],
                        [[r["id"], r["title"], str(r["annulled_on"])] for r in annulled],
                    )
                ],
            )
        )
    return out
