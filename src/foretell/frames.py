"""Ledger + catalog -> pandas DataFrames, read column-wise for bulk work (report, export, API).

``Frames.forecasts`` holds people's forecasts only. Claims (a source's stated outcome or
value, kind ``claim``; see ``foretell.claims``) are in ``Frames.claims``, one row per claim
with ``kind == "claim"``, so nothing built from the forecasts (scores, crowds, peers) ever
counts a claim as a forecaster's probability.

Lines are parsed in chunks with orjson and only the needed fields are kept, so memory grows
with the columns, not with a Python object per entry. Hashes and chains are not checked here
(``verify`` does that); lines that do not parse, and entries naming unknown questions, are
left out and counted in ``Frames.skipped``, as are forecasts whose payload verify flags
(``foretell.payload_checks``). The claims frame is built in ``foretell.claim_frames``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from foretell import conversions, ledger
from foretell.catalog import left_out_counts
from foretell.catalog_cache import question_row, question_rows
from foretell.claim_frames import claims_frame, empty_claims
from foretell.errors import Problem
from foretell.home import Home
from foretell.payload_checks import drop_bad_payloads, question_stand_ins
from foretell.scoring.order import lexsort
from foretell.tables import (
    EXTRA_COLUMNS,
    MALFORMED,
    SCHEMA,
    FileTable,
    read_table,
)
from foretell.verify import outcome_problem

if TYPE_CHECKING:  # the models (pydantic) load only where a question file is read
    from foretell.model import Question

QUESTION_COLUMNS = [
    "id", "title", "type", "opened", "resolve_by", "tags", "options", "unit",
    "range_low", "range_high", "thresholds", "sha", "period_start", "ordered", "target_date",
]  # fmt: skip
FORECAST_COLUMNS = [
    "author", "seq", "at", "question", "question_sha", "type", "p", "probs", "quantiles",
    "note", "imported",
]  # fmt: skip
OUTCOME_COLUMNS = ["question", "status", "outcome", "resolved_on", "author", "at"]


@dataclass(frozen=True)
class Frames:
    questions: pd.DataFrame
    forecasts: pd.DataFrame
    outcomes: pd.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)
    claims: pd.DataFrame = field(default_factory=empty_claims)


def questions_frame(questions: dict[str, Question]) -> pd.DataFrame:
    return rows_frame([question_row(q) for q in questions.values()])


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The questions frame from ``catalog_cache.question_row`` rows."""
    frame = pd.DataFrame(rows, columns=QUESTION_COLUMNS)
    for col in ("range_low", "range_high"):
        frame[col] = frame[col].astype(np.float64)
    for col in ("opened", "resolve_by", "period_start", "target_date"):
        frame[col] = _days(frame[col])
    return frame


def _days(values: pd.Series) -> pd.Series:
    """Dates (ISO text, ``date`` objects or None) as ``datetime64[s]``: a unit that holds
    every supported year (1900-2999), where pandas' default nanoseconds end in 2262."""
    raw = [None if v is None or v != v else v for v in values.tolist()]
    try:  # ISO dates (as the catalog cache keeps them) and date objects: parsed by numpy
        stamps = np.array(raw, dtype="datetime64[D]").astype("datetime64[s]")
    except ValueError:  # any other text Python reads as an ISO date
        days = [v if v is None or isinstance(v, dt.date) else dt.date.fromisoformat(v) for v in raw]
        stamps = np.array(days, dtype="datetime64[D]").astype("datetime64[s]")
    return pd.Series(stamps, dtype="datetime64[s]", index=values.index)


def _outcomes_frame(closings: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per question: its latest resolution or annulment by ``at``."""
    final: dict[str, dict[str, Any]] = {}
    for e in closings:
        if e["question"] not in final or final[e["question"]]["at"] <= e["at"]:
            final[e["question"]] = e
    rows = [
        {
            "question": q,
            "status": "resolved" if e["kind"] == "resolution" else "annulled",
            "outcome": e.get("outcome"),
            "resolved_on": e.get("resolved_on"),
            "author": e["author"],
            "at": e["at"],
        }
        for q, e in sorted(final.items())
    ]
    frame = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
    frame["outcome"] = frame["outcome"].astype(object)
    frame["resolved_on"] = _days(frame["resolved_on"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True).astype("datetime64[ns, UTC]")
    return frame


def _float_keys(d: dict[str, Any]) -> dict[Any, Any]:
    try:
        return {float(k): v for k, v in d.items()}
    except ValueError:
        return d


def _objects(
    column: pa.Array | pa.ChunkedArray, places: np.ndarray, n: int, convert: bool = False
) -> np.ndarray:
    """The JSON texts of an extras column parsed into Python values, as an object array of
    ``n`` rows holding entry ``i`` of ``column`` at row ``places[i]`` (None elsewhere and
    where the text is null).

    Each distinct text is parsed once (the column dictionary-encoded by Arrow) and its value
    shared by the rows holding it: the values are read, never changed, downstream."""
    out = np.full(n, None, dtype=object)
    if len(column) == 0 or column.null_count == len(column):
        return out
    encoded = column.dictionary_encode()
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks()
    loads = orjson.loads
    values = [loads(t) for t in encoded.dictionary.to_pylist()]
    if convert:  # quantile levels as floats (a level that is no number: verify flags it)
        values = [_float_keys(d) if isinstance(d, dict) else d for d in values]
    table = np.empty(len(values) + 1, dtype=object)
    table[: len(values)] = values
    table[-1] = None
    indices = encoded.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    out[places] = table[indices]
    return out


def _forecasts_frame(
    tables: list[tuple[str, FileTable]], known: set[str], types: dict[str, str]
) -> tuple[pd.DataFrame, Counter[str]]:
    """Concatenate file tables into one frame, keeping forecasts on known questions."""
    arrow = pa.concat_tables([t.forecasts for _, t in tables]) if tables else SCHEMA.empty_table()
    authors = np.concatenate(
        [np.full(len(t), i, dtype=np.int32) for i, (_, t) in enumerate(tables)] or [np.zeros(0)]
    ).astype(np.int32)
    return forecasts_of(arrow, authors, [a for a, _ in tables], known, types)


@dataclass
class Rows:
    """Forecast rows as arrays, in any order, before ``forecast_frame`` sorts them:
    ``question`` and ``question_sha`` as codes into the name lists, ``author`` as codes into
    ``forecast_frame``'s ``authors``, ``at`` as int64 nanoseconds; each extras column as
    (the rows holding a value, their JSON texts in that order)."""

    question: np.ndarray
    questions: list[str]
    sha: np.ndarray
    shas: list[str]
    author: np.ndarray
    at: np.ndarray
    seq: np.ndarray
    p: np.ndarray
    extras: dict[str, tuple[np.ndarray, pa.Array | pa.ChunkedArray]]


def forecasts_of(
    arrow: pa.Table,
    author_codes: np.ndarray,
    authors: list[str],
    known: set[str],
    types: dict[str, str],
) -> tuple[pd.DataFrame, Counter[str]]:
    """The forecasts frame of an Arrow table of ``tables.SCHEMA`` columns (``at`` may be int64
    nanoseconds), its rows' authors given as codes into ``authors``; rows on questions not in
    ``known`` are left out and counted."""
    skipped: Counter[str] = Counter()
    n = arrow.num_rows
    q_codes, questions = _codes(arrow.column("question"))
    keep = np.isin(q_codes, [i for i, q in enumerate(questions) if q in known])
    kept = int(keep.sum())
    if n - kept:
        skipped["entries naming an unknown question"] += n - kept
    s_codes, shas = _codes(arrow.column("question_sha"))
    at_column = arrow.column("at")
    if pa.types.is_timestamp(at_column.type):
        at_column = at_column.cast(pa.int64())
    extras = {}
    mask = pa.array(keep)
    for col in EXTRA_COLUMNS:
        column = arrow.column(col)
        if kept != n:
            column = column.filter(mask)
        extras[col] = (np.arange(kept), column)
    rows = Rows(
        q_codes[keep],
        questions,
        s_codes[keep],
        shas,
        author_codes[keep],
        at_column.to_numpy()[keep],
        arrow.column("seq").to_numpy()[keep],
        arrow.column("p").to_numpy()[keep],
        extras,
    )
    return forecast_frame(rows, authors, types), skipped


def forecast_frame(rows: Rows, authors: list[str], types: dict[str, str]) -> pd.DataFrame:
    """The forecasts frame of ``rows``: sorted by (at, author code, seq), ties in the rows'
    order; categoricals keep only the names used, in their lists' order."""
    n = rows.at.shape[0]
    order = lexsort((rows.seq, rows.author, rows.at))  # numpy.lexsort's permutation
    place = np.empty(n, dtype=np.int64)  # where each row goes
    place[order] = np.arange(n, dtype=np.int64)
    question_cat = _used(rows.question[order], rows.questions)
    frame = pd.DataFrame(
        {
            "author": pd.Categorical.from_codes(
                rows.author[order], categories=pd.Index(authors, dtype=object)
            ),
            "seq": rows.seq[order],
            "at": pd.DatetimeIndex(
                rows.at[order].astype(np.int64).view("datetime64[ns]")
            ).tz_localize("UTC"),
            "question": question_cat,
            "question_sha": _used(rows.sha[order], rows.shas),
            "type": _types(question_cat, types),
            "p": rows.p[order],
            **{
                col: pd.Series(_objects(texts, place[held], n, col == "quantiles"), dtype=object)
                for col, (held, texts) in rows.extras.items()
            },
        },
        columns=FORECAST_COLUMNS,
        copy=False,  # the arrays are fresh: no copy, and no consolidation into 2-D blocks
    )
    frame["at"] = frame["at"].astype("datetime64[ns, UTC]")
    return frame


def _types(question: pd.Categorical, types: dict[str, str]) -> pd.Categorical:
    """Each row's question type, as ``pd.Categorical`` of the per-row types gives it
    (categories: the types that occur, sorted), built from the questions' codes."""
    per_question = [types[str(q)] for q in question.categories]
    used = np.zeros(len(per_question), dtype=bool)
    if len(question.codes):
        used[np.unique(question.codes)] = True
    names = sorted({t for t, u in zip(per_question, used, strict=True) if u})
    rank = {t: i for i, t in enumerate(names)}
    code_of = np.array([rank.get(t, -1) for t in per_question] or [-1], dtype=np.int32)
    return pd.Categorical.from_codes(
        code_of[question.codes] if len(question.codes) else np.zeros(0, np.int32),
        categories=pd.Index(names),
    )


def _used(codes: np.ndarray, names: list[str]) -> pd.Categorical:
    """A categorical of ``codes`` into ``names`` keeping only the names used, in their order
    (``remove_unused_categories`` without its sort of every code)."""
    used = (
        np.bincount(codes, minlength=len(names)) > 0 if codes.size else np.zeros(len(names), bool)
    )
    new_code = np.cumsum(used) - 1
    kept = np.asarray(names, dtype=object)[used] if len(names) else np.zeros(0, dtype=object)
    return pd.Categorical.from_codes(
        new_code[codes].astype(np.int32) if codes.size else codes.astype(np.int32),
        categories=pd.Index(kept, dtype=object),
    )


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Dictionary codes (int32) and the dictionary of a (dictionary-encoded) string column."""
    if column.num_chunks == 0 or len(column) == 0:
        return np.zeros(0, dtype=np.int32), []
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    combined = column.unify_dictionaries().combine_chunks()
    return (
        combined.indices.to_numpy(zero_copy_only=False).astype(np.int32),
        combined.dictionary.to_pylist(),
    )


def _read_tables(paths: list[Path], use_cache: bool) -> list[tuple[str, FileTable]]:
    """Every file's table. When much of a large ledger must be parsed (its cache is missing or
    older than the file), the files are read by one worker process per core."""
    if use_cache:  # workers bring the copies up to date (see ``conversions``); read here
        with conversions.converted(paths):
            pass
    else:
        workers = conversions.workers_for(paths)
        if workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers) as pool:
                read = pool.map(read_table, paths, [use_cache] * len(paths))
                return [(p.stem, t) for p, t in zip(paths, read, strict=True)]
    return [(p.stem, read_table(p, use_cache)) for p in paths]


def load_frames(
    home: Home, questions: dict[str, Question] | None = None, use_cache: bool = True
) -> Frames:
    """The whole ledger as three frames (see the column lists above).

    Each file is read through its columnar copy (``foretell.tables``, in ``ledger/.columnar/``:
    used when the file is unchanged, extended when it has only grown, else rebuilt), and the
    catalog through ``foretell.catalog_cache``; ``use_cache=False`` reads every file afresh.
    """
    bad_files: list[Problem] = []  # question files left out, named in the skipped counts
    if questions is None:
        qframe = rows_frame(question_rows(home.forecasts, home.ledger, use_cache, bad_files))
    else:
        qframe = questions_frame(questions)
        bad_files = list(getattr(questions, "left_out", []))
    tables = _read_tables(ledger.ledger_files(home.ledger), use_cache)
    types = dict(zip(qframe["id"].tolist(), qframe["type"].tolist(), strict=True))
    forecasts, skipped = _forecasts_frame(tables, set(qframe["id"].tolist()), types)
    forecasts, bad = drop_bad_payloads(forecasts, question_stand_ins(qframe))
    if bad:
        skipped[MALFORMED] += bad
    rest = ledger_rest(home, qframe, [(a, t.closings, t.skipped) for a, t in tables])
    skipped.update(left_out_counts(bad_files))
    return Frames(qframe, forecasts, rest.outcomes, dict(skipped + rest.skipped), rest.claims)


@dataclass(frozen=True)
class Rest:
    """What a report needs of the ledger besides the forecasts (see ``ledger_rest``)."""

    outcomes: pd.DataFrame
    claims: pd.DataFrame
    skipped: Counter[str]


def ledger_rest(
    home: Home,
    qframe: pd.DataFrame,
    files: list[tuple[str, list[dict[str, Any]], Counter[str]]],
) -> Rest:
    """Outcomes, claims and reading counts from each file's (author, closings, skipped):
    closings on unknown questions, and resolutions whose outcome verify flags, left out."""
    known = set(qframe["id"].tolist())
    types = dict(zip(qframe["id"].tolist(), qframe["type"].tolist(), strict=True))
    stand_ins = question_stand_ins(qframe)
    skipped: Counter[str] = Counter()
    closings = []
    for author, records, counts in files:
        skipped += counts
        for record in records:
            if record["question"] not in known:
                skipped["entries naming an unknown question"] += 1
            elif record["kind"] == "resolution" and outcome_problem(
                stand_ins[record["question"]], record.get("outcome")
            ):
                skipped[MALFORMED] += 1
            else:
                closings.append({**record, "author": author})
    from foretell.claims import read_claims

    claim_entries = []
    for entry in read_claims(home.ledger):
        if entry["question"] in known:
            claim_entries.append(entry)
        else:
            skipped["entries naming an unknown question"] += 1
    return Rest(_outcomes_frame(closings), claims_frame(claim_entries, types), skipped)
