"""`foretell compare`: head to head and the relative-skill table, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import foretell.cli  # noqa: F401  (registers every command)
from foretell.cli.app import app, run
from foretell.scoring.compare import paired, skill
from test_report_fixtures import closing, forecast, make_home, question

runner = CliRunner()
QS = [question(f"q{i}") for i in range(6)]
OUT = ["yes", "no", "yes", "yes", "no", "no"]
P = {
    "alice": [0.8, 0.3, 0.7, 0.6, 0.2, 0.4],
    "bob": [0.5, 0.5, 0.4, 0.5, 0.6, 0.5],
    "carol": [0.9, 0.1, 0.8, None, None, 0.3],
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    entries = []
    for name, ps in P.items():
        for q, p in zip(QS, ps, strict=True):
            if p is not None:
                entries.append((name, forecast(q, 1, {"p": p})))
    entries += [("judge", closing(q, 9, o)) for q, o in zip(QS, OUT, strict=True)]
    return make_home(tmp_path / "h", QS, entries).root


def _brier(name: str) -> dict[int, float]:
    return {
        i: (p - (o == "yes")) ** 2
        for i, (p, o) in enumerate(zip(P[name], OUT, strict=True))
        if p is not None
    }


def invoke_json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_head_to_head_json_has_the_paired_statistics(home: Path) -> None:
    doc = invoke_json("compare", "alice", "bob", "--home", str(home), "--crowd", "none")
    a, b = _brier("alice"), _brier("bob")
    d = np.array([a[i] - b[i] for i in range(6)])
    assert doc["n_questions"] == 6
    assert doc["mean_difference"] == pytest.approx(d.mean())
    expected = paired.paired_test([a[i] for i in range(6)], [b[i] for i in range(6)])
    assert doc["p_value"] == pytest.approx(expected.p_value)
    assert (doc["ci_low"], doc["ci_high"]) == pytest.approx((expected.ci_low, expected.ci_high))
    assert doc["metrics"]["brier"]["p_exact"] is True
    assert doc["metrics"]["log"]["n_questions"] == 6


def test_head_to_head_uses_only_shared_questions(home: Path) -> None:
    doc = invoke_json("compare", "alice", "carol", "--home", str(home))
    assert doc["n_questions"] == 4
    a, c = _brier("alice"), _brier("carol")
    assert doc["mean_difference"] == pytest.approx(np.mean([a[i] - c[i] for i in c]))


def test_crowd_forecasters_can_be_compared_by_name(home: Path) -> None:
    doc = invoke_json("compare", "alice", "crowd:median", "--home", str(home))
    assert doc["b"] == "crowd:median" and doc["n_questions"] == 6


def test_skill_table_matches_the_relative_skill_kernel(home: Path) -> None:
    doc = invoke_json("compare", "--home", str(home), "--crowd", "none", "--baseline", "bob")
    names = doc["matrix"]["names"]
    assert names == ["alice", "bob", "carol"]
    m = np.array([[_brier(n).get(i, np.nan) for i in range(6)] for n in names])
    rel, theta, shared = skill.relative_skill(m)
    got = {r["name"]: r for r in doc["forecasters"]}
    for i, n in enumerate(names):
        assert got[n]["relative_skill"] == pytest.approx(rel[i])
        assert got[n]["scaled_relative_skill"] == pytest.approx(rel[i] / rel[1])
    assert doc["matrix"]["n_shared"] == shared.tolist()
    assert doc["matrix"]["mean_score_ratio"][0][2] == pytest.approx(theta[0, 2])


def test_text_output_names_both_and_the_interval(home: Path) -> None:
    out = runner.invoke(app, ["compare", "alice", "bob", "--home", str(home)]).stdout
    assert out.startswith("A = alice, B = bob")
    assert "95% CI" in out and "shared questions" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["alice"], 2, "give two forecasters to compare, or none"),
        (["alice", "zed"], 1, "no scored forecasts by 'zed'"),
        (["alice", "alice"], 1, "compare 'alice' with someone else"),
        (["--baseline", "zed"], 1, "no scored forecasts by 'zed'"),
        (["--metric", "wis"], 1, "relative skill needs at least 2 forecasters with a wis score"),
    ],
)
def test_refusals_through_the_cli(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    assert run(["compare", *args, "--home", str(home)]) == code
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_fewer_than_two_shared_questions_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = [
        ("alice", forecast(QS[0], 1, {"p": 0.7})),
        ("bob", forecast(QS[0], 1, {"p": 0.4})),
        ("bob", forecast(QS[1], 1, {"p": 0.4})),
        ("judge", closing(QS[0], 9, "yes")),
        ("judge", closing(QS[1], 9, "no")),
    ]
    home = make_home(tmp_path / "h", QS[:2], entries).root
    assert run(["compare", "alice", "bob", "--home", str(home)]) == 1
    err = capsys.readouterr().err
    assert "alice and bob share 1 scored question(s) (q0)" in err
    assert "needs at least 2" in err
