"""Finding re-imports: a 64-bit fingerprint of an entry (who, on what question, which kind,
when, and what it says: the payload of a forecast, the outcome, day and question sha of a
closing), and the fingerprints of the entries a ledger file already holds on the questions
an import reuses. A fingerprint is Python's ``hash`` of a tuple, so it means something only
within the run that made it (string hashes are salted when Python starts).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from foretell import ids, ledger


def entry_key(author: str, question: str, kind: str, at: str, body: dict[str, Any]) -> int:
    """A 64-bit fingerprint of an entry: who, on what, which kind, when and what it says."""
    return hash((author, question, kind, at, orjson.dumps(body, option=orjson.OPT_SORT_KEYS)))


PAYLOAD_KEYS = ("p", "probs", "quantiles")
CLOSING_KEYS = ("outcome", "resolved_on", "question_sha")


def closing_body(entry: dict[str, Any]) -> dict[str, Any]:
    """What a closing says, for its fingerprint: outcome, day and question sha."""
    return {k: entry[k] for k in CLOSING_KEYS if k in entry}


def existing_keys(path: Path, author: str, reused: set[str]) -> array:
    """Fingerprints of one ledger file's entries on the ``reused`` questions (lines that do
    not parse are passed over: verify reports them)."""
    out = array("q")
    with path.open("rb") as fh:
        for line in fh:
            try:
                entry = orjson.loads(line)
                question = entry["question"]
                if question not in reused:
                    continue
                kind = entry["kind"]
                if kind == "forecast":
                    body = {k: entry[k] for k in PAYLOAD_KEYS if k in entry}
                else:
                    body = closing_body(entry)
                out.append(entry_key(author, question, kind, entry["at"], body))
            except (orjson.JSONDecodeError, KeyError, TypeError):
                continue
    return out


def held_keys(ledger_dir: Path, authors: Iterable[str], reused: set[str]) -> array:
    """Fingerprints of the entries on the ``reused`` questions in the ledger files of
    ``authors`` (by name; a file that does not exist holds none, a link is refused)."""
    existing = array("q")
    for author in sorted(authors):
        path = ledger.ledger_path(ledger_dir, author)
        ids.refuse_link(path)
        if path.is_file():
            existing.extend(existing_keys(path, author, reused))
    return existing
