"""Plain-text report fitted to a width: underlined headings, prose wrapped to the width, tables
from ``terminal.table`` (low-priority columns dropped and text cells wrapped when the width is
short; numbers keep their width and right alignment). Colour, when asked for, marks skill
scores (green above 0, red below) and calibration verdicts.
"""

from __future__ import annotations

from typing import Any

from foretell import escape, terminal
from foretell.report.layout import Table, layout

VERDICT_STYLES = {
    "overconfident": "red",
    "underconfident": "yellow",
    "no clear over- or underconfidence": "green",
}


def render_text(
    data: dict[str, Any],
    width: int | None = None,
    colour: bool = False,
    full_conventions: bool = False,
) -> str:
    limit = terminal.width() if width is None else width
    out: list[str] = []
    for section in layout(data, full_conventions):
        title = terminal.wrap(escape.terminal(section.title), limit)
        longest = max(len(line) for line in title.splitlines())
        out += [terminal.paint(title, "bold", colour), "=" * longest, ""]
        for block in section.blocks:
            if isinstance(block, Table):
                out += [table_text(block, limit, colour), ""]
            else:
                out += [_prose(terminal.wrap(escape.terminal(block), limit), colour), ""]
    return "\n".join(out).rstrip() + "\n"


def table_text(table: Table, width: int | None = None, colour: bool = False) -> str:
    limit = terminal.width() if width is None else width
    skill = {i for i, h in enumerate(table.headers) if h.startswith("skill")}

    def style(_row: int, col: int, cell: str) -> str | None:
        if col in skill and cell not in ("n/a", ""):
            return "red" if cell.startswith("-") else "green"
        return None

    rows = [[escape.terminal(c) for c in row] for row in table.rows]
    return terminal.render_table(table.columns(), rows, limit, style, colour)


def _prose(text: str, colour: bool) -> str:
    if not colour:
        return text
    for phrase, style in VERDICT_STYLES.items():
        text = text.replace(f"{phrase}:", terminal.paint(phrase, style, True) + ":")
    return text
