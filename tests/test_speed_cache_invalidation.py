"""Every derived cache (the ledger's copy, the catalog's, the status index, the checked
questions) is invalidated by every kind of edit: a report, a listing and a log on a project
whose caches are warm give what they give on a copy of the same files with no caches.

Edits: a file grows (size), a file's bytes change at the same size, only its mtime changes,
a file is added, a file is removed; to a ledger file and to a question file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import run_cli
from foretell import ledger

FIXTURE = Path(__file__).parent / "fixtures" / "report_small"
VOLATILE = ("generated_at", "home")


def files_only(source: Path, target: Path) -> Path:
    """A copy of a project's own files: forecasts/*.toml and ledger/*.jsonl, nothing derived."""
    for part, suffix in (("forecasts", ".toml"), ("ledger", ".jsonl")):
        (target / part).mkdir(parents=True)
        for path in (source / part).glob(f"*{suffix}"):
            shutil.copy2(path, target / part / path.name)
    return target


def outputs(root: Path) -> dict[str, Any]:
    """What the read commands say about a project (the report, the listing)."""
    report = run_cli("report", "--home", str(root), "--format", "json")
    listing = run_cli("list", "--home", str(root), "--format", "json")
    got: dict[str, Any] = {"report_code": report.code, "list_code": listing.code}
    if report.code == 0:
        data = json.loads(report.out)
        got["report"] = {k: v for k, v in data.items() if k not in VOLATILE}
    else:
        got["report_err"] = report.err.replace(str(root), "ROOT")
    got["list"] = (
        json.loads(listing.out) if listing.code == 0 else listing.err.replace(str(root), "ROOT")
    )
    return got


def same_size_digit_change(path: Path, pattern: str) -> None:
    """Change one digit after ``pattern`` (the file keeps its size)."""
    data = path.read_text(encoding="utf-8")
    match = re.search(pattern + r"(\d)", data)
    assert match is not None
    digit = match.group(1)
    new = "3" if digit != "3" else "7"
    edited = data[: match.start(1)] + new + data[match.end(1) :]
    assert len(edited.encode()) == len(data.encode())
    path.write_text(edited, encoding="utf-8")


def _ledger_grows(root: Path) -> None:
    ledger.append(
        root / "ledger",
        "sim-calibrated",
        {"kind": "forecast", "question": "sim-binary-001", "p": 0.42, "imported": "test"},
    )


def _ledger_same_size(root: Path) -> None:
    same_size_digit_change(root / "ledger" / "sim-overconfident.jsonl", r'"p":0\.')


def _ledger_mtime_only(root: Path) -> None:
    path = root / "ledger" / "sim-calibrated.jsonl"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def _ledger_added(root: Path) -> None:
    shutil.copy(root / "ledger" / "sim-calibrated.jsonl", root / "ledger" / "sim-copycat.jsonl")


def _ledger_removed(root: Path) -> None:
    (root / "ledger" / "sim-underconfident.jsonl").unlink()


def _question_grows(root: Path) -> None:
    path = root / "forecasts" / "sim-binary-002.toml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace("binary question 2:", "binary question 2 (edited):")
    assert edited != text
    path.write_text(edited, encoding="utf-8")


def _question_same_size(root: Path) -> None:
    same_size_digit_change(root / "forecasts" / "sim-binary-003.toml", r"resolve_by = \d\d\d\d-\d")


def _question_mtime_only(root: Path) -> None:
    path = root / "forecasts" / "sim-binary-004.toml"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))


def _question_added(root: Path) -> None:
    text = (root / "forecasts" / "sim-binary-005.toml").read_text(encoding="utf-8")
    (root / "forecasts" / "sim-binary-999.toml").write_text(text.replace("5", "6"))


def _question_removed(root: Path) -> None:
    (root / "forecasts" / "sim-choice-1.toml").unlink()


EDITS: dict[str, Callable[[Path], None]] = {
    "ledger file grows": _ledger_grows,
    "ledger file changes at the same size": _ledger_same_size,
    "ledger file mtime only": _ledger_mtime_only,
    "ledger file added": _ledger_added,
    "ledger file removed": _ledger_removed,
    "question file grows": _question_grows,
    "question file changes at the same size": _question_same_size,
    "question file mtime only": _question_mtime_only,
    "question file added": _question_added,
    "question file removed": _question_removed,
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_warm_caches_give_what_no_caches_give_after_an_edit(tmp_path: Path, edit: str) -> None:
    warm = files_only(FIXTURE, tmp_path / "warm")
    before = outputs(warm)  # fills every cache
    assert before["report_code"] == 0
    assert outputs(warm) == before  # and reads them back
    EDITS[edit](warm)
    after = outputs(warm)
    cold = outputs(files_only(warm, tmp_path / "cold"))
    assert after == cold
    if "mtime only" not in edit:
        assert after != before  # the edit is one the outputs can see


def test_log_sees_a_question_file_edited_at_the_same_size(tmp_path: Path) -> None:
    root = files_only(FIXTURE, tmp_path / "p")
    path = root / "forecasts" / "sim-binary-044.toml"  # open until 2027-12-31
    assert run_cli("log", "sim-binary-044", "0.5", "--by", "x", "--home", str(root)).code == 0
    text = path.read_text(encoding="utf-8")
    edited = text.replace('type = "binary"', 'type = "binarY"')
    assert len(edited) == len(text)
    path.write_text(edited, encoding="utf-8")
    again = run_cli("log", "sim-binary-044", "0.5", "--by", "x", "--home", str(root))
    assert again.code == 1 and "type: Input should be" in again.err


def test_log_sees_a_resolution_added_to_a_file_behind_its_index(tmp_path: Path) -> None:
    root = files_only(FIXTURE, tmp_path / "p")
    assert run_cli("log", "sim-binary-044", "0.5", "--by", "x", "--home", str(root)).code == 0
    resolver = root / "ledger" / "sim-resolver.jsonl"
    st = resolver.stat()
    entry = {"kind": "resolution", "question": "sim-binary-044", "outcome": "yes"}
    ledger.append(root / "ledger", "sim-resolver", {**entry, "resolved_on": "2026-01-01"})
    os.utime(resolver, ns=(st.st_atime_ns, st.st_mtime_ns))  # grown, mtime put back
    again = run_cli("log", "sim-binary-044", "0.6", "--by", "x", "--home", str(root))
    assert again.code == 1 and "is resolved" in again.err
