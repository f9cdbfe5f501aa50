"""foretell.catalog_cache: the question catalog read through a checked cache."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from foretell import catalog
from foretell.catalog_cache import cache_file, question_rows
from foretell.errors import Problem
from foretell.frames import questions_frame, rows_frame
from foretell.home import Home


def test_the_cached_catalog_equals_a_fresh_read(home: Home, questions: dict) -> None:
    first = rows_frame(question_rows(home.forecasts, home.ledger))
    assert cache_file(home.ledger).exists()
    second = rows_frame(question_rows(home.forecasts, home.ledger))
    fresh = questions_frame(catalog.load_catalog(home.forecasts))
    pd.testing.assert_frame_equal(first, fresh)
    pd.testing.assert_frame_equal(second, fresh)


def test_an_unchanged_catalog_is_not_parsed_again(
    home: Home, questions: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    question_rows(home.forecasts, home.ledger)
    loaded: list[str] = []
    real = catalog.load_question
    monkeypatch.setattr(catalog, "load_question", lambda p: loaded.append(p.name) or real(p))
    question_rows(home.forecasts, home.ledger)
    assert loaded == []


@pytest.mark.parametrize("edit", ["size", "same size", "same size and mtime", "mtime only"])
def test_every_edit_of_a_question_file_is_seen(home: Home, questions: dict, edit: str) -> None:
    question_rows(home.forecasts, home.ledger)
    path = catalog.question_path(home.forecasts, "q1")
    text = path.read_text()
    stat = path.stat()
    if edit == "size":
        path.write_text(text.replace('title = "', 'title = "Edited: ', 1))
    elif edit == "mtime only":
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    else:
        title = text.split('title = "', 1)[1].split('"', 1)[0]
        path.write_text(text.replace(title, title[::-1], 1))
        if edit == "same size and mtime":
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    rows = question_rows(home.forecasts, home.ledger)
    assert rows == question_rows(home.forecasts, home.ledger, use_cache=False)
    q1 = next(r for r in rows if r["id"] == "q1")
    assert q1["title"] == catalog.load_question(path).title


def test_files_added_and_removed_are_seen(home: Home, questions: dict) -> None:
    ids = [r["id"] for r in question_rows(home.forecasts, home.ledger)]
    path = catalog.question_path(home.forecasts, "q1")
    extra = catalog.question_path(home.forecasts, "q9")
    extra.write_text(path.read_text())
    path.unlink()
    after = [r["id"] for r in question_rows(home.forecasts, home.ledger)]
    assert after == sorted({*ids, "q9"} - {"q1"})


def test_a_bad_question_file_is_left_out_with_its_problem_cached_or_not(
    home: Home, questions: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    question_rows(home.forecasts, home.ledger)
    catalog.question_path(home.forecasts, "q1").write_text('title = "x"\ntitle = [broken')
    first: list[Problem] = []
    rows = question_rows(home.forecasts, home.ledger, left_out=first)
    assert [r["id"] for r in rows] == ["mc", "num"]
    assert [(p.path, p.line) for p in first] == [(catalog.question_path(home.forecasts, "q1"), 2)]
    assert "not valid TOML" in first[0].message
    loaded: list[str] = []
    real = catalog.load_question
    monkeypatch.setattr(catalog, "load_question", lambda p: loaded.append(p.name) or real(p))
    again: list[Problem] = []
    assert question_rows(home.forecasts, home.ledger, left_out=again) == rows
    assert loaded == []  # the problem came from the cache, not from reading the file again
    assert again == first
    uncached: list[Problem] = []
    question_rows(home.forecasts, home.ledger, use_cache=False, left_out=uncached)
    assert uncached == first


def test_a_fixed_question_file_is_read_again(home: Home, questions: dict) -> None:
    path = catalog.question_path(home.forecasts, "q1")
    good = path.read_text()
    path.write_text("title = [broken")
    left: list[Problem] = []
    question_rows(home.forecasts, home.ledger, left_out=left)
    assert len(left) == 1
    path.write_text(good)
    fixed: list[Problem] = []
    ids = [r["id"] for r in question_rows(home.forecasts, home.ledger, left_out=fixed)]
    assert ids == ["mc", "num", "q1"] and fixed == []


def test_a_link_put_in_place_of_a_cached_file_is_refused(home: Home, questions: dict) -> None:
    question_rows(home.forecasts, home.ledger)
    path = catalog.question_path(home.forecasts, "q1")
    outside = home.root.parent / "elsewhere.toml"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)
    left: list[Problem] = []
    ids = [r["id"] for r in question_rows(home.forecasts, home.ledger, left_out=left)]
    assert ids == ["mc", "num"]
    assert [p.path for p in left] == [path] and "symbolic link" in left[0].message


def test_a_damaged_cache_is_ignored(home: Home, questions: dict) -> None:
    question_rows(home.forecasts, home.ledger)
    cache_file(home.ledger).write_text("{not json")
    assert question_rows(home.forecasts, home.ledger) == question_rows(
        home.forecasts, home.ledger, use_cache=False
    )
