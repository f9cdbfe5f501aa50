"""The reading commands: list, show, due, verify."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from conftest import Result, question, write_question
from foretell.home import Home

Invoke = Callable[..., Result]
TODAY = datetime.now(UTC).date()


def _json(result: Result) -> object:
    assert result.code == 0, result
    return json.loads(result.out)


@pytest.fixture
def mixed(home: Home, invoke: Invoke) -> Home:
    """open-a (tag chips, alice), open-b (bob), done (resolved), void (annulled)."""
    write_question(home, question("open-a", tags=["chips"], resolve_by=TODAY + timedelta(days=90)))
    write_question(home, question("open-b", resolve_by=TODAY + timedelta(days=10)))
    write_question(home, question("done", tags=["chips"]))
    write_question(home, question("void", resolve_by=TODAY + timedelta(days=5)))
    for argv in (
        ["log", "open-a", "0.3"],
        ["log", "open-b", "0.4", "--by", "Bob"],
        ["log", "done", "0.8"],
        ["resolve", "done", "yes"],
        ["annul", "void", "--why", "withdrawn"],
    ):
        assert invoke(*argv).code == 0, argv
    return home


def _ids(result: Result) -> list[str]:
    return [row["id"] for row in _json(result)]  # type: ignore[union-attr]


# ------------------------------------------------------------------ list


def test_list_shows_every_question_with_its_state(mixed: Home, invoke: Invoke) -> None:
    rows = {r["id"]: r for r in _json(invoke("list", "--format", "json"))}  # type: ignore[union-attr]
    assert sorted(rows) == ["done", "open-a", "open-b", "void"]
    assert rows["done"]["state"] == "resolved" and rows["done"]["outcome"] == "yes"
    assert rows["void"]["state"] == "annulled" and rows["void"]["outcome"] is None
    assert rows["open-a"]["latest"] == {"alice": 0.3}
    assert rows["open-b"]["forecasters"] == ["bob"]
    text = invoke("list").out
    assert "open-a" in text and "alice: 0.3" in text and "outcome: yes" in text


def test_list_filters(mixed: Home, invoke: Invoke) -> None:
    assert _ids(invoke("list", "--open", "--format", "json")) == ["open-a", "open-b"]
    assert _ids(invoke("list", "--resolved", "--format", "json")) == ["done", "void"]
    assert _ids(invoke("list", "--tag", "chips", "--format", "json")) == ["done", "open-a"]
    assert _ids(invoke("list", "--by", "alice", "--format", "json")) == ["done", "open-a"]
    assert _ids(invoke("list", "--by", "Bob", "--format", "json")) == ["open-b"]
    assert _ids(invoke("list", "--open", "--tag", "chips", "--format", "json")) == ["open-a"]
    nobody = invoke("list", "--by", "nobody", "--format", "json")  # names nothing: an error
    assert nobody.code == 1 and "no forecasts by 'nobody'" in nobody.err
    assert invoke("list", "--tag", "none").code == 1
    assert invoke("list", "--tag", "chips", "--resolved", "--open").out.strip() == (
        "no questions match"
    )


# ------------------------------------------------------------------ show


def test_show_lists_every_forecast_with_time_author_and_version(
    mixed: Home, invoke: Invoke
) -> None:
    assert invoke("log", "open-a", "0.35", "--by", "bob").code == 0
    data = _json(invoke("show", "open-a", "--format", "json"))
    history = data["history"]  # type: ignore[index]
    assert [(h["author"], h["p"], h["version"]) for h in history] == [
        ("alice", 0.3, "v1"),
        ("bob", 0.35, "v1"),
    ]
    assert all(h["at"].startswith(TODAY.isoformat()) for h in history)
    text = invoke("show", "open-a").out
    assert "open-a: Will open-a happen?" in text
    assert "criteria:" in text and "NO otherwise." in text
    rows = [ln for ln in text.splitlines() if " forecast " in ln]
    assert len(rows) == 2
    assert rows[0].split()[2:] == ["alice", "forecast", "v1", "0.3"]
    assert rows[1].split()[2:] == ["bob", "forecast", "v1", "0.35"]


def test_show_tells_which_forecasts_were_made_under_which_version(
    mixed: Home, invoke: Invoke
) -> None:
    write_question(mixed, question("open-a", tags=["chips"], resolve_by=TODAY + timedelta(days=90),
                                   criteria="Narrower criteria."))  # fmt: skip
    stale = invoke("verify")
    assert stale.code == 1
    assert "forecasts/open-a.toml: the question's terms changed" in stale.out
    assert invoke("amend", "open-a", "--why", "narrowed").code == 0
    assert invoke("log", "open-a", "0.9").code == 0
    assert invoke("verify").code == 0
    data = _json(invoke("show", "open-a", "--format", "json"))
    history = [(h["kind"], h["version"]) for h in data["history"]]  # type: ignore[index]
    assert history == [("forecast", "v1"), ("amendment", "v2"), ("forecast", "v2")]
    assert data["version"] == "v2"  # type: ignore[index]
    text = invoke("show", "open-a").out
    assert "version v2 (current)" in text
    assert [ln.split()[4] for ln in text.splitlines() if " forecast " in ln] == ["v1", "v2"]


def test_show_sources_and_numeric_terms(home: Home, invoke: Invoke) -> None:
    from foretell.model import Source

    src = Source(document="000_seed.txt", outlet="Outlet", claim="About 750,000 units.")
    write_question(home, question("num", "numeric", sources=[src]))
    text = invoke("show", "num").out
    assert "unit: units; range 0 to 1,000" in text
    assert "thresholds: 500" in text
    assert "000_seed.txt, Outlet: About 750,000 units." in text
    assert "(no entries yet)" in text


def test_show_an_unknown_question(home: Home, invoke: Invoke) -> None:
    result = invoke("show", "ghost")
    assert result.code == 1
    assert "no question 'ghost'" in result.err


# ------------------------------------------------------------------ due


def test_due_lists_open_questions_soonest_first_within_the_window(
    mixed: Home, invoke: Invoke
) -> None:
    late = TODAY - timedelta(days=3)
    write_question(mixed, question("overdue", opened=late - timedelta(days=30), resolve_by=late))
    assert _ids(invoke("due", "--format", "json")) == ["overdue", "open-b"]
    within_100 = _ids(invoke("due", "--within", "100", "--format", "json"))
    assert within_100 == ["overdue", "open-b", "open-a"]  # resolved and annulled left out
    assert _ids(invoke("due", "--within", "0", "--format", "json")) == ["overdue"]
    text = invoke("due").out
    assert "overdue 3d" in text and "in 10d" in text
    assert text.index("overdue") < text.index("open-b")


def test_due_with_nothing_due(home: Home, invoke: Invoke) -> None:
    assert invoke("due").out.strip() == "nothing open is due within 30 days"
    assert invoke("due", "--within", "-1").code == 2


# ------------------------------------------------------------------ verify and bad files


def test_verify_exit_status_and_summary(mixed: Home, invoke: Invoke) -> None:
    clean = invoke("verify")
    assert clean.code == 0
    assert clean.out.startswith("ok: 4 questions, 2 ledger files")
    path = mixed.ledger / "alice.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"p":0.3', b'"p":0.4', 1))
    broken = invoke("verify")
    assert broken.code == 1
    assert broken.out.startswith("ledger/alice.jsonl:1: sha does not match")
    assert broken.err.strip() == "1 problem"


def test_verify_reports_a_torn_line_and_repair_clears_it(mixed: Home, invoke: Invoke) -> None:
    path = mixed.ledger / "bob.jsonl"
    with path.open("ab") as fh:
        fh.write(b'{"at":"20')
    result = invoke("verify")
    assert result.code == 1
    assert "ledger/bob.jsonl:2: incomplete last line (9 bytes" in result.out
    assert invoke("repair").code == 0
    assert invoke("verify").code == 0


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ('title = "T"\ntype = "binary"\nresolve_by = \n', "forecasts/x.toml:3:"),
        ('title = "T"\ntype = "binary"\n', "forecasts/x.toml: opened: Field required"),
        ('title = "T"\ntype = "yes-no"\nopened = 2026-01-01\nresolve_by = 2026-02-01\n'
         'criteria = "c"\n', "forecasts/x.toml:2: type: Input should be"),
    ],
)  # fmt: skip
def test_a_hand_edited_bad_question_file_is_named_without_a_traceback(
    mixed: Home, invoke: Invoke, content: str, where: str
) -> None:
    (mixed.forecasts / "x.toml").write_text(content)
    for argv in (["list"], ["due"], ["show", "x"], ["log", "x", "0.5"], ["verify"]):
        result = invoke(*argv)
        # list and due carry on over the other questions; the commands on x fail
        assert result.code == (0 if argv[0] in ("list", "due") else 1), argv
        assert where in result.out + result.err, (argv, result)
        assert "Traceback" not in result.out + result.err


def test_show_of_a_good_question_ignores_another_bad_file(mixed: Home, invoke: Invoke) -> None:
    (mixed.forecasts / "x.toml").write_text("title = \n")
    assert invoke("show", "open-a").code == 0
    assert invoke("log", "open-a", "0.5").code == 0


def test_list_and_show_skip_damaged_ledger_lines(mixed: Home, invoke: Invoke) -> None:
    with (mixed.ledger / "zed.jsonl").open("wb") as fh:
        fh.write(b'{"kind":"forecast","question":["open-a"],"at":"2026"}\n')
        fh.write(b'{"kind":"forecast","question":"open-a"}\n')
        fh.write(b"not json\n")
    assert invoke("list").code == 0
    assert invoke("show", "open-a").code == 0
    assert invoke("log", "open-a", "0.5").code == 0
    assert invoke("verify").code == 1
