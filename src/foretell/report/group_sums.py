"""Every group's mergeable summary of a batch at once, from group codes over the pair tables.

``report.partial.group_summaries`` needs, for each group of ``--group-by``, the
``GroupSummary`` of the group's pairs. Instead of labelling every pair with a tuple, splitting
the tables into one frame per group and summarising each frame, this module:

- gives each pair row the code of its group (``group_rows``): per key the key's labels as
  integer codes (``grouping.GroupKey.codes`` where the key has it, else the factorised
  labels), combined key by key; a key under which a pair sits in several groups (``tag``)
  repeats the row once per label, as ``DataFrame.explode`` does;
- gives the per-option and per-level rows (option events, pinball losses) the groups of the
  pairs with the same forecaster and question, every match once, as the inner join of
  ``build._attach`` does;
- sorts the rows by group once and takes each group's sums from contiguous slices: counts by
  ``bincount``, distinct questions, forecasters and events by ``unique`` over combined codes,
  the histograms of distinct probabilities by one sort over (group, p), the exact sums
  (``summary.ExactSum``) of each slice.

Every sum is one that does not depend on the order of its terms (counts; ``math.fsum``, which
is correctly rounded), so each summary equals ``GroupSummary.of`` of the group's own frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from foretell.report import grouping
from foretell.report.summary import (
    NUMERIC_SCORES,
    BinarySummary,
    ChoiceSummary,
    ExactSum,
    GroupSummary,
    NumericSummary,
)
from foretell.scoring import grouped
from foretell.scoring.order import lexsort

IntArray = NDArray[np.int64]
Labels = tuple[str, ...]


@dataclass(frozen=True)
class GroupRows:
    """Rows of a table in their groups: ``row`` (into the table, repeated for a row in several
    groups) and ``group`` (code into ``names``), one entry per (row, group)."""

    row: IntArray
    group: IntArray
    names: list[Labels]


def _key_codes(
    key: grouping.GroupKey, frame: pd.DataFrame, q: pd.DataFrame, options: Any
) -> tuple[IntArray, IntArray, list[str]]:
    """(row, code, names) of one key: each row's label(s) as codes into ``names``."""
    if key.codes is not None:
        return key.codes(frame, q, options)
    values = key.labels(frame, q, options)
    n = len(frame)
    if key.many:
        lengths = np.array([len(v) for v in values], dtype=np.int64)
        flat = np.empty(int(lengths.sum()), dtype=object)
        flat[:] = [label for v in values for label in v]
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    else:
        flat, rows = np.asarray(values, dtype=object), np.arange(n, dtype=np.int64)
    codes, names = pd.factorize(flat)
    return rows, codes.astype(np.int64), [str(v) for v in names]


def group_rows(
    frame: pd.DataFrame, keys: Sequence[str], q: pd.DataFrame, options: Any
) -> GroupRows:
    """Each row's groups under ``keys`` (every combination of the keys' labels it has)."""
    n = len(frame)
    row = np.arange(n, dtype=np.int64)
    code = np.zeros(n, dtype=np.int64)
    names: list[Labels] = [()]
    if n == 0:
        return GroupRows(row, code, [])
    for name in keys:
        k_rows, k_codes, k_names = _key_codes(grouping.GROUP_KEYS[name], frame, q, options)
        size = max(len(k_names), 1)
        if k_rows.shape[0] == n and (k_rows == np.arange(n)).all():
            pick, labels = np.arange(row.shape[0]), k_codes[row]  # one label per row
        else:  # rows with several labels (or none): one entry per (entry, label)
            order = np.argsort(k_rows, kind="stable")
            k_rows, k_codes = k_rows[order], k_codes[order]
            count = np.bincount(k_rows, minlength=n)
            start = np.cumsum(count) - count
            per = count[row]
            pick = np.repeat(np.arange(row.shape[0]), per)
            within = np.arange(pick.shape[0]) - np.repeat(np.cumsum(per) - per, per)
            labels = k_codes[start[row[pick]] + within]
        combined = code[pick] * size + labels
        used, code = np.unique(combined, return_inverse=True)
        names = [(*names[u // size], k_names[u % size]) for u in used.tolist()]
        row = row[pick]
    return GroupRows(row, code.astype(np.int64).reshape(-1), names)


def _lookup(column: pd.Series, index: pd.Index) -> IntArray:
    """Each row's position in ``index`` by its text (a categorical column: by its codes)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        at = index.get_indexer(column.cat.categories.astype(str).to_numpy(dtype=object))
        codes = column.cat.codes.to_numpy()
        return np.where(codes >= 0, np.append(at, -1)[codes], -1).astype(np.int64)
    return index.get_indexer(column.astype(str).to_numpy(dtype=object)).astype(np.int64)


def _names_index(column: pd.Series) -> pd.Index:
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = column.cat.categories.astype(str).to_numpy(dtype=object)
    else:
        values = column.astype(str).to_numpy(dtype=object)
    return pd.Index(pd.unique(values), dtype=object)


def _pair_keys(frame: pd.DataFrame, authors: pd.Index, questions: pd.Index) -> IntArray:
    """(author, question) of each row as one int64 (-1 parts for names not in the indexes)."""
    a = _lookup(frame["author"], authors)
    b = _lookup(frame["question"], questions)
    return a * (len(questions) + 1) + b


def attached(detail: pd.DataFrame, pairs: pd.DataFrame, labelled: GroupRows) -> GroupRows:
    """The groups of per-option or per-level rows: those of every labelled pair entry with the
    same forecaster and question (``build._attach``'s inner join, matches repeated)."""
    if not len(detail) or not len(labelled.row):
        return GroupRows(np.zeros(0, np.int64), np.zeros(0, np.int64), labelled.names)
    authors, questions = _names_index(pairs["author"]), _names_index(pairs["question"])
    pair_key = _pair_keys(pairs, authors, questions)[labelled.row]
    detail_key = _pair_keys(detail, authors, questions)
    order = np.argsort(pair_key, kind="stable")
    sorted_key = pair_key[order]
    lo = np.searchsorted(sorted_key, detail_key, "left")
    hi = np.searchsorted(sorted_key, detail_key, "right")
    per = hi - lo
    row = np.repeat(np.arange(len(detail), dtype=np.int64), per)
    within = np.arange(row.shape[0]) - np.repeat(np.cumsum(per) - per, per)
    return GroupRows(row, labelled.group[order[np.repeat(lo, per) + within]], labelled.names)


def _whole(detail: pd.DataFrame, labelled: GroupRows) -> GroupRows:
    """Every row of ``detail`` once, in the one group of ``labelled`` (keys ``()``)."""
    if not labelled.names:
        return GroupRows(np.zeros(0, np.int64), np.zeros(0, np.int64), labelled.names)
    n = len(detail)
    return GroupRows(np.arange(n, dtype=np.int64), np.zeros(n, np.int64), labelled.names)


@dataclass(frozen=True)
class _Slices:
    """Entries sorted by group: ``row`` in group order and each group's [start, end)."""

    row: IntArray
    group: IntArray  # sorted group code of each entry
    bounds: dict[int, tuple[int, int]]

    @classmethod
    def of(cls, rows: GroupRows, codes: IntArray) -> _Slices:
        """``codes`` maps the table's group codes to the global ones."""
        group = codes[rows.group] if rows.group.size else rows.group
        order = np.argsort(group, kind="stable")
        g = group[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if g.size else g
        ends = np.r_[starts[1:], g.shape[0]] if g.size else g
        bounds = {int(g[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}
        return cls(rows.row[order], g, bounds)

    def counts(self, size: int, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(self.group, weights=weights, minlength=size)

    def distinct(self, values: IntArray, size: int) -> IntArray:
        """Per group, how many distinct ``values`` (non-negative ints, per entry) it has."""
        if not self.group.size:
            return np.zeros(size, np.int64)
        width = int(values.max()) + 1 if values.size else 1
        key = self.group * width + values
        if size * width <= max(4 * key.shape[0], 1 << 16):  # a table of (group, value) seen
            seen = np.zeros(size * width, dtype=bool)
            seen[key] = True
            return seen.reshape(size, width).sum(axis=1).astype(np.int64)
        pairs = np.unique(key)
        return np.bincount(pairs // width, minlength=size)

    def members(self, values: IntArray, width: int) -> dict[int, list[int]]:
        """Per group, the distinct ``values`` (codes ``0 .. width - 1``; others ignored)."""
        ok = (values >= 0) & (values < width)
        if not ok.any():
            return {g: [] for g in self.bounds}
        size = int(self.group.max()) + 1
        if size * width <= max(4 * values.shape[0], 1 << 16):
            seen = np.zeros((size, width), dtype=bool)
            seen[self.group[ok], values[ok]] = True
            return {g: np.flatnonzero(seen[g]).tolist() for g in self.bounds}
        return {
            g: [int(v) for v in np.unique(values[lo:hi][ok[lo:hi]])]
            for g, (lo, hi) in self.bounds.items()
        }

    def sums(self, values: np.ndarray, keep: np.ndarray | None = None) -> dict[int, ExactSum]:
        """Per group, the exact sum of ``values`` (per entry, in group order; only where
        ``keep``, when given)."""
        if not self.bounds:
            return {}
        group = self.group if keep is None else self.group[keep]
        chosen = values if keep is None else values[keep]
        size = int(self.group[-1]) + 1
        every = ExactSum.grouped(chosen, group, size)
        return {g: every[g] for g in self.bounds}


def _codes_of(column: pd.Series) -> IntArray:
    """Integer codes of a (categorical or text) column, equal codes for equal text."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(column.astype(str).to_numpy(dtype=object))[0].astype(np.int64)


def _histograms(
    s: _Slices, p: np.ndarray, o: np.ndarray, keep: np.ndarray
) -> dict[int, grouped.Histogram]:
    """Per group, ``grouped.histogram`` of the entries' ``p`` and ``o`` where ``keep``."""
    group, p, o = s.group[keep], p[keep] + 0.0, o[keep]
    out: dict[int, grouped.Histogram] = {}
    if not group.size:
        return out
    # entries come sorted by group: a stable sort by p, then a stable (radix) sort by group,
    # the order of numpy.lexsort((p, group))
    order = np.argsort(p, kind="stable")
    if len(s.bounds) > 1:
        order = order[lexsort((group[order],))]
    g, ps, os_ = group[order], p[order], o[order]
    same_p = (ps[1:] == ps[:-1]) | (np.isnan(ps[1:]) & np.isnan(ps[:-1]))
    new = np.r_[True, (g[1:] != g[:-1]) | ~same_p]
    starts = np.flatnonzero(new)
    n = np.diff(np.r_[starts, g.shape[0]]).astype(np.int64)
    k = np.rint(np.add.reduceat(os_, starts)).astype(np.int64)
    values, owner = ps[starts], g[starts]
    cuts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    ends = np.r_[cuts[1:], owner.shape[0]]
    for lo, hi in zip(cuts.tolist(), ends.tolist(), strict=True):
        out[int(owner[lo])] = (values[lo:hi], n[lo:hi], k[lo:hi])
    return out


def _binary(pairs: pd.DataFrame, s: _Slices, size: int) -> dict[int, BinarySummary]:
    """``BinarySummary.of`` of each group's binary (and derived) pairs."""
    if not s.bounds:
        return {}
    r = s.row
    derived = pairs["derived"].to_numpy(dtype=bool)[r]
    log = pairs["log"].to_numpy(dtype=np.float64)[r]
    finite = np.isfinite(log)
    p = np.clip(pairs["p"].to_numpy(dtype=np.float64), 0.0, 1.0)[r]
    o = pairs["o"].to_numpy(dtype=np.float64)[r]
    crisp = (o == 0.0) | (o == 1.0)
    question = _codes_of(pairs["question"])[r]
    n_questions = s.distinct(question, size)
    authors = _codes_of(pairs["author"])[r]
    author_names = _author_names(pairs["author"])
    author_sets = s.members(authors, len(author_names))
    n_derived = s.counts(size, derived.astype(np.float64))
    events = np.zeros(0, np.int64)
    if derived.any():
        labels = pairs["event"].to_numpy(dtype=object)[r[derived]]
        codes = pd.factorize(labels)[0].astype(np.int64)
        events = np.zeros(r.shape[0], np.int64)
        events[derived] = codes
    n_inf = s.counts(size, (~finite).astype(np.float64))
    n_soft = s.counts(size, (~crisp).astype(np.float64))
    hists = _histograms(s, p, o, crisp)
    brier = s.sums(pairs["brier"].to_numpy(dtype=np.float64)[r])
    logs = s.sums(log, finite)
    out = {}
    for g, (lo, hi) in s.bounds.items():
        d = derived[lo:hi]
        if d.any():
            key = question[lo:hi][d] * (int(events[lo:hi][d].max()) + 1) + events[lo:hi][d]
            n_events = int(np.unique(key).shape[0])
        else:
            n_events = 0
        og = o[lo:hi]
        hist = hists.get(g)
        out[g] = BinarySummary(
            n_pairs=hi - lo,
            n_questions=int(n_questions[g]),
            n_derived_pairs=int(np.rint(n_derived[g])),
            n_derived_events=n_events,
            authors={author_names[a] for a in author_sets[g]},
            brier=brier[g],
            log=logs[g],
            n_log_infinite=int(np.rint(n_inf[g])),
            hist_parts=grouped.push((), hist) if hist is not None else (),
            **_outcome_sums(og, soft=int(np.rint(n_soft[g]))),
            n_soft=int(np.rint(n_soft[g])),
        )
    return out


def _outcome_sums(o: np.ndarray, soft: int) -> dict[str, ExactSum]:
    """The exact sums of the outcomes ``o`` and of their squares. With no outcome that is a
    probability (``soft``), both are the number of events k, which ``ExactSum.of`` gives as
    the parts ``[k, 0.0]``: taken so, without adding the outcomes one by one twice."""
    if soft:
        return {"outcomes": ExactSum.of(o), "squares": ExactSum.of(o * o)}
    if o.size == 0:
        return {"outcomes": ExactSum(), "squares": ExactSum()}
    k = float(np.count_nonzero(o))
    return {"outcomes": ExactSum([k, 0.0]), "squares": ExactSum([k, 0.0])}


def _author_names(column: pd.Series) -> list[str]:
    """The names behind ``_codes_of(column)``, as ``summary._names`` writes them."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories]
    return [str(a) for a in pd.factorize(column.astype(str).to_numpy(dtype=object))[1]]


def _choice(
    pairs: pd.DataFrame, s: _Slices, options: pd.DataFrame, so: _Slices, size: int
) -> dict[int, ChoiceSummary]:
    """``ChoiceSummary.of`` of each group's multiple-choice pairs and option events."""
    if not s.bounds:
        return {}
    r = s.row
    log = pairs["log"].to_numpy(dtype=np.float64)[r]
    finite = np.isfinite(log)
    question = _codes_of(pairs["question"])[r]
    n_questions = s.distinct(question, size)
    brier = pairs["brier_multi"].to_numpy(dtype=np.float64)[r]
    hists: dict[int, grouped.Histogram] = {}
    if len(options) and so.bounds:
        p = np.clip(options["p"].to_numpy(dtype=np.float64), 0.0, 1.0)[so.row]
        o = options["o"].to_numpy(np.float64)[so.row]
        hists = _histograms(so, p, o, np.ones(p.shape[0], dtype=bool))
    has_rps = "rps" in pairs
    rps = pairs["rps"].to_numpy(dtype=np.float64)[r] if has_rps else None
    briers, logs = s.sums(brier), s.sums(log, finite)
    out = {}
    for g, (lo, hi) in s.bounds.items():
        fin = finite[lo:hi]
        hist = hists.get(g)
        summary = ChoiceSummary(
            hi - lo,
            int(n_questions[g]),
            briers[g],
            logs[g],
            int((~fin).sum()),
            grouped.push((), hist) if hist is not None else (),
        )
        if rps is not None:
            values = rps[lo:hi]
            ordered = ~np.isnan(values)
            summary.has_rps = True
            summary.n_ordered = int(ordered.sum())
            summary.n_ordered_questions = (
                int(np.unique(question[lo:hi][ordered]).shape[0]) if ordered.any() else 0
            )
            summary.rps = ExactSum.of(values[ordered])
            summary.brier_ordered = ExactSum.of(brier[lo:hi][ordered])
        out[g] = summary
    return out


def _numeric(
    pairs: pd.DataFrame, s: _Slices, pinball: pd.DataFrame, sp: _Slices, size: int
) -> dict[int, NumericSummary]:
    """``NumericSummary.of`` of each group's numeric pairs and pinball losses."""
    if not s.bounds:
        return {}
    r = s.row
    question = _codes_of(pairs["question"])[r]
    n_questions = s.distinct(question, size)
    columns = {name: pairs[col].to_numpy(dtype=np.float64)[r] for name, col in NUMERIC_SCORES}
    levels: dict[int, dict[float, tuple[ExactSum, int]]] = {}
    if len(pinball) and sp.bounds:
        level = pinball["level"].to_numpy(dtype=np.float64)[sp.row]
        loss = pinball["loss"].to_numpy(dtype=np.float64)[sp.row]
        for g, (lo, hi) in sp.bounds.items():
            lv, ls = level[lo:hi], loss[lo:hi]
            order = np.argsort(lv, kind="stable")
            lv, ls = lv[order], ls[order]
            cuts = np.flatnonzero(np.r_[True, lv[1:] != lv[:-1]])
            ends = np.r_[cuts[1:], lv.shape[0]]
            levels[g] = {
                float(lv[a]): (ExactSum.of(ls[a:b]), int(b - a))
                for a, b in zip(cuts.tolist(), ends.tolist(), strict=True)
            }
    out = {}
    for g, (lo, hi) in s.bounds.items():
        scores = {}
        for name, values in columns.items():
            defined = values[lo:hi][~np.isnan(values[lo:hi])]
            scores[name] = (ExactSum.of(defined), int(defined.shape[0]))
        out[g] = NumericSummary(hi - lo, int(n_questions[g]), scores, levels.get(g, {}))
    return out


def summaries(
    options: Any,
    keys: Sequence[str],
    q: pd.DataFrame,
    binary: pd.DataFrame,
    choice: pd.DataFrame,
    choice_options: pd.DataFrame,
    numeric: pd.DataFrame,
    pinball: pd.DataFrame,
) -> dict[Labels, GroupSummary]:
    """Each group's ``GroupSummary`` (keyed by its labels) of a batch's pair tables; with no
    ``keys``, the one group ``()`` of every pair (the report's ``all``), absent when there
    are no pairs."""
    lb = group_rows(binary, keys, q, options)
    lc = group_rows(choice, keys, q, options)
    ln = group_rows(numeric, keys, q, options)
    if keys:
        lo, lp = attached(choice_options, choice, lc), attached(pinball, numeric, ln)
    else:  # the one group of every pair holds every option event and pinball loss once
        lo, lp = _whole(choice_options, lc), _whole(pinball, ln)
    names: list[Labels] = []
    index: dict[Labels, int] = {}
    local = []
    for rows in (lb, lc, ln):
        codes = []
        for name in rows.names:
            if name not in index:
                index[name] = len(names)
                names.append(name)
            codes.append(index[name])
        local.append(np.array(codes, dtype=np.int64))
    size = len(names)
    sb, sc, sn = (_Slices.of(rows, codes) for rows, codes in zip((lb, lc, ln), local, strict=True))
    so, sp = _Slices.of(lo, local[1]), _Slices.of(lp, local[2])
    b = _binary(binary, sb, size)
    c = _choice(choice, sc, choice_options, so, size)
    n = _numeric(numeric, sn, pinball, sp, size)
    return {
        name: GroupSummary(
            b.get(g, BinarySummary()), c.get(g, ChoiceSummary()), n.get(g, NumericSummary())
        )
        for g, name in enumerate(names)
    }
