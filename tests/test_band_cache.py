"""The CORP bands' cache (``band_cache``): a kept band is the drawn one, bit for bit; a report
run again draws no band and gives the same JSON; a band of other points, level, resamples or
seed is another entry; an entry that is not exactly what was written, or sits behind a link,
is never used; the least recently used entries beyond the cap are removed.

Reports are made on the small simulated project of ``fixtures/report_small``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell import band_cache, engine
from foretell.home import Home, find_home
from foretell.report import run
from foretell.report.options import ReportOptions
from foretell.scoring import reliability as rel

PROJECT = Path(__file__).parent / "fixtures" / "report_small"
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def project(tmp_path: Path) -> Home:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    return find_home(root)


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of points of every band drawn (``reliability.points_band`` calls)."""
    drawn: list[int] = []
    real = rel.points_band

    def counted(x, n, level, resamples, seed):  # type: ignore[no-untyped-def]
        drawn.append(int(x.shape[0]))
        return real(x, n, level, resamples, seed)

    monkeypatch.setattr(rel, "points_band", counted)
    return drawn


def _counts(seed: int, size: int = 400, decimals: int = 2) -> rel.Counts:
    rng = np.random.default_rng(seed)
    p = np.round(rng.uniform(0.02, 0.98, size), decimals)
    o = (rng.uniform(size=size) < p).astype(np.float64)
    return rel.distinct_counts(p, o)


def _same(a: rel.Band, b: rel.Band) -> bool:
    return a.x.tobytes() == b.x.tobytes() and all(
        getattr(a, f).tobytes() == getattr(b, f).tobytes() for f in ("low", "high")
    )


def _entries(home: Home) -> list[Path]:
    return sorted(band_cache.band_directory(home).glob(f"*{band_cache.SUFFIX}"))


def _report(home: Home, engine_name: str = "duckdb") -> dict:
    built = run.build(home, ReportOptions(), engine_name, workers=1, memory_limit="256MB")
    data = dict(built.data)
    data.pop("generated_at")
    return json.loads(json.dumps(data))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 3000), decimals=st.integers(1, 4))
def test_a_kept_band_is_the_drawn_band_bit_for_bit(
    tmp_path_factory: pytest.TempPathFactory, seed: int, size: int, decimals: int
) -> None:
    home = find_home(shutil.copytree(PROJECT, tmp_path_factory.mktemp("p") / "project"))
    counts = _counts(seed, size, decimals)
    drawn = rel.consistency_band(counts)
    with band_cache.kept_in(home):
        first = band_cache.consistency_band(counts)  # drawn and kept
        second = band_cache.consistency_band(counts)  # read back
    assert len(_entries(home)) == 1
    assert _same(drawn, first) and _same(drawn, second)


def test_a_report_run_again_draws_no_band_and_gives_the_same_json(
    project: Home, draws: list[int]
) -> None:
    first = _report(project)
    drawn = len(draws)
    assert drawn > 0 and len(_entries(project)) == drawn
    again = _report(project)
    assert len(draws) == drawn  # every band read back
    assert again == first
    memory = _report(project, "memory")  # the memory engine's groups have the same points
    assert len(draws) == drawn
    assert [_bands(g) for g in memory["groups"]] == [_bands(g) for g in first["groups"]]


def _bands(group: dict) -> object:
    corp = (group.get("binary") or {}).get("corp_curve") or {}
    return corp.get("band_low"), corp.get("band_high")


def test_the_report_with_kept_bands_is_the_report_without_the_cache(
    project: Home, tmp_path: Path
) -> None:
    _report(project)
    kept = _report(project)
    fresh = dict(engine.build_streaming(project, ReportOptions(), today=TODAY, workers=1).data)
    fresh.pop("generated_at")
    assert kept == json.loads(json.dumps(fresh))


@pytest.mark.parametrize(
    "change",
    [
        {"level": 0.8},
        {"resamples": 100},
        {"seed": 1},
    ],
)
def test_other_settings_are_another_entry(tmp_path: Path, change: dict) -> None:
    counts = _counts(3)
    x, n = rel.grouped_points(counts)
    base = {"level": rel.LEVEL, "resamples": rel.RESAMPLES, "seed": 0}
    key = band_cache.band_key(x, n, **base)
    assert band_cache.band_key(x, n, **(base | change)) != key


def test_one_forecast_more_at_a_point_is_another_entry() -> None:
    counts = _counts(4)
    x, n = rel.grouped_points(counts)
    more = n.copy()
    more[len(more) // 2] += 1
    key = band_cache.band_key(x, n, rel.LEVEL, rel.RESAMPLES, 0)
    assert band_cache.band_key(x, more, rel.LEVEL, rel.RESAMPLES, 0) != key


def _forge(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "value":  # one value changed, digest left as it was
        data[len(band_cache.MAGIC) + 3] ^= 0x40
    elif how == "digest":
        data[-1] ^= 0x01
    elif how == "truncated":
        del data[-9:]
    elif how == "longer":
        data += b"\0" * 16
    elif how == "magic":
        data[0:1] = b"X"
    elif how == "empty":
        data = bytearray()
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["value", "digest", "truncated", "longer", "magic", "empty"])
def test_an_entry_that_is_not_what_was_written_is_drawn_again_and_replaced(
    project: Home, draws: list[int], how: str
) -> None:
    counts = _counts(5)
    drawn = rel.consistency_band(counts)
    with band_cache.kept_in(project):
        band_cache.consistency_band(counts)
        (entry,) = _entries(project)
        good = entry.read_bytes()
        _forge(entry, how)
        calls = len(draws)
        again = band_cache.consistency_band(counts)
    assert len(draws) == calls + 1  # not used: drawn again
    assert _same(drawn, again)
    assert entry.read_bytes() == good  # and written afresh


def test_an_entry_behind_a_link_is_never_read(project: Home, draws: list[int]) -> None:
    counts = _counts(6)
    with band_cache.kept_in(project):
        band_cache.consistency_band(counts)
        (entry,) = _entries(project)
        forged = entry.with_name("elsewhere")
        body = bytearray(entry.read_bytes())
        forged.write_bytes(bytes(body))
        entry.unlink()
        entry.symlink_to(forged)
        calls = len(draws)
        band_cache.consistency_band(counts)
    assert len(draws) == calls + 1
    assert not entry.is_symlink()  # replaced by a file of its own, the link's target untouched
    assert forged.read_bytes() == bytes(body)


def test_a_linked_cache_directory_is_not_written_through(project: Home, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    where = band_cache.band_directory(project)
    where.parent.mkdir(parents=True, exist_ok=True)
    where.symlink_to(outside, target_is_directory=True)
    counts = _counts(7)
    with band_cache.kept_in(project):
        band = band_cache.consistency_band(counts)
    assert _same(band, rel.consistency_band(counts))
    assert os.listdir(outside) == []


def test_without_the_cache_nothing_is_written(project: Home) -> None:
    counts = _counts(8)
    assert _same(band_cache.consistency_band(counts), rel.consistency_band(counts))
    assert not band_cache.band_directory(project).exists()


def test_the_least_recently_used_entries_beyond_the_cap_are_removed(project: Home) -> None:
    with band_cache.kept_in(project):
        for seed in range(5):
            band_cache.consistency_band(_counts(100 + seed))
    entries = _entries(project)
    assert len(entries) == 5
    for age, path in enumerate(entries):  # the first listed oldest
        os.utime(path, ns=(10**18 + age * 10**9, 10**18 + age * 10**9))
    with band_cache.kept_in(project):
        band_cache.consistency_band(_counts(100))  # used now: the most recent
    kept_key = band_cache.band_key(*rel.grouped_points(_counts(100)), rel.LEVEL, rel.RESAMPLES, 0)
    other = band_cache.band_directory(project) / "notes.txt"
    other.write_text("not an entry")
    band_cache.prune(band_cache.band_directory(project), keep=3)
    left = {p.name for p in _entries(project)}
    assert len(left) == 3
    assert f"{kept_key}{band_cache.SUFFIX}" in left
    assert {p.name for p in entries[-2:]} <= left  # the two most recent of the rest
    assert other.exists()
