"""The HTML report for people: one self-contained, responsive page (browser checks are in
test_report_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from foretell.home import init_home
from foretell.report.build import Report, build_report
from foretell.report.render import render
from test_report_fixtures import small_frames


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return render(build_report(small_frames(tmp_path_factory.mktemp("h") / "home")), "html")


def test_the_page_is_responsive_with_contents_and_inline_svg(page: str) -> None:
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<nav aria-label="Contents">' in page
    anchors = re.findall(r'<a href="#([^"]+)">', page)
    assert anchors and all(f'id="{a}"' in page for a in anchors)
    assert page.count('<div class="scroll">') == page.count("<table>")
    assert "<svg" in page and 'width="' not in page.split("<svg", 1)[1].split(">", 1)[0]


def test_nothing_is_loaded_from_elsewhere(page: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|file:)?//""", page, re.I)
    assert "<script" not in page and "<link" not in page and "<img" not in page


def test_text_columns_are_left_aligned_and_numbers_right(page: str) -> None:
    header = re.search(r"<thead><tr>(.*?)</tr></thead>", page).group(1)  # the scores table
    assert '<th class="l" scope="col">group</th>' in header
    assert '<th class="r" scope="col">Brier</th>' in header


def test_conventions_are_short_with_every_one_in_words_folded_below(page: str) -> None:
    assert "<details><summary>All conventions</summary>" in page
    assert "multiple_choice_calibration" not in page
    assert "Multiple-choice calibration" in page


def test_an_empty_ledger_draws_no_diagram(tmp_path: Path) -> None:
    from foretell.frames import load_frames

    home = init_home(tmp_path / "empty")
    page = render(build_report(load_frames(home)), "html")
    assert "<svg" not in page


def test_no_report_format_carries_the_local_path(tmp_path: Path) -> None:
    from foretell.cli.app import run

    root = tmp_path / "secret-home-dir" / "project"
    init_home(root)
    out = tmp_path / "r"
    for fmt in ("text", "markdown", "json", "html", "csv"):
        assert run(["report", "--home", str(root), "--format", fmt, "-o", f"{out}.{fmt}"]) == 0
        assert str(tmp_path) not in Path(f"{out}.{fmt}").read_text(), fmt


def test_titles_are_whole(tmp_path: Path) -> None:
    report: Report = build_report(small_frames(tmp_path / "h"))
    page = render(report, "html")
    for title in report.questions["title"]:
        if title in page or len(title) < 50:
            continue
        pytest.fail(f"title cut: {title}")
