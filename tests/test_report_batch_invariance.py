"""The streamed report's numbers do not depend on how its questions are batched.

Every score, crowd forecast and peer score is computed within one question and the sums
across questions are exact, so the report JSON (but ``generated_at``) must be the same bytes
for any batch size. Checked on a simulated project built to make the batch show if it can:
fourteen people (more than the eight terms numpy's pairwise sum adds in turn), joining each
question in an order unlike their names' and unlike the order they first forecast anywhere,
people tied on time and sequence number, a forecast of 0 on what happened (an infinite log
score: those peer terms are taken day by day) on one question only, multiple-choice
questions, every crowd. And on the kernels themselves: a question's peer scores and crowd
means are the same bits alone as among other questions, whatever its members' codes.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import engine
from foretell.home import Home
from foretell.report import crowd as report_crowd
from foretell.report.options import ReportOptions
from foretell.scoring.compare import crowd, peer
from test_report_fixtures import closing, forecast, make_home, question

TODAY = dt.date(2026, 12, 1)
PEOPLE = [f"p{i:02d}" for i in range(14)]


def _entries(seed: int = 5) -> tuple[list, list]:
    """Questions and ledger entries of the simulated project (see the module docstring)."""
    rng = np.random.default_rng(seed)
    binary = [question(f"b-{i:02d}") for i in range(12)]
    choice = [question(f"m-{i}", "multiple_choice", options=["a", "b", "c"]) for i in range(3)]
    entries = []
    # two people whose first entries share a question, a time and so a sequence number (1)
    entries += [(name, forecast(binary[0], 0, {"p": 0.3 + 0.1 * k}))
                for k, name in enumerate(("p13", "p00"))]  # fmt: skip
    for qi, q in enumerate(binary + choice):
        joined = rng.permutation(len(PEOPLE))[: rng.integers(9, len(PEOPLE) + 1)]
        for rank, who in enumerate(joined):
            days = sorted(rng.choice(np.arange(rank, 28), size=rng.integers(1, 4), replace=False))
            for day in days:
                if q.type == "binary":
                    payload = {"p": round(float(rng.uniform(0.02, 0.98)), 3)}
                else:
                    w = rng.dirichlet(np.ones(3))
                    w = np.round(w / w.sum(), 3)
                    w[-1] = round(1.0 - w[0] - w[1], 3)
                    payload = {"probs": dict(zip("abc", w.tolist(), strict=True))}
                entries.append((PEOPLE[who], forecast(q, int(day), payload)))
        outcome = ("yes" if qi % 2 else "no") if q.type == "binary" else "b"
        entries.append(("judge", closing(q, 29, outcome)))
    # a 0 on what happened: an infinite log score on that question only (three people on it,
    # so that the others keep finite peer scores)
    zero = question("b-zero")
    for name, day, p in (("p05", 3, 0.0), ("p06", 4, 0.7), ("p07", 6, 0.4)):
        entries.append((name, forecast(zero, day, {"p": p})))
    entries.append(("judge", closing(zero, 29, "yes")))
    return [*binary[:6], zero, *binary[6:], *choice], entries


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Home:
    questions, entries = _entries()
    return make_home(tmp_path_factory.mktemp("batches") / "h", questions, entries)


def _document(home: Home, batch_rows: int) -> str:
    options = ReportOptions(crowd="all", group_by="forecaster")
    data = dict(engine.build_streaming(home, options, today=TODAY, batch_rows=batch_rows).data)
    data.pop("generated_at")
    return json.dumps(data, sort_keys=True)


def test_any_batch_size_gives_the_same_report_bytes(project: Home) -> None:
    documents = {n: _document(project, n) for n in (5, 17, 60, 1000)}
    data = json.loads(documents[1000])
    table = {row["name"]: row for row in data["comparison"]["forecasters"]}
    assert set(PEOPLE) <= set(table) and "crowd:geo-odds" in table
    assert sum(row["log_peer"] is not None for row in table.values()) > 10
    assert table["p05"]["log_peer"] is None  # its 0 on what happened: -inf on b-zero
    assert len(data["crowd_groups"]) == 4
    for n, document in documents.items():
        assert document == documents[1000], f"batch_rows={n}"


# ------------------------------------------------------------------------ the kernels


@st.composite
def _questions(draw: st.DrawFn) -> list[dict[str, np.ndarray]]:
    """Up to four questions' rows in time order: member codes (up to 12 members), days,
    Brier and log scores (an infinite log score now and then), each question's life."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        n = draw(st.integers(1, 30))
        member = np.array(draw(st.lists(st.integers(0, 11), min_size=n, max_size=n)))
        day = np.sort(np.array(draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))))
        p = np.array(draw(st.lists(st.floats(0.01, 0.99), min_size=n, max_size=n)))
        if draw(st.integers(0, 4)) == 0:
            p[draw(st.integers(0, n - 1))] = 0.0
        with np.errstate(divide="ignore"):
            log_p = np.log(p)
        start, close = draw(st.integers(-3, 2)), draw(st.integers(5, 22))
        out.append({"member": member, "day": day, "brier": 2 * (1 - p) ** 2, "log_p": log_p,
                    "start": start, "close": close})  # fmt: skip
    return out


def _batch(parts: list[dict[str, np.ndarray]], codes: np.ndarray) -> tuple:
    question = np.concatenate([np.full(len(t["member"]), i) for i, t in enumerate(parts)])
    member = codes[np.concatenate([t["member"] for t in parts])]
    return (
        question.astype(np.int64), member.astype(np.int64),
        *(np.concatenate([t[k] for t in parts]) for k in ("day", "brier", "log_p")),
    )  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(_questions(), st.permutations(range(12)), st.lists(st.booleans(), min_size=12, max_size=12))
def test_a_questions_peer_scores_are_the_same_bits_alone_and_in_any_batch(
    parts, codes, people
) -> None:
    codes = np.array(codes)
    person = np.array(people)
    question, member, day, brier, log_p = _batch(parts, codes)
    starts = np.array([t["start"] for t in parts])
    closes = np.array([t["close"] for t in parts])
    in_batch = person[np.argsort(codes)]  # code c is the question's member argsort(codes)[c]
    together = peer.peer_scores_batch(question, member, day, brier, log_p, in_batch, starts, closes)
    for i, t in enumerate(parts):
        alone = peer.peer_scores(t["member"], t["day"], t["brier"], t["log_p"], person,
                                 t["start"], t["close"])  # fmt: skip
        for field in ("brier_peer", "log_peer", "coverage", "days", "alone"):
            got = getattr(together, field)[i][codes]  # the batch's codes back to the question's
            assert got.tobytes() == getattr(alone, field).tobytes(), field


@settings(max_examples=80, deadline=None)
@given(_questions(), st.floats(0.5, 3.0))
def test_a_questions_crowd_means_are_the_same_bits_alone_and_in_any_batch(parts, d) -> None:
    stamp_parts, group, member, p = [], [], [], []
    for i, t in enumerate(parts):
        qpos = np.full(len(t["member"]), i)
        local, _ = report_crowd._joined(qpos, t["member"])
        stamp_parts.append(t["day"])
        group.append(qpos)
        member.append(local)
        p.append(np.exp(t["log_p"]))
    g, m, s, pp = (np.concatenate(x) for x in (group, member, stamp_parts, p))
    line = crowd.timeline(m, s, int(m.max()) + 1, g)
    together = crowd.binary_timelines(pp, line, crowd.METHODS, d)
    runs, crowd.MAX_RUNS = crowd.MAX_RUNS, 0  # the sums width by width, as for many questions
    try:
        by_width = crowd.binary_timelines(pp, line, crowd.METHODS, d)
    finally:
        crowd.MAX_RUNS = runs
    for got, expected in zip(by_width, together, strict=True):
        assert got.tobytes() == expected.tobytes()
    for i in range(len(parts)):
        at = g[line.rows] == i
        mine = g == i
        alone_line = crowd.timeline(m[mine], s[mine], int(m[mine].max()) + 1)
        alone = crowd.binary_timelines(pp[mine], alone_line, crowd.METHODS, d)
        for got, expected in zip(together, alone, strict=True):
            assert got[at].tobytes() == expected.tobytes()


def test_members_are_coded_in_the_order_they_join_each_question() -> None:
    qpos = np.array([0, 0, 0, 0, 2, 2, 2])
    author = np.array([7, 3, 7, 1, 1, 9, 3])
    local, widest = report_crowd._joined(qpos, author)
    assert local.tolist() == [0, 1, 0, 2, 0, 1, 2]
    assert widest == 3
