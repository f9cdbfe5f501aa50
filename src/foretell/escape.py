"""Text made safe for where it goes: spreadsheets (CSV), terminals, markdown/HTML.

- CSV (OWASP, "CSV Injection"): a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return is prefixed with a single quote, so a spreadsheet shows it as text
  instead of running it as a formula. A cell that is a plain number (``-0.25``, ``+3e5``) is
  left alone: numbers stay numbers. So that foretell's own importer can undo exactly this and
  nothing else, a text cell that already begins with quotes followed by one of those
  characters gets one more quote; ``unneutralise`` removes one quote from such cells only.
- Terminal: control characters (C0 but newline and tab, DEL, C1) and the Unicode
  bidirectional overrides are shown escaped (``\\x1b``, ``\\u202e``), so a title cannot move
  the cursor, recolour the screen or reorder what is printed after it.
- Markdown: ``&``, ``<`` and ``>`` become entities, so no HTML in a title or note is rendered.
"""

from __future__ import annotations

import html
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def csv_cell(text: str) -> str:
    """A text cell that no spreadsheet runs as a formula (see the module docstring)."""
    if not text:
        return text
    if text.startswith(FORMULA_START):
        return text if _PLAIN_NUMBER.match(text) else "'" + text
    if text[0] == "'" and _NEUTRALISED.match(text):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """The inverse of ``csv_cell`` on what it writes: one leading quote removed from a cell
    that is quotes followed by a formula character; any other cell unchanged."""
    return text[1:] if _NEUTRALISED.match(text) else text


def terminal(text: str) -> str:
    """``text`` with control characters shown escaped (newlines and tabs kept)."""
    return _CONTROL.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def markdown(text: str) -> str:
    """``text`` with HTML special characters as entities and control characters escaped."""
    return html.escape(terminal(text), quote=False)
