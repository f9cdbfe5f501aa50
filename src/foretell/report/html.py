"""HTML report: one self-contained page for people, on a desktop or a phone.

Inline CSS only (no scripts, no external styles, fonts or images). The page has a viewport
meta, a table of contents, every table inside its own horizontally scrolling box (so a wide
table never widens the page), text columns left-aligned and numbers right-aligned, titles in
full, the short conventions with the full list folded under them, and the reliability diagram
as inline SVG scaled to the page width (left out when nothing binary is resolved).
"""

from __future__ import annotations

import html
import re
from typing import Any

from foretell.report.layout import Section, Table, convention_label, layout

STYLE = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font-family: system-ui, sans-serif; line-height: 1.45; color: #222; margin: 0; }
main { max-width: 72em; margin: 0 auto; padding: 1em; }
h1 { font-size: 1.6em; margin: 0.3em 0; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; margin-top: 1.8em; }
h1, h2, p, li, dd { overflow-wrap: anywhere; }
nav ol { padding-left: 2.2em; columns: 18em; column-gap: 3em; }
nav li { break-inside: avoid; }
.scroll { overflow-x: auto; max-width: 100%; margin: 0.5em 0 1.2em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f4f4f4; }
.l { text-align: left; min-width: 6em; }
.r { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; }
figure svg { display: block; width: 100%; max-width: 46em; height: auto; }
figcaption { font-size: 0.9em; color: #555; }
details { margin: 0.5em 0 2em; }
dt { font-weight: 600; margin-top: 0.6em; }
dd { margin-left: 1em; }
"""

CAPTION = (
    "Reliability diagram: observed frequency against mean forecast per bin for all pairs "
    "(Wilson 95% bars; marker area and label: pairs in the bin), below it pairs per bin, and "
    "one small panel per group."
)


def render_html(data: dict[str, Any], plot: bytes | None = None) -> str:
    """The report page; ``plot`` is SVG bytes (drawn from ``data`` when not given)."""
    sections = layout(data)
    head, rest = sections[0], sections[1:]
    diagram = _diagram(data, plot)
    ids = [_anchor(i, s.title) for i, s in enumerate(rest)]
    body = [f"<h1>{html.escape(head.title)}</h1>", *_blocks(head)]
    toc = [
        f'<li><a href="#{a}">{html.escape(s.title)}</a></li>'
        for a, s in zip(ids, rest, strict=True)
    ]
    if diagram:
        toc.insert(1, '<li><a href="#diagram">Reliability diagram</a></li>')
    body.append('<nav aria-label="Contents"><p><strong>Contents</strong></p><ol>')
    body += toc
    body.append("</ol></nav>")
    for n, (anchor, section) in enumerate(zip(ids, rest, strict=True)):
        body.append(f'<section><h2 id="{anchor}">{html.escape(section.title)}</h2>')
        body += _blocks(section)
        if section.title == "Conventions":
            body += _all_conventions(data)
        body.append("</section>")
        if n == 0 and diagram:
            body.append(
                '<section><h2 id="diagram">Reliability diagram</h2>'
                f"<figure>{diagram}<figcaption>{html.escape(CAPTION)}</figcaption></figure>"
                "</section>"
            )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>foretell calibration report</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _anchor(i: int, title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40]
    return f"s{i}-{slug}"


def _blocks(section: Section) -> list[str]:
    out = []
    for block in section.blocks:
        if isinstance(block, Table):
            out.append(table_html(block))
        else:
            out.append(f"<p>{html.escape(block)}</p>")
    return out


def table_html(table: Table) -> str:
    """A table in its own scrolling box; cells get class ``l`` (text) or ``r`` (numbers)."""
    classes = ["r" if a == "right" else "l" for a in table.aligns()]
    head = "".join(
        f'<th class="{c}" scope="col">{html.escape(h)}</th>'
        for h, c in zip(table.headers, classes, strict=True)
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="{c}">{html.escape(cell)}</td>'
            for cell, c in zip(row, classes, strict=False)
        )
        + "</tr>\n"
        for row in table.rows
    )
    return (
        f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{rows}</tbody></table></div>"
    )


def _all_conventions(data: dict[str, Any]) -> list[str]:
    items = "".join(
        f"<dt>{html.escape(convention_label(k))}</dt><dd>{html.escape(v)}</dd>"
        for k, v in data["conventions"].items()
    )
    return [f"<details><summary>All conventions</summary><dl>{items}</dl></details>"]


def _diagram(data: dict[str, Any], plot: bytes | None) -> str:
    """The diagram as an inline ``<svg>`` without fixed size or metadata; '' when empty."""
    if not any(g["binary"].get("n_pairs") for g in data["groups"]):
        return ""
    if plot is None:
        from foretell.report.plot import reliability_diagram

        plot = reliability_diagram(data, "svg")
    svg = plot.decode("utf-8")
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    tag_end = svg.index(">")
    tag = re.sub(r'\s(width|height)="[^"]*"', "", svg[:tag_end])
    tag += ' role="img" aria-label="Reliability diagram"'
    return tag + svg[tag_end:]
