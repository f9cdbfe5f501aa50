"""The status index's files under ``ledger/.index/`` (see ``foretell.status`` for the rules).

``status.json``, the header, names for every ledger file its size, last sha, stamp and the
shards holding its rows, and for every shard its token; ``status.rows/<kkk>.json`` are the
``SHARDS`` shards, the one of a question chosen by a CRC-32 of its id. Here: where the files
are, the shapes a header and a shard must have to be used (anything else is damaged and
rebuilt), and writing them whole, only inside a real ``.index/`` directory. All derived and
git-ignored.
"""

from __future__ import annotations

import binascii
import contextlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from foretell import ids, ledger
from foretell.errors import ForetellError

INDEX_DIR = ".index"
HEADER = "status.json"
ROWS_DIR = "status.rows"  # ".rows" keeps it apart from other indexes' folders in .index/
SHARDS = 256
FORMAT = 3

Rows = dict[str, dict[str, list[Any]]]  # {"status": {question: row}, "amended": {...}}


def shard_of(question: str) -> str:
    """The shard holding a question's rows: CRC-32 of its id, modulo SHARDS, three digits."""
    return f"{binascii.crc32(question.encode()) % SHARDS:03d}"


def header_path(ledger_dir: Path) -> Path:
    """``.index/status.json``: the header naming every ledger file and every shard."""
    return ledger_dir / INDEX_DIR / HEADER


def shard_dir(ledger_dir: Path) -> Path:
    return ledger_dir / INDEX_DIR / ROWS_DIR


def shard_path(ledger_dir: Path, shard: str) -> Path:
    return shard_dir(ledger_dir) / f"{shard}.json"


def read_cached(path: Path) -> object:
    """The JSON of a header or shard; None if missing, unreadable or not in a real folder."""
    if not ids.real_dir(path.parent):
        return None
    try:
        return orjson.loads(ids.read_bytes(path))
    except (OSError, ValueError, ForetellError):
        return None


def write_cached(ledger_dir: Path, path: Path, record: dict[str, Any]) -> None:
    """Write the header or a shard whole, only inside a real ``.index/`` directory."""
    if ids.prepare_cache_dir(ledger_dir / INDEX_DIR):
        ids.write_cache(path, orjson.dumps(record))


def _row(value: object, length: int, at: int) -> bool:
    return isinstance(value, list) and len(value) == length and isinstance(value[at], str)


def valid_header(record: object) -> dict[str, Any] | None:
    """A cached header of the expected shape, or None (a damaged header: rebuild it all).

    Each file's record is {size, last_sha, stat, shards}; ``stat`` is only ever compared with
    a fresh stamp, so any list will do (a wrong one just makes the file read again).
    """
    if type(record) is not dict or record.get("format") != FORMAT:
        return None
    shards, files = record.get("shards"), record.get("files")
    if type(shards) is not dict or not set(map(type, shards.values())) <= {str}:
        return None
    if type(files) is not dict:
        return None
    for entry in files.values():
        if type(entry) is not dict:
            return None
        size, sha = entry.get("size"), entry.get("last_sha")
        stat, held = entry.get("stat"), entry.get("shards")
        if type(size) is not int or size < 0 or not (sha is None or type(sha) is str):
            return None
        if not (stat is None or type(stat) is list) or type(held) is not list:
            return None
        if not set(map(type, held)) <= {str}:
            return None
    return record


class Damaged(Exception):
    """A shard missing, of another write, or with a row of the wrong shape: rebuild it."""

    def __init__(self, shard: str) -> None:
        super().__init__(shard)
        self.shard = shard


def read_shard(ledger_dir: Path, shard: str, token: str) -> dict[str, Rows]:
    """The rows of one shard by ledger file; Damaged when unusable."""
    record = read_cached(shard_path(ledger_dir, shard))
    if not isinstance(record, dict) or record.get("token") != token:
        raise Damaged(shard)
    files = record.get("files")
    if not isinstance(files, dict):
        raise Damaged(shard)
    for rows in files.values():
        status, amended = (
            (rows.get("status"), rows.get("amended")) if isinstance(rows, dict) else (None, None)
        )
        if not (isinstance(status, dict) and isinstance(amended, dict)):
            raise Damaged(shard)
        if not all(_row(v, 4, 1) for v in status.values()):
            raise Damaged(shard)
        if not all(_row(v, 2, 0) for v in amended.values()):
            raise Damaged(shard)
    return files


def store_shards(
    ledger_dir: Path, fold: dict[str, dict[str, Rows]], tokens: dict[str, str], full: bool
) -> dict[str, str]:
    """Write the changed shards, each with a fresh token (an emptied one is removed); the
    tokens the header is to name. ``full``: shard files of no token are stale, removed."""
    real = ids.real_dir(shard_dir(ledger_dir))
    for shard, rows in fold.items():
        if rows:
            token = os.urandom(6).hex()
            record = {"token": token, "files": rows}
            write_cached(ledger_dir, shard_path(ledger_dir, shard), record)
            tokens[shard] = token
        else:
            tokens.pop(shard, None)
            if real:
                shard_path(ledger_dir, shard).unlink(missing_ok=True)
    if full and real:
        for stale in shard_dir(ledger_dir).glob("*.json"):
            if stale.stem not in tokens:
                stale.unlink(missing_ok=True)
    return tokens


def drop_per_file_layout(ledger_dir: Path, names: Iterable[str]) -> None:
    """Remove what the earlier layout of this index kept per ledger file (``<stem>.json``
    headers of format 2 and their ``<stem>.rows/`` shards): derived, and no longer read."""
    index = ledger_dir / INDEX_DIR
    if not ids.real_dir(index):
        return
    for name in names:
        stem = name.removesuffix(ledger.SUFFIX)
        header = index / f"{stem}.json"
        if header.name != HEADER and _format(read_cached(header)) == 2:
            header.unlink(missing_ok=True)
        rows = index / f"{stem}.rows"
        if rows.name != ROWS_DIR and ids.real_dir(rows):
            for stale in rows.glob("*.json"):
                stale.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                rows.rmdir()


def _format(record: object) -> object:
    return record.get("format") if isinstance(record, dict) else None
