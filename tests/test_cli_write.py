"""The writing commands: ask, log, resolve, annul, amend, repair; every refusal leaves no trace."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import Result, question, snapshot, write_question
from foretell import catalog, ledger
from foretell.home import Home

Invoke = Callable[..., Result]
TODAY = datetime.now(UTC).date()


@pytest.fixture
def seeded(home: Home, questions: dict, invoke: Invoke) -> Home:
    """q1, mc and num, each with one forecast by alice (so the ledger file has content)."""
    assert invoke("log", "q1", "0.6").code == 0
    assert invoke("log", "mc", "--probs", "a=0.2", "b=0.3", "c=0.5").code == 0
    assert invoke("log", "num", "--quantiles", "0.1=100", "0.5=500", "0.9=900").code == 0
    return home


@pytest.fixture
def refused(invoke: Invoke, home: Home) -> Callable[..., Result]:
    """Run a command that must be refused: non-zero exit, the message, nothing changed."""

    def check(*argv: str, message: str, code: int = 1) -> Result:
        before = snapshot(home)
        result = invoke(*argv)
        assert result.code == code, result
        assert message in result.err, result.err
        assert "Traceback" not in result.err + result.out
        assert snapshot(home) == before
        return result

    return check


def _entries(home: Home, author: str = "alice") -> list[dict]:
    entries, problems = ledger.read_file(home.ledger / f"{author}.jsonl")
    assert problems == []
    return entries


# ------------------------------------------------------------------ log: values


def test_log_binary_appends_one_chained_entry(seeded: Home, invoke: Invoke) -> None:
    result = invoke("log", "q1", "70%", "--note", "roadmap slipped")
    assert result.code == 0
    assert "logged P(yes)=0.7 on q1 (ledger/alice.jsonl:4)" in result.out
    last = _entries(seeded)[-1]
    assert (last["p"], last["note"], last["seq"]) == (0.7, "roadmap slipped", 4)
    assert last["question_sha"] == catalog.find_question(seeded.forecasts, "q1").sha()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["q1", "1.5"], "probability 1.5 is outside [0, 1]"),
        (["q1", "--", "-0.1"], "probability -0.1 is outside [0, 1]"),
        (["q1", "101%"], "outside [0, 1]"),
        (["q1", "abc"], "'abc' is not a probability (try 0.7, 70%"),
        (["q1", "nan"], "is not a probability"),
        (["q1", "70"], "probability 70 is outside [0, 1] (did you mean 70%?)"),
    ],
)
def test_log_refuses_a_bad_probability(
    seeded: Home, refused: Callable[..., Result], argv: list[str], message: str
) -> None:
    refused("log", *argv, message=message)


def test_log_choice_sum_off_by_more_than_a_millionth_is_refused(
    seeded: Home, refused: Callable[..., Result]
) -> None:
    refused("log", "mc", "--probs", "a=0.2", "b=0.3", "c=0.500002", message="sum to 1")


def test_log_choice_sum_off_by_a_ten_millionth_is_accepted(seeded: Home, invoke: Invoke) -> None:
    assert invoke("log", "mc", "--probs", "a=0.2", "b=0.3", "c=0.5000001").code == 0
    assert _entries(seeded)[-1]["probs"] == {"a": 0.2, "b": 0.3, "c": 0.5000001}


def test_log_choice_probs_are_stored_in_option_order(seeded: Home, invoke: Invoke) -> None:
    assert invoke("log", "mc", "--probs", "c=50%", "a=0.2", "b=0.3").code == 0
    assert list(_entries(seeded)[-1]["probs"]) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["a=0.2", "b=0.3", "d=0.5"], "unknown option(s) d; options: a, b, c"),
        (["a=0.2", "b=0.8"], "missing option(s) c"),
        (["a=0.2", "a=0.8"], "option 'a' is given twice"),
        (["a=0.5", "b=0.5", "c=x"], "'x' is not a probability"),
        (["a"], "'a' is not option=value"),
    ],
)
def test_log_refuses_bad_option_pairs(
    seeded: Home, refused: Callable[..., Result], values: list[str], message: str
) -> None:
    refused("log", "mc", "--probs", *values, message=message)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["0=10", "0.5=50"], "quantile level '0' must lie strictly between 0 and 1"),
        (["0.5=50", "1=90"], "quantile level '1' must lie strictly between 0 and 1"),
        (["0.5=50", "1.5=90"], "quantile level '1.5' must lie strictly between 0 and 1"),
        (["0.1=500", "0.9=100"], "quantile values must not decrease: 0.1=500 but 0.9=100"),
        (["0.5=many", "0.9=9"], "'many' is not a number"),
        (["0.5=1", "50%=2"], "given twice"),
    ],
)
def test_log_refuses_bad_quantiles(
    seeded: Home, refused: Callable[..., Result], values: list[str], message: str
) -> None:
    refused("log", "num", "--quantiles", *values, message=message)


def test_log_quantiles_accept_separators_and_percent_levels(seeded: Home, invoke: Invoke) -> None:
    assert (
        invoke("log", "num", "--quantiles", "5%=100,000", "50%=500,000", "0.95=900_000").code == 0
    )
    assert _entries(seeded)[-1]["quantiles"] == {
        "0.05": 100000.0,
        "0.5": 500000.0,
        "0.95": 900000.0,
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["q1", "--probs", "a=1"], "q1 is binary: give one probability"),
        (["q1", "--quantiles", "0.5=1"], "q1 is binary: give one probability"),
        (["q1", "0.5", "0.6"], "q1 is binary: give one probability"),
        (["mc", "0.5"], "'0.5' is not option=value"),
        (["mc", "--quantiles", "0.5=1"], "mc is multiple choice: use --probs"),
        (["num", "0.5"], "'0.5' is not level=value"),
        (["num", "--probs", "a=1"], "num is numeric: use --quantiles"),
        (["q1", "--probs", "--quantiles", "a=1"], "use --probs or --quantiles, not both"),
        (["q1"], "give a probability, option=p pairs or level=value pairs"),
    ],
)
def test_log_refuses_the_wrong_payload_kind_for_the_type(
    seeded: Home, refused: Callable[..., Result], argv: list[str], message: str
) -> None:
    refused("log", *argv, message=message)


def test_log_on_an_unknown_question(seeded: Home, refused: Callable[..., Result]) -> None:
    refused("log", "ghost", "0.5", message="no question 'ghost' (looked for ghost.toml")


# ------------------------------------------------------------------ log: closed questions


def test_log_on_a_resolved_question_is_refused(
    seeded: Home, invoke: Invoke, refused: Callable[..., Result]
) -> None:
    assert invoke("resolve", "q1", "yes").code == 0
    refused("log", "q1", "0.5", message=f"q1 is resolved ({TODAY}); cannot log a forecast")


def test_log_on_a_question_resolved_by_someone_else_is_refused(
    seeded: Home, invoke: Invoke, refused: Callable[..., Result]
) -> None:
    assert invoke("resolve", "q1", "yes", "--by", "bob").code == 0
    refused("log", "q1", "0.5", message="q1 is resolved")


def test_log_on_an_annulled_question_is_refused(
    seeded: Home, invoke: Invoke, refused: Callable[..., Result]
) -> None:
    assert invoke("annul", "num", "--why", "no figure was published").code == 0
    refused("log", "num", "--quantiles", "0.5=1", "0.9=2", message="num is annulled")


def test_log_after_resolve_by_is_refused(home: Home, refused: Callable[..., Result]) -> None:
    past = TODAY - timedelta(days=1)
    write_question(home, question("late", opened=past - timedelta(days=60), resolve_by=past))
    refused(
        "log", "late", "0.5", message=f"late closed for forecasts on its resolve_by date {past}"
    )


def test_log_on_the_resolve_by_day_is_accepted(home: Home, invoke: Invoke) -> None:
    write_question(home, question("last-day", opened=TODAY, resolve_by=TODAY))
    assert invoke("log", "last-day", "0.5").code == 0


def test_log_refuses_to_append_to_a_torn_file(seeded: Home, refused: Callable[..., Result]) -> None:
    with (seeded.ledger / "alice.jsonl").open("ab") as fh:
        fh.write(b'{"at":"2026-')
    result = refused("log", "q1", "0.5", message="ledger/alice.jsonl: incomplete last line")
    assert "nothing was appended" in result.err
    assert "foretell repair" in result.err


def test_repair_removes_only_the_torn_fragment(seeded: Home, invoke: Invoke) -> None:
    path = seeded.ledger / "alice.jsonl"
    clean = path.read_bytes()
    with path.open("ab") as fh:
        fh.write(b'{"at":"2026-')
    result = invoke("repair")
    assert result.code == 0
    assert "ledger/alice.jsonl: removed an incomplete last line (12 bytes)" in result.out
    assert path.read_bytes() == clean
    assert invoke("verify").code == 0
    assert invoke("repair").out.strip() == "nothing to repair"
    assert invoke("log", "q1", "0.5").code == 0


def test_log_on_a_bad_question_file_names_the_file(
    home: Home, refused: Callable[..., Result]
) -> None:
    path = write_question(home, question("x"))
    path.write_text(path.read_text().replace('type = "binary"', 'type = "sometimes"'))
    result = refused("log", "x", "0.5", message="forecasts/x.toml:2: type:")
    assert result.err.count("\n") == 1


def test_log_on_a_question_file_with_a_toml_error_names_the_line(
    home: Home, refused: Callable[..., Result]
) -> None:
    (home.forecasts / "x.toml").write_text('title = "T"\ntype = "binary"\nopened = \n')
    refused("log", "x", "0.5", message="forecasts/x.toml:3: not valid TOML")


# ------------------------------------------------------------------ who writes


def test_by_names_the_ledger_file(seeded: Home, invoke: Invoke) -> None:
    result = invoke("log", "q1", "0.5", "--by", "Bob Smith")
    assert result.code == 0
    assert "ledger/bob-smith.jsonl:1" in result.out
    assert _entries(seeded, "bob-smith")[0]["p"] == 0.5


def test_a_refused_log_by_a_new_author_creates_no_ledger_file(
    seeded: Home, refused: Callable[..., Result]
) -> None:
    refused("log", "q1", "1.5", "--by", "newcomer", message="outside [0, 1]")
    assert not (seeded.ledger / "newcomer.jsonl").exists()


def test_an_unusable_by_name_is_refused(seeded: Home, refused: Callable[..., Result]) -> None:
    refused("log", "q1", "0.5", "--by", "!!!", message="cannot make a ledger name from '!!!'")


def test_default_author_is_foretell_user_then_git_then_login(
    home: Home, questions: dict, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Gita Git\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(var, "lena-login")

    monkeypatch.setenv("FORETELL_USER", "Frank User")
    assert "ledger/frank-user.jsonl" in invoke("log", "q1", "0.1").out
    monkeypatch.delenv("FORETELL_USER")
    assert "ledger/gita-git.jsonl" in invoke("log", "q1", "0.2").out
    gitconfig.write_text("")
    assert "ledger/lena-login.jsonl" in invoke("log", "q1", "0.3").out
    assert invoke("resolve", "q1", "yes").code == 0
    assert _entries(home, "lena-login")[-1]["kind"] == "resolution"


# ------------------------------------------------------------------ ask


ASK = [
    "--title",
    "Will it?",
    "--criteria",
    "YES if it does; NO if not.",
    "--resolve-by",
    "2099-01-01",
]


def test_ask_writes_a_question_file_that_loads(home: Home, invoke: Invoke) -> None:
    result = invoke(
        "ask", "chips", *ASK, "--type", "numeric", "--unit", "units", "--low", "0",
        "--high", "3000000", "--threshold", "750000", "--tag", "huawei", "--opened",
        "2026-04-28", "--source", "000_seed.txt", "--claim", "It says 750,000.",
    )  # fmt: skip
    assert result.code == 0
    assert "wrote forecasts/chips.toml" in result.out
    q = catalog.find_question(home.forecasts, "chips")
    assert (q.unit, q.range, q.thresholds, q.tags) == ("units", (0.0, 3e6), [750000.0], ["huawei"])
    assert q.sources[0].claim == "It says 750,000."
    assert str(q.opened) == "2026-04-28"


def test_ask_multiple_choice_options(home: Home, invoke: Invoke) -> None:
    argv = ["ask", "when", *ASK, "--type", "multiple_choice", "--options", "h1, h2,later"]
    assert invoke(*argv).code == 0
    assert catalog.find_question(home.forecasts, "when").options == ["h1", "h2", "later"]


def test_ask_with_an_existing_id_leaves_the_file_untouched(
    home: Home, questions: dict, refused: Callable[..., Result]
) -> None:
    refused("ask", "q1", *ASK, message="forecasts/q1.toml: question 'q1' already exists")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["Bad_Id", *ASK], "id 'Bad_Id' must be lowercase-kebab"),
        (["x", *ASK, "--type", "range"], "--type must be one of binary, multiple_choice"),
        (["x", *ASK, "--type", "numeric"], "a numeric question needs a unit"),
        (["x", *ASK, "--type", "numeric", "--unit", "u"], "needs a range"),
        (["x", *ASK, "--type", "numeric", "--unit", "u", "--low", "1"], "give both --low"),
        (["x", *ASK, "--type", "multiple_choice", "--options", "a"], "at least two options"),
        (["x", *ASK, "--type", "multiple_choice"], "at least two options"),
        (["x", *ASK, "--options", "a,b"], "options only belong to multiple_choice"),
        (["x", *ASK, "--opened", "2100-01-01"], "is before opened 2100-01-01"),
        (["x", *ASK, "--opened", "soon"], "--opened: 'soon' is not a date"),
        (["x", *ASK, "--claim", "c"], "each --claim needs a --source"),
        (["x", *ASK, "--source", "", "--claim", "c"], "--source: document:"),
        (["x", *ASK, "--tag", "Two Words"], "tag 'Two Words'"),
    ],
)
def test_ask_refusals(
    home: Home, refused: Callable[..., Result], argv: list[str], message: str
) -> None:
    refused("ask", *argv, message=message)
    assert not (home.forecasts / "x.toml").exists()


# ------------------------------------------------------------------ resolve


def test_resolve_records_outcome_evidence_and_date(seeded: Home, invoke: Invoke) -> None:
    on = (TODAY - timedelta(days=1)).isoformat()
    result = invoke("resolve", "num", "750,000", "--evidence", "annual report", "--on", on)
    assert result.code == 0
    assert f"resolved num: 750000.0 (on {on})" in result.out
    last = _entries(seeded)[-1]
    assert (last["kind"], last["outcome"], last["evidence"], last["resolved_on"]) == (
        "resolution", 750000.0, "annual report", on,
    )  # fmt: skip
    assert "amends" not in last and "why" not in last


def test_resolve_twice_without_amend_is_refused(
    seeded: Home, invoke: Invoke, refused: Callable[..., Result]
) -> None:
    assert invoke("resolve", "q1", "yes").code == 0
    refused("resolve", "q1", "no", message="q1 is already resolved")
    refused("resolve", "q1", "no", "--by", "bob", message="to change it use --amend --why TEXT")


def test_resolve_amend_without_why_is_refused(
    seeded: Home, invoke: Invoke, refused: Callable[..., Result]
) -> None:
    assert invoke("resolve", "q1", "yes").code == 0
    refused("resolve", "q1", "no", "--amend", message="--amend needs --why TEXT")


def test_resolve_amend_with_nothing_to_amend_is_refused(
    seeded: Home, refused: Callable[..., Result]
) -> None:
    refused("resolve", "q1", "no", "--amend", "--why", "w", message="no resolution to amend")


def test_resolve_amend_with_why_keeps_the_old_entry_and_wins(seeded: Home, invoke: Invoke) -> None:
    first = invoke("resolve", "q1", "yes")
    assert first.code == 0
    again = invoke("resolve", "q1", "no", "--amend", "--why", "misread the report")
    assert again.code == 0
    assert "amended q1: no" in again.out
    closings = [e for e in _entries(seeded) if e["kind"] == "resolution"]
    assert [c["outcome"] for c in closings] == ["yes", "no"]
    assert closings[1]["amends"] == closings[0]["sha"]
    assert closings[1]["why"] == "misread the report"
    shown = json.loads(invoke("show", "q1", "--format", "json").out)
    assert [h["outcome"] for h in shown["history"] if h["kind"] == "resolution"] == ["yes", "no"]
    assert shown["outcome"] == "no"
    text = invoke("show", "q1").out
    assert "outcome yes on" in text
    assert "outcome no on" in text and "amends: misread the report" in text
    listed = json.loads(invoke("list", "--format", "json").out)
    assert next(r for r in listed if r["id"] == "q1")["outcome"] == "no"
    assert invoke("verify").code == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mc", "d"], "'d' is not an option of mc: a, b, c"),
        (["q1", "maybe"], "q1 is binary: the outcome is yes or no, not 'maybe'"),
        (["num", "lots"], "num is numeric: the outcome is a number, not 'lots'"),
        (["q1", "yes", "--on", "2099-01-01"], "--on 2099-01-01 is in the future"),
        (["q1", "yes", "--on", "2000-01-01"], "is before the question opened"),
        (["q1", "yes", "--on", "yesterday"], "--on: 'yesterday' is not a date"),
        (["ghost", "yes"], "no question 'ghost'"),
    ],
)
def test_resolve_refusals(
    seeded: Home, refused: Callable[..., Result], argv: list[str], message: str
) -> None:
    refused("resolve", *argv, message=message)


# ------------------------------------------------------------------ annul and amend


def test_annul_needs_a_reason(seeded: Home, refused: Callable[..., Result]) -> None:
    refused("annul", "q1", message="Missing option '--why'", code=2)
    refused("annul", "q1", "--why", "", message="annul needs --why TEXT")
    refused("annul", "q1", "--why", "   ", message="annul needs --why TEXT")


def test_annul_records_the_reason_and_a_second_needs_amend(
    seeded: Home, invoke: Invoke, refused: Callable[..., Result]
) -> None:
    assert invoke("annul", "q1", "--why", "the source retracted").code == 0
    last = _entries(seeded)[-1]
    assert (last["kind"], last["why"], last["resolved_on"]) == (
        "annulment", "the source retracted", TODAY.isoformat(),
    )  # fmt: skip
    refused("annul", "q1", "--why", "again", message="q1 is already annulled")
    refused("resolve", "q1", "yes", message="q1 is already annulled")
    assert invoke("resolve", "q1", "yes", "--amend", "--why", "data appeared").code == 0
    assert invoke("verify").code == 0


def test_amend_needs_a_reason_and_a_new_version(
    seeded: Home, invoke: Invoke, refused: Callable[..., Result]
) -> None:
    refused("amend", "q1", "--why", "", message="amend needs --why TEXT")
    write_question(seeded, question("q1", criteria="Stricter criteria."))
    result = invoke("amend", "q1", "--why", "stricter")
    assert result.code == 0
    assert "recorded version" in result.out
    refused("amend", "q1", "--why", "again", message="this version of q1 is already recorded")


def test_an_empty_by_is_refused_not_replaced_by_the_default(
    refused: Callable[..., Result], questions: dict
) -> None:
    refused("log", "q1", "0.4", "--by", "", message="cannot make a ledger name from ''")
    refused("resolve", "q1", "yes", "--by", "  ", message="cannot make a ledger name from")
