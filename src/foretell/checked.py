"""Questions as the write path sees them: validated once per file content, then read plain.

``find_question`` returns ``Terms``, the validated fields of a question (the same names as
``foretell.model.Question``, and ``sha()``) without importing pydantic. The first time the
bytes of a question file are seen, they are validated by ``foretell.catalog`` (pydantic) and
the result is kept in ``ledger/.index/questions/<id>.json`` (derived, git-ignored) with the
SHA-256 of those bytes and a fingerprint of the code that validated them (foretell's version
and the size and modification time of the validating modules). Later calls read the file,
hash it, and use the kept result only when both the hash and the fingerprint match; anything
else (an edited file, a damaged record, a new foretell) is validated again and rewritten. So
a question file is trusted exactly as far as it was checked, and ``log`` after the first costs
a hash of a small file instead of building the models.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from foretell import __version__, ids
from foretell.errors import ForetellError
from foretell.home import Home

if TYPE_CHECKING:
    from foretell.model import Question

CACHE_DIR = "questions"
FORMAT = 1
_VALIDATORS = ("model.py", "catalog.py", "ids.py", "values.py", "parse.py")


class Terms:
    """A validated question's fields by attribute (dates as ``date``, ``range`` a tuple)."""

    __slots__ = ("_fields", "_sha")

    def __init__(self, fields: dict[str, Any], sha: str) -> None:
        self._fields = fields
        self._sha = sha

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def sha(self) -> str:
        """The question's ``question_sha`` (``foretell.model.Question.sha``)."""
        return self._sha

    def __repr__(self) -> str:
        return f"Terms(id={self._fields.get('id')!r})"


def fingerprint() -> list[Any]:
    """Which code validated a record: foretell's version and its validators' (size, mtime)."""
    return [FORMAT, __version__, *module_marks(_VALIDATORS)]


def module_marks(names: Sequence[str]) -> list[Any]:
    """``[size, mtime_ns]`` of each of foretell's modules ``names`` (paths within the
    package), None for one that cannot be read: a mark of the code that made a cached value."""
    here = Path(__file__).parent
    marks: list[Any] = []
    for name in names:
        try:
            st = (here / name).stat()
            marks.append([st.st_size, st.st_mtime_ns])
        except OSError:
            marks.append(None)
    return marks


def cache_path(home: Home, question_id: str) -> Path:
    return home.ledger / ".index" / CACHE_DIR / f"{question_id}.json"


def find_question(home: Home, question_id: str) -> Terms:
    """The question ``question_id`` of ``home``, validated (see the module docstring).

    Raises ForetellError as ``catalog.find_question`` does for a missing or invalid file.
    """
    path = home.forecasts / f"{ids.check_id(question_id)}.toml"
    try:
        data = ids.read_bytes(path)
    except (OSError, ForetellError):
        from foretell import catalog

        catalog.find_question(home.forecasts, question_id)  # raises the message it always has
        raise  # pragma: no cover - the file appeared between the two reads
    digest = hashlib.sha256(data).hexdigest()
    where = cache_path(home, question_id)
    kept = _kept(where, digest)
    if kept is not None:
        return kept
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ForetellError("not UTF-8 text", path) from None
    from foretell import catalog

    question = catalog.parse_question(text, question_id, path)
    return _keep(where, digest, question)


def remember(home: Home, question: Question) -> None:
    """Keep the check of a question file just written (``ask``), so its first log is quick."""
    from foretell import catalog

    path = catalog.question_path(home.forecasts, question.id)
    try:
        data = ids.read_bytes(path)
    except (OSError, ForetellError):
        return
    parsed = catalog.parse_question(data.decode("utf-8"), question.id, path)
    _keep(cache_path(home, question.id), hashlib.sha256(data).hexdigest(), parsed)


def _keep(where: Path, digest: str, question: Question) -> Terms:
    fields = question.model_dump(mode="python")
    dates = sorted(k for k, v in fields.items() if isinstance(v, dt.date))
    tuples = sorted(k for k, v in fields.items() if isinstance(v, tuple))
    record = {
        "check": fingerprint(),
        "file_sha256": digest,
        "sha": question.sha(),
        "dates": dates,
        "tuples": tuples,
        "fields": question.model_dump(mode="json"),
    }
    if ids.prepare_cache_dir(where.parent.parent):  # ledger/.index/, then its questions/
        ids.write_cache(where, orjson.dumps(record))
    return _terms(record)  # type: ignore[return-value]  # just built: well formed


def _kept(where: Path, digest: str) -> Terms | None:
    if not ids.real_dir(where.parent):
        return None
    try:
        record = orjson.loads(ids.read_bytes(where))
    except (OSError, ValueError, ForetellError):
        return None
    if not isinstance(record, dict) or record.get("file_sha256") != digest:
        return None
    if record.get("check") != fingerprint():
        return None
    return _terms(record)


def _terms(record: dict[str, Any]) -> Terms | None:
    """The Terms of a kept record, or None when it is not of the expected shape."""
    fields, sha = record.get("fields"), record.get("sha")
    dates, tuples = record.get("dates"), record.get("tuples")
    if not (isinstance(fields, dict) and isinstance(sha, str)):
        return None
    if not (isinstance(dates, list) and isinstance(tuples, list)):
        return None
    out = dict(fields)
    try:
        for name in dates:
            if out[name] is not None:
                out[name] = dt.date.fromisoformat(out[name])
        for name in tuples:
            if out[name] is not None:
                out[name] = tuple(out[name])
    except (KeyError, TypeError, ValueError):
        return None
    return Terms(out, sha)
