"""foretell's own export carries claims and ``period_start``, and reads them back exactly."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import OPENED, Result
from foretell.catalog import load_question
from foretell.home import Home, init_home
from foretell.model import Question

Invoke = Callable[..., Result]


@pytest.fixture
def with_claims(home: Home, make_question: Callable[..., Question], invoke: Invoke) -> Home:
    make_question("q1", period_start=OPENED)
    make_question("num", "numeric")
    on = (OPENED - timedelta(days=2)).isoformat()
    common = ["--source", "doc.txt", "--on", on, "--hedge", "probable"]
    for argv in (
        ["q1", "yes", "--by", "huawei", "--figure", "750,000", "--note", "an aim"],
        ["num", "400-600", "--by", "charlie-zheng"],
    ):
        assert invoke("claim", *argv, *common).code == 0
    assert invoke("log", "q1", "0.4").code == 0
    return home


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_then_import_rebuilds_the_same_ledger(
    with_claims: Home, invoke: Invoke, tmp_path: Path, fmt: str
) -> None:
    first = invoke("export").out
    dump = tmp_path / f"all.{fmt}"
    dump.write_text(invoke("export", "--format", fmt).out, encoding="utf-8", newline="")
    fresh = init_home(tmp_path / "fresh")
    done = invoke("import", str(dump), "--from", "foretell", "--home", str(fresh.root))
    assert done.code == 0, done.err
    assert "2 claims" in done.out
    assert invoke("export", "--home", str(fresh.root)).out == first
    assert load_question(fresh.forecasts / "q1.toml").period_start == OPENED
    assert invoke("verify", "--home", str(fresh.root)).code == 0


def test_claim_records_are_exported_with_their_fields(with_claims: Home, invoke: Invoke) -> None:
    records = [json.loads(line) for line in invoke("export").out.splitlines()]
    claims = [r for r in records if r["record"] == "claim"]
    assert {r["author"] for r in claims} == {"huawei", "charlie-zheng"}
    ranged = next(r for r in claims if r["author"] == "charlie-zheng")
    assert (ranged["low"], ranged["high"], ranged["hedge"]) == (400.0, 600.0, "probable")


def test_an_exported_claim_that_does_not_fit_is_refused_at_its_line(
    with_claims: Home, invoke: Invoke, tmp_path: Path
) -> None:
    lines = invoke("export").out.splitlines()
    bad = []
    for line in lines:
        record = json.loads(line)
        if record["record"] == "claim" and record["author"] == "huawei":
            record["value"] = "perhaps"
        bad.append(json.dumps(record))
    dump = tmp_path / "bad.jsonl"
    dump.write_text("\n".join(bad) + "\n", encoding="utf-8")
    fresh = init_home(tmp_path / "fresh")
    done = invoke("import", str(dump), "--from", "foretell", "--home", str(fresh.root))
    number = next(i for i, line in enumerate(bad, 1) if '"perhaps"' in line)
    assert done.code == 1
    assert f"bad.jsonl:{number}: question q1: a binary claim is yes or no" in done.err
    assert list(fresh.ledger.glob("*.jsonl")) == []
