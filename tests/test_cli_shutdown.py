"""``foretell.cli.shutdown``: a finished command exits with its status, its output whole, its
exit handlers run, without the interpreter's teardown (and with it under a tracer)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from foretell.cli import shutdown

PROJECT = Path(__file__).parent / "fixtures" / "report_small"


def foretell(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FORETELL_BLIND")}
    return subprocess.run(
        [sys.executable, "-m", "foretell", *argv], env=env, capture_output=True, **kwargs
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    return root


def test_report_reaches_a_pipe_whole_with_status_zero(project: Path) -> None:
    done = foretell("report", "--format", "json", "--home", str(project))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)  # the whole document, parsed to its end
    assert data["counts"]["questions"]["in_scope"] > 0
    assert done.stderr.decode().count("Traceback") == 0


def test_a_user_mistake_keeps_its_status_and_line(project: Path) -> None:
    done = foretell("report", "--format", "nonsense", "--home", str(project))
    assert done.returncode == 2
    assert done.stderr.decode().startswith("foretell: ")
    assert len(done.stderr.decode().strip().splitlines()) == 1


def test_exit_handlers_still_run(project: Path) -> None:
    code = (
        "import atexit, sys; from foretell.cli import main; "
        f"sys.argv = ['foretell', 'report', '--format', 'json', '--home', {str(project)!r}]; "
        "atexit.register(lambda: print('handler ran', file=sys.stderr)); main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "handler ran"
    json.loads(done.stdout)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_one_line_and_status_one(project: Path) -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "foretell", "list", "--home", str(project)],
            stdout=full, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("foretell: ")
    assert "space" in lines[0].lower()


def test_a_closed_pipe_is_not_an_error(project: Path) -> None:
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert reader.stdin is not None
    done = subprocess.run(
        [sys.executable, "-m", "foretell", "report", "--format", "json", "--home", str(project)],
        stdout=reader.stdin, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    reader.stdin.close()
    head = reader.stdout.read() if reader.stdout else b""
    reader.wait()
    assert len(head) == 10
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_with_another_thread_running_it_exits_the_ordinary_way() -> None:
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        with pytest.raises(SystemExit) as exit_:
            shutdown.leave(3)
        assert exit_.value.code == 3
    finally:
        stop.set()
        worker.join()


def test_under_a_tracer_it_exits_the_ordinary_way() -> None:
    before = sys.gettrace()
    sys.settrace(lambda *a: None)
    try:
        with pytest.raises(SystemExit) as exit_:
            shutdown.leave(4)
    finally:
        sys.settrace(before)
    assert exit_.value.code == 4


def test_the_interpreter_teardown_is_skipped(project: Path) -> None:
    # an object left in __main__ is freed by the teardown (its __del__ prints); after
    # ``leave`` no teardown runs, so it never is
    code = (
        "import sys\n"
        "class Left:\n"
        "    def __del__(self):\n"
        "        print('torn down', file=sys.stderr)\n"
        "left = Left()\n"
        "from foretell.cli import main\n"
        f"sys.argv = ['foretell', 'list', '--home', {str(project)!r}]\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "torn down" not in done.stderr
    ordinary = code.replace("main()\n", "from foretell.cli.app import run\nsys.exit(run())\n")
    control = subprocess.run([sys.executable, "-c", ordinary], capture_output=True, text=True)
    assert "torn down" in control.stderr  # the same program with an ordinary exit
