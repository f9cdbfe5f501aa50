"""A report computed with pandas' text held as Python strings (``report.text_storage``) is the
same document as with pandas' default storage, on both engines, and the setting is restored.

Projects: ``fixtures/report_small`` (every question type, four authors) and the project's
own ``forecasts/`` and ``ledger/`` (the sources' claims, text with non-ASCII characters)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from foretell import engine, engine_stream, engine_workers, forked
from foretell.frames import load_frames
from foretell.home import Home, find_home
from foretell.report.build import build_report
from foretell.report.options import ReportOptions
from foretell.report.text_storage import python_text

ROOT = Path(__file__).parent.parent
PROJECTS = {"report_small": Path(__file__).parent / "fixtures" / "report_small", "own": ROOT}
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module", params=sorted(PROJECTS))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Home:
    root = tmp_path_factory.mktemp("text") / "project"
    for part in ("forecasts", "ledger"):
        shutil.copytree(PROJECTS[request.param] / part, root / part)
    return find_home(root)


def _document(built: object) -> dict:
    data = dict(built.data)  # type: ignore[attr-defined]
    data.pop("generated_at")
    return json.loads(json.dumps(data))


def test_python_text_holds_new_text_as_python_strings_and_restores_the_setting() -> None:
    before = pd.get_option("mode.string_storage")
    with python_text():
        assert pd.Series(["a", "b"]).dtype.storage == "python"
        assert pd.DataFrame({"x": [1]}).columns.dtype.storage == "python"
    assert pd.get_option("mode.string_storage") == before


def test_python_text_is_restored_when_the_report_fails() -> None:
    before = pd.get_option("mode.string_storage")
    with pytest.raises(RuntimeError), python_text():
        raise RuntimeError("a failing report")
    assert pd.get_option("mode.string_storage") == before


def test_memory_engine_report_is_the_same_with_python_text(project: Home) -> None:
    plain = _document(build_report(load_frames(project), ReportOptions(), today=TODAY))
    with python_text():
        held = _document(build_report(load_frames(project), ReportOptions(), today=TODAY))
    assert held == plain


def test_streamed_report_from_two_workers_is_the_same_with_python_text(
    project: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_stream, "MIN_ROW_GROUP", 16)
    monkeypatch.setattr(engine_workers, "WORKER_ROWS", 1)
    monkeypatch.setattr(engine_workers, "RUN_ROWS", 1)
    monkeypatch.setattr(forked, "other_threads", lambda: False)  # idle threads of earlier tests

    def streamed() -> dict:
        built = engine.build_streaming(
            project, ReportOptions(), today=TODAY, workers=2, batch_rows=40
        )
        return _document(built)

    plain = streamed()
    with python_text():
        held = streamed()
    assert held == plain
    assert held["counts"]["forecasts"]["scored"] or held["claims"]["n_claims"]  # not empty
