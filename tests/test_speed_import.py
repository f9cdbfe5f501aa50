"""Import writes its new question files with one flush for all, and pauses the collector."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from foretell import atomic
from foretell.interop.load import gc_paused


def test_create_many_writes_every_file_whole_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    files = [(tmp_path / f"q{i}.toml", f"title = {i}\n".encode() * (i + 1)) for i in range(20)]
    atomic.create_many(files, tmp_path)
    for path, data in files:
        assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p, _ in files)


def test_create_many_refuses_an_existing_name_and_undoes_the_rest(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_bytes(b"keep")
    files = [(tmp_path / n, b"new") for n in ("a.toml", "b.toml", "c.toml")]
    with pytest.raises(FileExistsError):
        atomic.create_many(files, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.toml"]
    assert (tmp_path / "b.toml").read_bytes() == b"keep"


def test_create_many_of_nothing_does_nothing(tmp_path: Path) -> None:
    atomic.create_many([], tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_during_a_load_and_restored_after(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), gc_paused():
            raise RuntimeError("a failed load")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
