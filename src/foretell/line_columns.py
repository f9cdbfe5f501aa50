"""Ledger lines parsed column-wise by Arrow's JSON reader, where that gives what orjson gives.

``line_records`` parses every line with orjson and pulls each column out of the records in
Python: about 4 microseconds a line. Arrow's reader parses the lines straight into typed
columns in C++, several times faster. It reads a wider language than orjson, though, and
types the columns itself, so ``chunk_table`` uses it only where the two must agree, and
returns None (the caller then takes ``line_records``) for anything else:

- **the text** is UTF-8 (``isascii``, or a strict decode: no surrogates either); no line is
  blank; every line starts with ``{`` and ends with ``}``, and the reader gives exactly one
  row per line (so no line holds two objects, and none is skipped as white space); the text
  holds no ``NaN`` or ``Inf`` (Arrow's reader takes them as numbers, orjson does not) and no
  ``\\u`` escape (so every key is spelled out, and no string holds a lone surrogate); and the
  lines cannot nest deeper than orjson's limit (at most ``DEPTH`` opening brackets beyond one
  per line, outside the lines that orjson parses here anyway);
- **the columns** it reads (``FIELDS``) have the types the reader is told: ``seq`` an
  integer in int64 (not ``1.0``), ``p`` a number or null, the texts texts or null, no key
  given twice. The reader fails on anything else, and the chunk goes to ``line_records``;
- **every forecast is of the right shape** (``line_records`` counts the rest malformed):
  ``question``, ``question_sha``, ``at`` and ``seq`` present, ``at`` a stored time from 1900
  to a day from now, ``seq`` from 1, ``p`` in [0, 1] where given and not -0 (the reader
  cannot say whether it was the integer, which orjson reads as 0), ``probs`` and
  ``quantiles`` objects where given.

The lines whose values the reader does not give are parsed with orjson: resolutions and
annulments (their closing records), and the lines whose ``probs`` or ``quantiles`` is an
object (read as an empty struct, so the reader says only where one is). What the other
columns hold is read once per distinct value (``note``, ``imported``) or taken as it is.
``tests/test_line_columns.py`` compares the two parsers on generated lines.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from foretell.file_table import (
    CLOSING_KEYS,
    MALFORMED,
    NS_1900,
    SCHEMA,
    FileTable,
    closing_ok,
    json_texts,
)
from foretell.stamps import parse_stamps, stored_stamps
from foretell.verify import latest_at

OBJECT_COLUMNS = ("probs", "quantiles")
FIELDS = pa.schema(
    [
        ("kind", pa.string()),
        ("seq", pa.int64()),
        ("at", pa.string()),
        ("question", pa.string()),
        ("question_sha", pa.string()),
        ("p", pa.float64()),
        ("note", pa.string()),
        ("imported", pa.string()),
        # an object, its keys left out: present or not (orjson reads the line where it is)
        *((col, pa.struct([])) for col in OBJECT_COLUMNS),
    ]
)
CLOSING_KINDS = ("resolution", "annulment")  # an Arrow array made here would import pandas
NEWLINE, OPEN, CLOSE, BRACKET = b"\n{}["
LENIENT = (b"NaN", b"Inf", b"\\u")  # what Arrow's reader takes and orjson does not, or may not
DEPTH = 500  # opening brackets beyond one per line allowed (orjson stops at 1,024 levels)
STAMP = 27  # characters of a stored time
Lines = tuple[np.ndarray, np.ndarray, np.ndarray]  # the text's bytes, each line's start and end
READING = pj.ParseOptions(explicit_schema=FIELDS, unexpected_field_behavior="ignore")


def chunk_table(chunk: bytes, author: str = "") -> FileTable | None:
    """``line_records.chunk_table(chunk, author)``, or None where this path cannot vouch
    for giving the same (module docstring)."""
    first, last = 0, len(chunk)  # the chunk without its leading and trailing newlines
    while first < last and chunk[first] == NEWLINE:
        first += 1
    while last > first and chunk[last - 1] == NEWLINE:
        last -= 1
    bounds = _plain_lines(chunk, first, last) if last > first else None
    if bounds is None:
        return None
    text, starts, ends = bounds
    lines = starts.shape[0]
    view = memoryview(chunk)
    if b'"forecast"' not in chunk[first : first + ends[0]]:
        return None  # a file of resolutions, say: most lines would be read by orjson anyway
    try:
        read = pj.read_json(
            pa.py_buffer(chunk).slice(first, last - first),
            read_options=pj.ReadOptions(use_threads=False, block_size=last - first + 1),
            parse_options=READING,
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if read.num_rows != lines:
        return None
    columns = {name: read.column(name).combine_chunks() for name in FIELDS.names}
    kind = columns["kind"]
    is_forecast = pc.fill_null(pc.equal(kind, "forecast"), False).to_numpy(zero_copy_only=False)
    # the lines orjson reads: the closings, and those with an object for probs or quantiles
    wanted = pc.fill_null(pc.is_in(kind, pa.array(CLOSING_KINDS)), False).to_numpy(
        zero_copy_only=False
    )
    for col in OBJECT_COLUMNS:
        if columns[col].null_count < lines:
            wanted = wanted | columns[col].is_valid().to_numpy(zero_copy_only=False)
    parsed: dict[int, Any] = {}
    try:
        for i in np.flatnonzero(wanted).tolist():
            parsed[i] = orjson.loads(view[first + starts[i] : first + ends[i]])
    except orjson.JSONDecodeError:
        return None
    if not _shallow(text, starts, ends, parsed):
        return None
    every = bool(is_forecast.all())
    n = int(is_forecast.sum())
    fc = columns if every else {k: v.filter(pa.array(is_forecast)) for k, v in columns.items()}
    held = [i for i in parsed if is_forecast[i]]  # forecasts whose lines orjson read
    at_row = (np.cumsum(is_forecast) - 1)[held].tolist()  # their rows among the forecasts
    extras = {col: [parsed[i].get(col) for i in held] for col in OBJECT_COLUMNS}
    latest = latest_at()
    at = _stamps(fc["at"], n, latest)
    if at is None or not _right_shape(fc, n, extras):
        return None
    closings, skipped = [], Counter[str]()
    for i in sorted(parsed):
        rec = parsed[i]
        if rec.get("kind") in CLOSING_KINDS:
            if closing_ok(rec, latest):
                closings.append({k: v for k, v in rec.items() if k in CLOSING_KEYS})
            else:
                skipped[MALFORMED] += 1
    p = fc["p"].to_numpy(zero_copy_only=False)  # NaN where null: no NaN is read otherwise
    table = pa.table(
        {
            "author": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, np.int32)), pa.array([author], pa.string())
            ),
            "seq": pa.array(fc["seq"].to_numpy(zero_copy_only=False)),
            "at": pa.array(at).cast(pa.timestamp("ns", tz="UTC")),
            "question": fc["question"].dictionary_encode(),
            "question_sha": fc["question_sha"].dictionary_encode(),
            "p": pa.array(p),
            **{col: _placed(values, at_row, n) for col, values in extras.items()},
            "note": _string_texts(fc["note"]),
            "imported": _string_texts(fc["imported"]),
        },
        schema=SCHEMA,
    )
    return FileTable(table, closings, skipped)


def _plain_lines(chunk: bytes, first: int, last: int) -> Lines | None:
    """The text of ``chunk[first:last]`` and each line's [start, end) in it, when it is UTF-8,
    every line is ``{...}`` (so none is blank) and no ``LENIENT`` word is in it; else None."""
    if not chunk.isascii():
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            return None
    text = np.frombuffer(chunk, dtype=np.uint8)[first:last]
    newlines = np.flatnonzero(text == NEWLINE)
    starts = np.concatenate([[0], newlines + 1])
    ends = np.concatenate([newlines, [text.shape[0]]])
    if not ((text[starts] == OPEN).all() and (text[ends - 1] == CLOSE).all()):
        return None
    for word in LENIENT:  # where its first letter is, do the others follow?
        at = np.flatnonzero(text[: text.shape[0] - len(word) + 1] == word[0])
        for k in range(1, len(word)):
            at = at[text[at + k] == word[k]]
        if at.size:
            return None
    return text, starts, ends


def _shallow(
    text: np.ndarray, starts: np.ndarray, ends: np.ndarray, parsed: dict[int, Any]
) -> bool:
    """No line that orjson has not parsed here can nest deeper than its limit: the opening
    brackets outside ``parsed`` are at most one per line plus ``DEPTH``."""

    def opening(part: np.ndarray) -> int:
        return int(np.count_nonzero(part == OPEN)) + int(np.count_nonzero(part == BRACKET))

    outside = opening(text) - sum(opening(text[starts[i] : ends[i]]) for i in parsed)
    return outside <= starts.shape[0] - len(parsed) + DEPTH


def _stamps(at: pa.Array, n: int, latest: str) -> np.ndarray | None:
    """int64 nanoseconds of ``at`` when every value is a stored time of ASCII characters from
    1900 to ``latest``, else None."""
    if at.null_count or (
        n and pc.min_max(pc.binary_length(at)).as_py() != {"min": STAMP, "max": STAMP}
    ):
        return None
    offsets = np.frombuffer(at.buffers()[1], dtype=np.int32)[at.offset : at.offset + n + 1]
    data = np.frombuffer(at.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[0] + STAMP * n]
    ns, ok = stored_stamps(data.reshape(n, STAMP).astype(np.int64))
    latest_ns = int(parse_stamps([latest])[0])
    if not (ok.all() and (ns >= NS_1900).all() and (ns <= latest_ns).all()):
        return None
    return ns


def _right_shape(fc: dict[str, pa.Array], n: int, extras: dict[str, list[Any]]) -> bool:
    """Every forecast has what ``line_records`` requires of one (docstring)."""
    if fc["question"].null_count or fc["question_sha"].null_count or fc["seq"].null_count:
        return False
    if n and pc.min(fc["seq"]).as_py() < 1:
        return False
    p = fc["p"]
    if p.null_count < n and not (pc.min(p).as_py() >= 0.0 and pc.max(p).as_py() <= 1.0):
        return False
    if np.signbit(p.to_numpy(zero_copy_only=False)).any():
        return False  # -0.0, or the integer -0, which orjson reads as 0
    return all(v is None or type(v) is dict for values in extras.values() for v in values)


def _placed(values: list[Any], rows: list[int], n: int) -> pa.Array:
    """``json_texts`` of n values, ``values`` at ``rows`` and None elsewhere."""
    if all(v is None for v in values):
        return pa.nulls(n, pa.string())
    texts = json_texts(values).to_pylist()
    full: list[str | None] = [None] * n
    for row, text in zip(rows, texts, strict=True):
        full[row] = text
    return pa.array(full, pa.string())


def _string_texts(values: pa.Array) -> pa.Array:
    """The JSON text of each string, null for null (``json_texts``), each distinct one made
    once."""
    if values.null_count == len(values):
        return pa.nulls(len(values), pa.string())
    encoded = values.dictionary_encode()
    texts = pa.array(
        [orjson.dumps(v).decode() for v in encoded.dictionary.to_pylist()], pa.string()
    )
    return texts.take(encoded.indices)
