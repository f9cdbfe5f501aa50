"""foretell.terminal: the output width, wrapping, tables fitted to a width, colour rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import terminal
from foretell.terminal import Column, render_table, table, wrap

FEW = settings(max_examples=60, deadline=None)


def test_width_is_columns_else_100_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "73")
    assert terminal.width() == 73
    monkeypatch.delenv("COLUMNS")
    assert terminal.width() == terminal.DEFAULT_WIDTH == 100


def test_colour_is_off_for_no_color_and_for_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert terminal.colour_enabled(Tty()) is True
    assert terminal.colour_enabled(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert terminal.colour_enabled(Tty()) is False
    assert terminal.paint("x", "red", False) == "x"
    assert terminal.paint("x", "red", True) != "x"


def test_low_priority_columns_go_first_and_are_named() -> None:
    columns = [Column("id"), Column("title", priority=1, wrap=True), Column("extra", priority=9)]
    rows = [["q-1", "a fairly long title that can wrap inside its column", "x" * 30]]
    fitted = table(columns, rows, 50)
    assert fitted.dropped == ["extra"]
    assert max(len(line) for line in fitted.text.splitlines()) <= 50
    text = render_table(columns, rows, 50)
    assert "not shown at this width: extra" in " ".join(text.split())


def test_text_cells_wrap_at_words_inside_their_column() -> None:
    columns = [Column("id"), Column("title", wrap=True)]
    title = "Will Huawei ship 750,000 Ascend 950PR chips in calendar 2026?"
    text = table(columns, [["q", title]], 30).text
    lines = text.splitlines()[2:]
    assert len(lines) > 1
    assert " ".join(line[3:].strip() for line in lines) == title


def test_numbers_stay_whole_and_right_aligned() -> None:
    columns = [Column("group", wrap=True), Column("Brier", "right"), Column("n", "right")]
    text = table(columns, [["alice", "0.1234", "7"], ["bob", "0.2", "12"]], 40).text
    body = text.splitlines()[2:]
    assert body[0].endswith("0.1234   7") and body[1].endswith("0.2  12")


cells = st.text(alphabet="abc -1.,xyz", max_size=40)


@FEW
@given(
    st.integers(min_value=20, max_value=140),
    st.lists(st.lists(cells, min_size=4, max_size=4), max_size=6),
)
def test_no_line_is_ever_wider_than_the_width(limit: int, rows: list[list[str]]) -> None:
    columns = [
        Column("first column"),
        Column("second", "right", priority=2),
        Column("third text", priority=1, wrap=True),
        Column("fourth", priority=3, wrap=True),
    ]
    text = render_table(columns, rows, limit)
    assert all(len(line) <= limit for line in text.splitlines())


@FEW
@given(st.text(max_size=300), st.integers(min_value=10, max_value=120))
def test_wrapped_prose_fits_and_keeps_every_word(text: str, limit: int) -> None:
    out = wrap(text, limit)
    assert all(len(line) <= limit for line in out.splitlines())
    assert "".join(out.split()) == "".join(text.split())
