"""A question as ``foretell list``, ``due`` and ``show`` print it, as text: values for people
(numbers as ``number`` gives them, option=p and level=value pairs), the latest forecasts of a
summary row, the ``show`` page (terms, criteria and sources wrapped to the width, the history
and claims as tables, the standing forecasts with the crowd's), the terms of one version, and
how far off a deadline is. Lines longer than the width are wrapped at words, keeping their
indent. The data is ``foretell.question_view``'s.
"""

from __future__ import annotations

from typing import Any

from foretell.model import Question
from foretell.question_view import payload
from foretell.terminal import Column, number


def short(value: Any) -> str:
    if isinstance(value, float):
        return number(value)
    if isinstance(value, dict):
        return " ".join(f"{k}={short(v)}" for k, v in value.items())
    return str(value)


def latest_text(row: dict[str, Any]) -> str:
    if row["outcome"] is not None:
        return f"outcome: {short(row['outcome'])}"
    parts = [f"{a}: {short(v)}" for a, v in row["latest"].items()]
    if row.get("hidden_forecasts"):
        parts.append(f"{row['hidden_forecasts']} hidden until you forecast")
    return "; ".join(parts)


def show_text(q: Question, data: dict[str, Any], labels: dict[str, str]) -> str:
    from foretell import terminal

    limit = terminal.width()
    lines = [f"{q.id}: {q.title}", f"type: {q.type}"]
    if q.options:
        lines.append(f"options: {', '.join(q.options)}")
    if q.unit:
        low, high = q.range or (0.0, 0.0)
        lines.append(f"unit: {q.unit}; range {number(low)} to {number(high)}")
        if q.thresholds:
            lines.append(f"thresholds: {', '.join(number(t) for t in q.thresholds)}")
    lines.append(f"opened {q.opened}; resolve by {q.resolve_by} ({data['days_left']} days left)")
    lines.append(f"state: {data['state']}; version {labels[q.sha()]}")
    if q.tags:
        lines.append(f"tags: {', '.join(q.tags)}")
    lines += ["", "criteria:", terminal.wrap(q.criteria.strip(), limit, "  ")]
    if q.sources:
        lines += ["", "sources:"]
        for s in q.sources:
            head = ", ".join(x for x in (s.document, s.outlet, s.date and s.date.isoformat()) if x)
            lines.append(terminal.wrap(f"- {head}: {s.claim}", limit, "  "))
    lines += ["", "history:"]
    if data.get("hidden_forecasts"):
        lines.append(
            terminal.wrap(
                f"({data['hidden_forecasts']} forecast(s) by others hidden until you log "
                "yours: blind mode)",
                limit,
                "  ",
            )
        )
    if not data["history"]:
        lines.append("  (no entries yet)")
    else:
        table = [
            [h["at"][:16].replace("T", " "), h["author"], h["kind"], h["version"], detail(h)]
            for h in data["history"]
        ]
        columns = [
            Column("at (UTC)", priority=3),
            Column("by", wrap=True),
            Column("kind", priority=2),
            Column("version", priority=4),
            Column("detail", wrap=True),
        ]
        lines.append(terminal.render_table(columns, table, limit, indent="  "))
    lines += claims_text(data["claims"])
    lines += standing_text(data)
    return fit("\n".join(lines), limit)


def claims_text(claims: list[dict[str, Any]]) -> list[str]:
    from foretell import terminal

    limit = terminal.width()
    lines = ["", "claims (the sources' own predictions, dated when made; not forecasts):"]
    if not claims:
        return [*lines, "  (none recorded)"]
    table = [
        [
            c.get("on", "?"),
            c["claimant"],
            c["claim"],
            c.get("hedge", "?"),
            c.get("source", "?") + ("  [hindsight]" if c["hindsight"] else ""),
        ]
        for c in claims
    ]
    columns = [
        Column("made on", priority=2),
        Column("by", wrap=True),
        Column("claim", wrap=True),
        Column("hedge", priority=1, wrap=True),
        Column("source", priority=3, wrap=True),
    ]
    return [*lines, terminal.render_table(columns, table, limit, indent="  ")]


def standing_text(data: dict[str, Any]) -> list[str]:
    """Each forecaster's standing forecast now, with the crowd's beside them."""
    if not data["standing"]:
        return []
    lines = ["", "standing forecasts (latest of each):"]
    rows = [(r["author"], short(payload(r))) for r in data["standing"]]
    rows += [(name, short(payload(crowd))) for name, crowd in data["crowd"].items()]
    width = max(len(a) for a, _ in rows)
    from foretell import terminal

    limit = terminal.width()
    lines += [terminal.wrap(f"{a.ljust(width)}  {text}", limit, "  ") for a, text in rows]
    if not data["crowd"]:
        lines.append("  (no crowd forecast: fewer than two people have forecast)")
    return lines


def fit(text: str, limit: int) -> str:
    """Lines longer than ``limit`` wrapped at words, keeping their indent (tables fit already)."""
    from foretell import terminal

    out = []
    for line in text.splitlines():
        if len(line) <= limit:
            out.append(line)
        else:
            lead = line[: len(line) - len(line.lstrip())]
            out.append(terminal.wrap(line.strip(), limit, lead))
    return "\n".join(out)


def detail(h: dict[str, Any]) -> str:
    text = plain_detail(h)
    return f"{text}  [sha mismatch: edited? run foretell verify]" if h.get("edited") else text


def plain_detail(h: dict[str, Any]) -> str:
    if h["kind"] == "forecast":
        text = short(payload(h))
        return f"{text}  ({h['note']})" if h.get("note") else text
    if h["kind"] == "resolution":
        text = f"outcome {short(h['outcome'])} on {h['resolved_on']}"
        if h.get("evidence"):
            text += f"; evidence: {h['evidence']}"
        return text + (f"; amends: {h.get('why', '')}" if h.get("amends") else "")
    return str(h.get("why", ""))


def version_text(q: Question, labels: dict[str, str], sha: str, kept: dict[str, Any]) -> str:
    """The terms of one version: a line per term that is set, the criteria last."""
    lines = [f"{q.id} {labels[sha]} ({sha[:12]})"]
    for name, value in kept.items():
        if value is not None and value != [] and name != "criteria":
            lines.append(
                f"{name}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
            )
    lines += ["criteria:", *(f"  {line}" for line in str(kept.get("criteria", "")).splitlines())]
    return "\n".join(lines)


def when(days: int) -> str:
    if days < 0:
        return f"overdue {-days}d"
    return "today" if days == 0 else f"in {days}d"
