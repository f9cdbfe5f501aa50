"""The ledger's conversion begun ahead of the report (``foretell.conversions``)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from conftest import project_copy, run_cli
from foretell import conversions, engine, ledger, tables
from foretell.home import Home
from foretell.report import run
from foretell.report.options import ReportOptions

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def cold(tmp_path: Path) -> Home:
    """A copy of the small report project without any columnar copy."""
    home = project_copy(tmp_path)
    shutil.rmtree(home.ledger / tables.COLUMNAR_DIR, ignore_errors=True)
    return home


def _report(home: Home) -> dict:
    data = engine.build_streaming(home, ReportOptions(group_by="forecaster"), today=TODAY).data
    data = json.loads(json.dumps(data, default=str))
    data.pop("generated_at", None)
    return data


def _every_copy_current(home: Home) -> bool:
    return not any(tables.update_copy(p)[1] for p in ledger.ledger_files(home.ledger))


def _new_threads(before: set[threading.Thread]) -> set[threading.Thread]:
    """The threads alive now that were not at ``before`` (an earlier test's dask engine may
    have left its own running in this process)."""
    return set(threading.enumerate()) - before


_prepare_copy = tables.prepare_copy


def _slow_copy(path: Path) -> None:
    time.sleep(0.3)  # still converting when the reader's body is done
    _prepare_copy(path)


def _by_workers(home: Home, monkeypatch: pytest.MonkeyPatch, prepare: object) -> list[Path]:
    """The ledger's files, each of which the workers will convert by ``prepare``."""
    monkeypatch.setattr(conversions, "PARALLEL_BYTES", 0)  # any size goes to the workers
    monkeypatch.setattr(tables, "prepare_copy", prepare)
    return ledger.ledger_files(home.ledger)


def _boom(path: Path) -> None:
    raise RuntimeError(f"cannot convert {path.name}")


def test_a_head_start_converts_every_file_and_leaves_no_worker_behind(
    cold: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversions, "PARALLEL_BYTES", 0)  # any size goes to the workers
    paths = ledger.ledger_files(cold.ledger)
    assert len(paths) > 1
    before = set(threading.enumerate())
    with conversions.ahead(cold.ledger):
        assert set(conversions._ahead) == {str(p) for p in paths}
        with conversions.converted(paths):
            pass
        assert not conversions._ahead and not conversions._pools
        assert not _new_threads(before)  # the report may fork its own workers now
    assert _every_copy_current(cold)


def test_the_report_after_a_head_start_is_the_report_without_one(
    cold: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    without = _report(cold)
    shutil.rmtree(cold.ledger / tables.COLUMNAR_DIR)
    monkeypatch.setattr(conversions, "PARALLEL_BYTES", 0)
    with conversions.ahead(cold.ledger):
        assert conversions._ahead
        begun = _report(cold)
    assert begun == without


def test_a_file_not_begun_ahead_is_converted_by_the_reader(
    cold: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversions, "PARALLEL_BYTES", 0)
    first = ledger.ledger_files(cold.ledger)[0]
    with conversions.ahead(cold.ledger):
        late = cold.ledger / "late-comer.jsonl"
        shutil.copyfile(first, late)  # appears after the head start began
        assert str(late) not in conversions._ahead
        book = engine.open_ledger(cold)
    assert "late-comer" in book.authors
    copy, changed = tables.update_copy(late)
    assert not changed
    assert sum(int(p["rows"]) for p in copy.parts) == sum(
        int(p["rows"]) for p in tables.update_copy(first)[0].parts
    )


def test_a_conversion_that_fails_in_a_worker_is_raised_by_the_reader(
    cold: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _by_workers(cold, monkeypatch, _boom)
    before = set(threading.enumerate())
    with (
        conversions.ahead(cold.ledger),
        pytest.raises(RuntimeError, match="cannot convert"),
        conversions.converted(paths),
    ):
        pass
    assert not conversions._ahead and not conversions._pools
    assert not _new_threads(before)


def test_a_command_stopped_by_a_bad_option_cancels_the_head_start(
    cold: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversions, "PARALLEL_BYTES", 0)
    home = str(cold.root)
    before = set(threading.enumerate())
    stopped = run_cli("report", "--scheduler", "tcp://nowhere:1", "--home", home)
    assert stopped.code == 2
    assert "--scheduler goes with --engine dask" in stopped.err
    assert not conversions._ahead and not conversions._pools
    assert not _new_threads(before)
    # whatever the head start wrote is whole: the report reads it as any copy
    done = run_cli("report", "--format", "json", "--home", home)
    assert done.code == 0, done.err
    assert _every_copy_current(cold)
    shutil.rmtree(cold.ledger / tables.COLUMNAR_DIR)
    fresh = run_cli("report", "--format", "json", "--home", home)
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "generated_at"}  # noqa: E731
    assert strip(done.out) == strip(fresh.out)


def test_no_head_start_when_the_ledger_is_verified_first(
    cold: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conversions, "PARALLEL_BYTES", 0)
    with run.head_start(cold, verify=True):
        assert not conversions._ahead
    with run.head_start(cold, verify=False):
        assert conversions._ahead
    assert not conversions._ahead


def test_a_small_ledger_is_left_to_the_reader(cold: Home) -> None:
    with conversions.ahead(cold.ledger):  # far below PARALLEL_BYTES
        assert not conversions._ahead and not conversions._pools
    assert conversions.workers_for(ledger.ledger_files(cold.ledger)) == 0


def test_a_reader_left_waiting_does_its_next_work_meanwhile(
    cold: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _by_workers(cold, monkeypatch, _slow_copy)
    called: list[bool] = []
    with conversions.converted(paths, meanwhile=lambda: called.append(True)):
        pass
    assert called == [True]
    assert _every_copy_current(cold)
    # nothing left to convert: nothing begun, so nothing done meanwhile
    with conversions.converted(paths, meanwhile=lambda: called.append(True)):
        pass
    assert called == [True]
