"""report.partial_finish: the groups' entries computed by forked processes are the ones
computed one at a time, in the same order; so is the in-memory report's groups."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from foretell import forked
from foretell.frames import Frames, load_frames
from foretell.home import find_home
from foretell.report import build, partial, partial_finish
from foretell.report.options import ReportOptions, check_options

PROJECT = Path(__file__).parent / "fixtures" / "report_small"
TODAY = dt.date(2026, 12, 1)
GROUPINGS = ["forecaster", "forecaster,tag", "none"]


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> Frames:
    root = tmp_path_factory.mktemp("finish") / "p"
    shutil.copytree(PROJECT, root)
    return load_frames(find_home(root))


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_finish_groups_by_forked_processes_equals_one_at_a_time(
    frames: Frames, monkeypatch: pytest.MonkeyPatch, group_by: str
) -> None:
    options = check_options(ReportOptions(group_by=group_by))
    part, _ = partial.partial(frames, options, TODAY)
    keys = tuple(k for k in group_by.split(",") if k != "none")
    calls: list[int] = []
    real = forked.forked_map

    def counted(work, jobs, workers):  # type: ignore[no-untyped-def]
        calls.append(len(jobs))
        return real(work, jobs, workers)

    monkeypatch.setattr(forked, "forked_map", counted)
    monkeypatch.setattr(forked, "default_workers", lambda: 3)
    monkeypatch.setattr(forked, "other_threads", lambda: False)  # idle threads of earlier tests

    def finished() -> str:
        groups = partial.finish_groups(options, keys, part.groups, part.extras.groups)
        return json.dumps(groups, sort_keys=False)

    alone = finished()
    assert calls == []  # the small project is below FORK_PAIRS
    monkeypatch.setattr(partial_finish, "FORK_PAIRS", 0)
    assert finished() == alone
    assert calls == [len(json.loads(alone))]
    assert json.loads(alone)[0]["name"] == "all"


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_the_in_memory_reports_groups_by_forked_processes_equal_one_at_a_time(
    frames: Frames, monkeypatch: pytest.MonkeyPatch, group_by: str
) -> None:
    options = ReportOptions(group_by=group_by)

    def groups() -> str:
        data = build.build_report(frames, options, today=TODAY).data
        return json.dumps([data["groups"], data["crowd_groups"]])

    alone = groups()
    monkeypatch.setattr(partial_finish, "FORK_PAIRS", 0)
    monkeypatch.setattr(forked, "default_workers", lambda: 3)
    monkeypatch.setattr(forked, "other_threads", lambda: False)  # idle threads of earlier tests
    assert groups() == alone
