"""Ids, ledger names and links: one rule for every entry point; no link is followed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, question, snapshot, write_question
from foretell import api, ids, ledger
from foretell.catalog import dump_question, question_path
from foretell.errors import ForetellError
from foretell.home import Home

Invoke = Callable[..., Result]
HOSTILE_IDS = ["../x", "..", "x/y", "/tmp/x", "X", "a--b", "-a", "a-", "a.b", "", " q1", "q1\n"]


@pytest.fixture
def decoys(home: Home, tmp_path: Path) -> list[str]:
    """Valid question files outside forecasts/ that a path-like id would reach."""
    q = question("x")
    (home.root / "x.toml").write_text(dump_question(q), encoding="utf-8")
    outside = tmp_path / "outside"
    outside.with_suffix(".toml").write_text(dump_question(q), encoding="utf-8")
    return ["../x", str(outside)]


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_id_problem_refuses_anything_but_lowercase_kebab(value: str) -> None:
    assert ids.id_problem(value) is not None
    with pytest.raises(ForetellError):
        ids.check_id(value)


def test_id_problem_accepts_kebab_up_to_the_length_limit() -> None:
    assert ids.id_problem("huawei-950pr-2026") is None
    assert ids.id_problem("a" * ids.MAX_ID_LENGTH) is None
    assert ids.id_problem("a" * (ids.MAX_ID_LENGTH + 1)) is not None


def test_ask_refuses_an_id_longer_than_the_limit(home: Home, invoke: Invoke) -> None:
    long_id = "a" * (ids.MAX_ID_LENGTH + 1)
    result = invoke(
        "ask",
        long_id,
        "--title",
        "T",
        "--criteria",
        "YES if a named outlet reports it.",
        "--resolve-by",
        "2030-01-01",
    )
    assert result.code == 1
    assert "longer than" in result.err
    assert list(home.forecasts.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ("show", "{id}"),
        ("log", "{id}", "0.5"),
        ("resolve", "{id}", "yes"),
        ("annul", "{id}", "--why", "w"),
        ("amend", "{id}", "--why", "w"),
        ("report", "--question", "{id}"),
    ],
)
def test_every_command_refuses_a_path_for_an_id_and_writes_nothing(
    home: Home, decoys: list[str], invoke: Invoke, argv: tuple[str, ...]
) -> None:
    for bad in decoys:
        before = snapshot(home)
        result = invoke(*(a.format(id=bad) for a in argv))
        assert result.code == 1, result
        assert "lowercase-kebab" in result.err
        assert result.err.count("\n") == 1 and "Traceback" not in result.err
        assert snapshot(home) == before


def test_api_refuses_a_path_for_an_id(home: Home, decoys: list[str]) -> None:
    book = api.Ledger(home)
    calls: list[Callable[[str], object]] = [
        book.question,
        lambda qid: book.log(qid, p=0.5, by="alice"),
        lambda qid: book.resolve(qid, "yes", by="alice"),
        lambda qid: book.annul(qid, "w", by="alice"),
        lambda qid: book.amend(qid, "w", by="alice"),
    ]
    for bad in decoys:
        for call in calls:
            with pytest.raises(ForetellError, match="lowercase-kebab"):
                call(bad)
    assert list(home.ledger.glob("*.jsonl")) == []


def test_ledger_path_refuses_a_name_that_is_a_path(home: Home) -> None:
    for bad in ("../alice", "/tmp/alice", ".alice", "Alice", ""):
        with pytest.raises(ForetellError, match="not a valid ledger name"):
            ledger.ledger_path(home.ledger, bad)


def test_import_refuses_a_question_id_that_is_a_path(
    home: Home, decoys: list[str], invoke: Invoke, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"record":"question","question":"../x","type":"binary","title":"T",'
        '"criteria":"C","opened":"2026-01-01","resolve_by":"2026-12-31"}\n',
        encoding="utf-8",
    )
    before = snapshot(home)
    result = invoke("import", str(source), "--from", "foretell")
    assert result.code == 1
    assert "in.jsonl:1:" in result.err and "lowercase-kebab" in result.err
    assert snapshot(home) == before


# ------------------------------------------------------------------ links


def test_a_linked_question_file_is_refused_and_named_by_verify(
    home: Home, invoke: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere.toml"
    target.write_text(dump_question(question("q1")), encoding="utf-8")
    question_path(home.forecasts, "q1").symlink_to(target)
    shown = invoke("show", "q1")
    assert shown.code == 1 and "symbolic link" in shown.err
    assert invoke("log", "q1", "0.5").code == 1
    checked = invoke("verify")
    assert checked.code == 1 and "forecasts/q1.toml: " in checked.out
    assert "symbolic link" in checked.out


def test_a_linked_ledger_file_is_never_written_through(
    home: Home, invoke: Invoke, tmp_path: Path
) -> None:
    write_question(home, question("q1"))
    target = tmp_path / "victim.jsonl"
    target.write_bytes(b"")
    (home.ledger / "alice.jsonl").symlink_to(target)
    result = invoke("log", "q1", "0.5")
    assert result.code == 1 and "symbolic link" in result.err
    assert target.read_bytes() == b""
    checked = invoke("verify")
    assert checked.code == 1 and "ledger/alice.jsonl: " in checked.out


def test_a_linked_ledger_file_is_not_read_by_readers(
    home: Home, invoke: Invoke, tmp_path: Path
) -> None:
    write_question(home, question("q1"))
    assert invoke("log", "q1", "0.5", "--by", "bob").code == 0
    os.replace(home.ledger / "bob.jsonl", tmp_path / "bob.jsonl")
    (home.ledger / "bob.jsonl").symlink_to(tmp_path / "bob.jsonl")
    listed = invoke("list", "--format", "json")
    assert listed.code == 0 and '"forecasts": 0' in listed.out
    assert ledger.ledger_files(home.ledger) == []


@pytest.mark.parametrize("cache", [".columnar", ".index"])
def test_caches_are_never_written_through_a_linked_directory(
    home: Home, invoke: Invoke, tmp_path: Path, cache: str
) -> None:
    write_question(home, question("q1"))
    outside = tmp_path / "outside-cache"
    outside.mkdir()
    (home.ledger / cache).symlink_to(outside, target_is_directory=True)
    assert invoke("log", "q1", "0.5").code == 0
    assert invoke("report").code == 0
    assert list(outside.iterdir()) == []
    checked = invoke("verify")
    assert checked.code == 1 and f"ledger/{cache}: " in checked.out


def test_a_linked_cache_file_is_replaced_not_written_through(
    home: Home, invoke: Invoke, tmp_path: Path
) -> None:
    write_question(home, question("q1"))
    assert invoke("log", "q1", "0.5").code == 0
    assert invoke("log", "q1", "0.55").code == 0  # the index is written once there is a file
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    index = home.ledger / ".index" / "status.json"
    index.unlink()
    index.symlink_to(victim)
    assert invoke("log", "q1", "0.6").code == 0
    assert victim.read_bytes() == b"keep"
    assert not ids.is_link(index)


@pytest.mark.parametrize("part", ["forecasts", "ledger"])
def test_a_project_whose_directories_are_links_is_refused(
    home: Home, invoke: Invoke, tmp_path: Path, part: str
) -> None:
    real = tmp_path / f"real-{part}"
    os.replace(home.root / part, real)
    (home.root / part).symlink_to(real, target_is_directory=True)
    result = invoke("list")
    assert result.code == 1
    assert f"{part}: " in result.err and "symbolic link" in result.err
