"""The command line forgives and refuses well: input forms, refusals with hints, did you mean,
filters that combine one way, the author named, JSON from every command, completion, help in
words, usage errors exit 2, blind mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result
from foretell.home import Home
from foretell.model import Question

Invoke = Callable[..., Result]


def _last(home: Home, author: str = "alice") -> dict:
    lines = (home.ledger / f"{author}.jsonl").read_text().splitlines()
    return json.loads(lines[-1])


@pytest.mark.parametrize(
    ("typed", "p"),
    [("0.7", 0.7), ("70%", 0.7), ("7:3", 0.7), ("3:7 against", 0.7), ("1 in 20", 0.05),
     ("7:3 for", 0.7)],
)  # fmt: skip
def test_log_takes_every_probability_form(
    home: Home, questions: dict[str, Question], invoke: Invoke, typed: str, p: float
) -> None:
    assert invoke("log", "q1", typed).code == 0
    assert _last(home)["p"] == pytest.approx(p)


def test_a_percentage_under_one_percent_is_refused_unless_yes(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    refused = invoke("log", "q1", "0.35%")
    assert refused.code == 1 and "did you mean 35%?" in refused.err and "--yes" in refused.err
    assert not (home.ledger / "alice.jsonl").exists()
    assert invoke("log", "q1", "0.35%", "--yes").code == 0
    assert _last(home)["p"] == pytest.approx(0.0035)


def test_probs_take_commas_or_spaces_and_any_case(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    assert invoke("log", "mc", "--probs", "a=0.2,b=0.5,c=0.3").code == 0
    assert _last(home)["probs"] == {"a": 0.2, "b": 0.5, "c": 0.3}
    assert invoke("log", "mc", "--probs", "A=0.1", "B=0.6,C=0.3").code == 0
    assert _last(home)["probs"] == {"a": 0.1, "b": 0.6, "c": 0.3}


def test_resolve_and_log_agree_on_option_spellings(
    home: Home, make_question: Callable[..., Question], invoke: Invoke
) -> None:
    make_question("when", "multiple_choice", options=["2026-q4", "2027-q1", "later"])
    assert invoke("log", "when", "--probs", "2026-Q4=0.5", "2027-Q1=0.3", "Later=0.2").code == 0
    assert invoke("resolve", "when", "2026-Q4").code == 0
    assert _last(home)["outcome"] == "2026-q4"


@pytest.mark.parametrize(
    ("values", "message"),
    [(["0.5=500"], "at least two quantiles"), (["0.1=100", "0.9=900"], "give the median too")],
)
def test_quantiles_need_the_median_and_two_levels(
    home: Home, questions: dict[str, Question], invoke: Invoke, values: list[str], message: str
) -> None:
    result = invoke("log", "num", "--quantiles", *values)
    assert result.code == 1 and message in result.err


@pytest.mark.parametrize("criteria", ["...", "TBD", "YES if it does.", "?? ?? ?? ?? ?? ??"])
def test_placeholder_criteria_are_refused(home: Home, invoke: Invoke, criteria: str) -> None:
    result = invoke(
        "ask", "q-new", "--title", "Will it?", "--criteria", criteria, "--resolve-by", "2099-01-01"
    )
    assert result.code == 1 and "placeholder" in result.err
    assert not (home.forecasts / "q-new.toml").exists()


def test_ask_without_its_fields_off_a_terminal_is_a_usage_error(home: Home, invoke: Invoke) -> None:
    result = invoke("ask", "q-new", "--title", "Will it?")
    assert result.code == 2 and "--criteria" in result.err and "--resolve-by" in result.err


def test_the_author_is_named_when_it_did_not_come_from_by_or_foretell_user(
    home: Home, questions: dict[str, Question], invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "as alice" not in invoke("log", "q1", "0.6").err  # FORETELL_USER chose it
    assert "as " not in invoke("log", "q1", "0.6", "--by", "bob").err
    monkeypatch.delenv("FORETELL_USER")
    result = invoke("log", "q1", "0.6")
    assert result.code == 0
    assert result.err.startswith("as ") and "FORETELL_USER" in result.err


def test_unknown_ids_get_did_you_mean(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    for argv in (["log", "q2", "0.5"], ["show", "qq1"], ["resolve", "nmu", "5"]):
        result = invoke(*argv)
        assert result.code == 1 and "did you mean" in result.err, argv


def test_list_tag_filters_combine_as_any_like_report(
    home: Home, make_question: Callable[..., Question], invoke: Invoke
) -> None:
    make_question("qa", tags=["a"])
    make_question("qb", tags=["b"])
    make_question("qc", tags=["c"])
    listed = json.loads(invoke("list", "--tag", "a", "--tag", "b", "--format", "json").out)
    assert sorted(r["id"] for r in listed) == ["qa", "qb"]


def test_an_unknown_filter_value_is_an_error_in_list_and_report_alike(
    home: Home, make_question: Callable[..., Question], invoke: Invoke
) -> None:
    make_question("qa", tags=["apple"])
    for command in ("list", "report"):
        result = invoke(command, "--tag", "appel")
        assert result.code == 1 and "apple" in result.err, command  # with a did you mean
    empty = invoke("list", "--tag", "apple", "--resolved")  # known tag, nothing matches
    assert empty.code == 0 and "no questions match" in empty.out


def test_missing_arguments_are_usage_errors(home: Home, invoke: Invoke) -> None:
    for argv in (["log"], ["show"], ["resolve"], ["annul", "q1"], ["import"]):
        assert invoke(*argv).code == 2, argv


def test_help_speaks_in_words(invoke: Invoke) -> None:
    from foretell.cli.app import COMMAND_MODULES

    for name in COMMAND_MODULES:
        text = invoke(name, "--help").out
        for jargon in ("<str>", "<list[", "<float>", "<int>", "[VALUE...]...", "<path>"):
            assert jargon not in text, (name, jargon)
        assert "Example" in text, name


def test_help_examples_name_questions_that_exist_in_the_catalog_or_demo(invoke: Invoke) -> None:
    import re

    from foretell.cli.app import COMMAND_MODULES

    root = Path(__file__).resolve().parents[1]
    catalog = {p.stem for p in (root / "forecasts").glob("*.toml")}
    for name in ("log", "show", "resolve", "annul", "amend"):
        assert name in COMMAND_MODULES
        text = re.sub(r"-\s+", "-", " ".join(invoke(name, "--help").out.split()))
        ids = re.findall(rf"foretell {name} ([a-z0-9][a-z0-9-]*[a-z0-9])", text)
        assert ids, name
        for qid in ids:
            assert qid in catalog or qid.startswith("sim-"), (name, qid)


# ------------------------------------------------------------------ JSON from every command


def test_json_from_every_command_parses_with_its_keys(
    home: Home, questions: dict[str, Question], invoke: Invoke, tmp_path: Path
) -> None:
    def js(*argv: str) -> object:
        result = invoke(*argv, "--format", "json")
        assert result.code == 0, (argv, result.err)
        return json.loads(result.out)

    logged = js("log", "q1", "70%")
    assert set(logged) >= {"message", "author", "author_from", "file", "entry"}
    assert logged["entry"]["p"] == 0.7 and logged["author_from"] == "FORETELL_USER"
    assert set(js("resolve", "q1", "yes")["entry"]) >= {"outcome", "resolved_on", "sha"}
    assert js("annul", "mc", "--why", "no source ever said")["entry"]["kind"] == "annulment"
    assert set(js("ask", "q-new", "--title", "Will it?", "--criteria",
                  "YES if an outlet we trust reports it; NO otherwise.",
                  "--resolve-by", "2099-01-01")) == {"id", "file"}  # fmt: skip
    assert set(js("init", str(tmp_path / "other"))) == {"forecasts", "ledger"}
    assert set(js("verify")) == {"ok", "questions", "ledger_files", "problems", "signatures"}
    assert set(js("repair")) == {"done", "left"}
    listed = js("list")
    assert isinstance(listed, list) and set(listed[0]) >= {"id", "title", "state", "latest"}
    assert set(js("show", "q1")) >= {"id", "title", "criteria", "history", "standing"}
    assert isinstance(js("due", "--within", "100000"), list)
    assert set(js("report")) >= {"groups", "counts", "conventions"}
    source = tmp_path / "in.csv"
    source.write_text(
        "question,title,type,opened,resolve_by,criteria,author,at,p\n"
        "q-imp,Imported?,binary,2026-01-01,2099-12-31,YES if it happens,ann,"
        "2026-01-05T00:00:00Z,0.3\n"
    )
    imported = js("import", str(source), "--from", "generic", "--dry-run")
    assert set(imported) >= {"message", "forecasts", "created", "dry_run"}
    assert imported["dry_run"] is True


# ------------------------------------------------------------------ completion


def test_completion_scripts_are_generated(home: Home, invoke: Invoke) -> None:
    # asked for by name (``--show-completion`` gives the script of the shell it detects among
    # the parent processes, which a test run in the background may not have)
    marks = {
        "bash": "_foretell_completion()",
        "zsh": "#compdef foretell",
        "fish": "complete --command foretell",
    }
    for shell, mark in marks.items():
        done = subprocess.run(
            [sys.executable, "-m", "foretell"],
            env={**os.environ, "_FORETELL_COMPLETE": f"source_{shell}"},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "_FORETELL_COMPLETE" in done.stdout and mark in done.stdout, shell


def test_completion_offers_question_ids_and_options(
    home: Home, questions: dict[str, Question]
) -> None:
    def complete(words: str) -> list[str]:
        cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        env = {
            **os.environ,
            "_FORETELL_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
        }
        done = subprocess.run(
            [sys.executable, "-m", "foretell"], env=env, capture_output=True, text=True,
            cwd=home.root, timeout=60,
        )  # fmt: skip
        return done.stdout.split()

    assert set(complete("foretell show ")) >= {"q1", "mc", "num"}
    assert complete("foretell log m") == ["mc"]
    assert "--quantiles" in complete("foretell log q1 --qu")


# ------------------------------------------------------------------ blind mode


def test_blind_mode_hides_others_forecasts_until_you_log_yours(
    home: Home, questions: dict[str, Question], invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("log", "q1", "0.9", "--by", "bob").code == 0
    monkeypatch.setenv("FORETELL_BLIND", "1")
    shown = json.loads(invoke("show", "q1", "--format", "json").out)
    assert shown["hidden_forecasts"] == 1 and shown["standing"] == []
    assert all(h["author"] != "bob" for h in shown["history"])
    assert "bob" not in invoke("show", "q1").out
    listed = json.loads(invoke("list", "--format", "json").out)
    assert next(r for r in listed if r["id"] == "q1")["latest"] == {}
    assert invoke("log", "q1", "0.4").code == 0  # alice logs hers
    shown = json.loads(invoke("show", "q1", "--format", "json").out)
    assert shown["hidden_forecasts"] == 0 and {s["author"] for s in shown["standing"]} == {
        "alice",
        "bob",
    }


def test_blind_mode_from_the_project_setting(
    home: Home, questions: dict[str, Question], invoke: Invoke
) -> None:
    assert invoke("log", "q1", "0.9", "--by", "bob").code == 0
    assert "bob" in invoke("show", "q1").out
    (home.root / "foretell.toml").write_text("blind = true\n")
    assert "bob" not in invoke("show", "q1").out
