"""Ledger lines parsed record by record: orjson, then each column pulled out of the records.

This path reads any text. Lines are parsed with orjson; columns are pulled out of the records
with list comprehensions and turned into Arrow arrays in C (timestamps by ``foretell.stamps``:
the ledger's own form with integer arithmetic, anything else through pandas). A line that is
not a JSON object is counted unreadable, a forecast of the wrong shape malformed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from foretell.file_table import (
    CLOSING_KEYS,
    EXTRA_COLUMNS,
    MALFORMED,
    NS_1900,
    SCHEMA,
    UNREADABLE,
    FileTable,
    closing_ok,
    json_texts,
)
from foretell.stamps import NAT, parse_stamps
from foretell.verify import MAX_SEQ, latest_at


def records(chunk: bytes, skipped: Counter[str]) -> list[dict[str, Any]]:
    """The objects of the non-blank lines of ``chunk``, each line parsed alone (a line that
    does not parse, or is not an object, is counted unreadable). Done as one JSON array of the
    lines joined by commas, which gives one value per line when every line is one value; when
    it does not parse or gives another count, line by line."""
    body = chunk.strip(b"\n")
    if not body:
        return []
    lines: list[bytes] | None = None
    if b"\n\n" in body:
        lines = [line for line in body.split(b"\n") if line]
        joined, count = b",".join(lines), len(lines)
    else:  # the same text, without splitting the lines
        joined, count = body.replace(b"\n", b","), body.count(b"\n") + 1
    try:
        parsed = orjson.loads(b"[" + joined + b"]")
    except orjson.JSONDecodeError:
        parsed = None
    if parsed is None or len(parsed) != count:  # "[ ]" or "[1,2]" from lines " " or "1,2"
        parsed = []
        for line in lines if lines is not None else body.split(b"\n"):
            try:
                parsed.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                skipped[UNREADABLE] += 1
    records = [r for r in parsed if type(r) is dict]
    skipped[UNREADABLE] += len(parsed) - len(records)
    return records


def chunk_table(chunk: bytes, author: str = "") -> FileTable:
    skipped: Counter[str] = Counter()
    closings: list[dict[str, Any]] = []
    fc: list[dict[str, Any]] = []
    latest = latest_at()
    for rec in records(chunk, skipped):
        kind = rec.get("kind")
        if kind == "forecast":
            fc.append(rec)
        elif kind == "resolution" or kind == "annulment":
            if closing_ok(rec, latest):
                closings.append({k: v for k, v in rec.items() if k in CLOSING_KEYS})
            else:
                skipped[MALFORMED] += 1
    n = len(fc)
    question = [r.get("question") for r in fc]
    at_raw = [r.get("at") for r in fc]
    shas = [r.get("question_sha") for r in fc]
    # what verify checks of a forecast's shape: exact types (True is no number, "0.5" none),
    # ``at`` in the stored form from 1900 to a day from now, seq 1..2**63-1, text where text
    good = np.fromiter(
        (
            type(q) is str and type(s) is str and type(a) is str and len(a) == 27
            for q, a, s in zip(question, at_raw, shas, strict=True)
        ),
        bool,
        count=n,
    )
    p_raw = [r.get("p") for r in fc]
    if all(type(v) is float or v is None for v in p_raw):
        p = np.array([np.nan if v is None else v for v in p_raw], dtype=np.float64)
    else:  # ints and other types: pandas' coercion (imported only for such a file)
        import pandas as pd

        good &= np.fromiter((type(v) in (float, int) or v is None for v in p_raw), bool, n)
        p_series = pd.Series(_blanked(p_raw, good, None), dtype=object)
        p = pd.to_numeric(p_series, errors="coerce").to_numpy(dtype=np.float64)
    good &= np.isnan(p) | ((p >= 0.0) & (p <= 1.0))
    extras = {col: [r.get(col) for r in fc] for col in EXTRA_COLUMNS}
    for col in ("probs", "quantiles"):
        values = extras[col]
        good &= np.fromiter((v is None or type(v) is dict for v in values), bool, count=n)
    for col in ("note", "imported"):
        values = extras[col]
        good &= np.fromiter((v is None or type(v) is str for v in values), bool, count=n)
    at = parse_stamps(_blanked(at_raw, good, None))
    latest_ns = int(parse_stamps([latest])[0])
    good &= (at != NAT) & (at >= NS_1900) & (at <= latest_ns)
    seq_raw = [r.get("seq") for r in fc]
    good &= np.fromiter((type(v) is int and 1 <= v <= MAX_SEQ for v in seq_raw), bool, count=n)
    seq = np.array(_blanked(seq_raw, good, 0), dtype=np.int64)
    skipped[MALFORMED] += int((~good).sum())
    rows = None if good.all() else np.flatnonzero(good)  # None: every row is kept
    picked = None if rows is None else rows.tolist()
    m = n if rows is None else rows.shape[0]

    def kept(values: list[Any]) -> list[Any]:
        return values if picked is None else [values[r] for r in picked]

    table = pa.table(
        {
            "author": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(m, np.int32)), pa.array([author], pa.string())
            ),
            "seq": pa.array(seq if rows is None else seq[rows]),
            "at": pa.array(at if rows is None else at[rows]).cast(pa.timestamp("ns", tz="UTC")),
            "question": pa.array(kept(question), pa.string()).dictionary_encode(),
            # a kept row's sha is text
            "question_sha": pa.array(kept(shas), pa.string()).dictionary_encode(),
            "p": pa.array(p if rows is None else p[rows]),
            **{col: json_texts(kept(extras[col])) for col in EXTRA_COLUMNS},
        },
        schema=SCHEMA,
    )
    return FileTable(table, closings, skipped)


def _blanked(values: list[Any], good: np.ndarray, blank: Any) -> list[Any]:
    """``values`` with ``blank`` where not ``good`` (the list itself when all are)."""
    if good.all():
        return values
    return [v if g else blank for v, g in zip(values, good, strict=True)]
