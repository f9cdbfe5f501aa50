"""A report on a project whose question files were read before loads no pydantic (neither
the models nor typer's adapters): its number options are converted plainly, as typer would,
and anything else about them is still typer's to say."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent / "fixtures" / "report_small"
PROBE = (
    "import sys\n"
    "from foretell.cli.app import run\n"
    "code = run(sys.argv[1:])\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'"
    " or m in ('typer._adapters', 'foretell.model')), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return Path(shutil.copytree(PROJECT, tmp_path / "project"))


def report(root: Path, *argv: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = {**os.environ, "FORETELL_USER": "alice"}
    env.pop("FORETELL_HOME", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "report", "--home", str(root), *argv],
        capture_output=True, text=True, env=env, cwd=root, check=False,
    )  # fmt: skip
    return done, eval(done.stderr.strip().splitlines()[-1])  # the printed list of modules


def test_a_report_on_read_question_files_loads_no_pydantic(root: Path) -> None:
    first, loaded_first = report(root, "--format", "json")
    assert first.returncode == 0, first.stderr
    assert "foretell.model" in loaded_first  # the files were read and checked the first time
    again, loaded = report(root, "--format", "json")
    assert again.returncode == 0, again.stderr
    assert loaded == []
    for doc in (first, again):
        data = json.loads(doc.stdout)
        assert data["groups"][0]["binary"]["n_pairs"] > 0


@pytest.mark.parametrize(
    ("argv", "key", "value"),
    [
        (["--window", "7"], "window", 7),
        (["--extremize", "2.5"], "extremize", 2.5),
        (["--extremize", "3"], "extremize", 3.0),
        (["--workers", "1"], None, None),
    ],
)
def test_numbers_written_plainly_are_converted_without_the_adapters(
    root: Path, argv: list[str], key: str | None, value: object
) -> None:
    report(root, "--format", "json")  # the question files read once
    done, loaded = report(root, "--format", "json", *argv)
    assert done.returncode == 0, done.stderr
    assert loaded == []
    if key is not None:
        options = json.loads(done.stdout)["options"]
        assert options[key] == value and type(options[key]) is type(value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--window", "0"], "Invalid value for '--window'"),
        (["--window", "x"], "Invalid value for '--window'"),
        (["--window", "3.5"], "Invalid value for '--window'"),
        (["--workers", "-2"], "Invalid value for '--workers'"),
        (["--extremize", "abc"], "Invalid value for '--extremize'"),
    ],
)
def test_anything_else_is_still_typers_to_refuse(root: Path, argv: list[str], message: str) -> None:
    done, _ = report(root, "--format", "json", *argv)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
