"""Writing an import: all or nothing, reusing questions, refusing re-imports."""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from conftest import question, snapshot, write_question
from foretell import actions, atomic, catalog, ledger
from foretell.errors import ForetellError
from foretell.home import Home
from foretell.interop.formats import open_source
from foretell.interop.load import import_file
from foretell.interop.progress import Progress
from foretell.interop.source import ImportOptions
from foretell.verify import verify

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
HEADER = ["question", "title", "resolve_by", "author", "at", "p", "outcome", "resolved_at"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(project: Home, path: Path, name: str = "generic", **kw: Any) -> Any:
    options = ImportOptions(author=kw.pop("author", None))
    return import_file(project, open_source(name, path, options), **kw)


def rows_for(qid: str, n: int, author: str = "ann", start: int = 1) -> list[list[str]]:
    return [
        [
            qid,
            f"Will {qid} happen?",
            "2025-12-31",
            author,
            f"2025-01-{d:02d}T10:00:00Z",
            "0.5",
            "",
            "",
        ]
        for d in range(start, start + n)
    ]


@pytest.fixture
def populated(home: Home) -> Home:
    """A home with a hand-made question, a typed forecast, and an imported fixture."""
    write_question(home, question("typed-q"))
    actions.log_forecast(home, "typed-q", {"p": 0.4}, by="ann")
    run_import(home, FIXTURES / "fatebook.csv", "fatebook")
    return home


def test_a_failure_while_writing_question_files_undoes_everything(
    populated: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(populated)
    path = write_csv(tmp_path / "in.csv", rows_for("new-a", 3) + rows_for("new-b", 3))
    real = atomic._give_name
    calls = []

    def flaky(source: Path, target: Path) -> bool:
        if str(target).endswith(".toml"):  # a question file put in place
            calls.append(Path(target).stem)
            if len(calls) == 2:
                raise OSError("disk full")
        return real(source, target)

    monkeypatch.setattr(atomic, "_give_name", flaky)
    with pytest.raises(OSError):
        run_import(populated, path)
    assert calls == ["new-a", "new-b"]
    assert snapshot(populated) == before
    assert verify(populated) == []


def test_a_failure_while_appending_truncates_every_touched_file(
    populated: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(populated)
    path = write_csv(
        tmp_path / "in.csv", rows_for("new-a", 5, "ann") + rows_for("new-a", 5, "typed", 10)
    )
    real = ledger.AppendSession.append
    count = [0]

    def flaky(self: ledger.AppendSession, author: str, entry: dict[str, Any]) -> dict[str, Any]:
        count[0] += 1
        if count[0] == 8:
            raise RuntimeError("power cut")
        return real(self, author, entry)

    monkeypatch.setattr(ledger.AppendSession, "append", flaky)
    encoded = ledger.AppendSession.append_encoded

    def flaky_encoded(self: ledger.AppendSession, author: str, *args: Any) -> bool:
        count[0] += 1
        if count[0] == 2:  # the column-wise path: the second chain
            raise RuntimeError("power cut")
        return encoded(self, author, *args)

    monkeypatch.setattr(ledger.AppendSession, "append_encoded", flaky_encoded)
    with pytest.raises(RuntimeError):
        run_import(populated, path)
    assert snapshot(populated) == before


def test_a_bad_last_row_leaves_ledger_and_forecasts_byte_identical(
    populated: Home, tmp_path: Path
) -> None:
    before = snapshot(populated)
    rows = [*rows_for("new-a", 20), ["new-b", "B?", "2025-12-31", "ann", "2025-01-01", "x", "", ""]]
    path = write_csv(tmp_path / "in.csv", rows)
    with pytest.raises(ForetellError) as caught:
        run_import(populated, path)
    assert (caught.value.path, caught.value.line) == (path, 22)
    assert snapshot(populated) == before


def test_imported_entries_follow_typed_ones_in_the_same_chain(
    populated: Home, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "in.csv", rows_for("new-a", 2, "ann"))
    run_import(populated, path)
    found, problems = ledger.read_file(populated.ledger / "ann.jsonl")
    assert not problems
    assert [e["seq"] for e in found] == [1, 2, 3]
    assert "imported" not in found[0] and found[1]["imported"] == "generic"
    assert verify(populated) == []


def test_an_existing_question_with_the_same_terms_is_reused(home: Home, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", rows_for("shared", 2, "ann"))
    second = write_csv(tmp_path / "b.csv", rows_for("shared", 2, "bob"))
    run_import(home, first)
    path = catalog.question_path(home.forecasts, "shared")
    text = path.read_bytes()
    # the same terms: opened from the first forecast, resolve_by given
    result = run_import(home, second)
    assert result.created == [] and result.reused == 1
    assert path.read_bytes() == text
    assert verify(home) == []


def test_an_existing_question_with_other_terms_is_refused(home: Home, tmp_path: Path) -> None:
    write_question(home, question("shared", title="Something else?"))
    before = snapshot(home)
    path = write_csv(tmp_path / "a.csv", rows_for("shared", 2))
    with pytest.raises(ForetellError) as caught:
        run_import(home, path)
    assert caught.value.line == 2
    assert "already exists in forecasts/ with other terms" in caught.value.message
    assert "title" in caught.value.message
    assert snapshot(home) == before


def test_importing_the_same_file_twice_is_refused(home: Home) -> None:
    run_import(home, FIXTURES / "fatebook.csv", "fatebook")
    before = snapshot(home)
    with pytest.raises(ForetellError) as caught:
        run_import(home, FIXTURES / "fatebook.csv", "fatebook")
    assert caught.value.path == FIXTURES / "fatebook.csv"
    assert caught.value.line == 2
    assert "imported before" in caught.value.message
    assert snapshot(home) == before


def test_skip_existing_imports_only_what_is_new(home: Home, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", rows_for("q-a", 3))
    later = write_csv(tmp_path / "b.csv", rows_for("q-a", 5))  # a later export: 2 new rows
    run_import(home, first)
    with pytest.raises(ForetellError):
        run_import(home, later)
    result = run_import(home, later, skip_existing=True)
    assert result.forecasts == 2 and result.skipped_existing == 3
    found, _ = ledger.read_file(home.ledger / "ann.jsonl")
    assert [e["at"][:10] for e in found] == [f"2025-01-0{d}" for d in range(1, 6)]
    assert verify(home) == []


def test_a_resolution_already_in_the_ledger_is_not_written_again(
    home: Home, tmp_path: Path
) -> None:
    rows = rows_for("q-a", 2)
    rows[0][6:] = ["yes", "2025-02-01"]
    run_import(home, write_csv(tmp_path / "a.csv", rows))
    newer = rows_for("q-a", 2, "bob")
    newer[0][6:] = ["yes", "2025-02-03"]  # the same outcome, recorded at another time
    result = run_import(home, write_csv(tmp_path / "b.csv", newer))
    assert result.closings == 0 and result.already_closed == 1
    other = rows_for("q-a", 2, "cy")
    other[0][6:] = ["no", "2025-02-03"]
    with pytest.raises(ForetellError) as caught:
        run_import(home, write_csv(tmp_path / "c.csv", other))
    assert "already resolved (yes)" in caught.value.message
    assert verify(home) == []


def test_a_dry_run_checks_everything_and_writes_nothing(home: Home) -> None:
    before = snapshot(home)
    result = run_import(home, FIXTURES / "metaculus", "metaculus", dry_run=True)
    assert result.forecasts == 9 and len(result.created) == 5 and result.dry_run
    assert "would import" in result.describe()
    assert snapshot(home) == before


def test_progress_is_drawn_only_on_a_terminal(home: Home, tmp_path: Path) -> None:
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    quiet, loud = io.StringIO(), Tty()
    path = write_csv(tmp_path / "in.csv", rows_for("q-a", 3))
    run_import(home, path, progress=Progress(quiet))
    assert quiet.getvalue() == ""
    assert Progress(quiet).enabled is False and Progress(loud).enabled is True
    bar = Progress(loud)
    bar.phase("writing", 10)
    bar.update(5, 5)
    bar.close()
    assert "writing" in loud.getvalue() and "50%" in loud.getvalue()


def test_memory_does_not_grow_with_the_number_of_rows(
    home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Peak memory for 60k rows stays close to that for 10k rows (same questions, author).
    The column-wise reader's memory is per block: blocks smaller than these files here."""
    from foretell.interop import columns

    monkeypatch.setattr(columns, "BLOCK_BYTES", 1 << 19)

    def peak(n: int, name: str) -> int:
        rows = [
            [
                f"q-{i % 50}",
                f"Q {i % 50}?",
                "2026-12-31",
                "ann",
                f"2025-{1 + (i // 50) % 12:02d}-01T00:00:{i % 60:02d}Z",
                "0.5",
                "",
                "",
            ]
            for i in range(n)
        ]
        path = write_csv(tmp_path / f"{name}.csv", rows)
        target = Home(tmp_path / name)
        (target.root / "forecasts").mkdir(parents=True)
        (target.root / "ledger").mkdir()
        tracemalloc.start()
        try:
            run_import(target, path)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(10_000, "small"), peak(60_000, "large")
    assert large - small < 2_000_000, (small, large)
