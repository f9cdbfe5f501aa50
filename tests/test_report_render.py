"""Renderers: text, markdown, json, csv, html, and the reliability diagram."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from foretell.errors import ForetellError
from foretell.report.build import Report, build_report
from foretell.report.plot import figure, reliability_diagram, write_plot
from foretell.report.render import render
from test_report_fixtures import small_frames


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return build_report(small_frames(tmp_path_factory.mktemp("r") / "home"))


def test_text_names_conventions_counts_and_the_too_few_message(report: Report) -> None:
    text = render(report, "text")
    assert "Rule: time-averaged" in text
    assert "0..1 scale" in text and "0..2 scale" in text
    assert "skipped: made after the close day" in text
    assert "calibration tests need at least 20 resolved binary pairs; have 3" in text
    assert "q-c" in text  # the open question is listed


def test_markdown_has_headings_and_pipe_tables(report: Report) -> None:
    text = render(report, "markdown")
    assert text.startswith("# foretell calibration report")
    assert "## Counts" in text
    assert re.search(r"^\|.*\|$", text, re.MULTILINE)


def test_json_holds_every_number_and_no_nan(report: Report) -> None:
    text = render(report, "json")
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert data["schema_version"] == 1
    assert data["groups"][0]["name"] == "all"
    assert data["groups"][0]["binary"]["brier"] == pytest.approx(
        report.data["groups"][0]["binary"]["brier"]
    )
    assert set(data) >= {"options", "conventions", "counts", "groups", "open_questions"}


def test_csv_has_one_row_per_forecaster_and_question(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    keys = [(r["forecaster"], r["question"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == [("alice", "q-a"), ("alice", "q-m"), ("alice", "q-n"), ("bob", "q-a")]
    alice_a = next(r for r in rows if r["forecaster"] == "alice" and r["question"] == "q-a")
    assert float(alice_a["brier"]) == pytest.approx(0.073)
    assert float(alice_a["probability"]) == pytest.approx(0.75)
    numeric = next(r for r in rows if r["question"] == "q-n")
    assert numeric["threshold_events"] == "1"
    assert float(numeric["threshold_brier"]) == pytest.approx(0.25)


def test_html_is_self_contained(report: Report) -> None:
    page = render(report, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and 'name="viewport"' in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "<script" not in page and "<link" not in page


def test_png_plot_has_the_png_signature(report: Report, tmp_path: Path) -> None:
    path = write_plot(report.data, tmp_path / "r.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_svg_plot_parses_with_an_svg_root(report: Report, tmp_path: Path) -> None:
    path = write_plot(report.data, tmp_path / "r.svg")
    root = ET.fromstring(path.read_bytes())
    assert root.tag.endswith("svg")


def test_plot_without_resolved_pairs_still_draws(report: Report) -> None:
    data = json.loads(render(report, "json"))
    for group in data["groups"]:
        group["binary"] = {"n_pairs": 0}
    assert reliability_diagram(data, "png")[:4] == b"\x89PNG"


def test_plot_refuses_other_extensions(report: Report, tmp_path: Path) -> None:
    with pytest.raises(ForetellError, match=r"\.png or \.svg"):
        write_plot(report.data, tmp_path / "r.pdf")


def test_unknown_format_is_a_user_error(report: Report) -> None:
    with pytest.raises(ForetellError, match="format"):
        render(report, "yaml")


def test_plot_tolerates_wilson_bounds_a_rounding_error_past_the_estimate(report: Report) -> None:
    data = json.loads(render(report, "json"))
    row = {"lower": 0.6, "upper": 0.7, "n": 7, "mean_forecast": 0.65, "observed": 1.0}
    row.update(wilson_low=0.6456, wilson_high=0.9999999999999999)
    low = {"lower": 0.0, "upper": 0.1, "n": 7, "mean_forecast": 0.04, "observed": 0.0}
    low.update(wilson_low=2.8e-17, wilson_high=0.35)
    data["groups"][0]["binary"]["calibration_table"] = [low, row]
    assert reliability_diagram(data, "svg").lstrip().startswith(b"<?xml")


# ------------------------------------------------------------------ notes and text layout


@pytest.fixture(scope="module")
def demo_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    from foretell.demo import build_demo
    from foretell.frames import load_frames

    home = build_demo(tmp_path_factory.mktemp("demo") / "sim")
    return render(build_report(load_frames(home)), "text")


def _section(text: str, title: str) -> list[str]:
    """The lines of the text report's section ``title`` (up to the next underlined title)."""
    lines = text.splitlines()
    start = lines.index(title) + 2
    end = next((i - 1 for i in range(start + 1, len(lines)) if set(lines[i]) == {"="}), len(lines))
    return lines[start:end]


def test_reading_notes_reach_every_format(tmp_path: Path) -> None:
    tampered = "entries whose sha does not match their content (run foretell verify)"
    frames = dataclasses.replace(small_frames(tmp_path / "h"), skipped={tampered: 2})
    report = build_report(frames)
    note = f"2 {tampered}"
    assert any(note in n for n in json.loads(render(report, "json"))["notes"])
    for fmt in ("text", "markdown", "html"):
        assert note in " ".join(render(report, fmt).split()), fmt


def test_text_prints_cells_with_fixed_decimals(demo_text: str) -> None:
    table = _section(demo_text, "Calibration table")
    rows = [line.split() for line in table if re.match(r"^\d\.\d\d-", line)]
    assert len(rows) == 10
    for _bin, _n, mean, observed, _wilson in rows:
        assert re.fullmatch(r"\d\.\d{3}", mean) and re.fullmatch(r"\d\.\d{3}", observed)
    scores = _section(demo_text, "Scores by forecaster")
    binary = [line.split() for line in scores if "derived)" in line]
    assert len(binary) == 5  # all, three simulated forecasters, crowd:median
    for cells in binary:  # Brier and log to 4 decimals, skills and base rate to 3
        assert all(re.fullmatch(r"\d\.\d{4}", c) for c in cells[-5:-3]), cells
        assert all(re.fullmatch(r"-?\d\.\d{3}", c) for c in cells[-3:]), cells
    assert "0.5710" in demo_text  # sim-calibrated's log score, not 0.571


def test_decomposition_table_has_one_unc_column(demo_text: str) -> None:
    header = next(
        line
        for line in _section(demo_text, "Brier decompositions (binary pairs)")
        if line.startswith("group")
    )
    assert header.split() == [
        "group", "n", "Brier", "(pair", "p)", "UNC", "REL", "RES", "WBV", "WBC", "MCB", "DSC"
    ]  # fmt: skip


def test_text_report_keeps_titles_whole_wrapped_inside_their_column(demo_text: str) -> None:
    assert max(len(line) for line in demo_text.splitlines()) <= 100  # not a terminal: 100
    best = _section(demo_text, "Best and worst binary questions (mean Brier)")
    assert not any("…" in line for line in best)
    dashes = next(line for line in best if line.startswith("---"))
    runs = [m.span() for m in re.finditer(r"-+", dashes)]
    start, end = runs[1]  # the title column
    column = " ".join(line[start:end].strip() for line in best if len(line) > start)
    assert "Simulated binary question 80: does simulated event 80 happen?" in column


def test_equal_wis_and_crps_are_explained_once(report: Report) -> None:
    text = " ".join(render(report, "text").split())
    assert text.count("WIS equals CRPS here") == 1
    assert "2 x the mean pinball loss" in text
    data = json.loads(render(report, "json"))
    for g in data["groups"]:
        if g["numeric"]["n_pairs"]:
            g["numeric"]["crps"] = g["numeric"]["wis"] * 0.9
    for q in data["numeric_questions"]:
        q["crps"] = q["wis"] * 0.9
    from foretell.report.text import render_text

    assert "WIS equals CRPS" not in render_text(data)


def test_wide_tables_wrap_their_headers_to_fit_the_width() -> None:
    from foretell.report.layout import Table
    from foretell.report.text import table_text

    headers = [f"column number {i}" for i in range(8)]
    text = table_text(Table(headers, [["0.1234"] * 8]), width=120)
    assert max(len(line) for line in text.splitlines()) <= 120
    assert text.count("column") == 8 and "(not shown" not in text


# ------------------------------------------------------------------ reliability diagram


def _groups_data(report: Report, n_groups: int) -> dict:
    data = json.loads(render(report, "json"))
    template = data["groups"][0]
    data["groups"] = [template] + [
        {**template, "name": f"g{i}", "binary": {**template["binary"], "n_pairs": i + 1}}
        for i in range(n_groups)
    ]
    return data


def test_plot_draws_all_alone_with_n_labels_and_integer_counts(report: Report) -> None:
    data = json.loads(render(report, "json"))
    data["groups"] = data["groups"][:1]
    fig = figure(data)
    main, hist = fig.axes
    assert len(main.collections) >= 1 and len(main.containers) == 1  # one errorbar series: all
    table = data["groups"][0]["binary"]["calibration_table"]
    assert sorted(t.get_text() for t in main.texts) == sorted(str(r["n"]) for r in table)
    sizes = main.collections[-1].get_sizes()
    assert len(set(sizes)) == len(set(r["n"] for r in table))  # area follows n
    ticks = [t for t in hist.get_yticks() if hist.get_ylim()[0] <= t <= hist.get_ylim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)


@pytest.mark.parametrize(("n_groups", "panels"), [(3, 3), (6, 6), (8, 6)])
def test_plot_has_one_small_panel_per_group_up_to_six(
    report: Report, n_groups: int, panels: int
) -> None:
    fig = figure(_groups_data(report, n_groups))
    shown = [ax for ax in fig.axes[2:] if ax.get_visible()]
    assert len(shown) == panels
    titles = [ax.get_title() for ax in shown]
    if n_groups > panels:  # the groups with the most pairs, in report order
        assert titles[0].startswith("g2 ") and titles[-1].startswith("g7 ")
        assert "6 of 8 groups" in fig.subfigs[1]._suptitle.get_text()


def test_plot_is_150_dpi(report: Report) -> None:
    png = reliability_diagram(report.data, "png")
    width, height = struct.unpack(">II", png[16:24])
    fig_width, fig_height = figure(report.data).get_size_inches()
    assert (width, height) == (round(fig_width * 150), round(fig_height * 150))


def test_the_empty_plot_label_is_off_the_diagonal(report: Report) -> None:
    from foretell.report.plot import EMPTY

    data = json.loads(render(report, "json"))
    for group in data["groups"]:
        group["binary"] = {"n_pairs": 0}
    main = figure(data).axes[0]
    (label,) = [t for t in main.texts if t.get_text() == EMPTY]
    x, y = main.transData.inverted().transform(main.transAxes.transform(label.get_position()))
    assert abs(y - x) > 0.25
