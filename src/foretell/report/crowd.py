"""Crowd forecasters derived from a scope's forecasts: never stored, rebuilt on every report.

Members of the crowd are the people: every forecaster except imported aggregates (the
``metaculus-<method>`` forecasters a Metaculus import writes for the site's own aggregates,
see ``is_aggregate``), claims (entries of kind ``claim``) and other crowd forecasters. For
each question, ``foretell.scoring.compare.crowd`` gives the crowd's forecast at every moment
a member forecasts once two members stand; these become forecast rows by ``crowd:<method>``
(a name no author can have: ``:`` is not allowed in ledger names) that are then paired and
scored exactly like a person's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from foretell.errors import ForetellError
from foretell.report import pairs
from foretell.report.scope import Scope
from foretell.scoring.compare import crowd as kernel
from foretell.scoring.order import lexsort

PREFIX = "crowd:"
NAMES = tuple(PREFIX + m for m in kernel.METHODS)
_AGGREGATE = re.compile(r"^metaculus-(?!user-)")


def is_crowd(name: object) -> bool:
    return str(name).startswith(PREFIX)


def parse_methods(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``"median,geo-odds"``, ``"all"``, ``"none"`` (or a sequence) -> methods; None = default."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    names = [s.strip().removeprefix(PREFIX) for s in items if s.strip()]
    if names in ([], ["default"]):
        return None
    if names == ["none"]:
        return ()
    if names == ["all"]:
        return kernel.METHODS
    for name in names:
        if name not in kernel.METHODS:
            raise ForetellError(
                f"unknown --crowd {name!r}; choose from {', '.join(kernel.METHODS)}, all or none"
            )
    return tuple(dict.fromkeys(names))


def is_aggregate(author: str, imported: object) -> bool:
    """An imported site aggregate: a ``metaculus-<method>`` forecaster (not ``metaculus-user-``)
    whose forecasts came in by import."""
    return imported is not None and bool(_AGGREGATE.match(author))


def members(forecasts: pd.DataFrame) -> np.ndarray:
    """Which forecast rows are by people (see the module docstring)."""
    n = len(forecasts)
    if n == 0:
        return np.zeros(0, dtype=bool)
    codes, names = _author_codes(forecasts["author"])
    out = np.array([not is_crowd(a) for a in names], dtype=bool)
    maybe = [i for i, a in enumerate(names) if _AGGREGATE.match(a)]
    if maybe and "imported" in forecasts:
        imported = forecasts["imported"].to_numpy(dtype=object)
        for i in maybe:
            rows = np.flatnonzero(codes == i)
            if any(is_aggregate(names[i], v) for v in imported[rows]):
                out[i] = False
    keep = out[codes]
    if "kind" in forecasts:
        keep &= forecasts["kind"].astype(str).to_numpy() != "claim"
    return keep


def _author_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's author code and the names coded (a categorical column's own codes, else
    ``pandas.factorize`` of the names as text)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        if (codes >= 0).all():
            return codes, [str(a) for a in column.cat.categories]
    codes, names = pd.factorize(column.astype(str))
    return codes, [str(a) for a in names]


def default_methods(forecasts: pd.DataFrame) -> tuple[str, ...]:
    """``("median",)`` when the scope has two or more people, else none."""
    people = forecasts["author"].to_numpy(dtype=object)[members(forecasts)]
    return ("median",) if len(pd.unique(people)) >= 2 else ()


def crowd_scope(
    scope: Scope, methods: Iterable[str], extremize: float, rows: pairs.Rows | None = None
) -> Scope:
    """A scope holding only the crowd's forecast rows, on the same questions (``rows``: the
    scope's ``pairs.rows_of``, when the caller has it)."""
    methods = tuple(methods)
    if not methods or not len(scope.forecasts):
        return Scope(questions=scope.questions, forecasts=_frame([]))
    rows = rows if rows is not None else pairs.rows_of(scope)
    people = members(scope.forecasts)
    parts: list[dict[str, np.ndarray | list]] = []
    for kind, build in (("binary", _binary), ("multiple_choice", _choice), ("numeric", _numeric)):
        src = rows.of_type(kind)
        src = src[people[src]]
        if src.size:
            parts.extend(build(scope, rows, src, methods, extremize))
    return Scope(questions=scope.questions, forecasts=_frame(parts))


def _by_question(rows: pairs.Rows, src: np.ndarray) -> list[np.ndarray]:
    """``src`` split per question, each part in time order (stamp, seq, author)."""
    order = lexsort((rows.author_code[src], rows.seq[src], rows.stamp[src], rows.qpos[src]))
    ordered = src[order]
    q = rows.qpos[ordered]
    cuts = np.flatnonzero(np.diff(q)) + 1
    return np.split(ordered, cuts)


def _moments(rows: pairs.Rows, part: np.ndarray) -> kernel.Timeline:
    codes, uniques = pd.factorize(rows.author_code[part])
    return kernel.timeline(codes.astype(np.int64), rows.stamp[part], len(uniques))


def _base(rows: pairs.Rows, part: np.ndarray, at: np.ndarray, method: str) -> dict:
    src = part[at]
    return {
        "author": PREFIX + method,
        "qpos": rows.qpos[src],
        "stamp": rows.stamp[src],
        "day": rows.day[src],
    }


def _binary(scope: Scope, rows: pairs.Rows, src: np.ndarray, methods, extremize) -> list[dict]:
    """All binary questions at once: each question is its own timeline (``group``)."""
    order = lexsort((rows.author_code[src], rows.seq[src], rows.stamp[src], rows.qpos[src]))
    ordered = src[order]
    p_all = scope.forecasts["p"].to_numpy(dtype=np.float64)
    out = []
    for lo, hi in _question_batches(rows.qpos[ordered]):
        part = ordered[lo:hi]
        codes, n_members = _joined(rows.qpos[part], rows.author_code[part])
        line = kernel.timeline(codes, rows.stamp[part], n_members, group=rows.qpos[part])
        if not line.rows.size:
            continue
        aggregates = kernel.binary_timelines(p_all[part], line, methods, extremize)
        for method, agg in zip(methods, aggregates, strict=True):
            entry = _base(rows, part, line.rows, method)
            entry["type"] = "binary"
            entry["p"] = agg
            out.append(entry)
    return out


def _joined(qpos: np.ndarray, author: np.ndarray) -> tuple[np.ndarray, int]:
    """Each row's member code within its question (rows grouped by question, in time order):
    0 for the question's first forecaster, 1 for the next to join, ...; and the most members
    of a question. A question's codes, and so the order its members' values are added in,
    do not depend on the other questions of the batch."""
    if not qpos.shape[0]:
        return np.zeros(0, dtype=np.int64), 0
    pair = qpos.astype(np.int64) * (int(author.max()) + 1) + author
    codes, _ = pd.factorize(pair)  # by first appearance: each question's a run from its first
    starts = np.flatnonzero(np.r_[True, qpos[1:] != qpos[:-1]])
    sizes = np.diff(np.r_[starts, qpos.shape[0]])
    local = codes.astype(np.int64) - np.repeat(codes[starts], sizes)
    return local, int(local.max()) + 1


BATCH_ROWS = 16_384  # rows of whole questions per pass of the crowd kernel (bounds its memory)


def _question_batches(qpos: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges of ``qpos`` (sorted) that end at question boundaries, each at most
    BATCH_ROWS long unless one question alone has more rows."""
    n = qpos.shape[0]
    bounds = np.append(np.flatnonzero(np.r_[True, qpos[1:] != qpos[:-1]]), n) if n else []
    out, i = [], 0
    while n and bounds[i] < n:
        j = max(int(np.searchsorted(bounds, bounds[i] + BATCH_ROWS, side="right")) - 1, i + 1)
        out.append((int(bounds[i]), int(bounds[j])))
        i = j
    return out


def _choice(scope: Scope, rows: pairs.Rows, src: np.ndarray, methods, extremize) -> list[dict]:
    q = scope.questions
    options = q["options"].to_numpy(dtype=object)
    probs_col = scope.forecasts["probs"].to_numpy(dtype=object)
    out = []
    for part in _by_question(rows, src):
        opts = options[rows.qpos[part[0]]]
        k = np.array([len(opts)] * part.shape[0], dtype=np.int64)
        matrix, fits = pairs.prob_matrix(probs_col[part], _objects([opts] * part.shape[0]), k)
        part, matrix = part[fits], matrix[fits]
        if not part.size:
            continue
        line = _moments(rows, part)
        if not line.rows.size:
            continue
        for method in methods:
            agg = kernel.choice_timeline(matrix, line, method, extremize)
            entry = _base(rows, part, line.rows, method)
            entry["type"] = "multiple_choice"
            entry["probs"] = [dict(zip(opts, r, strict=True)) for r in agg.tolist()]
            out.append(entry)
    return out


def _numeric(scope: Scope, rows: pairs.Rows, src: np.ndarray, methods, extremize) -> list[dict]:
    """Per question with levels and a crowd row, each numeric method's crowd quantiles (the
    medians of questions sharing their levels computed together: ``_medians``)."""
    quantile_col = scope.forecasts["quantiles"].to_numpy(dtype=object)
    out: list[dict] = []
    chosen = [m for m in methods if m in kernel.NUMERIC_METHODS]
    if not chosen:
        return out
    questions = []
    for part in _by_question(rows, src):
        dicts = quantile_col[part]
        levels = sorted({float(k) for d in dicts if isinstance(d, dict) for k in d})
        if not levels:
            continue
        values = np.array(
            [[float(d.get(lv, np.nan)) if isinstance(d, dict) else np.nan for lv in levels]
             for d in dicts]
        )  # fmt: skip
        line = _moments(rows, part)
        if line.rows.size:
            questions.append(_NumericQuestion(part, levels, values, line))
    medians = _medians(questions) if "median" in chosen else []
    for i, one in enumerate(questions):
        for method in chosen:
            if method == "median":
                agg = medians[i]
            else:
                agg = kernel.quantiles_timeline(one.values, one.line, method)
            keep = ~np.isnan(agg).all(axis=1)
            if not keep.any():
                continue
            entry = _base(rows, one.part, one.line.rows[keep], method)
            entry["type"] = "numeric"
            entry["quantiles"] = [
                {lv: v for lv, v in zip(one.levels, r, strict=True) if v == v}  # v: not NaN
                for r in agg[keep].tolist()
            ]
            out.append(entry)
    return out


@dataclass(frozen=True)
class _NumericQuestion:
    """One numeric question's member rows (``part``), its levels, each row's value at each
    level (NaN: not given) and the crowd's timeline over the rows."""

    part: np.ndarray
    levels: list[float]
    values: np.ndarray
    line: kernel.Timeline


def _medians(questions: list[_NumericQuestion]) -> list[np.ndarray]:
    """Each question's ``quantiles_timeline(values, line, "median")``, computed over the
    joined timelines (``kernel.joined``) of questions with the same levels, up to
    ``BATCH_ROWS`` rows at a time: the standing median and the count of members lacking a
    level are per question, so each question's rows are its own result."""
    out: list[np.ndarray] = [np.zeros(0)] * len(questions)
    same: dict[tuple[float, ...], list[int]] = {}
    for i, one in enumerate(questions):
        same.setdefault(tuple(one.levels), []).append(i)
    for members in same.values():
        chunk: list[int] = []
        size = 0
        for i in [*members, -1]:
            n = questions[i].part.shape[0] if i >= 0 else 0
            if chunk and (i < 0 or size + n > BATCH_ROWS):
                lines = [questions[j].line for j in chunk]
                agg = kernel.quantiles_timeline(
                    np.concatenate([questions[j].values for j in chunk]),
                    kernel.joined(lines),
                    "median",
                )
                cuts = np.cumsum([line.rows.shape[0] for line in lines])[:-1]
                for j, piece in zip(chunk, np.split(agg, cuts), strict=True):
                    out[j] = piece
                chunk, size = [], 0
            if i >= 0:
                chunk.append(i)
                size += n
    return out


COLUMNS = ("author", "qpos", "stamp", "day", "type", "p", "probs", "quantiles")


def _frame(parts: list[dict]) -> pd.DataFrame:
    """The crowd rows as a forecasts frame (columns ``pairs.rows_of`` and the kinds read)."""
    if not parts:
        whole = {"qpos", "stamp", "day"}  # the rest as an empty list's float64, as always
        empty = {c: np.zeros(0, dtype=np.int64 if c in whole else np.float64) for c in COLUMNS}
        return pd.DataFrame({**empty, "seq": np.zeros(0, dtype=np.int64)})
    sizes = [len(part["qpos"]) for part in parts]
    total = sum(sizes)
    # author and type as categoricals (sorted categories, so that ``pandas.factorize`` with
    # ``sort=True`` codes them as it codes the names themselves)
    authors = sorted({part["author"] for part in parts})
    types = sorted({part["type"] for part in parts})
    columns: dict[str, Any] = {
        "author": pd.Categorical.from_codes(
            _repeat([authors.index(part["author"]) for part in parts], sizes),
            categories=pd.Index(authors, dtype=object),
        ),
        **{c: np.concatenate([np.asarray(part[c]) for part in parts]).astype(np.int64)
           for c in ("qpos", "stamp", "day")},
        "type": pd.Categorical.from_codes(
            _repeat([types.index(part["type"]) for part in parts], sizes),
            categories=pd.Index(types, dtype=object),
        ),
        "p": np.concatenate(
            [np.asarray(part["p"], dtype=np.float64) if part.get("p") is not None
             else np.full(n, np.nan) for part, n in zip(parts, sizes, strict=True)]
        ),
    }  # fmt: skip
    for c in ("probs", "quantiles"):
        values = np.full(total, None, dtype=object)
        at = 0
        for part, n in zip(parts, sizes, strict=True):
            if part.get(c) is not None:
                values[at : at + n] = _objects(part[c])
            at += n
        columns[c] = values
    columns["seq"] = np.arange(total, dtype=np.int64)
    return pd.DataFrame(columns)


def _repeat(codes: list[int], sizes: list[int]) -> np.ndarray:
    return np.repeat(np.asarray(codes, dtype=np.int64), sizes)


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
