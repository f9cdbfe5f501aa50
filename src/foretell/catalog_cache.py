"""The question catalog as the report reads it, through a derived, checked cache.

``ledger/.columnar/catalog.json`` (git-ignored, rebuildable) holds, per question file, the
row of ``frames.QUESTION_COLUMNS`` it gave, or for a bad file the problem ``verify`` reports
for it (line and message), and the file's size, modification time, change time and inode
when it was read (of the name itself: a link put in a file's place is read again, and
refused). A file whose four values are unchanged is not read again; a changed or new file is
read and validated as ``catalog.load_question`` does; a file that is gone leaves the cache.
So an unchanged catalog costs one ``stat`` per file, a bad file is left out with the same
problem whether or not it was cached, and a fixed file (whose values changed) is read again.
The change time cannot be set back by a user, so an edit that restores the size and
modification time is still seen.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from foretell import catalog, ids
from foretell.errors import ForetellError, Problem
from foretell.home import Home

if TYPE_CHECKING:  # the models (pydantic) load only where a changed file is read
    from foretell.model import Question

CACHE_NAME = "catalog.json"
VERSION = 4  # 3: rows carry ordered and target_date; 4: bad files kept with their problem


def cache_file(ledger_dir: Path) -> Path:
    from foretell.tables import COLUMNAR_DIR

    return ledger_dir / COLUMNAR_DIR / CACHE_NAME


def question_row(q: Question) -> dict[str, Any]:
    """A question as a row of ``frames.QUESTION_COLUMNS`` (dates as ISO text)."""
    return {
        "id": q.id,
        "title": q.title,
        "type": q.type,
        "opened": q.opened.isoformat(),
        "resolve_by": q.resolve_by.isoformat(),
        "tags": list(q.tags),
        "options": list(q.options) if q.options else None,
        "unit": q.unit,
        "range_low": float(q.range[0]) if q.range else None,
        "range_high": float(q.range[1]) if q.range else None,
        "thresholds": [float(t) for t in q.thresholds],
        "sha": q.sha(),
        "period_start": q.period_start.isoformat() if q.period_start else None,
        "ordered": q.ordered,
        "target_date": q.target_date.isoformat() if q.target_date else None,
    }


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _read(path: Path) -> dict[str, Any]:
    try:
        if not ids.real_dir(path.parent):
            return {}  # a link: never read through it
        data = orjson.loads(ids.read_bytes(path))
    except (OSError, ValueError, ForetellError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _cached(entry: object, stamp: list[int] | None) -> dict[str, Any] | Problem | None:
    """The row or (line, message) of a cache entry ``[stamp, row]`` or ``[stamp, None, [line,
    message]]`` whose stamp is ``stamp``; None when it does not apply or is malformed."""
    if stamp is None or not isinstance(entry, list) or not entry or entry[0] != stamp:
        return None
    if len(entry) == 2 and isinstance(entry[1], dict):
        return entry[1]
    if len(entry) == 3 and entry[1] is None and isinstance(entry[2], list) and len(entry[2]) == 2:
        line, message = entry[2]
        if (line is None or type(line) is int) and isinstance(message, str):
            return Problem(None, line, message)
    return None


@contextlib.contextmanager
def _directory(path: Path) -> Iterator[int | None]:
    """A descriptor of the directory, for stats relative to it (None when it cannot be
    opened: every stat then fails and every file is read afresh)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield None
        return
    try:
        yield fd
    finally:
        os.close(fd)


def question_rows(
    forecasts_dir: Path,
    ledger_dir: Path,
    use_cache: bool = True,
    left_out: list[Problem] | None = None,
) -> list[dict]:
    """One row per readable question file, in ``catalog.question_files`` order; the problem
    of each bad file is appended to ``left_out`` (when given) instead."""
    target = cache_file(ledger_dir)
    cached = _read(target) if use_cache else {}
    fresh: dict[str, Any] = {}
    rows = []
    changed = False
    with _directory(forecasts_dir) as fd:
        for name in catalog.question_names(forecasts_dir):
            stamp: list[int] | None = None
            if fd is not None:
                with contextlib.suppress(OSError):
                    stamp = _stamp(os.stat(name, dir_fd=fd, follow_symlinks=False))
            found = _cached(cached.get(name), stamp)
            if found is None:
                changed = True
                try:
                    found = question_row(catalog.load_question(forecasts_dir / name))
                except ForetellError as err:
                    found = Problem(None, err.line, err.message)
            if isinstance(found, Problem):
                fresh[name] = [stamp, None, [found.line, found.message]]
                if left_out is not None:
                    left_out.append(Problem(forecasts_dir / name, found.line, found.message))
            else:
                fresh[name] = [stamp, found]
                rows.append(found)
    if use_cache and (changed or len(fresh) != len(cached)):
        ids.write_cache(target, orjson.dumps({"version": VERSION, "files": fresh}))
    return rows


def left_out(home: Home) -> list[Problem]:
    """The problem of each question file the catalog leaves out (through the cache)."""
    found: list[Problem] = []
    question_rows(home.forecasts, home.ledger, left_out=found)
    return found
