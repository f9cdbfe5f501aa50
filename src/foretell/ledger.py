"""The append-only ledger: one hash-chained JSONL file per author.

Line format. A line is the entry's canonical JSON without ``sha`` (keys sorted, no spaces,
UTF-8) with ``,"sha":"<hex>"`` inserted before the closing brace, where
``sha = SHA-256(canonical JSON without sha)``. Each entry's ``prev`` is the ``sha`` of the
entry before it in the same file (``null`` for ``seq`` 1), and ``seq`` counts from 1.

Appends take an exclusive ``flock`` on the file, read only its tail (the last line), write
one line and ``fsync``. Nothing ever rewrites a line: ``ledger_repair.repair_tail`` removes
only an incomplete final line left by an interrupted write (or adds the newline a whole entry
lacks), and ``AppendSession`` truncates only what it appended itself when it fails.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from foretell import ids
from foretell.errors import ForetellError, Problem

SUFFIX = ".jsonl"
MAX_SEQ = 2**63 - 1  # seq is read into int64 columns
SHA_TAIL_LEN = len(b',"sha":"') + 64 + len(b'"}')
_TAIL_CHUNK = 4096


def format_at(moment: datetime) -> str:
    """UTC timestamp as stored: ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    # isoformat, not strftime: strftime's %Y does not pad years before 1000 to four digits
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def now_at() -> str:
    return format_at(datetime.now(UTC))


def ledger_path(ledger_dir: Path, author: str) -> Path:
    return ledger_dir / f"{ids.check_author(author)}{SUFFIX}"


def ledger_files(ledger_dir: Path) -> list[Path]:
    """The regular ledger files (symbolic links are left out: see ``linked_files``)."""
    try:
        with os.scandir(ledger_dir) as entries:  # one listing, no stat per file
            names = [
                e.name
                for e in entries
                if e.name.endswith(SUFFIX) and e.is_file(follow_symlinks=False)
            ]
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [ledger_dir / name for name in sorted(names)]


def linked_files(ledger_dir: Path) -> list[Path]:
    """Ledger file names that are symbolic links: never read or written, named by verify."""
    return sorted(p for p in ledger_dir.glob(f"*{SUFFIX}") if ids.is_link(p))


# ------------------------------------------------------------------------ encoding


def encode_entry(entry: dict[str, Any]) -> tuple[bytes, str]:
    """(line with trailing newline, sha) for an entry that has everything but ``sha``."""
    body = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)
    sha = hashlib.sha256(body).hexdigest()
    return body[:-1] + b',"sha":"' + sha.encode("ascii") + b'"}\n', sha


def check_line_hash(line: bytes) -> str | None:
    """The problem with a line's own hash, or None. ``line`` has no trailing newline."""
    if len(line) <= SHA_TAIL_LEN or not line.endswith(b'"}'):
        return "entry does not end with its sha"
    tail = line[-SHA_TAIL_LEN:]
    if not tail.startswith(b',"sha":"'):
        return "entry does not end with its sha"
    body = line[:-SHA_TAIL_LEN] + b"}"
    if hashlib.sha256(body).hexdigest().encode("ascii") != tail[8:-2]:
        return "sha does not match the entry's content (the entry was edited)"
    return None


def decode_line(line: bytes) -> dict[str, Any]:
    value = orjson.loads(line)
    if not isinstance(value, dict):
        raise ValueError("entry is not a JSON object")
    return value


# ------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class RawLine:
    number: int  # 1-based line number in the file
    data: bytes  # without the trailing newline
    complete: bool  # False for a final line with no newline (a torn write)


def iter_lines(path: Path) -> Iterator[RawLine]:
    data = ids.read_bytes(path)
    if not data:
        return
    lines = data.split(b"\n")
    torn = lines.pop()  # b"" when the file ends with a newline
    for number, line in enumerate(lines, start=1):
        yield RawLine(number, line, True)
    if torn:
        yield RawLine(len(lines) + 1, torn, False)


UNTERMINATED = (
    "the last entry is complete but lacks its newline (an interrupted write); "
    "`foretell repair` adds it"
)


def completes_chain(fragment: bytes, prev: dict[str, Any] | None) -> bool:
    """Whether a final line without its newline is a whole entry that extends the chain:
    its own sha checks out and its seq and prev follow the entry before it."""
    if check_line_hash(fragment) is not None:
        return False
    try:
        entry = decode_line(fragment)
    except ValueError:
        return False
    seq, sha = (prev.get("seq"), prev.get("sha")) if prev else (0, None)
    return type(seq) is int and entry.get("seq") == seq + 1 and entry.get("prev") == sha


def torn_message(nbytes: int) -> str:
    return (
        f"incomplete last line ({nbytes} bytes, an interrupted write); the entries before it "
        "are intact; `foretell repair` removes it"
    )


def read_file(path: Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Entries of one file with their hashes checked; problems for lines that can't be used.

    Reading stops trusting a file at its first bad line: later entries are still returned,
    but a broken chain is reported by ``verify``.
    """
    entries: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for raw in iter_lines(path):
        if not raw.complete:
            prev = entries[-1] if entries else None
            if (prev is not None or raw.number == 1) and completes_chain(raw.data, prev):
                entry = decode_line(raw.data)
                entry["_line"] = raw.number
                entries.append(entry)
                problems.append(Problem(path, raw.number, UNTERMINATED))
            else:
                problems.append(Problem(path, raw.number, torn_message(len(raw.data))))
            break
        trouble = check_line_hash(raw.data)
        try:
            entry = decode_line(raw.data)
        except ValueError:
            problems.append(Problem(path, raw.number, "not a JSON object"))
            continue
        if trouble:
            problems.append(Problem(path, raw.number, trouble))
            continue
        entry["_line"] = raw.number
        entries.append(entry)
    return entries, problems


# ------------------------------------------------------------------------ appending


@dataclass
class _Tail:
    seq: int
    sha: str | None
    at: str | None = None  # the last entry's ``at``
    imported: bool = False  # whether the last entry is marked imported


def _line_start(fd: int, end: int) -> int:
    """Offset where the line ending at ``end`` (exclusive) begins: one past the previous newline."""
    pos = end
    while pos > 0:
        step = min(_TAIL_CHUNK, pos)
        cut = os.pread(fd, step, pos - step).rfind(b"\n")
        if cut != -1:
            return pos - step + cut + 1
        pos -= step
    return 0


def _read_tail(fd: int, size: int, path: Path) -> _Tail:
    """Seq and sha of the last entry, reading backwards from the end only."""
    if size == 0:
        return _Tail(0, None)
    if os.pread(fd, 1, size - 1) != b"\n":
        if _unterminated_entry(fd, size):
            raise ForetellError(f"{UNTERMINATED}; nothing was appended", path)
        torn = size - _line_start(fd, size)
        raise ForetellError(f"{torn_message(torn)}; nothing was appended", path)
    start = _line_start(fd, size - 1)
    line = os.pread(fd, size - 1 - start, start)
    try:
        entry = decode_line(line)
        seq, sha = entry["seq"], entry["sha"]
    except (ValueError, KeyError, TypeError):
        seq = sha = None
    if type(seq) is not int or not 1 <= seq < MAX_SEQ or type(sha) is not str:
        raise ForetellError(
            "the last entry is not readable (or its seq is not a whole number from 1 to "
            "2**63-2); run `foretell verify`; nothing was appended",
            path,
        )
    return _Tail(seq, sha, _stored_at(entry.get("at")), bool(entry.get("imported")))


def _stored_at(at: object) -> str | None:
    """``at`` when it is a stored UTC time on a real day in 1900-2999, else None: a damaged
    time (which verify names) never becomes the floor for the next entry's time."""
    if not isinstance(at, str) or len(at) != 27 or not at.endswith("Z"):
        return None
    try:
        moment = datetime.fromisoformat(at[:26]).replace(tzinfo=UTC)
    except ValueError:
        return None
    if not 1900 <= moment.year <= 2999:
        return None
    return at


def _last_live_at(fd: int, end: int) -> str | None:
    """``at`` of the last entry not marked imported, reading backwards from ``end``."""
    while end > 0:
        start = _line_start(fd, end - 1)
        line = os.pread(fd, end - 1 - start, start)
        end = start
        if b'"imported":' in line:
            try:
                if decode_line(line).get("imported"):
                    continue
            except ValueError:
                continue
        try:
            at = decode_line(line).get("at")
        except ValueError:
            continue
        return _stored_at(at)
    return None


TIME_ORDER = (
    "entries are kept in time order: {at} is earlier than the entry before it in this "
    "ledger ({last}); nothing was appended"
)


_CHAIN_KEYS = frozenset(("seq", "prev", "sha"))


class _Chain:
    """An open, locked author file and the state needed to extend its chain."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = ids.open_nofollow(path, os.O_RDWR | os.O_CREAT | os.O_APPEND)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            self.start_size = os.fstat(self.fd).st_size
            self.tail = _read_tail(self.fd, self.start_size, path)
        except BaseException:
            os.close(self.fd)
            raise
        self.pending: list[bytes] = []
        self._live_at: str | bool | None = False  # False: not looked up yet

    def live_at(self) -> str | None:
        """``at`` of the chain's last entry not marked imported (None: there is none)."""
        if self._live_at is False:
            if not self.tail.imported:
                self._live_at = self.tail.at
            else:
                self._live_at = _last_live_at(self.fd, self.start_size)
        return self._live_at  # type: ignore[return-value]

    def add(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Extend the chain. An entry without ``at`` is stamped now (never earlier than the
        entry before it); an entry not marked imported may not be dated before the last
        such entry, so the times of a file's own entries never go backwards."""
        full = {k: v for k, v in entry.items() if v is not None and k not in _CHAIN_KEYS}
        if not full.get("imported"):
            last = self.live_at()
            at = full.get("at")
            if at is None:
                at = full["at"] = max(now_at(), last) if last else now_at()
            elif last is not None and at < last:
                raise ForetellError(TIME_ORDER.format(at=at, last=last), self.path)
            self._live_at = at
        seq = self.tail.seq + 1
        full["seq"] = seq
        full["prev"] = self.tail.sha
        line, sha = encode_entry(full)
        self.pending.append(line)
        self.tail.seq, self.tail.sha = seq, sha
        full["sha"] = sha
        return full

    def flush(self) -> None:
        if self.pending:
            _write_all(self.fd, b"".join(self.pending))
            self.pending.clear()

    def commit(self) -> None:
        self.flush()
        os.fsync(self.fd)

    def rollback(self) -> None:
        self.pending.clear()
        os.ftruncate(self.fd, self.start_size)
        os.fsync(self.fd)

    def close(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def peek_tail(ledger_dir: Path, author: str) -> tuple[int, str | None]:
    """Seq and sha of the last entry of ``author``'s chain, read without its lock (a guess
    to encode against: ``AppendSession.append_encoded`` checks it under the lock);
    ``(-1, None)`` when it cannot be read."""
    path = ledger_path(ledger_dir, author)
    try:
        fd = ids.open_nofollow(path, os.O_RDONLY)
    except FileNotFoundError:
        return 0, None
    except (ForetellError, OSError):
        return -1, None
    try:
        tail = _read_tail(fd, os.fstat(fd).st_size, path)
        return tail.seq, tail.sha
    except (ForetellError, OSError):
        return -1, None
    finally:
        os.close(fd)


def append(ledger_dir: Path, author: str, entry: dict[str, Any]) -> dict[str, Any]:
    """Append one entry to ``ledger/<author>.jsonl``; returns it with seq, prev and sha."""
    chain = _Chain(ledger_path(ledger_dir, author))
    try:
        full = chain.add(entry)
        chain.commit()
    finally:
        chain.close()
    return full


class AppendSession:
    """All-or-nothing appends across several author files.

    Each file is locked on first touch and stays locked until the session ends. Lines are
    buffered and written in batches; on success every file is flushed and fsynced; on any
    exception every touched file is truncated back to its size at first touch.
    """

    FLUSH_EVERY = 4096

    def __init__(self, ledger_dir: Path) -> None:
        self.ledger_dir = ledger_dir
        self._chains: dict[str, _Chain] = {}
        self.count = 0

    def __enter__(self) -> AppendSession:
        return self

    def _chain(self, author: str) -> _Chain:
        chain = self._chains.get(author)
        if chain is None:
            chain = _Chain(ledger_path(self.ledger_dir, author))
            self._chains[author] = chain
        return chain

    def goes_back(self, author: str, at: str) -> bool:
        """Whether an entry timed ``at`` and not marked imported would be refused in
        ``author``'s chain: dated before its last entry that is not marked imported."""
        last = self._chain(author).live_at()
        return last is not None and at < last

    def append(self, author: str, entry: dict[str, Any]) -> dict[str, Any]:
        chain = self._chain(author)
        full = chain.add(entry)
        if len(chain.pending) >= self.FLUSH_EVERY:
            chain.flush()
        self.count += 1
        return full

    def tail(self, author: str) -> tuple[int, str | None]:
        """Seq and sha of the last entry of ``author``'s chain (locking it)."""
        tail = self._chain(author).tail
        return tail.seq, tail.sha

    def append_encoded(
        self,
        author: str,
        chunks: Iterable[bytes],
        before: tuple[int, str | None],
        after: tuple[int, str | None],
    ) -> bool:
        """Append lines encoded elsewhere, all marked imported (so they leave the chain's
        time order alone), against the chain ending at ``before`` (seq, sha) and ending it
        at ``after``. False, writing nothing, when the chain does not end at ``before``."""
        chain = self._chain(author)
        if (chain.tail.seq, chain.tail.sha) != before:
            return False
        chain.flush()
        for chunk in chunks:
            _write_all(chain.fd, chunk)
        chain.tail.seq, chain.tail.sha = after
        return True

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                for chain in self._chains.values():
                    chain.commit()
            else:
                for chain in self._chains.values():
                    chain.rollback()
        finally:
            for chain in self._chains.values():
                chain.close()
            self._chains.clear()


def _unterminated_entry(fd: int, size: int) -> bool:
    """Whether the file's final line (no newline) is a whole entry extending the chain."""
    start = _line_start(fd, size)
    prev = None
    if start > 0:
        prev_start = _line_start(fd, start - 1)
        try:
            prev = decode_line(os.pread(fd, start - 1 - prev_start, prev_start))
        except ValueError:
            return False
    return completes_chain(os.pread(fd, size - start, start), prev)
