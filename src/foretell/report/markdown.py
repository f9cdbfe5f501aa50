"""Markdown report: ``##`` headings and GitHub pipe tables. Text is HTML-escaped (``&``,
``<``, ``>`` as entities) so no title or note renders as HTML."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from foretell import escape
from foretell.report.layout import Table, layout


def render_markdown(data: dict[str, Any], full_conventions: bool = False) -> str:
    out: list[str] = []
    for i, section in enumerate(layout(data, full_conventions)):
        out += [("# " if i == 0 else "## ") + escape.markdown(section.title), ""]
        for block in section.blocks:
            if isinstance(block, Table):
                rows = [[_cell(c) for c in row] for row in block.rows]
                text = tabulate(
                    rows,
                    headers=[_cell(h) for h in block.headers],
                    tablefmt="github",
                    disable_numparse=True,
                    colalign=block.aligns(),
                )
                out += [text, ""]
            else:
                out += [escape.markdown(block), ""]
    return "\n".join(out).rstrip() + "\n"


def _cell(text: str) -> str:
    return escape.markdown(text).replace("|", "\\|")
