"""The column-wise import's chains encoded in forked processes (bulk.encode_all with workers):
the ledger gets the same bytes as when one process encodes them, and as the row-by-row
import writes; a process that fails has its chains encoded by the import itself; a failure
of the import while they run leaves none of them running."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from foretell import atomic, ledger
from foretell.errors import ForetellError
from foretell.home import init_home
from foretell.interop import bulk, forked
from foretell.interop.formats import open_source
from foretell.interop.load import import_file
from foretell.interop.source import ImportOptions
from test_interop_columns import outcome, plain_rows, write_csv


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every import forks encoders (two, whatever the processor count); their pids."""
    monkeypatch.setattr(bulk, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(bulk, "encoders", lambda rows: 2)
    pids: list[int] = []
    fork = forked.fork_encoder

    def spy(*args: Any) -> tuple[int, int]:
        pid, pipe = fork(*args)
        pids.append(pid)
        return pid, pipe

    monkeypatch.setattr(forked, "fork_encoder", spy)
    return pids


def test_chains_encoded_in_forked_processes_are_byte_for_byte_the_row_by_row_import(
    tmp_path: Path, forks: list[int]
) -> None:
    path = write_csv(tmp_path / "in.csv", plain_rows(400, questions=9))
    columns = outcome(init_home(tmp_path / "columns"), path, True)
    assert len(forks) == 2
    rows = outcome(init_home(tmp_path / "rows"), path, False)
    assert columns[0] == "ok" and columns == rows


def test_the_encoder_count_leaves_the_import_a_processor_and_skips_small_imports() -> None:
    assert bulk.encoders(bulk.PARALLEL_ROWS - 1) == 0
    many = bulk.encoders(bulk.PARALLEL_ROWS)
    assert 1 <= many <= bulk.MAX_ENCODERS
    # the importing process has a processor of its own whenever there are two
    assert many <= max(1, len(os.sched_getaffinity(0)) - 1)


def test_a_forked_encoder_that_fails_has_its_chains_encoded_by_the_import(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "in.csv", plain_rows(200, questions=5))
    me = os.getpid()
    encode = bulk.ColumnWriter.encode

    def fails_when_forked(self: Any, *args: Any, **kw: Any) -> None:
        if os.getpid() != me:
            raise OSError("disk full")
        encode(self, *args, **kw)

    monkeypatch.setattr(bulk.ColumnWriter, "encode", fails_when_forked)
    columns = outcome(init_home(tmp_path / "columns"), path, True)
    assert len(forks) == 2
    rows = outcome(init_home(tmp_path / "rows"), path, False)
    assert columns[0] == "ok" and columns == rows


def test_a_chain_that_moved_is_encoded_again_after_forked_encoding(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "in.csv", plain_rows(60))
    monkeypatch.setattr(ledger, "peek_tail", lambda d, a: (-1, None))  # a stale guess
    columns = outcome(init_home(tmp_path / "columns"), path, True)
    assert forks
    rows = outcome(init_home(tmp_path / "rows"), path, False)
    assert columns[0] == "ok" and columns == rows


def test_a_failure_while_encoders_run_leaves_no_process_and_nothing_written(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "in.csv", plain_rows(100))
    home = init_home(tmp_path / "home")

    def no_room(*args: Any, **kw: Any) -> Any:
        raise ForetellError("no room left on the device")

    monkeypatch.setattr(atomic, "stage_many", no_room)
    with pytest.raises(ForetellError):
        import_file(home, open_source("generic", path, ImportOptions()))
    assert forks
    for pid in forks:
        with pytest.raises(ChildProcessError):  # reaped: not running, not a zombie
            os.waitpid(pid, os.WNOHANG)
    assert list(ledger.ledger_files(home.ledger)) == []
    assert sorted(p.name for p in home.forecasts.iterdir()) == []


def test_the_queue_deals_each_group_once_between_processes() -> None:
    count = 200
    groups = [{f"person-{i}": (0, None)} for i in range(count)]
    queue = forked.queue(count)
    read, write = os.pipe()
    pid = os.fork()
    if not pid:  # a second taker, side by side with this one
        code = 1
        try:
            os.close(read)
            taken = [next(iter(group)) for group in forked.dealt(queue, groups)]
            os.write(write, "\n".join(taken).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    mine = [next(iter(group)) for group in forked.dealt(queue, groups)]
    theirs = b""
    while chunk := os.read(read, 1 << 16):
        theirs += chunk
    os.close(read)
    os.close(queue)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    everyone = mine + [name for name in theirs.decode().split("\n") if name]
    assert sorted(everyone) == sorted(next(iter(g)) for g in groups)  # each once, none lost


def test_groups_left_in_the_queue_are_encoded_by_the_import_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked encoder that takes nothing (here: exits at once) leaves every group to the
    importing process, which takes them from the queue when it joins."""
    monkeypatch.setattr(bulk, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(bulk, "encoders", lambda rows: 1)
    idle: list[int] = []

    def idle_encoder(*args: Any) -> tuple[int, int]:
        read, write = os.pipe()
        pid = os.fork()
        if not pid:
            os._exit(0)  # sends nothing, takes no group
        os.close(write)
        idle.append(pid)
        return pid, read

    monkeypatch.setattr(forked, "fork_encoder", idle_encoder)
    me = os.getpid()
    encoded: list[set[str]] = []
    encode = bulk.ColumnWriter.encode

    def spy(self: Any, before: Any, *args: Any, **kw: Any) -> None:
        if os.getpid() == me:
            encoded.append(set(before))
        encode(self, before, *args, **kw)

    monkeypatch.setattr(bulk.ColumnWriter, "encode", spy)
    path = write_csv(tmp_path / "in.csv", plain_rows(300, questions=7))
    columns = outcome(init_home(tmp_path / "columns"), path, True)
    assert idle
    assert len(encoded) > 1  # group by group, from the queue
    assert sorted(a for group in encoded for a in group) == sorted(set().union(*encoded))
    monkeypatch.setattr(bulk.ColumnWriter, "encode", encode)
    rows = outcome(init_home(tmp_path / "rows"), path, False)
    assert columns[0] == "ok" and columns == rows
