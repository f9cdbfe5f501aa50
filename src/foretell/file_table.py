"""The forecasts of one ledger file as an Arrow table, and the rules its two parsers share.

``tables.parse_bytes`` reads a file's lines into a ``FileTable``: ``line_columns`` parses
them column-wise with Arrow's JSON reader where it can vouch that the result is the one
``line_records`` (orjson, record by record) gives, and ``line_records`` does everywhere else.
Both keep exactly the forecasts whose shape ``verify`` accepts, and count the rest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from foretell.verify import MAX_SEQ, TEXT_FIELDS, at_problem, day_problem

EXTRA_COLUMNS = ("probs", "quantiles", "note", "imported")
CLOSING_KEYS = ("at", "kind", "question", "outcome", "resolved_on")
MALFORMED = "malformed entries (see foretell verify)"
EDITED = "entries whose sha does not match their content (run foretell verify)"
UNREADABLE = "unreadable lines"
TORN = "incomplete last lines"
NS_1900 = int(np.datetime64("1900-01-01T00:00:00", "ns").astype(np.int64))

DICT = pa.dictionary(pa.int32(), pa.string())
SCHEMA = pa.schema(
    [
        ("author", DICT),
        ("seq", pa.int64()),
        ("at", pa.timestamp("ns", tz="UTC")),
        ("question", DICT),
        ("question_sha", DICT),
        ("p", pa.float64()),
        *((col, pa.string()) for col in EXTRA_COLUMNS),  # JSON text, null when absent
    ]
)
"""The forecasts of a file: one row per forecast entry of the right shape, in file order.
``p`` is NaN for non-binary forecasts; ``probs``/``quantiles``/``note``/``imported`` hold the
entry's value as JSON text (null when the entry has none)."""


@dataclass
class FileTable:
    """The forecasts of one file as an Arrow table (``SCHEMA``); closings as records."""

    forecasts: pa.Table
    closings: list[dict[str, Any]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return self.forecasts.num_rows

    @classmethod
    def empty(cls) -> FileTable:
        return cls(SCHEMA.empty_table())

    def extend(self, other: FileTable) -> FileTable:
        return FileTable(
            pa.concat_tables([self.forecasts, other.forecasts]),
            self.closings + other.closings,
            self.skipped + other.skipped,
        )


def closing_ok(rec: dict[str, Any], latest: str) -> bool:
    """A resolution or annulment that verify accepts, bar the checks against its question
    (its outcome: see ``frames``)."""
    seq = rec.get("seq")
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        return False
    if type(rec.get("question")) is not str or type(rec.get("question_sha")) is not str:
        return False
    if at_problem(rec.get("at"), latest) or day_problem(rec.get("resolved_on"), ""):
        return False
    if not all(k not in rec or type(rec[k]) is str for k in TEXT_FIELDS):
        return False
    if "amends" in rec and not rec.get("why"):
        return False
    if rec["kind"] == "annulment":
        return bool(rec.get("why"))
    return type(rec.get("outcome")) in (str, int, float)


def json_texts(values: list[Any]) -> pa.Array:
    """The JSON text of each value, null for None. A text value's JSON is made once per
    distinct text (a column such as ``imported`` repeats one)."""
    if all(v is None for v in values):
        return pa.nulls(len(values), pa.string())
    dumps = orjson.dumps
    memo: dict[str, str] = {}
    texts: list[str | None] = [None] * len(values)
    for i, v in enumerate(values):
        if v is None:
            continue
        if type(v) is str:
            text = memo.get(v)
            if text is None:
                text = memo[v] = dumps(v).decode()
            texts[i] = text
        else:
            texts[i] = dumps(v, option=orjson.OPT_NON_STR_KEYS).decode()
    return pa.array(texts, type=pa.string())
