"""The Python API: open and create projects, write through the same checks as the CLI, and read
the same numbers the report prints (checked against scikit-learn's Brier score and log loss).
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sklearn.metrics import brier_score_loss, log_loss

import foretell
from foretell import Ledger, catalog
from foretell.cli.app import run
from foretell.errors import ForetellError

TODAY = datetime.now(UTC).date()
OPENED = TODAY - timedelta(days=60)
RESOLVE_BY = TODAY + timedelta(days=300)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def ask(book: Ledger, qid: str, kind: str = "binary", **extra: Any) -> None:
    fields: dict[str, Any] = {
        "id": qid,
        "title": f"Will {qid} happen?",
        "type": kind,
        "opened": OPENED,
        "resolve_by": RESOLVE_BY,
        "criteria": "YES if a named outlet reports it; NO otherwise.",
    }
    if kind == "multiple_choice":
        fields["options"] = ["a", "b", "c"]
    if kind == "numeric":
        fields.update(unit="units", range=(0.0, 100.0), thresholds=[50.0])
    fields.update(extra)
    book.ask(**fields)


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    """A new project at tmp_path/proj (the current directory); FORETELL_USER=alice."""
    monkeypatch.setenv("FORETELL_USER", "alice")
    monkeypatch.delenv("FORETELL_HOME", raising=False)
    ledger = foretell.init_ledger(tmp_path / "proj")
    monkeypatch.chdir(ledger.home.root)
    return ledger


@pytest.fixture
def three(book: Ledger) -> Ledger:
    """The project with q1 (binary), mc (options a, b, c) and num (0..100 units)."""
    ask(book, "q1")
    ask(book, "mc", "multiple_choice")
    ask(book, "num", "numeric")
    return book


def cli_error(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(argv))
    return code, err.getvalue().strip()


# ------------------------------------------------------------------ opening


def test_init_ledger_creates_forecasts_and_ledger(tmp_path: Path) -> None:
    book = foretell.init_ledger(tmp_path / "new")
    assert (tmp_path / "new" / "forecasts").is_dir()
    assert (tmp_path / "new" / "ledger").is_dir()
    assert book.home.root == (tmp_path / "new").resolve()


def test_init_ledger_refuses_an_existing_project(tmp_path: Path) -> None:
    foretell.init_ledger(tmp_path / "p")
    with pytest.raises(ForetellError, match="already holds a foretell project"):
        foretell.init_ledger(tmp_path / "p")


def test_open_ledger_with_a_path_opens_that_project(tmp_path: Path) -> None:
    foretell.init_ledger(tmp_path / "p")
    assert foretell.open_ledger(tmp_path / "p").home.root == (tmp_path / "p").resolve()
    assert foretell.open_ledger(str(tmp_path / "p")).home.root == (tmp_path / "p").resolve()


def test_open_ledger_without_a_path_searches_upward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FORETELL_HOME", raising=False)
    foretell.init_ledger(tmp_path / "p")
    deep = tmp_path / "p" / "notes" / "2026"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert foretell.open_ledger().home.root == (tmp_path / "p").resolve()


def test_open_ledger_without_a_path_uses_foretell_home_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    foretell.init_ledger(tmp_path / "here")
    foretell.init_ledger(tmp_path / "there")
    monkeypatch.chdir(tmp_path / "here")
    monkeypatch.setenv("FORETELL_HOME", str(tmp_path / "there"))
    assert foretell.open_ledger().home.root == (tmp_path / "there").resolve()


def test_open_ledger_refuses_a_directory_that_is_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(ForetellError, match="has no forecasts/ and ledger/"):
        foretell.open_ledger(tmp_path)


def test_open_ledger_without_a_path_refuses_when_no_project_is_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FORETELL_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ForetellError, match="no foretell project here or above"):
        foretell.open_ledger()


# ------------------------------------------------------------------ writing


def test_ask_writes_a_question_file_the_catalog_reads_back(book: Ledger) -> None:
    ask(book, "q1", tags=["smic"])
    loaded = catalog.load_question(book.home.forecasts / "q1.toml")
    assert loaded.title == "Will q1 happen?"
    assert loaded.tags == ["smic"]
    assert book.question("q1").sha() == loaded.sha()


def test_ask_refuses_invalid_fields_with_foretell_error(book: Ledger) -> None:
    with pytest.raises(ForetellError):
        book.ask(id="bad", title="t", type="binary", criteria="c")  # no dates
    assert not (book.home.forecasts / "bad.toml").exists()


def test_log_appends_chained_entries_of_each_kind(three: Ledger) -> None:
    first = three.log("q1", 0.35, note="yield reports are poor")
    second = three.log("mc", probs={"a": 0.2, "b": 0.5, "c": 0.3})
    third = three.log("num", quantiles={0.05: 10.0, 0.5: 40.0, 0.95: 90.0}, by="bob")
    assert (first["seq"], first["prev"], first["p"]) == (1, None, 0.35)
    assert first["note"] == "yield reports are poor"
    assert (second["seq"], second["prev"]) == (2, first["sha"])
    assert second["probs"] == {"a": 0.2, "b": 0.5, "c": 0.3}
    assert (third["seq"], third["prev"]) == (1, None)
    assert third["quantiles"] == {"0.05": 10.0, "0.5": 40.0, "0.95": 90.0}
    alice = (three.home.ledger / "alice.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(alice) == 2
    assert (three.home.ledger / "bob.jsonl").exists()
    assert three.verify() == []


def test_log_needs_exactly_one_payload(three: Ledger) -> None:
    with pytest.raises(ForetellError, match="exactly one of p, probs, quantiles"):
        three.log("q1")
    with pytest.raises(ForetellError, match="exactly one of p, probs, quantiles"):
        three.log("q1", 0.5, probs={"a": 1.0})


def test_log_keeps_the_given_time(three: Ledger) -> None:
    entry = three.log("q1", 0.4, at=noon(TODAY - timedelta(days=3)))
    assert entry["at"].startswith((TODAY - timedelta(days=3)).isoformat() + "T12:00:00")


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (noon(OPENED - timedelta(days=1)), "cannot be dated before it"),
        (noon(TODAY + timedelta(days=2)), "cannot be dated in the future"),
        (datetime(2026, 11, 1, 12), "timezone-aware"),
    ],
)
def test_log_refuses_impossible_times(three: Ledger, at: datetime, message: str) -> None:
    before = (three.home.ledger / "alice.jsonl").exists()
    with pytest.raises(ForetellError, match=message):
        three.log("q1", 0.4, at=at)
    assert (three.home.ledger / "alice.jsonl").exists() == before


def test_log_reads_values_as_the_command_line_does(three: Ledger) -> None:
    assert three.log("q1", "70%")["p"] == 0.7
    with pytest.raises(ForetellError, match="not a number"):
        three.log("q1", True)


def test_resolve_closes_the_question_for_forecasts(three: Ledger) -> None:
    three.log("q1", 0.7)
    entry = three.resolve("q1", True, evidence="annual report")
    assert (entry["outcome"], entry["resolved_on"]) == ("yes", TODAY.isoformat())
    with pytest.raises(ForetellError, match="q1 is resolved"):
        three.log("q1", 0.8)


def test_resolve_again_needs_amend_and_why_and_keeps_the_first(three: Ledger) -> None:
    first = three.resolve("q1", "no")
    with pytest.raises(ForetellError, match="already resolved"):
        three.resolve("q1", "yes")
    with pytest.raises(ForetellError, match="needs --why"):
        three.resolve("q1", "yes", amend=True)
    second = three.resolve("q1", "yes", amend=True, why="the figure was revised")
    assert second["amends"] == first["sha"]
    outcomes = three.outcomes()
    assert outcomes.set_index("question").loc["q1", "outcome"] == "yes"
    assert three.verify() == []


def test_annul_removes_the_question_from_scores(three: Ledger) -> None:
    three.log("q1", 0.9, at=noon(TODAY - timedelta(days=5)))
    three.annul("q1", "no figure was published")
    outcomes = three.outcomes().set_index("question")
    assert outcomes.loc["q1", "status"] == "annulled"
    data = three.report().data
    assert data["counts"]["questions"]["annulled"] == 1
    assert data["groups"][0]["binary"]["n_pairs"] == 0


def test_amend_pins_an_edited_question_so_verify_accepts_it(three: Ledger) -> None:
    three.log("q1", 0.5)
    path = three.home.forecasts / "q1.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("named outlet", "named wire service"),
        encoding="utf-8",
    )
    assert any("q1" in str(p) for p in three.verify())
    entry = three.amend("q1", "name the kind of outlet")
    assert entry["kind"] == "amendment"
    assert entry["question_sha"] == three.question("q1").sha()
    assert three.verify() == []
    with pytest.raises(ForetellError, match="already recorded"):
        three.amend("q1", "again")


def test_verify_reports_an_edited_ledger_byte(three: Ledger) -> None:
    three.log("q1", 0.35)
    three.log("q1", 0.4)
    path = three.home.ledger / "alice.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"p":0.35', b'"p":0.95', 1))
    problems = three.verify()
    assert problems
    assert any(p.line == 1 and "alice.jsonl" in str(p.path) for p in problems)


def test_frames_reflect_the_files(three: Ledger) -> None:
    three.log("q1", 0.25)
    three.log("mc", probs={"a": 0.2, "b": 0.5, "c": 0.3}, by="bob")
    frames = three.frames()
    assert set(frames.questions["id"]) == {"q1", "mc", "num"}
    assert sorted(frames.forecasts["author"]) == ["alice", "bob"]
    binary = frames.forecasts[frames.forecasts["question"] == "q1"]
    assert binary["p"].tolist() == [0.25]
    assert len(frames.outcomes) == 0


# ------------------------------------------------------------------ refusals, API vs CLI


def _api_error(call: Callable[[], object]) -> str:
    with pytest.raises(ForetellError) as caught:
        call()
    return str(caught.value)


REFUSALS: list[Any] = [
    pytest.param(("log", "nope", "0.5"), lambda b: b.log("nope", p=0.5), id="unknown-question"),
    pytest.param(
        ("log", "mc", "--probs", "a=0.5", "b=0.6", "c=0.1"),
        lambda b: b.log("mc", probs={"a": 0.5, "b": 0.6, "c": 0.1}),
        id="probs-do-not-sum-to-one",
    ),
    pytest.param(
        ("log", "mc", "--probs", "a=0.5", "z=0.5"),
        lambda b: b.log("mc", probs={"a": 0.5, "z": 0.5}),
        id="unknown-option",
    ),
    pytest.param(
        ("log", "num", "--quantiles", "0.1=50", "0.9=40"),
        lambda b: b.log("num", quantiles={0.1: 50.0, 0.9: 40.0}),
        id="decreasing-quantiles",
    ),
    pytest.param(("resolve", "mc", "d"), lambda b: b.resolve("mc", "d"), id="not-an-option"),
    pytest.param(("resolve", "q1", "maybe"), lambda b: b.resolve("q1", "maybe"), id="not-yes-no"),
    pytest.param(("resolve", "num", "abc"), lambda b: b.resolve("num", "abc"), id="not-a-number"),
    pytest.param(
        ("resolve", "q1", "yes", "--on", "2099-01-01"),
        lambda b: b.resolve("q1", "yes", on=date(2099, 1, 1)),
        id="resolved-in-the-future",
    ),
    pytest.param(
        ("resolve", "q1", "yes", "--on", "2000-01-01"),
        lambda b: b.resolve("q1", "yes", on=date(2000, 1, 1)),
        id="resolved-before-opened",
    ),
    pytest.param(("annul", "q1", "--why", ""), lambda b: b.annul("q1", ""), id="annul-no-why"),
    pytest.param(("amend", "q1", "--why", ""), lambda b: b.amend("q1", ""), id="amend-no-why"),
    pytest.param(
        (
            "ask",
            "q1",
            "--title",
            "t",
            "--criteria",
            "YES if an outlet reports it; NO otherwise.",
            "--resolve-by",
            "2099-01-01",
        ),
        lambda b: ask(b, "q1"),
        id="ask-existing-id",
    ),
    pytest.param(
        ("log", "q1", "1.5"),
        lambda b: b.log("q1", p=1.5),
        id="probability-above-one",
    ),
    pytest.param(
        ("log", "num", "--quantiles", "1.5=50"),
        lambda b: b.log("num", quantiles={1.5: 50.0}),
        id="quantile-level-above-one",
    ),
    pytest.param(
        ("log", "mc", "0.5"),
        lambda b: b.log("mc", p=0.5),
        id="probability-for-multiple-choice",
    ),
    pytest.param(
        ("log", "q1", "--probs", "a=1"),
        lambda b: b.log("q1", probs={"a": 1.0}),
        id="probs-for-binary",
    ),
]


@pytest.mark.parametrize(("argv", "call"), REFUSALS)
def test_api_refuses_with_the_cli_message(
    three: Ledger, argv: tuple[str, ...], call: Callable[[Ledger], object]
) -> None:
    before = {p.name: p.read_bytes() for p in three.home.ledger.glob("*.jsonl")}
    code, printed = cli_error(*argv)
    assert code == 1
    assert printed.startswith("foretell: ")
    assert _api_error(lambda: call(three)) == printed.removeprefix("foretell: ")
    assert {p.name: p.read_bytes() for p in three.home.ledger.glob("*.jsonl")} == before


# ------------------------------------------------------------------ report numbers


CLOSE = TODAY - timedelta(days=5)
EARLY, LATE = TODAY - timedelta(days=30), TODAY - timedelta(days=10)
# Days EARLY..CLOSE inclusive = 26; the early forecast holds 20 of them, the late one 6.
W_EARLY, W_LATE = 20 / 26, 6 / 26

# (question, outcome, forecaster, early p, late p)
PAIRS = [
    ("b1", "yes", "alice", 0.6, 0.8),
    ("b2", "no", "alice", 0.3, 0.1),
    ("b3", "yes", "alice", 0.45, 0.35),
    ("b4", "no", "alice", 0.7, 0.55),
    ("b5", "yes", "alice", 0.2, 0.9),
    ("b1", "yes", "bob", 0.5, 0.5),
    ("b2", "no", "bob", 0.85, 0.65),
    ("b3", "yes", "bob", 0.05, 0.25),
    ("b6", "no", "bob", 0.15, 0.02),
]


@pytest.fixture
def scored(book: Ledger) -> Ledger:
    for qid in sorted({q for q, *_ in PAIRS}):
        ask(book, qid)
    for qid, _, who, early, late in PAIRS:
        book.log(qid, early, by=who, at=noon(EARLY))
        book.log(qid, late, by=who, at=noon(LATE))
    for qid, outcome in sorted({(q, o) for q, o, *_ in PAIRS}):
        book.resolve(qid, outcome, by="carol", on=CLOSE)
    return book


def _pairs(who: str | None = None) -> list[tuple[str, str, str, float, float]]:
    return [row for row in PAIRS if who is None or row[2] == who]


def _group(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(g for g in data["groups"] if g["name"] == name)["binary"]


@pytest.mark.parametrize("who", [None, "alice", "bob"])
def test_report_brier_under_last_equals_sklearn(scored: Ledger, who: str | None) -> None:
    rows = _pairs(who)
    y = [1 if o == "yes" else 0 for _, o, *_ in rows]
    p = [late for *_, late in rows]
    binary = _group(scored.report(rule="last").data, who or "all")
    assert binary["n_pairs"] == len(rows)
    assert binary["brier"] == pytest.approx(brier_score_loss(y, p), abs=1e-12)
    assert binary["log_score"] == pytest.approx(log_loss(y, p, labels=[0, 1]), abs=1e-12)


def test_report_brier_under_first_equals_sklearn(scored: Ledger) -> None:
    y = [1 if o == "yes" else 0 for _, o, *_ in PAIRS]
    p = [early for _, _, _, early, _ in PAIRS]
    binary = _group(scored.report(rule="first").data, "all")
    assert binary["brier"] == pytest.approx(brier_score_loss(y, p), abs=1e-12)


def test_report_time_averaged_brier_equals_day_weighted_sklearn(scored: Ledger) -> None:
    y, p, w = [], [], []
    for _, o, _, early, late in PAIRS:
        y += [1 if o == "yes" else 0] * 2
        p += [early, late]
        w += [W_EARLY, W_LATE]
    binary = _group(scored.report().data, "all")
    assert binary["brier"] == pytest.approx(brier_score_loss(y, p, sample_weight=w), abs=1e-12)
    pair_p = [W_EARLY * early + W_LATE * late for _, _, _, early, late in PAIRS]
    pair_y = [1 if o == "yes" else 0 for _, o, *_ in PAIRS]
    assert binary["brier_of_pair_probabilities"] == pytest.approx(
        brier_score_loss(pair_y, pair_p), abs=1e-12
    )


def test_report_filters_by_forecaster_and_question(scored: Ledger) -> None:
    data = scored.report(rule="last", by="bob", question=["b1", "b2"], group_by=None).data
    assert [g["name"] for g in data["groups"]] == ["all"]
    rows = [r for r in _pairs("bob") if r[0] in ("b1", "b2")]
    y = [1 if o == "yes" else 0 for _, o, *_ in rows]
    assert data["groups"][0]["binary"]["brier"] == pytest.approx(
        brier_score_loss(y, [late for *_, late in rows]), abs=1e-12
    )


def test_scores_has_one_row_per_pair_with_its_brier(scored: Ledger) -> None:
    table = scored.scores(rule="last").set_index(["forecaster", "question"])
    assert len(table) == len(PAIRS)
    for qid, o, who, _, late in PAIRS:
        expected = (late - (1.0 if o == "yes" else 0.0)) ** 2
        assert table.loc[(who, qid), "brier"] == pytest.approx(expected, abs=1e-12)
        assert table.loc[(who, qid), "probability"] == pytest.approx(late)


# ------------------------------------------------------------------ import weight


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


def test_import_foretell_does_not_import_pandas() -> None:
    assert _python("import foretell, sys; print('pandas' in sys.modules)") == "False"


def test_logging_through_the_api_does_not_import_heavy_libraries(tmp_path: Path) -> None:
    code = (
        "import sys, foretell\n"
        f"book = foretell.init_ledger({str(tmp_path / 'p')!r})\n"
        "book.ask(id='q1', title='Will it?', type='binary', opened='2026-01-01',\n"
        "         resolve_by='2099-01-01', criteria='YES if reported.')\n"
        "book.log('q1', 0.3, by='alice')\n"
        "book.resolve('q1', 'no', by='alice')\n"
        "heavy = ('pandas', 'statsmodels', 'matplotlib', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    assert _python(code) == "[]"
