"""The `import` and `export` commands."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import Result, snapshot
from foretell.home import Home

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
Invoke = Callable[..., Result]


def test_import_prints_a_summary(home: Home, invoke: Invoke) -> None:
    done = invoke("import", str(FIXTURES / "fatebook.csv"), "--from", "fatebook")
    assert done.code == 0, done.err
    assert done.out.startswith("imported 10 forecasts by 2 authors")
    assert "6 new questions" in done.out and "(Fatebook CSV export)" in done.out
    assert done.err == ""  # no progress line when stderr is not a terminal


def test_a_bad_row_is_one_line_file_colon_line_and_exit_1(
    home: Home, invoke: Invoke, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "question,title,author,at,p\nq-a,A?,ann,2025-01-01,0.5\nq-a,A?,ann,2025-01-02,2\n"
    )
    before = snapshot(home)
    done = invoke("import", str(bad), "--from", "generic")
    assert done.code == 1
    assert done.err.strip() == (
        f"foretell: {bad}:3: p: probability 2 is outside [0, 1] (did you mean 2%?)"
    )
    assert snapshot(home) == before


def test_an_unknown_format_is_refused(home: Home, invoke: Invoke) -> None:
    done = invoke("import", str(FIXTURES / "generic.csv"), "--from", "excel")
    assert done.code == 1 and "unknown format 'excel'" in done.err


def test_options_reach_the_readers(home: Home, invoke: Invoke) -> None:
    done = invoke("import", str(FIXTURES / "augur.json"), "--from", "augur", "--author", "Eve")
    assert done.code == 0, done.err
    assert (home.ledger / "eve.jsonl").exists()
    done = invoke("import", str(FIXTURES / "metaculus"), "--from", "metaculus", "--skip-aggregates")
    assert done.code == 0, done.err
    assert "4 aggregate forecasts skipped" in " ".join(done.out.split())
    assert not (home.ledger / "metaculus-recency-weighted.jsonl").exists()


def test_dry_run_writes_nothing(home: Home, invoke: Invoke) -> None:
    before = snapshot(home)
    done = invoke("import", str(FIXTURES / "generic.csv"), "--from", "generic", "--dry-run")
    assert done.code == 0 and done.out.startswith("would import 7 forecasts")
    assert snapshot(home) == before


def test_reimport_is_refused_then_skip_existing_adds_nothing(home: Home, invoke: Invoke) -> None:
    path = str(FIXTURES / "predictionbook.csv")
    assert invoke("import", path, "--from", "predictionbook").code == 0
    again = invoke("import", path, "--from", "predictionbook")
    assert (
        again.code == 1 and "imported before" in again.err and "predictionbook.csv:2:" in again.err
    )
    skip = invoke("import", path, "--from", "predictionbook", "--skip-existing")
    assert skip.code == 0 and skip.out.startswith("imported 0 forecasts")
    assert "4 already in the ledger, skipped" in " ".join(skip.out.split())
    assert "3 already resolved the same way" in skip.out


def test_export_to_stdout_and_file_round_trips(home: Home, invoke: Invoke, tmp_path: Path) -> None:
    assert invoke("import", str(FIXTURES / "generic.csv"), "--from", "generic").code == 0
    shown = invoke("export", "--format", "csv")
    assert shown.code == 0 and shown.out.startswith("record,author,seq,at,question")
    target = tmp_path / "backup.csv"
    saved = invoke("export", "--format", "csv", "--output", str(target))
    assert saved.code == 0 and "wrote 14 records" in saved.err
    assert target.read_bytes().decode("utf-8") == shown.out
    copy = tmp_path / "copy"
    assert invoke("init", str(copy)).code == 0
    assert invoke("import", str(target), "--from", "foretell", "--home", str(copy)).code == 0
    again = invoke("export", "--format", "csv", "--home", str(copy))
    assert again.out == shown.out


def test_export_to_a_missing_directory_names_the_users_path(
    home: Home, invoke: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "nowhere" / "x.csv"
    done = invoke("export", "--format", "csv", "--output", str(target))
    assert done.code == 1
    assert done.err == f"foretell: {target}: directory does not exist\n"
    taken = tmp_path / "out" / "taken.csv"
    taken.mkdir(parents=True)  # a directory where the file should go: os.replace fails
    done = invoke("export", "--output", str(taken))
    assert done.code == 1 and done.err.startswith(f"foretell: {taken}: cannot write")
    assert len(done.err.splitlines()) == 1
    assert [p.name for p in taken.parent.iterdir()] == ["taken.csv"]  # no temporary file left


def test_commands_document_themselves(invoke: Invoke) -> None:
    for command in ("import", "export"):
        done = invoke(command, "--help")
        assert done.code == 0 and "Example: foretell" in done.out


def test_loading_the_cli_does_not_load_the_import_machinery() -> None:
    code = (
        "import sys, foretell.cli; "
        "print(sorted(m for m in sys.modules if m.startswith('foretell.interop') or m == 'pandas'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
