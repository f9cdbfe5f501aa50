"""Whole-file writes: a temporary file beside the target, fsynced, renamed (or linked)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from foretell import atomic


def test_write_replaces_the_file_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")
    atomic.write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_a_failure_inside_the_block_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic.replacing(target) as out:
        out.write(b"half")
        raise RuntimeError("stop")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_exclusive_refuses_an_existing_file_and_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "q.toml"
    atomic.write_text(target, "first", exclusive=True)
    with pytest.raises(FileExistsError):
        atomic.write_text(target, "second", exclusive=True)
    assert target.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["q.toml"]


def test_a_link_at_the_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    (tmp_path / "d").mkdir()
    link = tmp_path / "d" / "f.txt"
    link.symlink_to(outside)
    atomic.write_text(link, "new")
    assert outside.read_text() == "keep"
    assert not link.is_symlink() and link.read_text() == "new"


def test_a_process_killed_mid_write_leaves_the_old_file_and_a_named_temporary(
    tmp_path: Path,
) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from foretell import atomic\n"
        "with atomic.replacing(Path(sys.argv[1])) as out:\n"
        "    out.write(b'half'); out.flush()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(target)], check=False)
    assert done.returncode < 0
    assert target.read_text() == "old"
    stale = atomic.stale_temps(tmp_path)
    assert len(stale) == 1 and stale[0].name.startswith(".f.txt.")
    assert atomic.remove_stale_temps(tmp_path) == stale
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_a_live_process_temporary_file_is_not_stale(tmp_path: Path) -> None:
    mine = atomic.temp_name(tmp_path / "f.txt")
    mine.write_text("being written")
    assert atomic.temp_pid(mine.name) == os.getpid()
    assert atomic.stale_temps(tmp_path) == []
    assert atomic.temp_pid("f.txt") is None and atomic.temp_pid(".f.txt.12.tmp") is None
