"""The report's numbers do not change when its implementation is made faster.

``fixtures/report_small/`` is a small simulated project (``foretell demo`` with 40 resolved,
2 annulled and 3 open binary questions, 4 numeric and 3 multiple-choice ones; four authors).
``fixtures/report_before/*.json`` holds ``foretell report --format json`` on it, as written by
the implementation before the speed work (see ``fixtures/report_before/README.md``). Each test
runs the current report on a copy of the project and compares every number, flag, count and
list length present in the fixture; keys the fixture lacks (added since) are not compared, and
prose (conventions, notes) is left to the report's own tests.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = FIXTURES / "report_small"
BEFORE = FIXTURES / "report_before"

VARIANTS: dict[str, list[str]] = {
    "default": [],
    "last": ["--rule", "last"],
    "type": ["--group-by", "type"],
    "quantile-first": ["--bins", "quantile", "--rule", "first"],
    "tag": ["--group-by", "tag", "--bins", "5"],
}
# Where the run is, when, and the wording of the conventions are not results.
NOT_RESULTS = {"generated_at", "home", "conventions", "notes"}


def differences(before: Any, now: Any, where: str = "$") -> list[str]:
    """Every place where ``now`` departs from ``before``, for the keys ``before`` has.

    Numbers agree when within 1e-9 relative (or 1e-12 absolute) of each other; an infinity or
    NaN must be matched exactly. Strings are compared where they name things (ids, forecasters,
    options); long prose is skipped.
    """
    if isinstance(before, dict):
        if not isinstance(now, dict):
            return [f"{where}: was an object, now {type(now).__name__}"]
        out = []
        for key, value in before.items():
            if key in NOT_RESULTS and where == "$":
                continue
            if key not in now:
                out.append(f"{where}.{key}: missing")
                continue
            out.extend(differences(value, now[key], f"{where}.{key}"))
        return out
    if isinstance(before, list):
        if not isinstance(now, list) or len(now) != len(before):
            size = len(now) if isinstance(now, list) else type(now).__name__
            return [f"{where}: had {len(before)} items, now {size}"]
        return [d for i, (b, n) in enumerate(zip(before, now, strict=True))
                for d in differences(b, n, f"{where}[{i}]")]  # fmt: skip
    if isinstance(before, bool) or before is None:
        return [] if now is before or now == before else [f"{where}: {before!r} -> {now!r}"]
    if isinstance(before, int | float):
        if isinstance(now, bool) or not isinstance(now, int | float):
            return [f"{where}: {before!r} -> {now!r}"]
        b, n = float(before), float(now)
        if math.isnan(b) or math.isinf(b):
            same = (math.isnan(b) and math.isnan(n)) or b == n
        else:
            same = math.isclose(b, n, rel_tol=1e-9, abs_tol=1e-12)
        return [] if same else [f"{where}: {before!r} -> {now!r}"]
    if isinstance(before, str) and len(before) <= 80 and " " not in before.strip():
        return [] if before == now else [f"{where}: {before!r} -> {now!r}"]
    return []


def current_report(tmp_path: Path, args: list[str]) -> dict[str, Any]:
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    result = run_cli("report", "--home", str(project), "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_report_json_matches_the_numbers_checked_in_before_the_speed_work(
    name: str, tmp_path: Path
) -> None:
    before = json.loads((BEFORE / f"{name}.json").read_text(encoding="utf-8"))
    assert differences(before, current_report(tmp_path, VARIANTS[name])) == []


def test_report_json_is_the_same_on_a_second_run_with_its_caches(tmp_path: Path) -> None:
    before = json.loads((BEFORE / "default.json").read_text(encoding="utf-8"))
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    for _ in range(2):
        result = run_cli("report", "--home", str(project), "--format", "json")
        assert result.code == 0, result.err
        assert differences(before, json.loads(result.out)) == []


def test_the_fixture_covers_every_question_type_and_closing_kind() -> None:
    kinds = {
        json.loads(line)["kind"]
        for path in (PROJECT / "ledger").glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    assert {"forecast", "resolution", "annulment"} <= kinds
    types = {
        line.split("=", 1)[1].strip().strip('"')
        for path in (PROJECT / "forecasts").glob("*.toml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("type ")
    }
    assert types == {"binary", "numeric", "multiple_choice"}


def test_the_comparison_notices_a_changed_number() -> None:
    before = {"groups": [{"brier": 0.2, "n": 3}], "home": "/x"}
    assert differences(before, {"groups": [{"brier": 0.2 + 1e-6, "n": 3}], "home": "/y"}) != []
    assert differences(before, {"groups": [{"brier": 0.2, "n": 3, "new": 1}], "home": "/y"}) == []
    assert differences(before, {"groups": []}) != []
