"""An import writes the same bytes as it did before its write path was reworked: every file
it makes (ledger chains, question files, terms versions) is pinned by its SHA-256 in
``fixtures/import_pinned/expected.json``, recorded from the implementation of 2026-12-01
(commit d781bc1). ``plain.csv`` is a file the column-wise reader follows (binary forecasts,
some not plain: percentages, notes, a numeric question, an annulled one, one left open);
``quoted.csv`` (quoted cells: a multiple-choice question) takes the row-by-row path.
Pinned whichever path the chains take: one process, forked encoders, or row by row; and
``verify`` passes on the result."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from foretell import verify
from foretell.home import Home, init_home
from foretell.interop import bulk
from foretell.interop.formats import open_source
from foretell.interop.load import import_file
from foretell.interop.source import ImportOptions

FIXTURES = Path(__file__).parent / "fixtures" / "import_pinned"


def digests(home: Home) -> dict[str, str]:
    """SHA-256 of every file under the home but the lock, by path relative to it."""
    out = {}
    for path in sorted(home.root.rglob("*")):
        if path.is_file() and path.name != ".lock":
            out[path.relative_to(home.root).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return out


def run_imports(home: Home, columns: bool = True) -> None:
    for name in ("plain.csv", "quoted.csv"):
        source = open_source("generic", FIXTURES / name, ImportOptions(author="fallback"))
        if not columns:
            source.columns = lambda: None  # type: ignore[attr-defined]
        import_file(home, source)


def expected() -> dict[str, str]:
    return orjson.loads((FIXTURES / "expected.json").read_bytes())  # type: ignore[no-any-return]


@pytest.mark.parametrize("how", ["one process", "forked encoders", "row by row"])
def test_an_import_writes_the_pinned_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "forked encoders":
        monkeypatch.setattr(bulk, "PARALLEL_ROWS", 0)
        monkeypatch.setattr(bulk, "encoders", lambda rows: 2)
    encoded: list[int] = []
    encode = bulk.ColumnWriter.encode_all

    def spy(self: bulk.ColumnWriter, *args: object, **kw: object) -> object:
        encoded.append(1)
        return encode(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(bulk.ColumnWriter, "encode_all", spy)
    home = init_home(tmp_path / "home")
    run_imports(home, columns=how != "row by row")
    assert digests(home) == expected()
    assert bool(encoded) == (how != "row by row")  # plain.csv went column-wise


def test_the_pinned_import_verifies(tmp_path: Path) -> None:
    home = init_home(tmp_path / "home")
    run_imports(home)
    assert verify.verify(home) == []
    assert sum(1 for name in expected() if name.startswith("ledger/") and "/" not in name[7:]) > 3
