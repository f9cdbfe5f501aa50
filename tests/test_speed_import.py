"""Import writes its new question files with one flush for all, and pauses the collector.

Every test of placing staged files runs twice: naming each by a rename that refuses an
existing name (where the system has one) and by the link the other systems use."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from foretell import atomic
from foretell.interop.load import gc_paused


@pytest.fixture(autouse=True, params=["rename", "link"])
def naming(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "link":
        monkeypatch.setattr(atomic, "_NO_RENAME", [True])
    else:
        monkeypatch.setattr(atomic, "_NO_RENAME", [])
    return str(request.param)


def test_where_the_system_renames_without_replacing_no_file_is_linked(
    tmp_path: Path, naming: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if naming == "rename" and atomic._renameat2() is None:
        pytest.skip("this system has no renameat2")
    links = []
    real = os.link
    monkeypatch.setattr(os, "link", lambda a, b: (links.append(b), real(a, b)))
    files = [(tmp_path / f"q{i}.toml", b"x") for i in range(5)]
    atomic.create_many(files, tmp_path)
    assert len(links) == (0 if naming == "rename" else 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"q{i}.toml" for i in range(5)]


def test_create_many_writes_every_file_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    files = [(tmp_path / f"q{i}.toml", f"title = {i}\n".encode() * (i + 1)) for i in range(20)]
    atomic.create_many(files, tmp_path)
    for path, data in files:
        assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p, _ in files)


def test_create_many_refuses_an_existing_name_and_undoes_the_rest(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_bytes(b"keep")
    files = [(tmp_path / n, b"new") for n in ("a.toml", "b.toml", "c.toml")]
    with pytest.raises(FileExistsError):
        atomic.create_many(files, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.toml"]
    assert (tmp_path / "b.toml").read_bytes() == b"keep"


def test_create_many_of_nothing_does_nothing(tmp_path: Path) -> None:
    atomic.create_many([], tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_during_a_load_and_restored_after(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), gc_paused():
            raise RuntimeError("a failed load")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_create_many_writes_into_several_directories_and_can_leave_existing_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "same.json").write_bytes(b"already")
    files = [
        (tmp_path / "a" / "one.json", b"1"),
        (tmp_path / "b" / "same.json", b"other"),
        (tmp_path / "b" / "two.json", b"2"),
    ]
    made = atomic.create_many(files, tmp_path, exist_ok=True)
    assert made == [tmp_path / "a" / "one.json", tmp_path / "b" / "two.json"]
    assert (tmp_path / "b" / "same.json").read_bytes() == b"already"
    assert (tmp_path / "a" / "one.json").read_bytes() == b"1"
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["same.json", "two.json"]


def test_version_file_holds_what_record_writes(tmp_path: Path) -> None:
    from foretell import terms
    from foretell.model import Question

    question = Question.model_validate(
        {
            "id": "q-1",
            "title": "Question one",
            "type": "binary",
            "opened": "2025-01-01",
            "resolve_by": "2025-12-31",
            "criteria": "As recorded.",
        }
    )
    ledger_dir = tmp_path / "ledger"
    ledger_dir.mkdir()
    path, data = terms.version_file(ledger_dir, question, question.sha())
    assert terms.record(ledger_dir, question) == path
    assert path.read_bytes() == data
    assert terms.load(ledger_dir, question.id, question.sha()) == question.terms()


def test_staged_files_keep_their_names_free_until_placed_and_discard_leaves_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    staged = atomic.stage_many([(tmp_path / "a" / "one.json", b"1")], tmp_path, temp_dir=tmp_path)
    assert not (tmp_path / "a" / "one.json").exists()
    assert [Path(p).parent for p, _ in staged.temps] == [tmp_path]
    assert atomic.place_staged(staged) == [tmp_path / "a" / "one.json"]
    assert (tmp_path / "a" / "one.json").read_bytes() == b"1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
    again = atomic.stage_many([(tmp_path / "two.json", b"2")], tmp_path)
    again.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]
