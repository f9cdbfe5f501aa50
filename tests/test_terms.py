"""Terms kept per version: show --version N prints the criteria a forecast was made under;
log, resolve, annul (also with --amend) and claim refuse terms edited without amend."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from conftest import OPENED, Result, question, snapshot, write_question
from foretell import api, terms
from foretell.home import Home
from foretell.verify import verify


def _edit(home: Home, criteria: str) -> None:
    write_question(home, question("q1", criteria=criteria))


def test_show_version_prints_the_criteria_each_forecast_was_made_under(
    home: Home, invoke: Callable[..., Result]
) -> None:
    write_question(home, question("q1", criteria="YES if the first rule holds."))
    assert invoke("log", "q1", "0.3").code == 0
    _edit(home, "YES if the second rule holds.")
    assert invoke("amend", "q1", "--why", "a clearer rule").code == 0
    assert invoke("log", "q1", "0.6").code == 0
    first = invoke("show", "q1", "--version", "1")
    assert first.code == 0 and "the first rule" in first.out and "second" not in first.out
    second = invoke("show", "q1", "--version", "2", "--format", "json")
    data = json.loads(second.out)
    assert data["version"] == "v2" and data["terms"]["criteria"] == "YES if the second rule holds."
    assert data["question_sha"] == question("q1", criteria="YES if the second rule holds.").sha()
    missing = invoke("show", "q1", "--version", "3")
    assert missing.code == 1 and "no v3" in missing.err
    assert verify(home) == []


def test_log_refuses_a_forecast_against_terms_edited_without_amend(
    home: Home, invoke: Callable[..., Result]
) -> None:
    write_question(home, question("q1", criteria="YES if the first rule holds."))
    assert invoke("log", "q1", "0.3").code == 0
    _edit(home, "YES if another rule holds.")
    before = snapshot(home)
    refused = invoke("log", "q1", "0.6")
    assert refused.code == 1
    assert "forecasts/q1.toml" in refused.err and "foretell amend q1 --why" in refused.err
    assert snapshot(home) == before
    assert invoke("amend", "q1", "--why", "reworded").code == 0
    assert invoke("log", "q1", "0.6").code == 0


def test_a_recorded_version_that_was_edited_is_named_by_verify(
    home: Home, invoke: Callable[..., Result]
) -> None:
    write_question(home, question("q1"))
    assert invoke("log", "q1", "0.3").code == 0
    path = terms.version_path(home.ledger, "q1", question("q1").sha())
    path.write_text(path.read_text().replace("Will", "Would"))
    found = verify(home)
    assert len(found) == 1 and found[0].path == path and "hash" in found[0].message


CLOSING = {
    "resolve": ("resolve", "q1", "yes"),
    "annul": ("annul", "q1", "--why", "void"),
    "claim": ("claim", "q1", "yes", "--by", "acme", "--source", "a.txt", "--on",
              OPENED.isoformat(), "--hedge", "probable"),
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(CLOSING))
def test_resolve_annul_and_claim_refuse_terms_edited_without_amend(
    home: Home, invoke: Callable[..., Result], command: str
) -> None:
    write_question(home, question("q1", criteria="YES if the first rule holds."))
    assert invoke("log", "q1", "0.3").code == 0
    _edit(home, "YES if another rule holds.")
    before = snapshot(home)
    refused = invoke(*CLOSING[command])
    assert refused.code == 1, refused
    assert refused.err.startswith("foretell: forecasts/q1.toml: ")
    assert "foretell amend q1 --why" in refused.err
    assert snapshot(home) == before
    assert invoke("amend", "q1", "--why", "reworded").code == 0
    done = invoke(*CLOSING[command])
    assert done.code == 0, done
    assert verify(home) == []


@pytest.mark.parametrize("command", ["resolve", "annul"])
def test_amending_a_resolution_refuses_terms_edited_without_amend(
    home: Home, invoke: Callable[..., Result], command: str
) -> None:
    write_question(home, question("q1"))
    assert invoke("log", "q1", "0.3").code == 0
    assert invoke(*CLOSING[command]).code == 0
    _edit(home, "YES if another rule holds.")
    before = snapshot(home)
    again = (
        *CLOSING[command],
        "--amend",
        *(["--why", "a mistake"] if command == "resolve" else []),
    )
    refused = invoke(*again)
    assert refused.code == 1 and "foretell amend q1 --why" in refused.err
    assert snapshot(home) == before
    assert invoke("amend", "q1", "--why", "reworded").code == 0
    assert invoke(*again).code == 0
    assert verify(home) == []


def test_the_api_refuses_a_resolution_against_terms_edited_without_amend(home: Home) -> None:
    write_question(home, question("q1"))
    book = api.Ledger(home)
    book.log("q1", p=0.3, by="alice")
    _edit(home, "YES if another rule holds.")
    with pytest.raises(api.ForetellError, match="foretell amend q1"):
        book.resolve("q1", "yes", by="alice")
    with pytest.raises(api.ForetellError, match="foretell amend q1"):
        book.annul("q1", why="void", by="alice")


def test_amend_itself_accepts_the_edit_it_records(
    home: Home, invoke: Callable[..., Result]
) -> None:
    write_question(home, question("q1"))
    assert invoke("log", "q1", "0.3").code == 0
    _edit(home, "YES if another rule holds.")
    assert invoke("amend", "q1", "--why", "reworded").code == 0
    assert terms.known_versions(home.ledger, "q1") == {
        question("q1").sha(),
        question("q1", criteria="YES if another rule holds.").sha(),
    }


@pytest.mark.parametrize("command", ["log", "resolve"])
def test_a_file_put_back_to_an_earlier_version_is_refused_until_amended(
    home: Home, invoke: Callable[..., Result], command: str
) -> None:
    write_question(home, question("q1", criteria="YES if the first rule holds."))
    assert invoke("log", "q1", "0.3").code == 0
    _edit(home, "YES if the second rule holds.")
    assert invoke("amend", "q1", "--why", "a clearer rule").code == 0
    assert invoke("log", "q1", "0.4").code == 0
    _edit(home, "YES if the first rule holds.")  # back to v1: recorded, but not pinned
    assert verify(home) != []  # what verify flags, the write refuses
    argv = ("log", "q1", "0.5") if command == "log" else CLOSING["resolve"]
    before = snapshot(home)
    refused = invoke(*argv)
    assert refused.code == 1 and "foretell amend q1 --why" in refused.err
    assert snapshot(home) == before
    assert invoke("amend", "q1", "--why", "the first rule after all").code == 0
    assert invoke(*argv).code == 0
    assert verify(home) == []
