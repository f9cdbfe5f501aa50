"""Importing a generic CSV read column-wise (``columns.py``): the bytes of every entry,
made before the project lock is taken (pass 1 is ``bulk_plan.py``; the forked encoders are
``forked.py``).

The entries are encoded per author chain (forecasts in file order, then the planned
resolutions, as the row-by-row writer appends them) against the chain's last entry as it is
now, into a second spool file. Under the lock, ``ledger.AppendSession.append_encoded``
appends a chain's bytes only if the chain still ends where they were encoded against; a
chain that moved on meanwhile is encoded again there. A plain row's line is built from
pieces of its canonical JSON (keys sorted, no spaces: ``{"at":..,"imported":..,"kind":..,
"note":..,"p":..,"prev":..,"question":..,"question_sha":..,"seq":..}``), made column-wise
but for ``prev`` and ``seq``: byte for byte what ``ledger.encode_entry`` makes of the same
entry (tests compare the two).
"""

from __future__ import annotations

import binascii
import hashlib
import mmap
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import orjson

from foretell import ledger
from foretell.interop import forked
from foretell.interop.bulk_plan import NotColumnar
from foretell.interop.columns import ColumnReader
from foretell.interop.fingerprints import closing_body, entry_key
from foretell.interop.forked import Encoding
from foretell.interop.plan import Final
from foretell.interop.source import ImportSource
from foretell.interop.spool import spool_dir

if TYPE_CHECKING:
    import pyarrow as pa

CHUNK = 4096  # lines per write to the spool
PARALLEL_ROWS = 100_000  # below this many forecasts, forking encoders costs more than it saves
MAX_ENCODERS = 4
GROUPS_PER_ENCODER = 4  # groups of chains per encoding process: small enough to share out


def encoders(rows: int) -> int:
    """How many forked processes encode the chains of an import of ``rows`` forecasts: one
    per processor this process may run on besides its own (which writes the question files
    meanwhile, then takes what is left of the encoding), at least one, at most
    ``MAX_ENCODERS``; none for a small import or where there is no ``fork``."""
    if rows < PARALLEL_ROWS or not hasattr(os, "fork"):
        return 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus - 1, MAX_ENCODERS))


# --------------------------------------------------------------------------- encoding


@dataclass
class Encoded:
    """One author's new entries: where their bytes are in the output spool (``segments``,
    in order), encoded after ``before`` (the seq and sha of the chain's last entry then)
    and ending at ``after``; what they hold."""

    before: tuple[int, str | None]
    segments: list[tuple[int, int]] = field(default_factory=list)
    after: tuple[int, str | None] = (0, None)
    file: int = 0  # which of ``Chains.outs`` holds the bytes
    seq: int = 0
    sha: bytes = b""
    forecasts: int = 0
    closings: int = 0
    claims: int = 0
    skipped: int = 0


@dataclass
class Chains:
    """Every author's encoded entries; an author's bytes are in ``outs[part.file]``."""

    outs: list[IO[bytes]]
    parts: dict[str, Encoded] = field(default_factory=dict)

    def total(self, what: str) -> int:
        return sum(getattr(part, what) for part in self.parts.values())

    def close(self) -> None:
        for out in self.outs:
            out.close()


class Batch:
    """One spooled batch, its columns read once (as Python lists) when first needed."""

    def __init__(
        self, batch: pa.RecordBatch, heads: list[bytes], tails: list[bytes], payloads: list[Any]
    ) -> None:
        self.batch, self.heads, self.tails, self.payloads = batch, heads, tails, payloads
        self._lists: dict[int, list[Any]] = {}

    def _column(self, i: int) -> list[Any]:
        if i not in self._lists:
            self._lists[i] = self.batch.column(i).to_pylist()
        return self._lists[i]

    q = property(lambda self: self._column(1))
    at = property(lambda self: self._column(3))
    ptext = property(lambda self: self._column(4))
    note = property(lambda self: self._column(5))


class ColumnWriter:
    """Encodes every author's new entries (see the module docstring)."""

    def __init__(
        self,
        source: ImportSource,
        reader: ColumnReader,
        spool: IO[bytes],
        finals: dict[str, Final],
        skip_keys: set[int],
    ) -> None:
        self.reader = reader
        self.spool = spool
        self.spool_dir = spool_dir(source.size)  # the output spool: closed by append_all
        self.skip_keys = skip_keys
        self.imported = source.name
        self.imported_json = orjson.dumps(source.name)
        self.finals = finals
        self.closings: dict[str, list[dict[str, Any]]] = {}
        for final in finals.values():
            for planned in final.closings:
                self.closings.setdefault(planned["author"], []).append(planned)
        # per question: its id as JSON, its sha, whether it existed before, its options
        self.qinfo: list[tuple[bytes, bytes, bool, list[str] | None]] = []
        for qid in reader.questions:
            final = finals.get(qid)
            if final is None:
                self.qinfo.append((b"", b"", False, None))
            else:
                self.qinfo.append(
                    (orjson.dumps(qid), final.sha.encode(), not final.created,
                     final.question.options)
                )  # fmt: skip
        import pyarrow as pa

        # per question: a plain line's text between ``prev`` and ``seq``
        self.tails = pa.array(
            [
                b',"question":%b,"question_sha":"%b","seq":' % (j, sha)
                for j, sha, _, _ in self.qinfo
            ],
            pa.binary(),
        )

    def encode_all(self, ledger_dir: Path, authors: set[str], workers: int = 0) -> Encoding:
        """Start encoding the new entries of every author in ``authors`` (those the import
        appends to) against their chains' ends as they are now; ``Encoding.join`` gives them.
        With ``workers``, the chains are encoded in that many forked processes (each chain is
        a hash chain of its own, so they are independent) while the caller does other work;
        the authors are dealt out in groups from a queue (``Encoding.queue``), and the caller
        takes the groups still queued when it joins (so whichever side is done first takes
        more of the work). Without workers, here and now."""
        before = {a: ledger.peek_tail(ledger_dir, a) for a in sorted(authors)}
        n = min(workers, len(before)) if hasattr(os, "fork") else 0
        outs = [self._out() for _ in range(n + 1)]  # the last one: the caller's own
        chains = Chains(outs)
        encoding = Encoding(self, chains, before)
        if not n:
            self.encode(before, chains, n)
            return encoding
        count = min(len(before), GROUPS_PER_ENCODER * (n + 1), 255)
        groups: list[dict[str, tuple[int, str | None]]] = [{} for _ in range(count)]
        for k, (author, end) in enumerate(before.items()):
            groups[k % count][author] = end
        encoding.groups = groups
        try:
            encoding.queue = forked.queue(count)
            for file in range(n):
                pid, pipe = forked.fork_encoder(self, groups, encoding.queue, chains, file)
                encoding.children.append((pid, pipe))
        except BaseException:
            encoding.cancel()
            raise
        return encoding

    def _out(self) -> IO[bytes]:
        return tempfile.TemporaryFile(prefix="foretell-import-", dir=self.spool_dir)

    def encode(
        self, before: dict[str, tuple[int, str | None]], chains: Chains, file: int = 0
    ) -> None:
        """Encode the new entries of the authors in ``before`` against those chain ends,
        into ``chains.outs[file]``."""
        import pyarrow as pa

        parts = {
            a: Encoded(b, file=file, seq=b[0], sha=(b[1] or "").encode()) for a, b in before.items()
        }
        chains.parts.update(parts)
        by_code = [parts.get(a) for a in self.reader.authors]
        out = chains.outs[file]
        self.spool.flush()
        size = os.fstat(self.spool.fileno()).st_size
        if size:
            # mapped, not read: processes encoding side by side share the file's offset
            spooled = mmap.mmap(self.spool.fileno(), size, access=mmap.ACCESS_READ)
            wanted = np.array([part is not None for part in by_code] + [False])
            for batch in pa.ipc.open_stream(pa.py_buffer(spooled)):
                acode = batch.column(2).to_numpy()
                mine = wanted[np.minimum(acode, len(by_code))]
                if not mine.all():  # lines are built for these authors' rows only
                    batch = batch.filter(pa.array(mine))
                    acode = batch.column(2).to_numpy()
                order = np.argsort(acode, kind="stable")
                cuts = np.flatnonzero(np.diff(acode[order])) + 1
                columns = None
                for group in np.split(order, cuts):
                    code = int(acode[group[0]]) if len(group) else len(by_code)
                    part = by_code[code] if code < len(by_code) else None
                    if part is None:
                        continue
                    if columns is None:
                        columns = self._columns(batch)
                    author = self.reader.authors[code]
                    self._write(out, part, self._lines(author, part, group.tolist(), columns))
        for author, part in parts.items():
            self._write(out, part, self._closing_lines(author, part))
            part.after = (part.seq, part.sha.decode() or None)

    @staticmethod
    def _write(out: IO[bytes], part: Encoded, chunks: Iterator[bytes]) -> None:
        out.seek(0, os.SEEK_END)
        for chunk in chunks:
            if chunk:
                offset = out.tell()
                out.write(chunk)
                part.segments.append((offset, len(chunk)))

    def _columns(self, batch: pa.RecordBatch) -> Batch:
        """A spooled batch as the encoder reads it: for plain rows, each line's text before
        ``prev`` and between ``prev`` and ``seq`` (built column-wise)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        q = batch.column(1)
        at, ptext, note = batch.column(3), batch.column(4), batch.column(5)
        if note.null_count == len(note):
            note_part: pa.Array | pa.Scalar = pa.scalar(b"", pa.binary())
        else:
            note_part = pa.array(
                [b'"note":%b,' % orjson.dumps(t) if t else b"" for t in note.to_pylist()],
                pa.binary(),
            )
        head = pc.binary_join_element_wise(
            b'{"at":"',
            at,
            b'","imported":' + self.imported_json + b',"kind":"forecast",',
            note_part,
            b'"p":',
            ptext,
            b',"prev":',
            b"",
        )
        tail = self.tails.take(q)
        return Batch(batch, head.to_pylist(), tail.to_pylist(), batch.column(6).to_pylist())

    def _lines(self, author: str, part: Encoded, rows: list[int], b: Batch) -> Iterator[bytes]:
        """Lines for forecasts ``rows`` (of one spooled batch) of ``author``, in order.

        A plain row's line is ``head + prev + tail + seq``, its sha the SHA-256 of that and
        ``}`` (the canonical JSON without ``sha``), in hexadecimal; the line adds
        ``,"sha":"<sha>"}`` and a newline. ``prev`` is the previous sha in quotes, ``null``
        first."""
        heads, tails, payloads = b.heads, b.tails, b.payloads
        qinfo, skip_keys = self.qinfo, self.skip_keys
        sha256, hexlify = hashlib.sha256, binascii.hexlify
        seq, h = part.seq, part.sha
        first_seq = seq
        out: list[bytes] = []
        append = out.append
        for i in rows:
            payload = payloads[i]
            if payload is None:
                if skip_keys and qinfo[b.q[i]][2]:
                    question = self.reader.questions[b.q[i]]
                    body = {"p": orjson.loads(b.ptext[i])}
                    key = entry_key(author, question, "forecast", b.at[i].decode(), body)
                    if key in skip_keys:
                        part.skipped += 1
                        continue
                seq += 1
                if h:
                    x = b'%b"%b"%b%d}' % (heads[i], h, tails[i], seq)
                else:
                    x = b"%bnull%b%d}" % (heads[i], tails[i], seq)
                h = hexlify(sha256(x).digest())
                append(b'%b,"sha":"%b"}\n' % (x[:-1], h))
            else:
                entry = self._forecast_entry(
                    author, b.q[i], b.at[i].decode(), orjson.loads(payload), b.note[i]
                )
                if entry is None:
                    part.skipped += 1
                    continue
                seq += 1
                line, text = _chain_line(entry, seq, h.decode() or None)
                h = text.encode()
                append(line)
            if len(out) >= CHUNK:
                yield b"".join(out)
                out.clear()
        part.forecasts += seq - first_seq  # one seq per forecast written
        part.seq, part.sha = seq, h
        yield b"".join(out)

    def _closing_lines(self, author: str, part: Encoded) -> Iterator[bytes]:
        out = []
        for planned in self.closings.get(author, ()):
            entry = self._closing_entry(planned)
            if entry is None:
                part.skipped += 1
                continue
            if entry["kind"] == "claim":
                part.claims += 1
            else:
                part.closings += 1
            part.seq += 1
            line, text = _chain_line(entry, part.seq, part.sha.decode() or None)
            part.sha = text.encode()
            out.append(line)
        yield b"".join(out)

    def _forecast_entry(
        self, author: str, code: int, at: str, payload: dict[str, Any], note: str | None
    ) -> dict[str, Any] | None:
        """A checked forecast of a row that is not plain, as the row-by-row writer makes it."""
        question = self.reader.questions[code]
        _, _, reused, options = self.qinfo[code]
        final = self.finals[question]
        if options:  # the question's final option order
            probs = payload["probs"]
            payload = {"probs": {o: probs[o] for o in options}}
        if (
            reused
            and self.skip_keys
            and entry_key(author, question, "forecast", at, payload) in self.skip_keys
        ):
            return None
        entry: dict[str, Any] = {
            "at": at,
            "kind": "forecast",
            "question": question,
            "question_sha": final.sha,
            **payload,
        }
        if note:
            entry["note"] = note
        entry["imported"] = self.imported
        return entry

    def _closing_entry(self, planned: dict[str, Any]) -> dict[str, Any] | None:
        entry = {k: v for k, v in planned.items() if k not in ("author", "_line", "_sha")}
        entry.setdefault("imported", self.imported)
        question = entry["question"]
        if (
            self.skip_keys
            and not self.finals[question].created
            and entry_key(
                planned["author"], question, entry["kind"], entry["at"], closing_body(entry)
            )
            in self.skip_keys
        ):
            return None
        return entry


def _chain_line(entry: dict[str, Any], seq: int, prev: str | None) -> tuple[bytes, str]:
    """What ``ledger``'s chain makes of an entry marked imported: its line and sha."""
    full = {k: v for k, v in entry.items() if v is not None and k not in ("seq", "prev", "sha")}
    if not full.get("imported"):
        raise NotColumnar  # a live entry: its time order is the chain's to check
    full["seq"] = seq
    full["prev"] = prev
    return ledger.encode_entry(full)


def append_all(session: ledger.AppendSession, writer: ColumnWriter, chains: Chains) -> None:
    """Under the lock: append every author's encoded entries, encoding again a chain that
    moved on since."""
    try:
        for author in list(chains.parts):
            part = chains.parts[author]
            if not part.segments:
                continue  # every entry skipped as already held: the chain is not touched
            out = chains.outs[part.file]
            if not session.append_encoded(author, _read(out, part), part.before, part.after):
                writer.encode({author: session.tail(author)}, chains)
                part = chains.parts[author]
                out = chains.outs[part.file]
                if not session.append_encoded(author, _read(out, part), part.before, part.after):
                    raise RuntimeError(f"the chain of {author} moved during the import")
    finally:
        chains.close()


def _read(out: IO[bytes], part: Encoded) -> Iterator[bytes]:
    for offset, length in part.segments:
        out.seek(offset)
        data = out.read(length)
        if len(data) != length:
            raise OSError("the import's spool file is shorter than what was written to it")
        yield data
