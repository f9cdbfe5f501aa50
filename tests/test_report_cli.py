"""`foretell report`: options reach the report, output goes to stdout or --output/--plot."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import foretell.cli  # noqa: F401  (registers every command)
from foretell.cli.app import app, run
from test_report_fixtures import make_home

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path / "home").root


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_default_report_is_text_on_stdout(home: Path) -> None:
    out = invoke("report", "--home", str(home)).stdout
    assert out.startswith("foretell calibration report")
    assert "Scores by forecaster" in out


def test_json_report_takes_rule_bins_group_and_filters(home: Path) -> None:
    args = ["report", "--home", str(home), "--format", "json", "--rule", "last"]
    args += ["--bins", "quantile", "--group-by", "type", "--by", "alice", "--since", "2025-01-01"]
    data = json.loads(invoke(*args).stdout)
    assert data["options"]["rule"] == "last"
    assert data["options"]["bins"] == "quantile"
    assert data["options"]["by"] == ["alice"]
    assert [g["name"] for g in data["groups"]] == ["all", "binary", "multiple_choice", "numeric"]
    assert data["groups"][0]["binary"]["n_pairs"] == 2  # alice q-a and her derived q-n event


def test_group_by_none_keeps_only_all(home: Path) -> None:
    out = invoke("report", "--home", str(home), "--format", "json", "--group-by", "none").stdout
    assert [g["name"] for g in json.loads(out)["groups"]] == ["all"]


def test_csv_to_output_file_and_plot(home: Path, tmp_path: Path) -> None:
    target, plot = tmp_path / "pairs.csv", tmp_path / "rel.svg"
    args = ["report", "--home", str(home), "--format", "csv", "-o", str(target)]
    result = invoke(*args, "--plot", str(plot))
    assert result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 4
    assert plot.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_html_and_markdown_formats(home: Path) -> None:
    assert invoke("report", "--home", str(home), "--format", "html").stdout.startswith(
        "<!DOCTYPE html>"
    )
    assert "## Counts" in invoke("report", "--home", str(home), "--format", "markdown").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "carol"], "no forecasts by 'carol'"),
        (["--question", "q-z"], "no question 'q-z'"),
        (["--bins", "many"], "--bins takes a number of bins, 'quantile' or increasing edges"),
        (["--bins", "0,0.5,0.3,1"], "--bins 0,0.5,0.3,1: edges must be strictly increasing"),
        (["--bins", "0.1,0.5,1"], "--bins 0.1,0.5,1: edges must start at 0 and end at 1"),
        (["--bins", "0,1"], "--bins 0,1: give at least 3 edges (2 bins)"),
        (["--bins", "0,half,1"], "'half' is not a number"),
        (["--by", "!!!"], "cannot make a ledger name"),
        (["--since", "yesterday"], "--since"),
        (["--plot", "x.pdf"], ".png or .svg"),
    ],
)
def test_user_mistakes_are_one_line_errors(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run(["report", "--home", str(home), *args]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_report_on_a_ledger_with_nothing_resolved(tmp_path: Path) -> None:
    home = make_home(tmp_path / "h", entries=[])
    out = invoke("report", "--home", str(home.root)).stdout
    assert "Nothing is resolved yet" in out
    assert "Open questions (5)" in out


def test_bins_take_comma_separated_edges(home: Path) -> None:
    args = ["report", "--home", str(home), "--bins", "0,0.2,0.5,1"]
    data = json.loads(invoke(*args, "--format", "json").stdout)
    assert data["options"]["bins"] == [0.0, 0.2, 0.5, 1.0]
    table = data["groups"][0]["binary"]["calibration_table"]
    assert {(r["lower"], r["upper"]) for r in table} <= {(0.0, 0.2), (0.2, 0.5), (0.5, 1.0)}
    assert "Bins: edges 0, 0.2, 0.5, 1." in invoke(*args).stdout


def test_by_takes_the_name_as_log_does(home: Path) -> None:
    """`log --by Bob` writes ledger/bob.jsonl, so `report --by Bob` reads bob's forecasts."""
    base = ["report", "--home", str(home), "--format", "json"]
    mixed = json.loads(invoke(*base, "--by", "Bob").stdout)
    plain = json.loads(invoke(*base, "--by", "bob").stdout)
    assert mixed["options"]["by"] == ["bob"]
    assert mixed["groups"] == plain["groups"]
    assert [g["name"] for g in mixed["groups"]] == ["all", "bob"]


def test_a_question_with_no_forecasts_in_the_window_is_named_as_such(home: Path) -> None:
    args = ["report", "--home", str(home), "--question", "q-a", "--since", "2025-06-01"]
    out = invoke(*args).stdout
    assert "No questions match" not in out
    assert "No forecasts of the 1 selected question(s) fall in the selection" in out


def test_report_verify_names_an_entry_whose_sha_no_longer_matches(home: Path) -> None:
    path = home / "ledger" / "bob.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    assert '"p":0.3,' in lines[1]
    lines[1] = lines[1].replace('"p":0.3,', '"p":0.35,')  # edited after the fact
    path.write_text("".join(lines))
    note = "foretell verify found 1 problem(s) in the ledger: 1 x sha does not match"
    for fmt in ("text", "markdown", "html"):
        out = invoke("report", "--home", str(home), "--format", fmt, "--verify").stdout
        assert note in " ".join(out.split()), fmt  # text wraps its paragraphs
    data = json.loads(invoke("report", "--home", str(home), "--format", "json", "--verify").stdout)
    assert any(note in n for n in data["notes"])
    assert data["ledger"] == {"verified": True, "problems": 1}
    data = json.loads(invoke("report", "--home", str(home), "--format", "json").stdout)
    assert data["ledger"] == {"verified": False, "problems": None}
    assert "not verified" in data["notes"][-1]
