"""Terms kept per version: ``ledger/terms/<id>/<question_sha>.json``, content-addressed.

Each file holds the full terms (``Question.terms()``) of one version of a question, named by
their sha, so the criteria a forecast was made under can be shown long after the question
file was edited (``show ID --version N``). A version is recorded the first time an entry
is written against it (``log``, ``resolve``, ``annul``, ``amend``, ``import``); files are
created whole and never replaced (the name is the content's hash), and they are records
like the ledger, committed with it. ``verify`` checks each file hashes to its name.

The rule they make possible: once versions of a question are recorded, an entry (forecast,
resolution, annulment, claim) against terms that are not among them, or not the version the
latest amendment pins, is refused (the file was edited and the edit not recorded with
``foretell amend``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from foretell import atomic
from foretell.errors import ForetellError, Problem

if TYPE_CHECKING:
    from foretell.model import Question

TERMS_DIR = "terms"
TERM_FIELDS: tuple[str, ...] = (
    "title",
    "type",
    "criteria",
    "opened",
    "resolve_by",
    "options",
    "unit",
    "range",
    "thresholds",
)


def terms_sha(terms: dict[str, object]) -> str:
    """A version's ``question_sha``: SHA-256 of the canonical JSON of its terms (sorted keys,
    no spaces, UTF-8)."""
    canonical = json.dumps(terms, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def version_path(ledger_dir: Path, question_id: str, sha: str) -> Path:
    return ledger_dir / f"{TERMS_DIR}/{question_id}/{sha}.json"  # one join: parsed once


def known_versions(ledger_dir: Path, question_id: str) -> set[str]:
    """The shas of the recorded versions of a question."""
    directory = ledger_dir / TERMS_DIR / question_id
    try:
        return {p.stem for p in directory.iterdir() if p.suffix == ".json"}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def terms_of(question: Any, forecasts_dir: Path) -> dict[str, Any]:
    """``Question.terms()`` of a Question, or of the write path's plain ``Terms`` (checked
    against its sha; rebuilt with the model if they disagree)."""
    if hasattr(question, "model_dump"):
        return question.terms()  # type: ignore[no-any-return]
    out: dict[str, Any] = {}
    for name in TERM_FIELDS:
        value = getattr(question, name, None)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    if terms_sha(out) == question.sha():
        return out
    from foretell import catalog  # a field the plain copy renders otherwise

    return catalog.find_question(forecasts_dir, question.id).terms()


def missing(ledger_dir: Path, question: Question) -> Path | None:
    """The file that would record this version, when it is not recorded yet."""
    path = version_path(ledger_dir, question.id, question.sha())
    return None if path.exists() else path


def record(ledger_dir: Path, question: Question) -> Path | None:
    """Record the question's current version (a no-op when it is already recorded); returns
    the file written, or None."""
    path = missing(ledger_dir, question)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    data = orjson.dumps(
        {"id": question.id, "terms": terms_of(question, ledger_dir.parent / "forecasts")},
        option=orjson.OPT_INDENT_2,
    )
    with contextlib.suppress(FileExistsError):  # recorded meanwhile: the same content
        atomic.write_bytes(path, data + b"\n", exclusive=True)
        return path
    return None


def version_file(ledger_dir: Path, question: Question, sha: str) -> tuple[Path, bytes]:
    """The file that records a version (given with its sha, ``Question.sha()``) and its
    bytes, as ``record`` writes them."""
    terms = (  # the model's own, else the plain copy's (checked against its sha)
        question.terms()
        if hasattr(question, "model_dump")
        else terms_of(question, ledger_dir.parent / "forecasts")
    )
    data = orjson.dumps({"id": question.id, "terms": terms}, option=orjson.OPT_INDENT_2)
    return version_path(ledger_dir, question.id, sha), data + b"\n"


def load(ledger_dir: Path, question_id: str, sha: str) -> dict[str, Any] | None:
    """The terms of one recorded version, checked against its sha; None if not recorded."""
    path = version_path(ledger_dir, question_id, sha)
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise ForetellError(f"not readable: {err}", path) from None
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, dict) or terms_sha(terms) != sha:
        raise ForetellError("the terms do not hash to the file's name (the file was edited)", path)
    return terms


def refuse_unrecorded_edit(ledger_dir: Path, question: Any, path: Path) -> None:
    """Refuse a write against terms that differ from every recorded version, or (once the
    question has several) from the version its latest amendment pins: a file put back to an
    earlier version is an edit like any other, and ``verify`` would flag it."""
    versions = known_versions(ledger_dir, question.id)
    if not versions:
        return
    sha = question.sha()
    edited = sha not in versions
    if not edited and len(versions) > 1:
        from foretell import status

        pinned = status.latest_amendment(ledger_dir, question.id)
        edited = pinned is not None and pinned != sha
    if edited:
        raise ForetellError(
            "the question's terms were edited since entries were made against them, and the "
            f"edit is not recorded: run `foretell amend {question.id} --why TEXT` first "
            "(or undo the edit)",
            path,
        )


def problems(ledger_dir: Path) -> list[Problem]:
    """Recorded versions whose content does not hash to their name."""
    found: list[Problem] = []
    root = ledger_dir / TERMS_DIR
    if not root.is_dir():
        return found
    for directory in sorted(root.iterdir()):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.json")):
            try:
                terms = load(ledger_dir, directory.name, path.stem)
            except ForetellError as err:
                found.append(Problem(err.path, None, err.message))
                continue
            del terms
    return found
