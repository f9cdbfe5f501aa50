"""The sorted stream's cache (``sorted_cache``): a report on an unchanged project sorts nothing
and gives the same JSON; every kind of edit to the copy or the catalog makes a new entry; an
entry that is not whole, or is another key's, is never used; entries in use are not removed.

On the small simulated project of ``fixtures/report_small`` (every question type, four
authors).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from pathlib import Path

import pytest

from foretell import api, engine, engine_stream, sorted_cache
from foretell.home import Home, find_home
from foretell.report.options import ReportOptions

PROJECT = Path(__file__).parent / "fixtures" / "report_small"
TODAY = dt.date(2026, 12, 1)
OPTIONS = ReportOptions()
OPENED = dt.date(2026, 1, 1)


@pytest.fixture
def project(tmp_path: Path) -> Home:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    home = find_home(root)
    api.Ledger(home).ask(id="cache-open", title="Open?", type="binary", opened=OPENED,
                         resolve_by=dt.date(2099, 1, 1), criteria="Yes if so.")  # fmt: skip
    return home


@pytest.fixture
def sorts(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The directories ``sorted_stream`` wrote into, one per sort."""
    made: list[Path] = []
    real = engine_stream.sorted_stream

    def counted(book, work, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(work)
        return real(book, work, *args, **kwargs)

    monkeypatch.setattr(engine_stream, "sorted_stream", counted)
    return made


def _report(home: Home) -> dict:
    data = dict(engine.build_streaming(home, OPTIONS, today=TODAY, workers=1).data)
    data.pop("generated_at")
    return json.loads(json.dumps(data))


def _uncached(home: Home, tmp_path: Path) -> dict:
    """The report of a copy of ``home`` made afresh (no copies, no cache)."""
    root = tmp_path / "fresh"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(home.root, root, ignore=shutil.ignore_patterns(".columnar"))
    fresh = _report(find_home(root))
    fresh["home"] = home.root.name
    return fresh


def _entries(home: Home) -> list[str]:
    return sorted(os.listdir(home.ledger / ".columnar" / sorted_cache.SORTED_DIR))


def test_a_second_report_reads_the_cached_sort_and_gives_the_same_json(
    project: Home, sorts: list[Path]
) -> None:
    first = _report(project)
    assert len(sorts) == 1
    (key,) = _entries(project)
    assert sorts[0].parent.name == sorted_cache.SORTED_DIR  # written in the cache's staging
    second = _report(project)
    assert len(sorts) == 1, "the unchanged project was sorted again"
    assert second == first
    assert _entries(project) == [key]


@pytest.mark.parametrize("edit", ["log", "resolve", "new question", "question removed"])
def test_every_edit_gives_the_report_of_a_fresh_copy_and_a_new_entry_where_it_sorts_anew(
    project: Home, sorts: list[Path], tmp_path: Path, edit: str
) -> None:
    _report(project)
    (old,) = _entries(project)
    book = api.Ledger(project)
    if edit == "log":
        book.log("cache-open", 0.37, by="sim-calibrated")
    elif edit == "resolve":
        book.ask(id="cache-new", title="New?", type="binary", opened=dt.date(2026, 1, 1),
                 resolve_by=dt.date(2026, 6, 1), criteria="Yes if so.")  # fmt: skip
        book.log("cache-new", 0.8, by="sim-calibrated", at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
        _report(project)
        book.resolve("cache-new", True, by="sim-resolver", on=dt.date(2026, 5, 1))
    elif edit == "new question":
        book.ask(id="aaa-first", title="First?", type="binary", opened=dt.date(2026, 1, 1),
                 resolve_by=dt.date(2026, 6, 1), criteria="Yes if so.")  # fmt: skip
    else:
        (project.forecasts / "sim-binary-002.toml").unlink()
    before = len(sorts)
    edited = _report(project)
    assert len(_entries(project)) == 1  # an old entry is removed once the new one is made
    if edit != "resolve":  # a resolution adds no forecast: the sorted stream stays valid
        assert _entries(project) != [old]
        assert len(sorts) == before + 1
    assert edited == _uncached(project, tmp_path)


def _corrupt(entry: Path, how: str) -> None:
    if how == "truncated stream":
        data = (entry / "stream.parquet").read_bytes()
        (entry / "stream.parquet").write_bytes(data[: len(data) // 2])
    elif how == "same-size garbage":
        size = (entry / "extras.parquet").stat().st_size
        (entry / "extras.parquet").write_bytes(b"x" * size)
    elif how == "another key":
        meta = json.loads((entry / "meta.json").read_text())
        meta["key"] = "0" * 64
        (entry / "meta.json").write_text(json.dumps(meta))
    elif how == "unreadable meta":
        (entry / "meta.json").write_text("{not json")
    else:
        (entry / "meta.json").unlink()


@pytest.mark.parametrize(
    "how",
    ["truncated stream", "same-size garbage", "another key", "unreadable meta", "missing meta"],
)
def test_an_entry_that_is_not_whole_is_not_used(project: Home, sorts: list[Path], how: str) -> None:
    first = _report(project)
    (key,) = _entries(project)
    _corrupt(project.ledger / ".columnar" / sorted_cache.SORTED_DIR / key, how)
    again = _report(project)
    assert len(sorts) == 2, "the damaged entry was used"
    assert again == first
    assert _entries(project) == [key]


def test_an_entry_held_by_a_reader_is_kept_and_leftovers_are_removed(
    project: Home, sorts: list[Path]
) -> None:
    _report(project)
    (old,) = _entries(project)
    root = project.ledger / ".columnar" / sorted_cache.SORTED_DIR
    crashed = root / f"{sorted_cache.STAGING}dead"  # a writer that died: its lock is free
    crashed.mkdir()
    (crashed / sorted_cache.LOCK).touch()
    (crashed / "stream.parquet").write_bytes(b"half")
    fd = os.open(root / old / sorted_cache.LOCK, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # another report still reading the old entry
        api.Ledger(project).log("cache-open", 0.37, by="sim-calibrated")
        _report(project)
        entries = _entries(project)
        assert old in entries and len(entries) == 2
        assert crashed.name not in entries
    finally:
        os.close(fd)
    _report(project)
    assert len(_entries(project)) == 1 and old not in _entries(project)


def test_a_ledger_directory_that_cannot_hold_the_cache_sorts_in_a_temporary_one(
    project: Home, sorts: list[Path], tmp_path: Path
) -> None:
    _report(project)  # makes the copies
    root = project.ledger / ".columnar" / sorted_cache.SORTED_DIR
    shutil.rmtree(root)
    root.write_text("a file where the cache's directory would be")
    report = _report(project)
    assert report == _uncached(project, tmp_path)
    assert sorts[-1].parent != project.ledger / ".columnar"
    assert root.is_file()


def test_a_linked_cache_directory_is_not_written_through(
    project: Home, sorts: list[Path], tmp_path: Path
) -> None:
    _report(project)
    root = project.ledger / ".columnar" / sorted_cache.SORTED_DIR
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(root)
    root.symlink_to(elsewhere, target_is_directory=True)
    assert _report(project) == _uncached(project, tmp_path)
    assert os.listdir(elsewhere) == []
