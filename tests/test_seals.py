"""Seals: a truncated, deleted or rewritten ledger file sealed earlier is detected and named;
signed seals are checked against allowed_signers."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result, question, write_question
from foretell import actions, ledger, seals
from foretell.home import Home
from foretell.verify import verify


@pytest.fixture
def sealed(home: Home, invoke: Callable[..., Result]) -> Home:
    write_question(home, question("q1"))
    for who in ("alice", "bob"):
        for p in (0.2, 0.4, 0.6):
            actions.log_forecast(home, "q1", {"p": p}, who)
    done = invoke("seal")
    assert done.code == 0 and "seal 1: 2 ledger files, 1 questions" in done.out
    assert verify(home) == []
    return home


def _messages(home: Home) -> list[str]:
    return [str(p) for p in verify(home)]


def test_a_truncated_file_is_named(sealed: Home) -> None:
    path = sealed.ledger / "alice.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))  # a valid chain, one entry short
    found = _messages(sealed)
    assert len(found) == 1 and "alice.jsonl" in found[0] and "truncated: holds 2" in found[0]


def test_a_deleted_file_is_named(sealed: Home) -> None:
    (sealed.ledger / "bob.jsonl").unlink()
    found = _messages(sealed)
    assert len(found) == 1 and "bob.jsonl" in found[0] and "deleted" in found[0]


def test_a_file_rewritten_with_fresh_hashes_is_named(sealed: Home) -> None:
    path = sealed.ledger / "alice.jsonl"
    entries, _ = ledger.read_file(path)
    path.unlink()
    for e in entries:  # the same entries but one payload changed: a valid new chain
        body = {k: v for k, v in e.items() if k not in ("seq", "prev", "sha", "_line")}
        body["p"] = 0.9 if e["seq"] == 2 else body["p"]
        ledger.append(sealed.ledger, "alice", body)
    found = _messages(sealed)
    assert len(found) == 1 and "alice.jsonl:3" in found[0] and "rewritten" in found[0]


def test_growth_after_a_seal_is_fine_and_a_second_seal_extends_the_chain(
    sealed: Home, invoke: Callable[..., Result]
) -> None:
    actions.log_forecast(sealed, "q1", {"p": 0.7}, "alice")
    assert verify(sealed) == []
    assert invoke("seal").code == 0
    records, problems = seals.read_seals(sealed.ledger)
    assert problems == [] and [r["seq"] for r in records] == [1, 2]
    assert records[1]["prev"] == records[0]["sha"]
    assert records[1]["files"]["alice.jsonl"]["count"] == 4


def test_an_edited_seal_is_named(sealed: Home) -> None:
    path = seals.seals_path(sealed.ledger)
    path.write_bytes(path.read_bytes().replace(b'"count":3', b'"count":2', 1))
    assert any("SEALS:1" in m and "sha does not match" in m for m in _messages(sealed))


def test_a_deleted_question_file_is_named(sealed: Home) -> None:
    (sealed.forecasts / "q1.toml").unlink()
    assert any("q1.toml" in m and "deleted: seal 1" in m for m in _messages(sealed))


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_signed_seals_are_checked_against_allowed_signers(
    sealed: Home, tmp_path: Path, invoke: Callable[..., Result]
) -> None:
    key = tmp_path / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    done = invoke("seal", "--sign", str(key), "--by", "alice")
    assert done.code == 0 and "signed by alice" in done.out, done
    public = (tmp_path / "key.pub").read_text().split()
    signers = sealed.ledger / seals.SIGNERS_NAME
    signers.write_text(f"alice {public[0]} {public[1]}\n")
    found = _messages(sealed)  # seal 1 was not signed
    assert len(found) == 1 and "seal 1 is not signed" in found[0]
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    forged = invoke("seal", "--sign", str(other), "--by", "alice")
    assert forged.code == 0
    assert any("seal 3: the signature of 'alice' does not verify" in m for m in _messages(sealed))
