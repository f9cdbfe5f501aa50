"""The people cache (``people_cache``): the distinct (author, import mark) rows the default
crowd is chosen from are scanned once per state of the copy, the scope and the filters; every
edit that changes them gives the rows of a fresh scan; a file that is not this key's is never
used; a cache that cannot be written is skipped."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli, run_cli_watching
from foretell import api, engine, people_cache
from foretell.home import Home, find_home, init_home
from foretell.report import partial
from foretell.report.options import ReportOptions
from foretell.report.scope import Filters

PROJECT = Path(__file__).parent / "fixtures" / "report_small"
OPENED = dt.date(2026, 1, 1)


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per DuckDB scan for the people (how many rows it found)."""
    made: list[int] = []
    real = people_cache.cached_people

    def counted(book, scope_ids, conditions, scan):  # type: ignore[no-untyped-def]
        def counted_scan():  # type: ignore[no-untyped-def]
            rows = scan()
            made.append(len(rows))
            return rows

        return real(book, scope_ids, conditions, counted_scan)

    monkeypatch.setattr(people_cache, "cached_people", counted)
    return made


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, object]]]:
    """The people each report chose its crowd from, as sorted (author, import mark) rows."""
    found: list[list[tuple[str, object]]] = []
    real = partial.crowd_methods

    def recording(options: ReportOptions, people: pd.DataFrame) -> tuple[str, ...]:
        rows = zip(people["author"], people["imported"], strict=True)
        found.append(sorted(((str(a), json.dumps(m)) for a, m in rows)))
        return real(options, people)

    monkeypatch.setattr(partial, "crowd_methods", recording)
    return found


def _methods(home: Home, filters: Filters | None = None) -> tuple[str, ...]:
    options = ReportOptions(filters=filters or Filters())
    return engine._crowd_methods(engine.open_ledger(home), options)


def _people_file(home: Home) -> Path:
    return home.ledger / ".columnar" / people_cache.FILE


@pytest.fixture
def project(tmp_path: Path) -> Home:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    return find_home(root)


def test_a_second_look_reads_the_people_from_the_cache(
    project: Home, scans: list[int], seen: list
) -> None:
    assert _methods(project) == ("median",)
    assert len(scans) == 1 and scans[0] >= 2
    assert _people_file(project).exists()
    assert _methods(project) == ("median",)
    assert len(scans) == 1, "the unchanged copy was scanned again"
    assert seen[0] == seen[1]


def test_the_crowd_appears_once_a_second_person_logs(tmp_path: Path, scans: list[int]) -> None:
    home = init_home(tmp_path / "two")
    book = api.Ledger(home)
    book.ask(id="q", title="Q?", type="binary", opened=OPENED, resolve_by=dt.date(2099, 1, 1),
             criteria="Yes if so.")  # fmt: skip
    book.log("q", 0.3, by="alice")
    assert _methods(home) == ()
    assert _methods(home) == ()
    assert len(scans) == 1
    book.log("q", 0.6, by="bob")
    assert _methods(home) == ("median",)
    assert len(scans) == 2


@pytest.mark.parametrize("edit", ["log", "question removed", "tags changed", "since"])
def test_every_edit_gives_the_people_of_a_fresh_scan(
    project: Home, scans: list[int], seen: list, edit: str
) -> None:
    tag = "sim-technology"
    filters = Filters(tags=(tag,))
    api.Ledger(project).ask(id="open-one", title="Open?", type="binary", opened=OPENED,
                            resolve_by=dt.date(2099, 1, 1), criteria="Yes if so.",
                            tags=[tag])  # fmt: skip
    _methods(project, filters)
    files = sorted(project.forecasts.glob("*.toml"))
    tagged = [f for f in files if tag in f.read_text() and f.stem != "open-one"]
    if edit == "log":
        api.Ledger(project).log("open-one", 0.41, by="newcomer")
    elif edit == "question removed":
        for f in tagged[1:]:
            f.unlink()
    elif edit == "tags changed":
        for f in tagged[1:]:
            f.write_text(f.read_text().replace(f'"{tag}"', '"sim-elsewhere"'))
    else:
        filters = Filters(tags=(tag,), since=dt.date(2024, 12, 1))
    _methods(project, filters)
    assert len(scans) == 2, "an edit left the cached people in use"
    _people_file(project).unlink()
    _methods(project, filters)  # a fresh scan
    assert len(scans) == 3
    assert seen[1] == seen[2]
    if edit == "log":
        assert "newcomer" in {a for a, _ in seen[1]}
        assert "newcomer" not in {a for a, _ in seen[0]}


@pytest.mark.parametrize(
    "forged",
    [
        b"not json",
        b'{"version": 1, "key": "0000", "rows": [["nobody", null]]}',
        b'{"version": 99, "key": "KEY", "rows": [["nobody", null]]}',
        b'{"version": 1, "key": "KEY", "rows": [["nobody", 3]]}',
        b'{"version": 1, "key": "KEY", "rows": "nobody"}',
        b'{"version": 1, "key": "KEY"}',
        b"[]",
    ],
)
def test_a_file_that_is_not_this_keys_rows_is_not_used(
    project: Home, scans: list[int], seen: list, forged: bytes
) -> None:
    _methods(project)
    key = json.loads(_people_file(project).read_bytes())["key"]
    _people_file(project).write_bytes(forged.replace(b"KEY", key.encode()))
    _methods(project)
    assert len(scans) == 2
    assert seen[1] == seen[0]
    assert json.loads(_people_file(project).read_bytes())["key"] == key  # written afresh


def test_a_cache_that_cannot_be_written_is_skipped(
    project: Home, scans: list[int], seen: list
) -> None:
    engine.open_ledger(project)  # the copy's directory exists
    _people_file(project).mkdir()  # a directory where the file would go: it cannot be written
    assert _methods(project) == ("median",)
    assert _methods(project) == ("median",)
    assert len(scans) == 2
    assert seen[0] == seen[1]


def test_a_default_report_on_an_unchanged_project_does_not_load_duckdb(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    args = ["report", "--engine", "duckdb", "--format", "json", "--home", str(root)]
    first = run_cli(*args)  # sorts and scans, and keeps both
    assert first.code == 0, first.err
    again, loaded = run_cli_watching("duckdb", *args)
    assert again.returncode == 0, again.stderr
    body = json.loads(again.stdout)
    body.pop("generated_at")
    expected = json.loads(first.out)
    expected.pop("generated_at")
    assert body == expected
    assert not loaded
