"""The question catalog as the report reads it, through a derived, checked cache.

``ledger/.columnar/catalog.json`` (git-ignored, rebuildable) holds, per question file, the
row of ``frames.QUESTION_COLUMNS`` it gave and the file's size, modification time, change
time and inode when it was read. A file whose four values are unchanged is not read again; a
changed or new file is read and validated as ``catalog.load_question`` does (a bad file raises
as there); a file that is gone leaves the cache. So an unchanged catalog costs one ``stat``
per file. The change time cannot be set back by a user, so an edit that restores the size and
modification time is still seen.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from foretell import catalog, ids
from foretell.errors import ForetellError
from foretell.model import Question

CACHE_NAME = "catalog.json"
VERSION = 3  # 3: rows carry ordered and target_date


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


def question_rows(forecasts_dir: Path, ledger_dir: Path, use_cache: bool = True) -> list[dict]:
    """One row per question file, in ``catalog.question_files`` order."""
    target = cache_file(ledger_dir)
    cached = _read(target) if use_cache else {}
    fresh: dict[str, Any] = {}
    rows = []
    changed = False
    for path in catalog.question_files(forecasts_dir):
        try:
            stamp = _stamp(path.stat())
        except OSError:
            stamp = None
        entry = cached.get(path.name)
        if (
            stamp is not None
            and isinstance(entry, list)
            and len(entry) == 2
            and entry[0] == stamp
            and isinstance(entry[1], dict)
        ):
            row = entry[1]
        else:
            row = question_row(catalog.load_question(path))
            changed = True
        fresh[path.name] = [stamp, row]
        rows.append(row)
    if use_cache and (changed or len(fresh) != len(cached)):
        ids.write_cache(target, orjson.dumps({"version": VERSION, "files": fresh}))
    return rows
