"""Text that fits the screen: the output width, wrapped prose, tables that fit, colour, and
numbers for people (``number``).

The width is ``COLUMNS`` when set, else the terminal's width when standard output is a
terminal, else ``DEFAULT_WIDTH``. A table is fitted to a width by, in turn: wrapping long
headers over lines, dropping the columns of lowest priority (highest ``priority`` number;
priority 0 is never dropped) while even their narrowest form cannot fit, then narrowing the
wrappable (text) columns, whose cells wrap at word boundaries inside the column. Numbers never
wrap. A last resort breaks words, so no line is ever wider than the width.

Colour is on only for text written to a terminal with ``NO_COLOR`` unset; the codes come from
rich, imported only when colour is actually drawn (the write path never pays for it).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

DEFAULT_WIDTH = 100
MIN_WIDTH = 20
GAP = 2  # spaces between columns
COMFORTABLE = 24  # a text column narrower than this (and than its text) may cost a column
MAX_UNBROKEN = 20  # a text column keeps words up to this long whole (longer: break at hyphens)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def width(stream: TextIO | None = None) -> int:
    """COLUMNS, else the terminal's width when ``stream`` (stdout) is a terminal, else 100."""
    raw = os.environ.get("COLUMNS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return max(int(raw), MIN_WIDTH)
    if _isatty(stream if stream is not None else sys.stdout):
        return max(shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns, MIN_WIDTH)
    return DEFAULT_WIDTH


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def colour_enabled(stream: TextIO | None = None) -> bool:
    """Colour for a terminal only, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR", ""):
        return False
    return _isatty(stream if stream is not None else sys.stdout)


def paint(text: str, style: str | None, enabled: bool) -> str:
    """``text`` in a rich style ('green', 'bold red', ...) when ``enabled``, else as is."""
    if not enabled or not style or not text:
        return text
    from rich.style import Style

    return Style.parse(style).render(text)


def number(value: float) -> str:
    """A number for people: 3,000,000 and 0.05, never 3e+06."""
    return f"{value:,.10g}"


def visible_len(text: str) -> int:
    return len(_ANSI.sub("", text))


def wrap(text: str, limit: int, indent: str = "") -> str:
    """Prose wrapped to ``limit`` columns; existing line breaks are kept; long words break."""
    limit = max(limit, len(indent) + 1)
    out: list[str] = []
    for line in text.splitlines() or [""]:
        lead = line[: len(line) - len(line.lstrip())]
        first = indent + lead
        if not line.strip():
            out.append("")
            continue
        out.extend(
            textwrap.wrap(
                line.strip(),
                limit,
                initial_indent=first,
                subsequent_indent=first,
                break_on_hyphens=False,
            )
            or [first]
        )
    return "\n".join(out)


@dataclass(frozen=True)
class Column:
    """How a column behaves when space is short.

    ``priority``: 0 is kept always; larger numbers are dropped first. ``wrap``: cells may wrap
    at spaces inside the column (text); otherwise the column keeps its full width (numbers).
    ``align``: 'left' or 'right'.
    """

    header: str
    align: str = "left"
    priority: int = 0
    wrap: bool = False


StyleFn = Callable[[int, int, str], str | None]


@dataclass(frozen=True)
class Fitted:
    """A table rendered to a width, with the headers of the columns it had to leave out."""

    text: str
    dropped: list[str]


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    limit: int,
    style: StyleFn | None = None,
    colour: bool = False,
    indent: str = "",
) -> Fitted:
    """Rows of cells as an aligned table no wider than ``limit`` (see the module docstring)."""
    limit = max(limit - len(indent), MIN_WIDTH // 2)
    rows = [[str(c) for c in row] + [""] * (len(columns) - len(row)) for row in rows]
    keep = list(range(len(columns)))

    def floor(i: int) -> int:
        col = columns[i]
        head = max((len(w) for w in col.header.split()), default=0)
        cells = [row[i] for row in rows]
        if col.wrap:
            longest = max((len(w) for c in cells for w in c.split()), default=0)
            return max(head, min(longest, MAX_UNBROKEN), 1)
        return max(head, max((len(c) for c in cells), default=0), 1)

    def total(ix: list[int], widths: dict[int, int]) -> int:
        return sum(widths[i] for i in ix) + GAP * (len(ix) - 1)

    mins = {i: floor(i) for i in keep}
    while total(keep, mins) > limit:
        droppable = [i for i in keep if columns[i].priority > 0]
        if not droppable:
            break
        worst = max(droppable, key=lambda i: (columns[i].priority, i))
        keep.remove(worst)
    while True:
        widths = _widths(columns, rows, keep, mins, limit)
        # a text column squeezed well below its natural width gives way to a column that
        # matters less: drop that one and fit again
        squeezed = [
            i
            for i in keep
            if columns[i].wrap
            and widths[i] < min(COMFORTABLE, max(len(r[i]) for r in rows) if rows else 0)
        ]
        less = [
            j
            for j in keep
            if columns[j].priority > 0
            and any(columns[j].priority > columns[i].priority for i in squeezed)
        ]
        if not less:
            break
        keep.remove(max(less, key=lambda j: (columns[j].priority, j)))

    def cell_lines(text: str, w: int) -> list[str]:
        if len(text) <= w:
            return [text]
        return textwrap.wrap(text, w) or [""]

    out: list[str] = []
    heads = [cell_lines(columns[i].header, widths[i]) for i in keep]
    depth = max((len(h) for h in heads), default=1)
    for n in range(depth):
        parts = []
        for h, i in zip(heads, keep, strict=True):
            # headers sit at the bottom of their cell, aligned like the column
            line = h[n - (depth - len(h))] if n >= depth - len(h) else ""
            parts.append(_pad(line, widths[i], columns[i].align))
        out.append(indent + (" " * GAP).join(parts).rstrip())
    out.append(indent + (" " * GAP).join("-" * widths[i] for i in keep))
    for r, row in enumerate(rows):
        wrapped = [cell_lines(row[i], widths[i]) for i in keep]
        for n in range(max(len(w) for w in wrapped) if wrapped else 1):
            parts = []
            for w, i in zip(wrapped, keep, strict=True):
                text = w[n] if n < len(w) else ""
                padded = _pad(text, widths[i], columns[i].align)
                if colour and style is not None and text:
                    padded = padded.replace(text, paint(text, style(r, i, row[i]), True), 1)
                parts.append(padded)
            out.append(indent + (" " * GAP).join(parts).rstrip())
    dropped = [columns[i].header for i in range(len(columns)) if i not in keep]
    return Fitted("\n".join(out), dropped)


def _widths(
    columns: Sequence[Column],
    rows: list[list[str]],
    keep: list[int],
    mins: dict[int, int],
    limit: int,
) -> dict[int, int]:
    """Column widths for the kept columns: natural, then headers wrapped, then text wrapped,
    then (last resort) words broken, until the total fits ``limit``."""

    def total(ix: list[int], widths: dict[int, int]) -> int:
        return sum(widths[i] for i in ix) + GAP * (len(ix) - 1)

    natural = {
        i: max(max((len(r[i]) for r in rows), default=0), mins[i], len(columns[i].header))
        for i in keep
    }
    widths = dict(natural)
    cells = {i: max((len(r[i]) for r in rows), default=0) for i in keep}
    for i in sorted(keep, key=lambda i: cells[i] - widths[i]):  # first, wide headers wrap
        over = total(keep, widths) - limit
        if over <= 0:
            break
        widths[i] = max(mins[i], cells[i], widths[i] - over)
    for i in sorted(keep, key=lambda i: -natural[i]):  # then text cells wrap, widest first
        over = total(keep, widths) - limit
        if over <= 0:
            break
        if columns[i].wrap:
            widths[i] = max(mins[i], widths[i] - over)
    over = total(keep, widths) - limit
    if over > 0:  # last resort: break words in the widest columns
        for i in sorted(keep, key=lambda i: -widths[i]):
            cut = min(over, widths[i] - 3)
            if cut > 0:
                widths[i] -= cut
                over -= cut
            if over <= 0:
                break

    return widths


def _pad(text: str, w: int, align: str) -> str:
    return text.rjust(w) if align == "right" else text.ljust(w)


def dropped_note(dropped: Sequence[str], limit: int) -> str:
    """One wrapped line naming the columns a table left out at this width."""
    names = ", ".join(dropped)
    return wrap(f"(not shown at this width: {names}; widen the window or use --format json)", limit)


def render_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    limit: int | None = None,
    style: StyleFn | None = None,
    colour: bool = False,
    indent: str = "",
) -> str:
    """``table`` plus the note about dropped columns, ready to print."""
    limit = width() if limit is None else limit
    fitted = table(columns, rows, limit, style, colour, indent)
    if not fitted.dropped:
        return fitted.text
    return fitted.text + "\n" + dropped_note(fitted.dropped, limit)


STATE_STYLES = {"open": "cyan", "resolved": "green", "annulled": "yellow"}
