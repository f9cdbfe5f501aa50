"""foretell.home: finding the project by --home, FORETELL_HOME, then searching upward."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result
from foretell.errors import ForetellError
from foretell.home import Home, find_home, init_home
from foretell.lock import lock_path


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory that is no project and has none above it (the temp root has none)."""
    monkeypatch.delenv("FORETELL_HOME", raising=False)
    monkeypatch.setenv("FORETELL_USER", "alice")
    place = tmp_path / "elsewhere"
    place.mkdir()
    monkeypatch.chdir(place)
    return place


def test_init_home_creates_forecasts_and_ledger(tmp_path: Path) -> None:
    project = init_home(tmp_path / "new")
    assert project.forecasts.is_dir()
    assert project.ledger.is_dir()
    assert project.forecasts == project.root / "forecasts"
    assert project.ledger == project.root / "ledger"


def test_init_home_refuses_an_existing_project(tmp_path: Path) -> None:
    init_home(tmp_path)
    with pytest.raises(ForetellError, match="already holds a foretell project"):
        init_home(tmp_path)


def test_init_home_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ForetellError, match="not a directory"):
        init_home(tmp_path / "f")


def test_find_home_searches_upward_from_a_subdirectory(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = home.root / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_home() == Home(home.root)


def test_find_home_without_a_project_says_how_to_make_one(elsewhere: Path) -> None:
    with pytest.raises(ForetellError, match=r"no foretell project here or above.*foretell init"):
        find_home()


def test_explicit_home_wins_over_the_environment_and_the_current_directory(
    home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = init_home(tmp_path / "other")
    third = init_home(tmp_path / "third")
    monkeypatch.setenv("FORETELL_HOME", str(third.root))
    assert find_home(other.root) == Home(other.root)
    assert find_home() == Home(third.root)


def test_a_home_that_is_no_project_is_refused_naming_where_it_came_from(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ForetellError, match="--home"):
        find_home(elsewhere)
    monkeypatch.setenv("FORETELL_HOME", str(elsewhere))
    with pytest.raises(ForetellError, match="FORETELL_HOME"):
        find_home()


def test_empty_foretell_home_falls_back_to_the_search(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORETELL_HOME", "")
    assert find_home() == Home(home.root)


# ------------------------------------------------------------------ through the CLI


def _ask(invoke: Callable[..., Result], qid: str, *extra: str) -> Result:
    return invoke(
        "ask",
        qid,
        "--title",
        "T?",
        "--criteria",
        "YES if a named outlet reports it.",
        "--resolve-by",
        "2099-01-01",
        *extra,
    )


def test_cli_without_a_project_fails_with_the_message_and_exit_1(
    elsewhere: Path, invoke: Callable[..., Result]
) -> None:
    for argv in (["list"], ["verify"], ["log", "q1", "0.5"], ["show", "q1"]):
        result = invoke(*argv)
        assert result.code == 1
        assert "no foretell project here or above" in result.err
        assert "Traceback" not in result.err


def test_cli_home_option_and_environment_and_subdirectory(
    elsewhere: Path,
    tmp_path: Path,
    invoke: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = tmp_path / "proj"
    assert invoke("init", str(project)).code == 0
    assert _ask(invoke, "by-option", "--home", str(project)).code == 0
    assert (project / "forecasts" / "by-option.toml").exists()

    monkeypatch.setenv("FORETELL_HOME", str(project))
    assert _ask(invoke, "by-env").code == 0
    assert (project / "forecasts" / "by-env.toml").exists()

    monkeypatch.delenv("FORETELL_HOME")
    sub = project / "notes" / "deeper"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert _ask(invoke, "by-search").code == 0
    assert (project / "forecasts" / "by-search.toml").exists()
    listed = invoke("list")
    assert all(q in listed.out for q in ("by-option", "by-env", "by-search"))


def test_cli_init_twice_is_refused(elsewhere: Path, invoke: Callable[..., Result]) -> None:
    assert invoke("init", ".").code == 0
    again = invoke("init", ".")
    assert again.code == 1
    assert "already holds a foretell project" in again.err


def test_init_writes_a_gitignore_for_caches_lock_and_temporary_files(tmp_path: Path) -> None:
    home = init_home(tmp_path / "p")
    lines = (home.root / ".gitignore").read_text(encoding="utf-8").splitlines()
    for pattern in ("/ledger/.index/", "/ledger/.cache/", "/ledger/.lock", ".*.tmp"):
        assert pattern in lines
    assert lock_path(home.ledger).is_file()


def test_init_keeps_the_lines_of_an_existing_gitignore(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / ".gitignore").write_text("*.pyc\n/ledger/.lock", encoding="utf-8")
    init_home(root)
    lines = (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["*.pyc", "/ledger/.lock"]
    assert lines.count("/ledger/.lock") == 1 and "/ledger/.index/" in lines
