"""A derived, checked cache of the people in a streamed report's scope: the distinct (author,
import mark) rows of the ledger's Parquet copy that the default crowd is chosen from
(``engine._crowd_methods``), kept in ``ledger/.columnar/people.json``.

Finding them is a scan of every forecast in the copy (DuckDB, under the report's filters),
which gives the same rows while the copy, the questions in scope and the filters stay the
same. So the rows are kept with a key, the sha256 of:

- ``sorted_cache.cache_key``: each Parquet part of the copy (path, size, modification time,
  inode, rows; parts are written whole under new names, so any change to the copy changes
  it) and the catalog's ids in order;
- the ids of the questions in scope, in order (a tag filter's scope changes when a question's
  tags do), and the scan's other conditions as text (``--by``, ``--since``, ``--until``);
- this module's ``VERSION``.

The file's rows are used only when its key is that key and it parses as rows; anything else
is scanned afresh and the file written whole (``atomic.write_bytes``). Where it cannot be
written (a read-only checkout) or the copy's directory is a symbolic link, the scan's rows
are used without the cache. The file may be deleted at any time. Like the other derived
caches it is checked against the files it was made from, not against deliberate forgery
(``verify`` checks the ledger itself).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from foretell.engine import Ledger

VERSION = 1
FILE = "people.json"  # in ledger/.columnar/

Row = tuple[str, str | None]  # an author and the import mark's JSON text (None: not imported)


def people_key(book: Ledger, scope_ids: Sequence[str], conditions: str) -> str:
    """The sha256 (hex) the rows are kept under (module doc)."""
    from foretell import sorted_cache

    h = hashlib.sha256(orjson.dumps({"version": VERSION, "conditions": conditions}))
    h.update(sorted_cache.cache_key(book, 0).encode())
    h.update(b"\0scope\0")
    h.update("\0".join(scope_ids).encode())
    return h.hexdigest()


def cached_people(
    book: Ledger, scope_ids: Sequence[str], conditions: str, scan: Callable[[], list[Row]]
) -> list[Row]:
    """``scan()``'s rows, from the cache when it holds them for this key (module doc)."""
    from foretell import atomic, ids

    if book.sorted_dir is None or ids.is_link(book.sorted_dir.parent):
        return scan()
    path = book.sorted_dir.parent / FILE
    key = people_key(book, scope_ids, conditions)
    kept = _read(path, key)
    if kept is not None:
        return kept
    rows = scan()
    with contextlib.suppress(OSError):
        atomic.write_bytes(path, orjson.dumps({"version": VERSION, "key": key, "rows": rows}))
    return rows


def _read(path: Path, key: str) -> list[Row] | None:
    try:
        data = orjson.loads(path.read_bytes())
        if not isinstance(data, dict) or data.get("version") != VERSION or data["key"] != key:
            return None
        rows = data["rows"]
        out: list[Row] = []
        for author, mark in rows:
            if not isinstance(author, str) or not (mark is None or isinstance(mark, str)):
                return None
            out.append((author, mark))
        return out
    except (OSError, ValueError, TypeError, KeyError):
        return None
