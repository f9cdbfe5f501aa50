"""report.partial_finish: the groups' entries computed by several threads are the ones
computed one at a time, in the same order."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from foretell.frames import load_frames
from foretell.home import find_home
from foretell.report import partial, partial_finish
from foretell.report.build import ReportOptions, check_options

PROJECT = Path(__file__).parent / "fixtures" / "report_small"
TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize("group_by", ["forecaster", "forecaster,tag", "none"])
def test_finish_groups_by_several_threads_equals_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group_by: str
) -> None:
    shutil.copytree(PROJECT, tmp_path / "p")
    frames = load_frames(find_home(tmp_path / "p"))
    options = check_options(ReportOptions(group_by=group_by))
    part, _ = partial.partial(frames, options, TODAY)
    keys = tuple(k for k in group_by.split(",") if k != "none")

    def finished() -> str:
        groups = partial.finish_groups(options, keys, part.groups, part.extras.groups)
        return json.dumps(groups, sort_keys=False)

    monkeypatch.setattr(partial_finish, "MAX_THREADS", 1)
    alone = finished()
    monkeypatch.setattr(partial_finish, "MAX_THREADS", 8)
    monkeypatch.setattr(partial_finish.os, "cpu_count", lambda: 4)
    assert finished() == alone
    assert json.loads(alone)[0]["name"] == "all"


def test_each_keeps_the_jobs_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(partial_finish.os, "cpu_count", lambda: 4)
    jobs = list(range(200))
    assert partial_finish._each(lambda j: {"job": j, "square": j * j}, jobs) == [
        {"job": j, "square": j * j} for j in jobs
    ]
