"""Citations: `ask` records a full citation; `verify` reports missing cited documents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import OPENED, RESOLVE_BY, Result, write_question
from conftest import question as make
from foretell import citations
from foretell.catalog import load_question
from foretell.home import Home
from foretell.model import Question, Source
from foretell.verify import verify

Invoke = Callable[..., Result]
ASK = [
    "--title",
    "Will it?",
    "--criteria",
    "YES if so; NO if not.",
    "--resolve-by",
    RESOLVE_BY.isoformat(),
]


def test_ask_records_the_document_outlet_date_and_claim(home: Home, invoke: Invoke) -> None:
    done = invoke(
        "ask", "x", *ASK, "--source", "004_seed.txt", "--outlet", "startupnews.fyi",
        "--source-date", "2026-05-01", "--claim", "Huawei aims at about 750,000 chips.",
        "--source", "https://example.org/a", "--claim", "A second source.",
    )  # fmt: skip
    assert done.code == 0, done.err
    q = load_question(home.forecasts / "x.toml")
    first, second = q.sources
    assert first.document == "004_seed.txt" and first.outlet == "startupnews.fyi"
    assert first.date is not None and first.date.isoformat() == "2026-05-01"
    assert first.claim == "Huawei aims at about 750,000 chips."
    assert second == Source(document="https://example.org/a", claim="A second source.")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--source", "a.txt"], "--source a.txt needs a --claim"),
        (["--source", "a.txt", "--claim", "c", "--source", "b.txt"], "--source b.txt needs"),
        (["--outlet", "o"], "each --outlet needs a --source"),
        (["--source", "a.txt", "--claim", "c", "--source-date", "May"], "--source-date: 'May'"),
    ],
)
def test_an_incomplete_citation_is_refused(
    home: Home, invoke: Invoke, extra: list[str], message: str
) -> None:
    done = invoke("ask", "x", *ASK, *extra)
    assert done.code == 1 and message in done.err
    assert not (home.forecasts / "x.toml").exists()


def cite(home: Home, *documents: str) -> Question:
    q = make("cites", sources=[Source(document=d, claim="It says so.") for d in documents])
    write_question(home, q)
    return q


def test_verify_reports_a_cited_document_missing_from_documents(home: Home) -> None:
    (home.root / "documents").mkdir()
    (home.root / "documents" / "here.txt").write_text("text", encoding="utf-8")
    cite(home, "here.txt", "gone.txt", "https://example.org/not-checked")
    (problem,) = verify(home)
    assert problem.path == home.forecasts / "cites.toml"
    assert "cites 'gone.txt', which is not in documents/" in problem.message


def test_nothing_is_checked_without_a_documents_directory(home: Home) -> None:
    cite(home, "gone.txt")
    assert citations.document_dirs(home) == []
    assert verify(home) == []


def test_documents_are_found_in_the_directories_of_the_environment(
    home: Home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "seeds"
    elsewhere.mkdir()
    (elsewhere / "000_seed.txt").write_text("text", encoding="utf-8")
    monkeypatch.setenv("FORETELL_DOCUMENTS", str(elsewhere))
    cite(home, "000_seed.txt")
    assert verify(home) == []
    cite(home, "000_seed.txt", "001_missing.txt")
    (problem,) = verify(home)
    assert "'001_missing.txt'" in problem.message


def test_verify_reports_a_claim_citing_a_missing_document(
    home: Home, make_question: Callable[..., Question], invoke: Invoke
) -> None:
    make_question("q1")
    (home.root / "documents").mkdir()
    (home.root / "documents" / "ok.txt").write_text("text", encoding="utf-8")
    on = (OPENED - timedelta(days=1)).isoformat()
    for doc in ("ok.txt", "missing.txt"):
        args = ["--by", "huawei", "--source", doc, "--on", on, "--hedge", "probable"]
        assert invoke("claim", "q1", "yes", *args).code == 0
    (problem,) = verify(home)
    assert problem.path == home.ledger / "huawei.jsonl" and problem.line == 2
    assert "the claim cites 'missing.txt'" in problem.message
    done = invoke("verify")
    assert done.code == 1 and "ledger/huawei.jsonl:2: the claim cites 'missing.txt'" in done.out
