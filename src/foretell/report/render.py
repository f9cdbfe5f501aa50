"""One entry point for every output format: ``render(report, fmt)`` returns the text.

``width`` and ``colour`` apply to text only (``width`` None: the terminal's, see
``foretell.terminal``); ``full_conventions`` prints every convention instead of the short
paragraph (JSON always holds them all).
"""

from __future__ import annotations

from foretell.errors import ForetellError
from foretell.report.build import Report

FORMATS = ("text", "markdown", "json", "csv", "html")


def render(
    report: Report,
    fmt: str = "text",
    *,
    width: int | None = None,
    colour: bool = False,
    full_conventions: bool = False,
) -> str:
    if fmt == "text":
        from foretell.report.text import render_text

        return render_text(report.data, width, colour, full_conventions)
    if fmt == "markdown":
        from foretell.report.markdown import render_markdown

        return render_markdown(report.data, full_conventions)
    if fmt == "json":
        from foretell.report.json_out import render_json

        return render_json(report.data)
    if fmt == "csv":
        from foretell.report.csv_out import render_csv

        return render_csv(report)
    if fmt == "html":
        from foretell.report.html import render_html

        return render_html(report.data)
    raise ForetellError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
