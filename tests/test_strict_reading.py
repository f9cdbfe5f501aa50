"""Strict reading: verify checks real dates, types and ranges; every reader skips what verify
flags (with a note) instead of crashing; dates outside 1900-2999 are refused at input."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import OPENED, Result, question, write_question
from foretell import api, ledger
from foretell.home import Home

Invoke = Callable[..., Result]
AT = f"{OPENED.isoformat()}T12:00:00.000000Z"
ON = OPENED.isoformat()


def write_chain(home: Home, author: str, entries: list[dict[str, Any]]) -> Path:
    """A well-chained file (right seq, prev and sha) holding exactly these entries."""
    path = home.ledger / f"{author}.jsonl"
    prev, out = None, b""
    for seq, entry in enumerate(entries, 1):
        full = {"seq": seq, "prev": prev, **entry}
        line, prev = ledger.encode_entry(full)
        out += line
    path.write_bytes(out)
    return path


def forecast(**fields: Any) -> dict[str, Any]:
    q = question("q1")
    return {"at": AT, "kind": "forecast", "question": "q1", "question_sha": q.sha(), **fields}


def resolution(**fields: Any) -> dict[str, Any]:
    q = question("q1")
    base = {"at": AT, "kind": "resolution", "question": "q1", "question_sha": q.sha()}
    return {**base, "outcome": "yes", "resolved_on": ON, **fields}


BAD = {
    "at on 30 February": forecast(p=0.5, at=f"{OPENED.year}-02-30T00:00:00.000000Z"),
    "at in month 13": forecast(p=0.5, at=f"{OPENED.year}-13-01T00:00:00.000000Z"),
    "at hour 24": forecast(p=0.5, at=f"{ON}T24:00:00.000000Z"),
    "at before 1900": forecast(p=0.5, at="1600-01-01T00:00:00.000000Z"),
    "at in the future": forecast(p=0.5, at="2250-01-01T00:00:00.000000Z"),
    "p is text": forecast(p="0.5"),
    "p is true": forecast(p=True),
    "note is a number": forecast(p=0.5, note=5),
    "imported is an object": forecast(p=0.5, imported={"a": 1}),
    "resolved_on 30 February": resolution(resolved_on=f"{OPENED.year}-02-30"),
    "resolved_on after 2999": resolution(resolved_on="3000-01-01"),
    "outcome is an object": resolution(outcome={"a": 1}),
    "outcome is not yes or no": resolution(outcome="maybe"),
    "evidence is a number": resolution(evidence=7),
    "amends without why": resolution(amends="0" * 64),
}


@pytest.fixture
def project(home: Home) -> Home:
    write_question(home, question("q1"))
    return home


@pytest.mark.parametrize("name", list(BAD))
def test_verify_names_the_line_of_an_entry_of_the_wrong_type_or_date(
    project: Home, invoke: Invoke, name: str
) -> None:
    write_chain(project, "alice", [forecast(p=0.4), BAD[name]])
    result = invoke("verify")
    assert result.code == 1
    assert result.out.startswith("ledger/alice.jsonl:2: "), result.out


@pytest.mark.parametrize("name", list(BAD))
def test_every_reader_skips_what_verify_flags_without_a_traceback(
    project: Home, invoke: Invoke, name: str, tmp_path: Path
) -> None:
    write_chain(project, "alice", [forecast(p=0.4), BAD[name]])
    write_chain(project, "bob", [forecast(p=0.6), resolution()])
    for argv in (
        ("report", "--format", "json"),
        ("show", "q1"),
        ("list",),
        ("due",),
        ("export", "-o", str(tmp_path / "out.jsonl")),
    ):
        result = invoke(*argv)
        assert result.code == 0, (argv, result)
        assert "Traceback" not in result.err
    shown = invoke("show", "q1", "--format", "json")
    assert "left out" in shown.err
    kinds = [h["kind"] for h in json.loads(shown.out)["history"]]
    assert kinds.count("forecast") + kinds.count("resolution") == 3  # the bad one is out
    report = json.loads(invoke("report", "--format", "json").out)
    assert any("malformed" in note for note in report["notes"])
    frames = api.Ledger(project).frames()
    assert frames.skipped.get("malformed entries (see foretell verify)") == 1


def test_a_resolution_amending_without_why_does_not_break_show(
    project: Home, invoke: Invoke
) -> None:
    first = resolution()
    write_chain(project, "alice", [forecast(p=0.4), first, resolution(amends="0" * 64)])
    result = invoke("show", "q1")
    assert result.code == 0 and "Traceback" not in result.err


@pytest.mark.parametrize("seq", [2**64 - 1, 2**63 - 1, 0, -5, 1.0, True])
def test_log_refuses_to_extend_a_chain_whose_last_seq_does_not_fit(
    project: Home, invoke: Invoke, seq: object
) -> None:
    path = project.ledger / "alice.jsonl"
    line, _ = ledger.encode_entry({"seq": seq, "prev": None, **forecast(p=0.5)})
    path.write_bytes(line)
    result = invoke("log", "q1", "0.5")
    assert result.code == 1
    assert "seq is not a whole number" in result.err
    assert path.read_bytes() == line


def test_a_question_due_in_2999_reports_fine(home: Home, invoke: Invoke) -> None:
    write_question(home, question("q1", resolve_by=date(2999, 12, 31)))
    assert invoke("log", "q1", "0.7").code == 0
    result = invoke("report", "--format", "json")
    assert result.code == 0, result
    assert invoke("list").code == 0 and invoke("due").code == 0


@pytest.mark.parametrize(
    ("flag", "value"), [("--resolve-by", "3000-01-01"), ("--opened", "1899-12-31")]
)
def test_ask_refuses_dates_outside_the_supported_years(
    home: Home, invoke: Invoke, flag: str, value: str
) -> None:
    argv = ["ask", "q1", "--title", "T", "--criteria", "C", "--resolve-by", "2027-01-01"]
    argv += [flag, value]
    result = invoke(*argv)
    assert result.code == 1
    assert "outside the supported years 1900-2999" in result.err
    assert list(home.forecasts.iterdir()) == []


def test_a_question_file_dated_outside_the_supported_years_is_named_by_verify(
    home: Home, invoke: Invoke
) -> None:
    (home.forecasts / "old.toml").write_text(
        'title = "T"\ntype = "binary"\nopened = 1600-01-01\nresolve_by = 2026-01-01\n'
        'criteria = "C"\n',
        encoding="utf-8",
    )
    result = invoke("verify")
    assert result.code == 1
    assert "forecasts/old.toml:3: opened: date 1600-01-01 is outside" in result.out


@pytest.mark.parametrize("when", ["1850-01-01", "3001-06-01T00:00:00Z"])
def test_import_refuses_dates_outside_the_supported_years(
    home: Home, invoke: Invoke, tmp_path: Path, when: str
) -> None:
    source = tmp_path / "rows.csv"
    source.write_text(
        f"question,type,title,opened,resolve_by,at,p\nq-a,binary,T,{when},2027-01-01,"
        "2026-01-02,0.5\n",
        encoding="utf-8",
    )
    result = invoke("import", str(source), "--from", "generic", "--author", "a")
    assert result.code == 1
    assert "rows.csv:2:" in result.err and "outside the supported years" in result.err


def test_log_after_an_entry_with_a_damaged_time_is_stamped_now(
    project: Home, invoke: Invoke
) -> None:
    write_chain(project, "alice", [forecast(p=0.5, at=f"{OPENED.year}-13-01")])
    result = invoke("log", "q1", "0.5")
    assert result.code == 0, result
    entries, _ = ledger.read_file(project.ledger / "alice.jsonl")
    assert entries[-1]["at"] == max(e["at"] for e in entries[-1:]) != f"{OPENED.year}-13-01"
