"""Bad question files among good ones: verify names each at its line; every reader (report,
list, due, export, the API) carries on over the good questions with a note naming each bad
file; a command whose own question is bad fails with that file:line message."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import OPENED, Result, question, snapshot, write_question
from foretell import api, catalog
from foretell.home import Home
from foretell.verify import verify

Invoke = Callable[..., Result]
GOOD = ("good-a", "good-b", "good-e")


def _bad_files(home: Home) -> dict[str, tuple[str, int]]:
    """Two bad files (bad TOML; a field the model refuses), each with its (path, line)."""
    c = catalog.question_path(home.forecasts, "bad-c")
    text = c.read_text().splitlines()
    text.insert(2, "broken = = 3")
    c.write_text("\n".join(text) + "\n")
    d = catalog.question_path(home.forecasts, "bad-d")
    text = d.read_text().splitlines()
    line = next(i for i, ln in enumerate(text, 1) if ln.startswith("type ="))
    text[line - 1] = 'type = "weird"'
    d.write_text("\n".join(text) + "\n")
    return {"bad-c": ("forecasts/bad-c.toml", 3), "bad-d": ("forecasts/bad-d.toml", line)}


@pytest.fixture
def project(home: Home, invoke: Invoke) -> tuple[Home, dict[str, tuple[str, int]]]:
    """Five questions with forecasts by alice and bob, two resolved; then two files broken."""
    for qid in ("good-a", "good-b", "bad-c", "bad-d", "good-e"):
        write_question(home, question(qid))
        for by, p in (("alice", "0.7"), ("bob", "0.4")):
            assert invoke("log", qid, p, "--by", by).code == 0
    for qid in ("good-a", "bad-c"):
        assert invoke("resolve", qid, "yes").code == 0
    return home, _bad_files(home)


def _named(text: str, bad: dict[str, tuple[str, int]]) -> bool:
    return all(f"{path}:{line}" in text for path, line in bad.values())


def test_verify_names_every_bad_question_file_at_its_line(
    project: tuple[Home, dict[str, tuple[str, int]]], invoke: Invoke
) -> None:
    home, bad = project
    found = verify(home)
    located = {(p.path.name, p.line) for p in found if p.path and p.path.parent == home.forecasts}
    assert located == {(Path(path).name, line) for path, line in bad.values()}
    result = invoke("verify")
    assert result.code == 1
    for path, line in bad.values():
        assert any(ln.startswith(f"{path}:{line}: ") for ln in result.out.splitlines())
    entries = [p for p in found if p.path and p.path.parent == home.ledger]
    assert entries and all("cannot be read" in p.message for p in entries)  # not "unknown"
    assert not any("unknown question" in p.message for p in found)


@pytest.mark.parametrize(
    "argv",
    [
        ("list",),
        ("list", "--format", "json"),
        ("due", "--within", "10000"),
        ("export",),
        ("export", "--format", "csv"),
    ],
)
def test_a_reader_carries_on_over_the_good_questions_with_a_note_per_bad_file(
    project: tuple[Home, dict[str, tuple[str, int]]], invoke: Invoke, argv: tuple[str, ...]
) -> None:
    _, bad = project
    result = invoke(*argv)
    assert result.code == 0, result
    assert "Traceback" not in result.err
    assert _named(result.err, bad)
    for qid in ("good-b", "good-e"):  # open ones: every listing shows them
        assert qid in result.out
    assert "bad-c" not in result.out and "bad-d" not in result.out


def test_export_leaves_out_the_entries_on_a_bad_file_and_reads_back(
    project: tuple[Home, dict[str, tuple[str, int]]], invoke: Invoke, tmp_path: Path
) -> None:
    _, bad = project
    out = tmp_path / "out.jsonl"
    result = invoke("export", "-o", str(out))
    assert result.code == 0 and _named(result.err, bad)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["question"] for r in records} == set(GOOD)
    assert sum(r["record"] == "forecast" for r in records) == 2 * len(GOOD)
    parquet = invoke("export", "--format", "parquet", str(tmp_path / "pq"))
    assert parquet.code == 0 and _named(parquet.err, bad)
    assert f"{2 * len(GOOD)} forecasts, {len(GOOD)} questions" in parquet.err


@pytest.mark.parametrize("engine", ["memory", "duckdb"])
def test_the_report_scores_the_good_questions_and_names_each_bad_file(
    project: tuple[Home, dict[str, tuple[str, int]]], invoke: Invoke, engine: str
) -> None:
    _, bad = project
    result = invoke("report", "--format", "json", "--engine", engine)
    assert result.code == 0, result
    data = json.loads(result.out)
    notes = " ".join(data["notes"])
    assert _named(notes, bad)
    assert data["counts"]["forecasts"]["scored"] == 2  # alice and bob on good-a only
    text = invoke("report", "--engine", engine)
    assert text.code == 0
    assert _named(" ".join(text.out.split()), bad)


def test_the_api_reads_the_good_questions_and_names_each_bad_file(
    project: tuple[Home, dict[str, tuple[str, int]]],
) -> None:
    home, bad = project
    book = api.Ledger(home)
    frames = book.frames()
    assert sorted(frames.questions["id"]) == sorted(GOOD)
    assert set(frames.forecasts["question"]) == set(GOOD)
    assert _named(" ".join(frames.skipped), bad)
    assert _named(" ".join(book.report().data["notes"]), bad)


@pytest.mark.parametrize(
    "argv",
    [
        ("show", "{q}"),
        ("log", "{q}", "0.5"),
        ("resolve", "{q}", "no"),
        ("annul", "{q}", "--why", "void"),
        ("amend", "{q}", "--why", "reworded"),
        (
            "claim",
            "{q}",
            "yes",
            "--by",
            "acme",
            "--source",
            "a.txt",
            "--on",
            str(OPENED),
            "--hedge",
            "probable",
        ),
    ],
)
@pytest.mark.parametrize("qid", ["bad-c", "bad-d"])
def test_a_command_on_a_bad_question_fails_with_its_file_and_line(
    project: tuple[Home, dict[str, tuple[str, int]]],
    invoke: Invoke,
    argv: tuple[str, ...],
    qid: str,
) -> None:
    home, bad = project
    before = snapshot(home)
    result = invoke(*(a.format(q=qid) for a in argv))
    path, line = bad[qid]
    assert result.code == 1, result
    assert result.err.startswith(f"foretell: {path}:{line}: ")
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert snapshot(home) == before


def test_a_fixed_file_is_read_again_by_every_reader(
    project: tuple[Home, dict[str, tuple[str, int]]], invoke: Invoke
) -> None:
    home, _ = project
    assert invoke("report", "--format", "json").code == 0  # caches the catalog's problems
    for qid in ("bad-c", "bad-d"):
        write_question(home, question(qid))
    assert verify(home) == []
    data = json.loads(invoke("report", "--format", "json").out)
    assert not any("question file" in note for note in data["notes"])
    assert data["counts"]["forecasts"]["scored"] == 4  # good-a and bad-c, by two each
    listed = invoke("list")
    assert listed.err == "" and "bad-c" in listed.out and "bad-d" in listed.out


def test_export_with_a_bad_file_skips_an_entry_naming_no_id_without_a_traceback(
    project: tuple[Home, dict[str, tuple[str, int]]], invoke: Invoke
) -> None:
    from foretell import ledger

    home, bad = project
    path = home.ledger / "zed.jsonl"
    line, _ = ledger.encode_entry({"seq": 1, "prev": None, "kind": "forecast", "question": []})
    path.write_bytes(line)
    result = invoke("export")
    assert "Traceback" not in result.err and _named(result.err, bad)


def test_compare_carries_on_and_names_each_bad_file(
    project: tuple[Home, dict[str, tuple[str, int]]], invoke: Invoke
) -> None:
    _, bad = project
    result = invoke("compare")
    assert result.code == 0, result
    assert _named(" ".join(result.err.split()), bad)


def test_seal_refuses_while_a_question_file_is_bad_naming_it(
    project: tuple[Home, dict[str, tuple[str, int]]], invoke: Invoke
) -> None:
    home, bad = project
    before = snapshot(home)
    refused = invoke("seal")
    path, line = bad["bad-c"]  # the first bad file in file order
    assert refused.code == 1 and refused.err.startswith(f"foretell: {path}:{line}: ")
    assert "before adding a seal" in refused.err
    assert snapshot(home) == before
    for qid in ("bad-c", "bad-d"):
        write_question(home, question(qid))
    assert invoke("seal").code == 0
