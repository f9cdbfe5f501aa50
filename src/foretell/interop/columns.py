"""Reading a generic CSV column-wise (pyarrow), so that most rows cost no Python work.

The row-by-row reader (``generic._Rows``) stays the definition of the format. This reader
parses the whole file with pyarrow and sorts its rows in two:

- a *plain* row is a binary forecast whose cells the row-by-row reader would accept without
  a question (``p`` a decimal in [0, 1], ``at`` a UTC time in one of the stored forms, a
  lowercase-kebab question id, an author whose name makes a ledger name) and which repeats,
  cell for cell, every question and resolution column of the previous row on the same
  question, itself a ``p`` forecast: the row-by-row reader would yield nothing for it but
  its forecast. Plain rows are checked and kept as columns;
- every other row is handed to the row-by-row reader, in file order, so it yields exactly
  the records it always has.

Files this reader does not follow line for line are left to the row-by-row reader
(``read_columns`` returns None): a quote character anywhere (quoted cells may hold commas or
newlines), a blank line, a lone carriage return, a row with too few or too many cells, text
that is not UTF-8. So every line number stays the row-by-row reader's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from foretell import ids
from foretell.errors import ForetellError
from foretell.interop.reading import Input, Table
from foretell.interop.rows import Record
from foretell.stamps import DIGITS, FIELDS, stored_fields

if TYPE_CHECKING:
    import pyarrow as pa

    from foretell.interop.generic import GenericSource

_P = r"^(?:[01](?:\.[0-9]*)?|\.[0-9]+)$"  # what float() and pyarrow read alike, to one double
_AT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6}Z|[Zz])$"
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass
class Block:
    """The rows of one stretch of the file. ``records``: what the row-by-row reader yields
    for its rows that are not plain, each with its row's index (0 = the first row after the
    header), in file order. The rest describe its plain rows: their indices, question and
    author (codes into the reader's ``questions`` and ``authors``), stored time (and an
    integer that orders as it), ``p`` with its stored text, and note (null: none)."""

    records: list[tuple[int, Record]]
    rows: np.ndarray  # int64
    qcode: np.ndarray  # int32
    acode: np.ndarray  # int32
    at: pa.Array  # binary
    at_key: np.ndarray  # int64
    p: np.ndarray  # float64
    ptext: list[bytes]
    notes: pa.Array | None  # string, null for none; None: the file has no note column


BLOCK_BYTES = 1 << 22  # read about 4 MB of the file at a time: memory stays per block


class ColumnReader:
    """A generic CSV read in blocks, with what crosses blocks: the question and author code
    tables, and for each question the cells of its last row (see the module docstring)."""

    def __init__(self, source: GenericSource, table: Table, levels: list[tuple[int, float]]):
        from foretell.interop.generic import CLOSE, COLUMNS, FACTS, _Rows

        self.source = source
        self.table = table
        self.levels = levels
        self.pos = {name: table.index(name) for name in COLUMNS}
        self.kept = [self.pos[c] for c in (*FACTS, *CLOSE) if self.pos[c] >= 0]
        self.rows = _Rows(source)
        self.questions: list[str] = []
        self.q_index: dict[str, int] = {}
        self.authors: list[str] = []
        self.a_index: dict[str, int] = {}
        self.first_line = table.header_line + 1
        self._last: dict[str, tuple[Any, ...]] = {}  # question -> (p only, *kept cells)
        self._slugs: dict[str, int] = {}  # author cell -> code (-1: not a ledger name)

    def question_code(self, qid: str) -> int:
        code = self.q_index.get(qid)
        if code is None:
            code = self.q_index[qid] = len(self.questions)
            self.questions.append(qid)
        return code

    def author_code(self, slug: str) -> int:
        code = self.a_index.get(slug)
        if code is None:
            code = self.a_index[slug] = len(self.authors)
            self.authors.append(slug)
        return code

    def blocks(self) -> Iterator[Block]:
        """The file's blocks in order; raises NotPlain when the file turns out not to be one
        this reader follows line for line."""
        from pyarrow import csv

        from foretell.interop.arrow import arrow

        pa = arrow()  # before any conversion: pyarrow's check for pandas, without pandas

        width = self.table.width
        names = [f"c{i}" for i in range(width)]
        try:
            reader = csv.open_csv(
                self.source.path,
                read_options=csv.ReadOptions(
                    skip_rows=1, column_names=names, block_size=BLOCK_BYTES
                ),
                parse_options=csv.ParseOptions(
                    quote_char=False, newlines_in_values=False, ignore_empty_lines=False
                ),
                convert_options=csv.ConvertOptions(
                    column_types={c: pa.string() for c in names},
                    strings_can_be_null=False,
                    check_utf8=True,
                ),
            )
        except (pa.ArrowInvalid, ValueError, OSError):
            raise NotPlain from None
        start = 0
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, ValueError, OSError):
                raise NotPlain from None
            n = batch.num_rows
            if n:
                yield self._block([batch.column(i) for i in range(width)], n, start)
            start += n

    def _block(self, cells: list[pa.Array], n: int, start: int) -> Block:
        import pyarrow as pa
        import pyarrow.compute as pc

        pos = self.pos
        empty = pa.array([""] * n, pa.string())

        def col(name: str) -> pa.Array:
            i = pos[name]
            return cells[i] if i >= 0 else empty

        def filled(a: pa.Array) -> np.ndarray:
            return _np(pc.greater(pc.utf8_length(a), 0))

        # the question of each row, coded for the whole file
        encoded = col("question").dictionary_encode()
        local = encoded.dictionary.to_pylist()
        to_global = np.array([self.question_code(q) for q in local], dtype=np.int32)
        plain_id = np.array([bool(ids.ID_PATTERN.match(q)) for q in local], dtype=bool)
        lq = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        plain = plain_id[lq]

        p_cells = col("p")
        p_given = filled(p_cells)
        others_empty = ~filled(col("probs"))
        for index, _ in self.levels:
            others_empty &= ~filled(cells[index])
        p_only = p_given & others_empty

        # the previous row on the same question: in this block, or the question's last row
        order = np.argsort(lq, kind="stable")
        prev = np.full(n, -1, dtype=np.int64)
        same = lq[order[1:]] == lq[order[:-1]]
        prev[order[1:][same]] = order[:-1][same]
        has_prev = prev >= 0
        safe_prev = np.where(has_prev, prev, 0)
        repeats = has_prev & p_only[safe_prev]
        picked = pa.array(safe_prev)
        for i in self.kept:
            c = cells[i]
            repeats &= _np(pc.equal(c, c.take(picked)))
        firsts = order[np.concatenate(([True], ~same))] if n else order
        lasts = order[np.concatenate((~same, [True]))] if n else order
        kept_cols = [cells[i] for i in self.kept]
        first_cells = [c.take(pa.array(firsts)).to_pylist() for c in kept_cols]
        for k, row in enumerate(firsts.tolist()):
            known = self._last.get(local[lq[row]])
            now = (True, *(c[k] for c in first_cells))
            repeats[row] = known is not None and known == now
        last_cells = [c.take(pa.array(lasts)).to_pylist() for c in kept_cols]
        for k, row in enumerate(lasts.tolist()):
            self._last[local[lq[row]]] = (bool(p_only[row]), *(c[k] for c in last_cells))
        plain &= repeats & p_only

        # p: a decimal in [0, 1]
        p_form = _np(pc.match_substring_regex(p_cells, _P)) & p_given
        p_text = pc.if_else(pa.array(p_form), p_cells, pa.scalar("0"))
        p = _np(pc.cast(p_text, pa.float64()))
        plain &= p_form & (p >= 0.0) & (p <= 1.0)

        # at: a stored form of a UTC time on a real day in the supported years
        at_cells = col("at")
        at_form = _np(pc.match_substring_regex(at_cells, _AT))
        at_text = pc.if_else(pa.array(at_form), at_cells, pa.scalar("1900-01-01T00:00:00Z"))
        stored = pc.if_else(
            pc.equal(pc.utf8_length(at_text), 27),
            at_text,
            pc.binary_join_element_wise(pc.utf8_slice_codeunits(at_text, 0, 19), ".000000Z", ""),
        )
        at_ok, at_key = _real_times(stored)
        plain &= at_form & at_ok

        # the author: a name that makes a ledger name
        a_encoded = col("author").dictionary_encode()
        codes = []
        for name in a_encoded.dictionary.to_pylist():
            code = self._slugs.get(name)
            if code is None:
                try:
                    code = self.author_code(self.rows._author(name, 0))
                except ForetellError:
                    code = -1
                if len(self._slugs) < 100_000:
                    self._slugs[name] = code
            codes.append(code)
        a_local = np.asarray(a_encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        acode = np.array(codes, dtype=np.int32)[a_local]
        plain &= acode >= 0

        # the records of every other row, from the row-by-row reader
        others = np.flatnonzero(~plain)
        records = _records(cells, others, pos, self.levels, self.rows, start, self.first_line)
        rows = np.flatnonzero(plain)
        take = pa.array(rows)
        plain_p = p[rows]
        texts = orjson.dumps(plain_p.tolist())[1:-1].split(b",") if len(rows) else []
        notes = None
        if pos["note"] >= 0:
            note = col("note").take(take)
            notes = pc.if_else(pc.equal(note, ""), pa.scalar(None, pa.string()), note)
        return Block(
            records,
            rows + start,
            to_global[lq[rows]],
            acode[rows],
            stored.take(take).cast(pa.binary()),
            at_key[rows],
            plain_p,
            texts,
            notes,
        )


class NotPlain(Exception):
    """The file is not one the column-wise reader follows line for line."""


def open_columns(source: GenericSource) -> ColumnReader | None:
    """A column-wise reader of the file, or None when it is left to the row-by-row reader
    (see the module docstring); ``blocks()`` may still find so (``NotPlain``)."""
    from foretell.interop.generic import COLUMNS, quantile_level

    path = source.path
    table = Table(Input.file(path), required=("question",))  # the header's own checks
    if table.header_line != 1 or table.width < 2 or not _plain_bytes(path):
        return None  # (one cell of spaces is a blank row to the row-by-row reader)
    levels: list[tuple[int, float]] = []
    for name, index in table.columns.items():
        if name in COLUMNS:
            continue
        level = quantile_level(name)
        if level is None:
            return None  # unknown columns: the row-by-row reader names them
        levels.append((index, level))
    return ColumnReader(source, table, levels)


def _plain_bytes(path: Path) -> bool:
    """No quote, no blank line (``\\n\\n`` or ``\\n\\r\\n``), no carriage return but before a
    newline. Each block is looked at as bytes in numpy: the gaps between its newlines and the
    byte after each carriage return (a bytes search for the two-byte patterns and two counts
    took 0.56 s on a 115 MB file, this 0.21 s)."""
    with path.open("rb") as fh:
        before = b""
        while True:
            chunk = fh.read(BLOCK_BYTES)
            if not chunk:
                return not before.endswith(b"\r")
            if b'"' in chunk:
                return False
            text = before + chunk  # with the last two bytes before: a pair across blocks
            a = np.frombuffer(text, dtype=np.uint8)
            newline = np.flatnonzero(a == 10)
            if newline.size > 1:
                gap = np.diff(newline)
                if (gap == 1).any() or ((gap == 2) & (a[newline[:-1] + 1] == 13)).any():
                    return False
            cr = np.flatnonzero(a[:-1] == 13)  # the last byte's follower is in the next block
            if cr.size and (a[cr + 1] != 10).any():
                return False
            before = text[-2:]


def _np(a: pa.Array) -> np.ndarray:
    return np.asarray(a.to_numpy(zero_copy_only=False))


def _real_times(stored: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Whether each stored time (``YYYY-MM-DDTHH:MM:SS.ffffffZ``) names a real moment in
    1900-2999, and an integer per time that orders as the text does."""
    digits = _fixed_digits(stored)
    if digits is None:
        digits = _sliced_digits(stored)
    year, month, day, hour, minute, second, micro = digits
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    days = _DAYS[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    ok = (
        (year >= 1900)
        & (year <= 2999)
        & month_ok
        & (day >= 1)
        & (day <= days)
        & (hour < 24)
        & (minute < 60)
        & (second < 60)
    )
    seconds = ((((year * 13 + month) * 32 + day) * 24 + hour) * 60 + minute) * 60 + second
    return ok, seconds * 1_000_000 + micro


def _fixed_digits(stored: pa.Array) -> list[np.ndarray] | None:
    """The seven numbers of each stored time read straight from the array's bytes, where
    every value is 27 ASCII digits and separators laid end to end (as ``_block`` makes them:
    checked against ``_AT``, so each field is digits); None for any other layout."""
    import pyarrow as pa

    n = len(stored)
    if not isinstance(stored, pa.StringArray) or stored.null_count or n == 0:
        return None
    _, offsets_buffer, data_buffer = stored.buffers()
    if offsets_buffer is None or data_buffer is None:
        return None
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[stored.offset : stored.offset + n + 1]
    first = int(offsets[0])
    if int(offsets[-1]) - first != 27 * n or (np.diff(offsets) != 27).any():
        return None
    chars = np.frombuffer(data_buffer, dtype=np.uint8)[first : first + 27 * n].reshape(n, 27)
    return stored_fields(chars[:, list(DIGITS)] - 48)  # uint8: every one is a digit


def _sliced_digits(stored: pa.Array) -> list[np.ndarray]:
    """``_fixed_digits`` by pyarrow's slicing and casting, for any layout."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def part(start: int, stop: int) -> np.ndarray:
        piece = pc.utf8_slice_codeunits(stored, start, stop)
        return np.asarray(pc.cast(piece, pa.int64()).to_numpy(zero_copy_only=False))

    return [part(lo, hi) for lo, hi in FIELDS]


def _records(
    cells: list[pa.Array],
    which: np.ndarray,
    pos: dict[str, int],
    levels: list[tuple[int, float]],
    rows: Any,
    start: int,
    first_line: int,
) -> list[tuple[int, Record]]:
    """The row-by-row reader's records for rows ``which`` (in file order)."""
    import pyarrow as pa

    if not len(which):
        return []
    picked = pa.array(which)
    columns = [c.take(picked).to_pylist() for c in cells]
    process = rows.processor(pos)
    out: list[tuple[int, Record]] = []
    extra: list[Record] = []
    for k, index in enumerate((which + start).tolist()):
        row = [c[k] for c in columns]
        row.append("")
        quantiles = [(level, row[i]) for i, level in levels if row[i]] if levels else None
        record = process(index + first_line, row, quantiles, extra)
        for e in extra:
            out.append((index, e))
        extra.clear()
        if record is not None:
            out.append((index, record))
    return out
