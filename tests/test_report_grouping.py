"""Report groups: several keys at once, --exclude-by, and the equal-weight row."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import foretell.cli  # noqa: F401  (registers every command)
from foretell.cli.app import app, run
from foretell.errors import ForetellError
from foretell.report.build import build_report
from foretell.report.options import ReportOptions
from foretell.report.scope import Filters
from test_report_fixtures import QUESTIONS, closing, forecast, make_home, small_frames

runner = CliRunner()


@pytest.fixture
def frames(tmp_path: Path):
    return small_frames(tmp_path / "home")


def _names(report) -> list[str]:
    return [g["name"] for g in report.data["groups"]]


def test_two_keys_group_by_every_combination_in_key_order(frames) -> None:
    report = build_report(frames, ReportOptions(group_by="forecaster,tag"))
    # alice: q-a (chips), q-n (models), q-m (no tag); bob: q-a (chips)
    assert _names(report) == [
        "all",
        "alice / chips",
        "alice / models",
        "alice / (no tag)",
        "bob / chips",
    ]
    assert report.data["options"]["group_by"] == "forecaster,tag"
    cell = report.data["groups"][4]
    assert cell["keys"] == {"forecaster": "bob", "tag": "chips"}
    assert cell["binary"]["brier"] == pytest.approx(0.49)


def test_key_order_decides_the_name_and_the_order(frames) -> None:
    report = build_report(frames, ReportOptions(group_by=("tag", "forecaster")))
    assert _names(report)[1:3] == ["chips / alice", "chips / bob"]


@pytest.mark.parametrize("keys", ["type,horizon", "horizon,tag", "tag,type"])
def test_any_two_keys_combine_and_pairs_add_up_per_first_key(frames, keys: str) -> None:
    first = keys.split(",")[0]
    combined = build_report(frames, ReportOptions(group_by=keys)).data["groups"][1:]
    single = build_report(frames, ReportOptions(group_by=first)).data["groups"][1:]
    totals: dict[str, int] = {}
    for g in combined:
        name = g["keys"][first]
        totals[name] = totals.get(name, 0) + g["binary"]["n_pairs"]
    expected = {g["name"]: g["binary"]["n_pairs"] for g in single}
    if first == "tag" or keys.endswith("tag"):
        # a pair sits in one group per tag: never fewer than the single-key count
        assert all(totals.get(k, 0) >= v for k, v in expected.items())
    else:
        assert totals == {k: v for k, v in expected.items() if k in totals}
        assert sum(totals.values()) == sum(expected.values())


def test_unknown_and_repeated_keys_are_refused(frames) -> None:
    with pytest.raises(ForetellError, match="unknown --group-by 'colour'"):
        build_report(frames, ReportOptions(group_by="forecaster,colour"))
    with pytest.raises(ForetellError, match="twice"):
        build_report(frames, ReportOptions(group_by="tag,tag"))


def test_equal_weight_is_the_mean_of_the_group_means(frames) -> None:
    data = build_report(frames, ReportOptions(group_by="forecaster")).data
    groups = data["groups"]
    alice, bob = groups[1]["binary"], groups[2]["binary"]
    equal = data["equal_weight"]["binary"]
    assert equal["n_groups"] == 2
    assert equal["brier"] == pytest.approx((alice["brier"] + bob["brier"]) / 2)
    # pooled: alice has two binary pairs, bob one, so "all" weighs alice twice
    pooled = groups[0]["binary"]["brier"]
    assert pooled == pytest.approx((2 * alice["brier"] + bob["brier"]) / 3)
    assert not np.isclose(pooled, equal["brier"])
    assert data["equal_weight"]["multiple_choice"] == {
        "n_groups": 1,
        "brier_multi": groups[1]["multiple_choice"]["brier_multi"],
        "log_score": groups[1]["multiple_choice"]["log_score"],
    }


def test_equal_weight_row_sits_under_all_in_the_text_report(tmp_path: Path) -> None:
    home = make_home(tmp_path / "h")
    out = runner.invoke(app, ["report", "--home", str(home.root)]).stdout
    lines = out.splitlines()
    at_all = next(i for i, line in enumerate(lines) if line.startswith("all "))
    assert lines[at_all + 1].startswith("equal-weight")
    assert "2 groups" in lines[at_all + 1]


def test_exclude_by_leaves_a_forecaster_out(frames) -> None:
    data = build_report(frames, ReportOptions(filters=Filters(exclude_by=("alice",)))).data
    assert [g["name"] for g in data["groups"]] == ["all", "bob"]
    assert data["groups"][0]["binary"]["brier"] == pytest.approx(0.49)
    assert data["options"]["exclude_by"] == ["alice"]


def test_exclude_by_an_unknown_name_is_refused_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home(tmp_path / "h")
    assert run(["report", "--home", str(home.root), "--exclude-by", "zed"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("foretell: no forecasts by 'zed'")
    assert len(err.strip().splitlines()) == 1


def test_unknown_group_key_is_refused_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home(tmp_path / "h")
    assert run(["report", "--home", str(home.root), "--group-by", "forecaster,colour"]) == 1
    assert "unknown --group-by 'colour'" in capsys.readouterr().err


def test_cli_group_by_two_keys_and_exclude_by(tmp_path: Path) -> None:
    qa = QUESTIONS[0]
    entries = [
        ("alice", forecast(qa, 1, {"p": 0.7})),
        ("bob", forecast(qa, 1, {"p": 0.2})),
        ("carol", forecast(qa, 1, {"p": 0.9})),
        ("judge", closing(qa, 9, "yes")),
    ]
    home = make_home(tmp_path / "h", [qa], entries)
    args = ["report", "--home", str(home.root), "--format", "json"]
    args += ["--group-by", "forecaster,tag", "--exclude-by", "carol"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [g["name"] for g in data["groups"]] == ["all", "alice / chips", "bob / chips"]
    assert data["equal_weight"]["binary"]["brier"] == pytest.approx((0.09 + 0.64) / 2)
