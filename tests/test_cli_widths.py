"""Every text output fits the width it is given (COLUMNS): 60, 80 and 120 columns.

The commands run on a simulated project (``foretell demo``'s) with one question whose title,
criteria and forecaster names are long, so tables must drop, wrap or break to fit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from foretell.home import Home

LONG_TITLE = (
    "Will Huawei state, in its annual report or an official statement, that it shipped at "
    "least 750,000 Ascend 950PR accelerator chips during calendar 2026?"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Home:
    from foretell.demo import build_demo

    home = build_demo(tmp_path_factory.mktemp("widths") / "sim")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORETELL_USER", "a-forecaster-with-a-rather-long-ledger-name")
        code = run_cli(
            "ask", "huawei-shipments-long", "--home", str(home.root), "--title", LONG_TITLE,
            "--criteria", "YES if Huawei states shipments of at least 750,000 950PR chips in "
            "2026 in its annual report or an official statement; NO if it states fewer; annul "
            "if no figure appears by the resolve-by date.",
            "--resolve-by", "2099-06-30", "--tag", "huawei",
        ).code  # fmt: skip
        assert code == 0
        assert run_cli("log", "huawei-shipments-long", "35%", "--home", str(home.root),
                       "--note", "yield reports from the foundry are poor and inconsistent "
                       "with the shipment aim").code == 0  # fmt: skip
    return home


COMMANDS = {
    "list": ["list"],
    "list-open": ["list", "--open", "--tag", "huawei"],
    "show": ["show", "huawei-shipments-long"],
    "show-resolved": ["show", "sim-binary-001"],
    "due": ["due", "--within", "100000"],
    "verify": ["verify"],
    "report": ["report"],
    "report-full": ["report", "--conventions", "--group-by", "tag"],
    "report-claims": ["report", "--claims", "only"],
    "compare-pair": ["compare", "sim-calibrated", "sim-overconfident"],
    "compare-table": ["compare"],
}


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_text_output_fits_the_width(
    project: Home, name: str, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = run_cli(*COMMANDS[name], "--home", str(project.root))
    assert result.code in (0, 1), result.err
    lines = result.out.splitlines()
    assert lines, result.err
    wide = [line for line in lines if len(line) > width]
    assert not wide, f"{len(wide)} lines wider than {width}: {wide[:3]}"


@pytest.mark.parametrize("width", [60, 80, 120])
def test_write_commands_fit_the_width(
    project: Home, tmp_path: Path, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "copy"
    shutil.copytree(project.root, home)
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("FORETELL_USER", "bob")
    for argv in (
        ["log", "huawei-shipments-long", "1 in 4"],
        ["resolve", "huawei-shipments-long", "no", "--evidence", "https://example.org/report"],
        ["import", str(tmp_path / "missing.csv"), "--from", "generic", "--dry-run"],
    ):
        result = run_cli(*argv, "--home", str(home))
        for line in (result.out + result.err).splitlines():
            assert len(line) <= max(width, 200)  # errors are one line, whatever the width
        assert all(len(line) <= width for line in result.out.splitlines()), result.out


def test_list_shows_titles_and_due_keeps_words_whole(
    project: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    listed = run_cli("list", "--tag", "huawei", "--home", str(project.root)).out
    assert "title" in listed.splitlines()[0]
    assert " ".join(LONG_TITLE.split()[:4]) in " ".join(listed.split())
    monkeypatch.setenv("COLUMNS", "80")
    due = run_cli("due", "--within", "100000", "--home", str(project.root)).out
    words = set(LONG_TITLE.split())
    cells = {w for line in due.splitlines() if "huawei" in line.lower() for w in line.split()}
    # every title word on a line is a whole word of the title, or another column's cell
    assert not {w for w in cells if w not in words and any(w in t and w != t for t in words)}
