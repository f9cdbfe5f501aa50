"""Crowd forecasters and peer scores in the report, probability outcomes, `show`'s crowd."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import foretell.cli  # noqa: F401  (registers every command)
from foretell.cli.app import app, run
from foretell.frames import load_frames
from foretell.report.build import build_report
from foretell.report.options import ReportOptions
from test_report_fixtures import QUESTIONS, closing, forecast, make_home, question

runner = CliRunner()
QA = QUESTIONS[0]  # binary, opened day 0
QM = question("q-m3", "multiple_choice", options=["a", "b", "c"])


def _three_forecasters() -> list:
    # q-a resolves yes on day 9 (close day 9). alice 0.2 on day 0, bob 0.6 on day 2,
    # carol 0.9 on day 5, alice again 0.5 on day 7.
    return [
        ("alice", forecast(QA, 0, {"p": 0.2})),
        ("bob", forecast(QA, 2, {"p": 0.6})),
        ("carol", forecast(QA, 5, {"p": 0.9})),
        ("alice", forecast(QA, 7, {"p": 0.5})),
        ("judge", closing(QA, 9, "yes")),
    ]


@pytest.fixture
def frames(tmp_path: Path):
    return load_frames(make_home(tmp_path / "h", [QA], _three_forecasters()))


def _crowd_pair(report, name: str):
    b = report.crowd.binary
    row = b[b["author"].astype(str) == name]
    assert len(row) == 1
    return row.iloc[0]


def test_crowd_median_is_scored_over_a_hand_worked_timeline(frames) -> None:
    report = build_report(frames, ReportOptions(crowd="median"))
    # crowd from day 2 (two standing): days 2-4 median(0.2, 0.6) = 0.4; days 5-6
    # median(0.2, 0.6, 0.9) = 0.6; days 7-9 median(0.5, 0.6, 0.9) = 0.6. Time-averaged over
    # days 2..9: Brier = (3 * 0.36 + 5 * 0.16) / 8.
    pair = _crowd_pair(report, "crowd:median")
    assert pair["brier"] == pytest.approx((3 * 0.36 + 5 * 0.16) / 8)
    assert pair["p"] == pytest.approx((3 * 0.4 + 5 * 0.6) / 8)


def test_crowd_geo_odds_and_extremized_follow_the_same_moments(frames) -> None:
    report = build_report(frames, ReportOptions(crowd="all", extremize=2.0))

    def lo(p):
        return math.log(p / (1 - p))

    def ex(x):
        return 1 / (1 + math.exp(-x))

    moments = [((0.2, 0.6), 3), ((0.2, 0.6, 0.9), 2), ((0.5, 0.6, 0.9), 3)]
    for name, d in (("crowd:geo-odds", 1.0), ("crowd:extremized", 2.0)):
        brier = sum(n * (ex(d * sum(map(lo, ps)) / len(ps)) - 1) ** 2 for ps, n in moments) / 8
        assert _crowd_pair(report, name)["brier"] == pytest.approx(brier)
    assert report.data["options"]["crowd"] == [
        "crowd:median", "crowd:mean", "crowd:geo-odds", "crowd:extremized"
    ]  # fmt: skip


def test_crowd_rows_leave_all_and_the_counts_alone(frames) -> None:
    with_crowd = build_report(frames, ReportOptions(crowd="all")).data
    without = build_report(frames, ReportOptions(crowd="none")).data
    assert with_crowd["groups"] == without["groups"]
    assert with_crowd["counts"] == without["counts"]
    assert [g["name"] for g in with_crowd["crowd_groups"]][:2] == ["crowd:median", "crowd:mean"]
    assert without["crowd_groups"] == []


def test_default_crowd_is_median_with_two_forecasters_and_none_with_one(tmp_path: Path) -> None:
    two = load_frames(make_home(tmp_path / "a", [QA], _three_forecasters()))
    assert build_report(two).data["options"]["crowd"] == ["crowd:median"]
    one = [("alice", forecast(QA, 0, {"p": 0.2})), ("judge", closing(QA, 9, "yes"))]
    single = load_frames(make_home(tmp_path / "b", [QA], one))
    data = build_report(single).data
    assert data["options"]["crowd"] == [] and data["crowd_groups"] == []


def test_imported_site_aggregates_are_not_crowd_members(tmp_path: Path) -> None:
    entries = _three_forecasters()
    agg = forecast(QA, 1, {"p": 0.99})
    agg["imported"] = "metaculus"
    entries.append(("metaculus-recency-weighted", agg))
    frames = load_frames(make_home(tmp_path / "h", [QA], entries))
    pair = _crowd_pair(build_report(frames, ReportOptions(crowd="median")), "crowd:median")
    assert pair["brier"] == pytest.approx((3 * 0.36 + 5 * 0.16) / 8)  # unchanged


def test_multiple_choice_crowd_is_renormalised(tmp_path: Path) -> None:
    entries = [
        ("alice", forecast(QM, 0, {"probs": {"a": 0.6, "b": 0.3, "c": 0.1}})),
        ("bob", forecast(QM, 0, {"probs": {"a": 0.2, "b": 0.2, "c": 0.6}})),
        ("carol", forecast(QM, 0, {"probs": {"a": 0.3, "b": 0.5, "c": 0.2}})),
        ("judge", closing(QM, 9, "b")),
    ]
    frames = load_frames(make_home(tmp_path / "h", [QM], entries))
    report = build_report(frames, ReportOptions(crowd="median"))
    c = report.crowd.choice.pairs
    med = [0.3, 0.3, 0.2]
    p = [x / sum(med) for x in med]
    expected = p[0] ** 2 + (p[1] - 1) ** 2 + p[2] ** 2
    assert float(c["brier_multi"].iat[0]) == pytest.approx(expected)


def test_per_forecaster_table_has_both_peer_scores_and_counts_alone(frames) -> None:
    rows = build_report(frames, ReportOptions(crowd="median")).data["comparison"]["forecasters"]
    by = {r["name"]: r for r in rows}
    assert [r["name"] for r in rows] == ["alice", "bob", "carol", "crowd:median"]
    assert by["bob"]["n_questions"] == 1 and by["bob"]["n_alone"] == 0
    # bob's Brier peer: days 2-4 median(alice 1.28, bob 0.32) = 0.80 -> -0.48; days 5-6
    # median(1.28, 0.32, 0.02) = 0.32 -> 0; days 7-9 median(0.5, 0.32, 0.02) = 0.32 -> 0
    assert by["bob"]["brier_peer"] == pytest.approx(3 * -0.48 / 8)
    # carol (days 5-9 of the 10-day life): 100 (ln 0.9 - mean ln of the other two), / 10
    carol = 2 * (math.log(0.9) - (math.log(0.2) + math.log(0.6)) / 2)
    carol += 3 * (math.log(0.9) - (math.log(0.5) + math.log(0.6)) / 2)
    assert by["carol"]["log_peer"] == pytest.approx(100 * carol / 10)
    assert by["carol"]["coverage"] == pytest.approx(0.5)


def test_alone_questions_are_counted_and_said(tmp_path: Path) -> None:
    qb = question("q-solo")
    entries = [*_three_forecasters(), ("alice", forecast(qb, 0, {"p": 0.7}))]
    entries.append(("judge", closing(qb, 9, "no")))
    home = make_home(tmp_path / "h", [QA, qb], entries)
    data = build_report(load_frames(home)).data
    alice = data["comparison"]["forecasters"][0]
    assert alice["name"] == "alice" and alice["n_alone"] == 1 and alice["n_peer_questions"] == 1
    out = runner.invoke(app, ["report", "--home", str(home.root)]).stdout
    assert "no other forecaster (no peer score there): alice 1" in " ".join(out.split())


def test_probability_outcomes_are_scored_and_left_out_of_calibration(tmp_path: Path) -> None:
    entries = [
        ("alice", forecast(QA, 0, {"p": 0.2})),
        ("bob", forecast(QA, 0, {"p": 0.6})),
    ]
    home = make_home(tmp_path / "h", [QA], entries)
    assert run(["resolve", "q-a", "--probability", "0.03", "--home", str(home.root)]) == 0
    data = build_report(load_frames(home), ReportOptions(crowd="none")).data
    b = data["groups"][0]["binary"]
    assert b["brier"] == pytest.approx(((0.2 - 0.03) ** 2 + (0.6 - 0.03) ** 2) / 2)
    log_a = -(0.03 * math.log(0.2) + 0.97 * math.log(0.8))
    log_b = -(0.03 * math.log(0.6) + 0.97 * math.log(0.4))
    assert b["log_score"] == pytest.approx((log_a + log_b) / 2)
    assert b["n_probability_outcomes"] == 2
    assert b["calibration_table"] == []
    assert "unavailable" in b["cox"] and "unavailable" in b["murphy"]
    assert any("resolved to a probability" in n for n in data["notes"])


def test_resolve_probability_refusals_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home(tmp_path / "h", [QA, QM], [])
    root = str(home.root)
    assert run(["resolve", "q-a", "--probability", "1.5", "--home", root]) == 1
    assert "--probability must lie in [0, 1]" in capsys.readouterr().err
    assert run(["resolve", "q-m3", "--probability", "0.5", "--home", root]) == 1
    assert "only a binary question" in capsys.readouterr().err
    assert run(["resolve", "q-a", "yes", "--probability", "0.5", "--home", root]) == 1
    assert "not both" in capsys.readouterr().err
    assert run(["resolve", "q-a", "--home", root]) == 1
    assert "give the outcome" in capsys.readouterr().err


def test_probability_one_is_stored_as_yes(tmp_path: Path) -> None:
    home = make_home(tmp_path / "h", [QA], [])
    assert run(["resolve", "q-a", "--probability", "1", "--home", str(home.root)]) == 0
    line = home.ledger / f"{next(p.stem for p in home.ledger.glob('*.jsonl'))}.jsonl"
    assert '"outcome":"yes"' in line.read_text()


def test_unknown_crowd_method_is_refused_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = make_home(tmp_path / "h", [QA], _three_forecasters())
    assert run(["report", "--home", str(home.root), "--crowd", "median,mode"]) == 1
    assert "unknown --crowd 'mode'" in capsys.readouterr().err
    assert run(["report", "--home", str(home.root), "--extremize", "-1"]) == 1
    assert "--extremize must be a positive number" in capsys.readouterr().err


def test_show_prints_the_crowds_current_forecast_beside_each_person(tmp_path: Path) -> None:
    home = make_home(tmp_path / "h", [QA], _three_forecasters()[:4])
    out = runner.invoke(app, ["show", "q-a", "--home", str(home.root)]).stdout
    assert "standing forecasts" in out
    lines = {ln.split()[0]: ln.split()[1] for ln in out.splitlines() if ln.startswith("  ")
             and len(ln.split()) == 2}  # fmt: skip
    assert lines["alice"] == "0.5" and lines["crowd:median"] == "0.6"
    data = json.loads(
        runner.invoke(app, ["show", "q-a", "--home", str(home.root), "--format", "json"]).stdout
    )
    assert data["crowd"]["crowd:mean"]["p"] == pytest.approx((0.5 + 0.6 + 0.9) / 3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_forecaster_sums_give_the_forecaster_table(tmp_path: Path, seed: int) -> None:
    """The streamed report's per-batch sums (``forecaster_sums``, finished by
    ``partial.forecaster_rows``) against the in-memory table computed from the same pairs:
    counts exactly, means to rounding."""
    import random

    from foretell.report import comparison, crowd, pairs
    from foretell.report.partial import forecaster_rows
    from foretell.report.scope import select

    rng = random.Random(seed)
    qs = [question(f"q-{i}") for i in range(6)] + [QM]
    entries = []
    for q in qs:
        for _ in range(rng.randint(1, 7)):
            who = rng.choice(["alice", "bob", "carol", "dave"])
            if q is QM:
                a = rng.uniform(0.05, 0.9)
                payload = {"probs": {"a": a, "b": (1 - a) / 2, "c": (1 - a) / 2}}
            else:
                payload = {"p": round(rng.uniform(0.02, 0.98), 2)}
            entries.append((who, forecast(q, rng.randint(0, 8), payload)))
        entries.append(("judge", closing(q, 9, "yes" if q is not QM else "b")))
    frames = load_frames(make_home(tmp_path / "h", qs, entries))
    scope = select(frames, ReportOptions().filters)
    rows = pairs.rows_of(scope)
    crowd_scope = crowd.crowd_scope(scope, ("median", "mean"), 1.5, rows)
    people = comparison.ScoredPairs.of(scope, "time-averaged", rows)
    crowds = comparison.ScoredPairs.of(crowd_scope, "time-averaged")
    peers = comparison.peer_rows(scope, crowd_scope)
    table = comparison.forecaster_table(people, crowds, peers)
    summed = forecaster_rows(comparison.forecaster_sums(people, crowds, peers))
    assert [r["name"] for r in summed] == [r["name"] for r in table]
    for a, b in zip(table, summed, strict=True):
        for key in ("crowd", "n_questions", "n_peer_questions", "n_alone"):
            assert a[key] == b[key], (a["name"], key)
        for key in ("brier", "brier_peer", "log_peer", "coverage"):
            assert (a[key] is None) == (b[key] is None), (a["name"], key)
            if a[key] is not None:
                assert b[key] == pytest.approx(a[key], rel=1e-12, abs=1e-12)
