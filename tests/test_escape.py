"""Output safety: CSV cells no spreadsheet runs, escaped control characters, escaped HTML."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Result, question, write_question
from foretell import escape
from foretell.home import Home, init_home

Invoke = Callable[..., Result]
FORMULA = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", [FORMULA, "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cell_prefixes_a_quote_to_formula_like_text(text: str) -> None:
    assert escape.csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-0.25", "+3", "-1e-5", "plain", "", "a=b"])
def test_csv_cell_leaves_numbers_and_plain_text_alone(text: str) -> None:
    assert escape.csv_cell(text) == text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_unneutralise_undoes_csv_cell_exactly(text: str) -> None:
    cell = escape.csv_cell(text)
    assert escape.unneutralise(cell) == text
    assert not cell.startswith(escape.FORMULA_START) or escape._PLAIN_NUMBER.match(cell)


def test_terminal_escapes_control_characters_but_keeps_lines() -> None:
    shown = escape.terminal("a\x1b[2Jb\nc\td\x07\u202e")
    assert shown == "a\\x1b[2Jb\nc\td\\x07\\u202e"


def test_markdown_escapes_html() -> None:
    assert escape.markdown("<script>x</script> & y") == "&lt;script&gt;x&lt;/script&gt; &amp; y"


def test_export_csv_neutralises_formulas_and_import_restores_them(
    home: Home, invoke: Invoke, tmp_path: Path
) -> None:
    write_question(home, question("q1", title=FORMULA))
    assert invoke("log", "q1", "0.5", "--note", "@HYPERLINK(x)").code == 0
    out = tmp_path / "out.csv"
    assert invoke("export", "--format", "csv", "-o", str(out)).code == 0
    cells = [c for row in csv.reader(io.StringIO(out.read_text())) for c in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert "'@HYPERLINK(x)" in cells
    other = init_home(tmp_path / "other")
    result = invoke("import", str(out), "--from", "foretell", "--home", str(other.root))
    assert result.code == 0, result
    assert FORMULA in (other.forecasts / "q1.toml").read_text()
    assert b'"note":"@HYPERLINK(x)"' in (other.ledger / "alice.jsonl").read_bytes()


def test_report_csv_neutralises_text_cells_and_keeps_negative_numbers(
    home: Home, invoke: Invoke
) -> None:
    write_question(home, question("mc", "multiple_choice", options=["@risk", "+up", "-down"]))
    write_question(home, question("num", "numeric", range=(-100.0, 100.0), thresholds=[]))
    assert invoke("log", "mc", "--probs", "@risk=0.5", "+up=0.3", "-down=0.2").code == 0
    assert invoke("log", "num", "--quantiles", "0.1=-50", "0.5=-5", "0.9=10").code == 0
    assert invoke("resolve", "mc", "@risk").code == 0
    assert invoke("resolve", "num", "-5").code == 0
    result = invoke("report", "--format", "csv")
    assert result.code == 0, result
    rows = {r["question"]: r for r in csv.DictReader(io.StringIO(result.out))}
    assert rows["mc"]["outcome"] == "'@risk"
    assert rows["num"]["outcome"] == "-5"
    assert float(rows["num"]["wis"]) >= 0


def test_show_and_list_escape_terminal_control_characters(home: Home, invoke: Invoke) -> None:
    write_question(home, question("q1", title="evil\x1b[2J title"))
    assert invoke("log", "q1", "0.5", "--note", "beep\x07\x1b]0;owned\x07").code == 0
    for argv in (("show", "q1"), ("due", "--within", "400"), ("report",)):
        out = invoke(*argv).out
        assert "\x1b" not in out and "\x07" not in out, argv
    assert "evil\\x1b[2J title" in invoke("show", "q1").out


def test_markdown_report_escapes_html_in_titles(home: Home, invoke: Invoke) -> None:
    write_question(home, question("q1", title="<img src=x onerror=alert(1)>"))
    assert invoke("log", "q1", "0.5").code == 0
    assert invoke("resolve", "q1", "yes").code == 0
    out = invoke("report", "--format", "markdown").out
    assert "<img" not in out
