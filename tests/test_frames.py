"""foretell.frames: the whole ledger as three column-wise frames."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import orjson
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import actions, ledger, tables
from foretell.frames import (
    FORECAST_COLUMNS,
    OUTCOME_COLUMNS,
    QUESTION_COLUMNS,
    load_frames,
)
from foretell.home import Home

T0 = datetime.now(UTC) - timedelta(days=20)


@pytest.fixture
def filled(home: Home, questions: dict) -> Home:
    """Forecasts on all three questions by two authors; q1 resolved then amended; mc annulled."""
    actions.log_forecast(home, "q1", {"p": 0.2}, "alice", note="first", at=T0)
    actions.log_forecast(home, "q1", {"p": 0.7}, "bob", at=T0 + timedelta(days=1))
    actions.log_forecast(
        home, "mc", {"probs": {"a": 0.5, "b": 0.25, "c": 0.25}}, "alice", at=T0 + timedelta(days=2)
    )
    actions.log_forecast(
        home, "num", {"quantiles": {0.9: 900.0, 0.1: 100.0}}, "bob", at=T0 + timedelta(days=3)
    )
    actions.resolve(home, "q1", "yes", "alice")
    actions.resolve(home, "q1", "no", "bob", amend=True, why="misread")
    actions.annul(home, "mc", "alice", "withdrawn")
    return home


def test_columns_and_dtypes_follow_the_contract(filled: Home) -> None:
    frames = load_frames(filled)
    assert list(frames.questions.columns) == QUESTION_COLUMNS
    assert list(frames.forecasts.columns) == FORECAST_COLUMNS
    assert list(frames.outcomes.columns) == OUTCOME_COLUMNS
    # dates in seconds: every supported year (1900-2999) fits, unlike nanoseconds (to 2262)
    assert frames.questions["opened"].dtype == "datetime64[s]"
    assert frames.questions["resolve_by"].dtype == "datetime64[s]"
    assert frames.forecasts["at"].dtype == "datetime64[ns, UTC]"
    assert frames.forecasts["seq"].dtype == np.int64
    assert frames.forecasts["p"].dtype == np.float64
    assert frames.outcomes["resolved_on"].dtype == "datetime64[s]"
    assert frames.outcomes["at"].dtype == "datetime64[ns, UTC]"


def test_questions_frame(filled: Home, questions: dict) -> None:
    q = load_frames(filled).questions.set_index("id")
    assert q.loc["num", "range_low"] == 0.0 and q.loc["num", "range_high"] == 1000.0
    assert math.isnan(q.loc["q1", "range_low"])
    assert q.loc["mc", "options"] == ["a", "b", "c"]
    assert q.loc["q1", "options"] is None
    assert q.loc["num", "thresholds"] == [500.0]
    assert q.loc["q1", "sha"] == questions["q1"].sha()


def test_forecasts_frame_holds_each_payload_in_its_column(filled: Home) -> None:
    f = load_frames(filled).forecasts
    assert list(f["question"]) == ["q1", "q1", "mc", "num"]  # sorted by time
    assert list(f["author"]) == ["alice", "bob", "alice", "bob"]
    assert list(f["type"]) == ["binary", "binary", "multiple_choice", "numeric"]
    assert f.loc[0, "p"] == 0.2 and f.loc[1, "p"] == 0.7
    assert np.isnan(f.loc[2, "p"]) and np.isnan(f.loc[3, "p"])
    assert f.loc[2, "probs"] == {"a": 0.5, "b": 0.25, "c": 0.25}
    assert f.loc[3, "quantiles"] == {0.1: 100.0, 0.9: 900.0}
    assert f.loc[0, "probs"] is None and f.loc[0, "quantiles"] is None
    assert f.loc[0, "note"] == "first" and f.loc[1, "note"] is None
    assert f.loc[0, "at"] == pd.Timestamp(ledger.format_at(T0))


def test_outcomes_frame_keeps_the_final_status(filled: Home) -> None:
    o = load_frames(filled).outcomes.set_index("question")
    assert sorted(o.index) == ["mc", "q1"]
    assert (o.loc["q1", "status"], o.loc["q1", "outcome"], o.loc["q1", "author"]) == (
        "resolved", "no", "bob",
    )  # fmt: skip
    assert o.loc["mc", "status"] == "annulled"
    assert o.loc["q1", "resolved_on"] == pd.Timestamp(datetime.now(UTC).date())


def test_numeric_outcome_stays_a_float(home: Home, questions: dict) -> None:
    actions.resolve(home, "num", "750", "alice")
    o = load_frames(home).outcomes
    assert o["outcome"].dtype == object
    assert o.loc[0, "outcome"] == 750.0


def test_a_torn_last_line_is_left_out_and_the_entries_before_it_load(filled: Home) -> None:
    path = filled.ledger / "bob.jsonl"
    before = len(load_frames(filled).forecasts)
    with path.open("ab") as fh:
        fh.write(b'{"at":"2026-01-01T00:00:00.000000Z","kind":"forecast","question":"q1","p":0.')
    frames = load_frames(filled)
    assert len(frames.forecasts) == before
    assert frames.skipped == {"incomplete last lines": 1}


def test_unknown_questions_and_unreadable_lines_are_counted_not_loaded(filled: Home) -> None:
    ledger.append(
        filled.ledger,
        "carol",
        {
            "at": ledger.now_at(),
            "kind": "forecast",
            "question": "ghost",
            "question_sha": "0" * 64,
            "p": 0.5,
        },
    )
    with (filled.ledger / "carol.jsonl").open("ab") as fh:
        fh.write(b"not json\n")
    frames = load_frames(filled)
    assert "ghost" not in set(frames.forecasts["question"])
    assert frames.skipped == {
        "entries naming an unknown question": 1,
        "unreadable lines": 1,
    }


def test_an_empty_ledger_gives_empty_frames_with_the_columns(home: Home, questions: dict) -> None:
    frames = load_frames(home)
    assert len(frames.questions) == 3
    assert frames.forecasts.empty and list(frames.forecasts.columns) == FORECAST_COLUMNS
    assert frames.outcomes.empty and list(frames.outcomes.columns) == OUTCOME_COLUMNS


@pytest.mark.parametrize(
    "edited",
    [
        {"kind": "forecast", "question": ["q1"], "p": 0.5},
        {"kind": "forecast", "question": "num", "quantiles": [1, 2]},
        {"kind": "forecast", "question": "q1", "p": "high"},
        {"kind": "resolution", "question": "q1", "outcome": "yes"},  # no "at"
    ],
)
def test_hand_edited_entries_of_the_wrong_shape_are_skipped_not_fatal(
    filled: Home, edited: dict
) -> None:
    before = load_frames(filled)
    line = orjson.dumps({"seq": 99, **edited}) + b"\n"
    with (filled.ledger / "carol.jsonl").open("ab") as fh:
        fh.write(line)
    after = load_frames(filled)
    assert len(after.forecasts) == len(before.forecasts)
    assert after.outcomes.equals(before.outcomes)
    # the line was written without its sha: reading checks no hashes (verify does)
    assert tables.EDITED not in after.skipped
    assert sum(after.skipped.values()) == 1


def _verdicts_row_by_row(frame: pd.DataFrame, questions: dict) -> list[int]:
    """Every (row, payload) verify flags, checked one row at a time: the reference."""
    from foretell.payload_checks import StandIn
    from foretell.verify import payload_problem

    bad = []
    for col, kind in (("probs", "multiple_choice"), ("quantiles", "numeric")):
        for row, (qid, value) in enumerate(zip(frame["question"], frame[col], strict=True)):
            if value is None:
                continue
            question = questions[qid]
            if question.type != kind:
                question = StandIn(qid, kind, list(value) if isinstance(value, dict) else [])
            if payload_problem(question, {col: value}):
                bad.append(row)
    return bad


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5), st.integers(0, 4)), max_size=40))
def test_payloads_shared_by_rows_get_each_rows_own_verdict(
    picks: list[tuple[int, int, int]],
) -> None:
    from foretell.payload_checks import StandIn, drop_bad_payloads

    questions = {
        "b": StandIn("b", "binary", None),
        "ab": StandIn("ab", "multiple_choice", ["a", "b"]),
        "abc": StandIn("abc", "multiple_choice", ["a", "b", "c"]),
        "ab2": StandIn("ab2", "multiple_choice", ["a", "b"]),
        "n": StandIn("n", "numeric", None),
    }
    names = list(questions)
    probs = [None, {"a": 0.5, "b": 0.5}, {"a": 0.2, "b": 0.3, "c": 0.5}, {"a": 2.0}, {"z": 1.0},
             {"a": 0.4, "b": 0.6}]  # fmt: skip
    quantiles = [None, {0.1: 1.0, 0.9: 2.0}, {0.1: 3.0, 0.9: 2.0}, {2.0: 1.0}, {0.5: 1.0}]
    frame = pd.DataFrame(
        {
            "question": pd.Categorical([names[q] for q, _, _ in picks], categories=names),
            "probs": pd.Series([probs[p] for _, p, _ in picks], dtype=object),
            "quantiles": pd.Series([quantiles[k] for _, _, k in picks], dtype=object),
            "p": np.arange(len(picks), dtype=np.float64),
        }
    )
    bad = _verdicts_row_by_row(frame, questions)
    kept, flagged = drop_bad_payloads(frame, questions)
    assert flagged == len(bad)
    assert kept["p"].tolist() == [float(r) for r in range(len(picks)) if r not in set(bad)]
