"""Pass 1 of a generic CSV read column-wise (``columns.py``), before the project lock.

The records of the rows that are not plain go to the ``Planner`` as the row-by-row import
feeds them; each block's plain rows are then added in bulk (per question: count, first and
last time; per row only the fingerprint of a forecast on a question that already exists). Any
problem makes the import fall back to the row-by-row path, which names the first bad line as
it always has (``NotColumnar``, or the error itself), so this path only ever imports what the
row-by-row path imports, entry for entry. Every forecast is kept, block by block, in a spool
file (Arrow IPC: row, question and author codes, time, ``p``'s text, note, and the checked
payload of a row that is not plain), so memory stays per question and per author, not per row.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

import numpy as np
import orjson

from foretell.home import Home
from foretell.interop.columns import Block, ColumnReader, NotPlain
from foretell.interop.fingerprints import entry_key
from foretell.interop.plan import Planner
from foretell.interop.rows import ForecastRow, QuestionFacts
from foretell.interop.source import ImportSource

if TYPE_CHECKING:
    import pyarrow as pa


class NotColumnar(Exception):
    """The file must take the row-by-row path (which reports any error in it)."""


def plan_columns(
    home: Home, source: ImportSource, reader: ColumnReader, spool: IO[bytes] | None
) -> Planner:
    """Feed every record to a Planner (``finish`` and ``duplicates`` are the caller's);
    every forecast goes to ``spool`` (when given) for ``ColumnWriter``."""
    import pyarrow as pa

    planner = Planner(home, source, None)
    writer = None
    try:
        for block in reader.blocks():
            complex_rows = _feed(planner, block)
            _add_plain(planner, block, reader)
            if spool is not None:
                batch = _forecasts(block, complex_rows, reader)
                if writer is None:
                    writer = pa.ipc.new_stream(spool, batch.schema)
                writer.write_batch(batch)
    except NotPlain:
        raise NotColumnar from None
    finally:
        if writer is not None:
            writer.close()
    return planner


def _feed(planner: Planner, block: Block) -> list[tuple[int, ForecastRow, dict[str, Any]]]:
    out = []
    check, facts, closing = planner.check_forecast, planner.facts, planner.closing
    for index, record in block.records:
        kind = type(record)
        if kind is ForecastRow:
            out.append((index, record, check(record)))  # type: ignore[arg-type]
        elif kind is QuestionFacts:
            facts(record)  # type: ignore[arg-type]
        else:
            closing(record)  # type: ignore[arg-type]
    return out  # type: ignore[return-value]


def _add_plain(planner: Planner, b: Block, reader: ColumnReader) -> None:
    if not len(b.rows):
        return
    local, q = np.unique(b.qcode, return_inverse=True)
    key = b.at_key
    nq = len(local)
    low = np.full(nq, np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full(nq, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(low, q, key)
    np.maximum.at(high, q, key)
    count = np.bincount(q, minlength=nq)
    index = np.arange(len(b.rows))
    last = np.full(nq, np.iinfo(np.int64).max, dtype=np.int64)  # first row at the latest time
    top = key == high[q]
    np.minimum.at(last, q[top], index[top])
    first = np.zeros(nq, dtype=np.int64)  # a row at the earliest time
    bottom = key == low[q]
    first[q[bottom]] = index[bottom]
    for k, code in enumerate(local.tolist()):
        qid = reader.questions[code]
        draft = planner.drafts.get(qid)
        if draft is None or draft.kind != "binary":
            raise NotColumnar
        first_at = b.at[int(first[k])].as_py().decode()
        last_at = b.at[int(last[k])].as_py().decode()
        last_line = int(b.rows[int(last[k])]) + reader.first_line
        if draft.first_at is None or first_at < draft.first_at:
            draft.first_at = first_at
        if (
            draft.last_at is None
            or last_at > draft.last_at
            or (last_at == draft.last_at and last_line < draft.last_line)
        ):
            draft.last_at, draft.last_line = last_at, last_line
        draft.forecasts += int(count[k])
        if draft.exists:
            mine = np.flatnonzero(q == k)
            at = b.at.take(mine).to_pylist()
            authors = b.acode[mine].tolist()
            p = b.p[mine].tolist()
            keys = [
                entry_key(reader.authors[a], qid, "forecast", t.decode(), {"p": v})
                for a, t, v in zip(authors, at, p, strict=True)
            ]
            planner.add_keys(keys, (b.rows[mine] + reader.first_line).tolist())
    planner.forecasts += len(b.rows)
    planner.authors.update(reader.authors[a] for a in np.unique(b.acode).tolist())


def _forecasts(
    b: Block, complex_rows: list[tuple[int, ForecastRow, dict[str, Any]]], reader: ColumnReader
) -> pa.RecordBatch:
    """The block's forecasts in file order: row, question, author, at, p's text, note, and
    for a row that is not plain its checked payload (JSON)."""
    import pyarrow as pa

    n = len(complex_rows)
    rows = np.concatenate([b.rows, np.array([i for i, _, _ in complex_rows], dtype=np.int64)])
    qcode = np.concatenate(
        [b.qcode, np.array([reader.question_code(r.question) for _, r, _ in complex_rows])]
    ).astype(np.int32)
    acode = np.concatenate(
        [b.acode, np.array([reader.author_code(r.author) for _, r, _ in complex_rows])]
    ).astype(np.int32)
    at = pa.concat_arrays(
        [b.at, pa.array([r.at.encode() for _, r, _ in complex_rows], pa.binary())]
    )
    ptext = pa.array([*b.ptext, *([b""] * n)], pa.binary())
    base_notes = b.notes if b.notes is not None else pa.nulls(len(b.rows), pa.string())
    notes = pa.concat_arrays(
        [base_notes.cast(pa.string()), pa.array([r.note for _, r, _ in complex_rows], pa.string())]
    )
    extra = pa.concat_arrays(
        [
            pa.nulls(len(b.rows), pa.binary()),
            pa.array([orjson.dumps(f) for _, _, f in complex_rows], pa.binary()),
        ]
    )
    order = pa.array(np.argsort(rows, kind="stable"))
    return pa.RecordBatch.from_arrays(
        [
            pa.array(rows).take(order),
            pa.array(qcode).take(order),
            pa.array(acode).take(order),
            at.take(order),
            ptext.take(order),
            notes.take(order),
            extra.take(order),
        ],
        names=["row", "q", "a", "at", "ptext", "note", "payload"],
    )
