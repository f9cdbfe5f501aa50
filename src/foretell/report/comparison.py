"""Forecasters compared with each other: crowd pairs, peer scores, per-question score tables.

- ``ScoredPairs``: the binary, multiple-choice and numeric pair tables of a scope (people or
  crowd), as ``pairs``/``quantile_pairs`` build them.
- ``peer_rows``: per (forecaster, question) peer scores from ``scoring.compare.peer``, run
  question by question over the forecast rows of people and crowd on resolved binary and
  multiple-choice questions.
- ``forecaster_table``: per forecaster, questions answered, binary Brier, both peer scores
  and the questions where no other person forecast (no peer score there).
- ``score_matrix``: one score per (forecaster, question) for a metric (``brier`` on binary
  questions, ``log`` on binary and multiple-choice ones, ``wis`` on numeric ones), the input
  of the paired tests and the relative-skill table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from foretell.report import crowd, pairs, quantile_pairs
from foretell.report.scope import Scope, day_numbers
from foretell.scoring.compare import peer
from foretell.scoring.compare.merge import merged_lexsort

if TYPE_CHECKING:
    from foretell.report.partial import Forecaster

METRICS = ("brier", "log", "wis")
METRIC_TEXT = {
    "brier": "Brier score (binary questions, 0..1)",
    "log": "log score (binary and multiple-choice questions, nats)",
    "wis": "weighted interval score (numeric questions, in their units)",
}


@dataclass(frozen=True)
class ScoredPairs:
    binary: pd.DataFrame  # with derived threshold events (column ``derived``)
    choice: pairs.ChoicePairs
    numeric: quantile_pairs.NumericPairs

    @staticmethod
    def of(scope: Scope, rule: str, rows: pairs.Rows | None = None) -> ScoredPairs:
        """``rows``: the scope's ``pairs.rows_of``, when the caller has it."""
        rows = rows if rows is not None else pairs.rows_of(scope)
        numeric = quantile_pairs.numeric(scope, rows, rule)
        binary = pairs.binary(scope, rows, rule, numeric.derived)
        return ScoredPairs(binary, pairs.choice(scope, rows, rule), numeric)

    def own_binary(self) -> pd.DataFrame:
        b = self.binary
        return b[~b["derived"].to_numpy(dtype=bool)] if len(b) else b


# ------------------------------------------------------------------------ peer scores


@dataclass(frozen=True)
class _RowScores:
    """Per usable binary / multiple-choice forecast row (in the scope's row order): its
    author (a code into ``authors``), question, time, close day, Brier (0..2), ln P(outcome)."""

    authors: list[str]
    author: np.ndarray
    qpos: np.ndarray
    stamp: np.ndarray
    seq: np.ndarray
    day: np.ndarray
    close: np.ndarray
    brier: np.ndarray
    log_p: np.ndarray


def _row_scores(scope: Scope, rows: pairs.Rows | None = None) -> _RowScores | None:
    """The scope's ``_RowScores`` (None when no row is usable)."""
    f, q = scope.forecasts, scope.questions
    if not len(f):
        return None
    rows = rows if rows is not None else pairs.rows_of(scope)
    parts = []
    src = rows.of_type("binary")
    if src.size:
        o = pairs.binary_outcomes(q["outcome"].to_numpy(dtype=object))[rows.qpos[src]]
        p = f["p"].to_numpy(dtype=np.float64)[src]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_p = np.where(o > 0, o * np.log(p), 0.0) + np.where(
                o < 1, (1 - o) * np.log1p(-p), 0.0
            )
        parts.append((src, 2.0 * (p - o) ** 2, log_p))
    src = rows.of_type("multiple_choice")
    if src.size:
        options = q["options"].to_numpy(dtype=object)
        k = np.array([len(o) if o is not None else 0 for o in options], dtype=np.int64)
        matrix, fits = pairs.prob_matrix(
            f["probs"].to_numpy(dtype=object)[src], options[rows.qpos[src]], k[rows.qpos[src]]
        )
        index = np.array(
            [opts.index(out) if opts and out in opts else -1
             for opts, out in zip(options, q["outcome"].tolist(), strict=True)],
            dtype=np.int64,
        )[rows.qpos[src]]  # fmt: skip
        ok = fits & (index >= 0)
        src, matrix, index = src[ok], matrix[ok], index[ok]
        if src.size:
            hit = matrix[np.arange(src.size), index]
            with np.errstate(divide="ignore"):
                parts.append((src, (matrix**2).sum(axis=1) - 2 * hit + 1.0, np.log(hit)))
    if not parts:
        return None
    src = np.concatenate([s for s, _, _ in parts])
    return _RowScores(
        authors=[str(a) for a in rows.authors],
        author=rows.author_code[src],
        qpos=rows.qpos[src],
        stamp=rows.stamp[src],
        seq=rows.seq[src],
        day=rows.day[src],
        close=rows.close[src],
        brier=np.concatenate([b for _, b, _ in parts]).astype(np.float64),
        log_p=np.concatenate([lg for _, _, lg in parts]).astype(np.float64),
    )


def peer_rows(
    people: Scope,
    crowd_scope: Scope,
    rows: tuple[pairs.Rows, pairs.Rows] | None = None,
) -> pd.DataFrame:
    """One row per (forecaster, question) with a forecast on a resolved binary or multiple-
    choice question: ``brier_peer``, ``log_peer``, ``coverage`` (NaN when ``alone``).

    ``rows``: both scopes' ``pairs.rows_of``, when the caller has them."""
    people_rows, crowd_rows = rows if rows is not None else (None, None)
    a, b = _row_scores(people, people_rows), _row_scores(crowd_scope, crowd_rows)
    parts = [t for t in (a, b) if t is not None]
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS))
    excluded = _not_member(people) if a is not None else {}
    position: dict[str, int] = {}
    global_codes, is_person = [], []
    for t in parts:
        cats = t.authors
        for c in cats:
            position.setdefault(c, len(position))
        lookup = np.array([position[c] for c in cats], dtype=np.int64)
        codes = t.author
        global_codes.append(lookup[codes])
        people_cats = np.array([t is a and not excluded.get(c, False) for c in cats], bool)
        is_person.append(people_cats[codes])
    names = list(position)

    def column(name: str) -> np.ndarray:
        return np.concatenate([getattr(t, name) for t in parts])

    # member codes in the scope's author order (the ledger's, then the crowds'): a batch's
    # codes keep the order any other batch gives the same members, so that rows tied on
    # question, time and sequence number come in one order whatever else is in the batch
    every = np.concatenate(global_codes)
    present = np.zeros(len(names), dtype=np.int64)
    present[every] = 1
    rank = np.cumsum(present) - 1
    codes_all = rank[every]
    names_all = np.asarray(names, dtype=object)[np.flatnonzero(present)]
    qpos = column("qpos").astype(np.int64)
    n_people = a.qpos.shape[0] if a is not None else 0
    order = merged_lexsort(qpos, column("stamp"), column("seq"), codes_all, n_people)
    qpos, author = qpos[order], codes_all[order].astype(np.int64)
    day = column("day").astype(np.int64)[order]
    close = column("close").astype(np.int64)[order]
    brier = column("brier")[order]
    log_p = column("log_p")[order]
    is_person = np.concatenate(is_person)[order]
    opened = day_numbers(people.questions["opened"]) if len(people.questions) else np.zeros(0)
    n_members = len(names_all)
    person = np.zeros(n_members, dtype=bool)
    person[author[is_person]] = True
    first_row = np.flatnonzero(np.r_[True, qpos[1:] != qpos[:-1]])  # qpos is sorted
    qs = qpos[first_row]
    local = np.searchsorted(qs, qpos)
    q_start = opened[qs].astype(np.int64)
    q_close = close[first_row]
    earliest = np.minimum(q_start, np.minimum.reduceat(day, first_row))
    span = np.maximum(q_close - earliest, 0) + 1  # days of each question's life, at most
    segments = np.minimum(span, np.diff(np.append(first_row, qpos.shape[0])) + 1)
    cols: dict[str, list[np.ndarray]] = {k: [] for k in COLUMNS}
    for lo, hi in _chunks(segments * n_members):
        sel = slice(*np.searchsorted(local, [lo, hi]))  # rows are sorted by question
        r = peer.peer_scores_batch(
            local[sel] - lo, author[sel], day[sel], brier[sel], log_p[sel], person,
            q_start[lo:hi], q_close[lo:hi],
        )  # fmt: skip
        qq, aa = np.nonzero(r.forecasts)
        cols["author"].append(aa)
        cols["qpos"].append(qs[lo:hi][qq])
        cols["brier_peer"].append(r.brier_peer[qq, aa])
        cols["log_peer"].append(r.log_peer[qq, aa])
        cols["coverage"].append(r.coverage[qq, aa])
        cols["alone"].append(r.alone[qq, aa])
    out = pd.DataFrame({k: np.concatenate(v) for k, v in cols.items()})
    out["author"] = np.asarray(names_all, dtype=object)[out["author"].to_numpy(dtype=np.int64)]
    return out


MAX_CELLS = 4_000_000  # questions x segments x members per batch of the peer kernel


def _chunks(cells: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive question ranges whose (segments x members) sizes, padded to the largest in the
    range, stay under MAX_CELLS (a single question may exceed it)."""
    out, lo, widest = [], 0, 0
    for i, c in enumerate(cells):
        widest = max(widest, int(c))
        if i > lo and widest * (i - lo + 1) > MAX_CELLS:
            out.append((lo, i))
            lo, widest = i, int(c)
    out.append((lo, len(cells)))
    return out


COLUMNS = ("author", "qpos", "brier_peer", "log_peer", "coverage", "alone")


def _not_member(scope: Scope) -> dict[str, bool]:
    """Authors left out of the crowd and of everyone's peers (imported aggregates, claims)."""
    f = scope.forecasts
    keep = crowd.members(f)
    column = f["author"]
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(str).astype("category")
    codes = column.cat.codes.to_numpy()
    names = [str(c) for c in column.cat.categories]
    member_rows = np.bincount(codes[keep], minlength=len(names))
    any_rows = np.bincount(codes, minlength=len(names))
    return {n: bool(member_rows[i] == 0) for i, n in enumerate(names) if any_rows[i]}


# ------------------------------------------------------------------------ forecaster table


def forecaster_table(
    people: ScoredPairs, crowds: ScoredPairs, peers: pd.DataFrame
) -> list[dict[str, Any]]:
    """Per forecaster (people by name, then crowds): see the module docstring."""
    frames = [f for f in (people.binary, people.choice.pairs, people.numeric.pairs,
              crowds.binary, crowds.choice.pairs, crowds.numeric.pairs) if len(f)]  # fmt: skip
    answered: dict[str, int] = {}
    if frames:
        both = pd.concat(
            [pd.DataFrame({"author": f["author"].astype(str).to_numpy(dtype=object),
                           "qpos": f["qpos"].to_numpy()}) for f in frames]
        )  # fmt: skip
        answered = both.groupby("author")["qpos"].nunique().to_dict()
    brier: dict[str, float] = {}
    for frame in (people.own_binary(), crowds.own_binary()):
        if len(frame):
            brier.update(frame.groupby(frame["author"].astype(str), observed=True)["brier"].mean())
    per: dict[str, pd.DataFrame] = (
        {str(k): g for k, g in peers.groupby("author", sort=False)} if len(peers) else {}
    )
    names = sorted(n for n in answered if not crowd.is_crowd(n))
    names += [n for n in crowd.NAMES if n in answered]
    rows = []
    for name in names:
        g = per.get(name)
        defined = g[~g["alone"].to_numpy(dtype=bool)] if g is not None else None
        rows.append(
            {
                "name": name,
                "crowd": crowd.is_crowd(name),
                "n_questions": int(answered[name]),
                "brier": _num(brier.get(name)),
                "n_peer_questions": 0 if defined is None else len(defined),
                "brier_peer": _mean(defined, "brier_peer"),
                "log_peer": _mean(defined, "log_peer"),
                "coverage": _mean(defined, "coverage"),
                "n_alone": 0 if g is None else int(g["alone"].sum()),
            }
        )
    return rows


def forecaster_sums(
    people: ScoredPairs, crowds: ScoredPairs, peers: pd.DataFrame
) -> dict[str, Forecaster]:
    """One batch's sums behind ``forecaster_table`` (``partial.Forecaster`` per name, merged
    over batches): distinct questions answered over every pair table, the binary Brier sum
    and count, and per peer column the exact sum over the questions with peers (or none,
    when a value there is not finite) with the count of questions alone."""
    from foretell.report.partial import PEER_COLUMNS, Forecaster, distinct_counts
    from foretell.report.summary import ExactSum

    index: dict[str, int] = {}
    out: dict[str, Forecaster] = {}

    def coded(column: pd.Series) -> np.ndarray:
        codes, names = _codes(column)
        lookup = np.array([index.setdefault(n, len(index)) for n in names], dtype=np.int64)
        return lookup[codes]

    frames = [f for f in (people.binary, people.choice.pairs, people.numeric.pairs,
              crowds.binary, crowds.choice.pairs, crowds.numeric.pairs) if len(f)]  # fmt: skip
    if frames:
        who = np.concatenate([coded(f["author"]) for f in frames])
        qpos = np.concatenate([f["qpos"].to_numpy(dtype=np.int64) for f in frames])
        answered = distinct_counts(who, qpos, len(index))
        names = list(index)
        for i in np.flatnonzero(answered).tolist():
            out[names[i]] = Forecaster(n_questions=int(answered[i]))
    for frame in (people.own_binary(), crowds.own_binary()):
        if len(frame):
            codes = coded(frame["author"])
            sums = ExactSum.grouped(frame["brier"].to_numpy(dtype=np.float64), codes, len(index))
            names, counts = list(index), np.bincount(codes, minlength=len(index))
            for code in np.flatnonzero(counts).tolist():
                row = out.setdefault(names[code], Forecaster())
                row.brier = sums[code]
                row.n_brier = int(counts[code])
    if len(peers):
        alone = peers["alone"].to_numpy(dtype=bool)
        values = {col: peers[col].to_numpy(dtype=np.float64) for col in PEER_COLUMNS}
        codes = coded(peers["author"])
        names, n = list(index), len(index)
        # a forecaster with a score that is not finite gets none: finite ones are summed
        sums: dict[str, list[ExactSum]] = {}
        infinite: dict[str, np.ndarray] = {}  # per code: questions with peers not finite
        for col, v in values.items():
            finite = np.isfinite(v)
            sums[col] = ExactSum.grouped(v[~alone & finite], codes[~alone & finite], n)
            infinite[col] = np.bincount(codes[~alone & ~finite], minlength=n)
        counts = np.bincount(codes, minlength=n)
        alone_counts = np.bincount(codes[alone], minlength=n)
        for code in np.flatnonzero(counts).tolist():  # in code order, as the rows were grouped
            row = out.setdefault(names[code], Forecaster())
            row.n_alone = int(alone_counts[code])
            row.n_peer = int(counts[code] - alone_counts[code])
            for col in PEER_COLUMNS:
                finite = not infinite[col][code]
                row.finite[col] = finite
                row.peer[col] = sums[col][code] if finite else ExactSum()
    return out


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's code and the names coded, as text (a categorical column's own codes)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        if (codes >= 0).all():
            return codes.astype(np.int64), [str(c) for c in column.cat.categories]
    codes, names = pd.factorize(column, use_na_sentinel=False)
    return codes.astype(np.int64), [str(n) for n in names]


def _mean(frame: pd.DataFrame | None, column: str) -> float | None:
    if frame is None or not len(frame):
        return None
    values = frame[column].to_numpy(dtype=np.float64)
    return _num(values.mean()) if np.isfinite(values).all() else None


def _num(x: object) -> float | None:
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    return value if np.isfinite(value) else None


# ------------------------------------------------------------------------ score tables


def score_long(people: ScoredPairs, crowds: ScoredPairs, metric: str) -> pd.DataFrame:
    """(author, question, score) rows for ``metric`` over people and crowds."""
    frames = []
    for scored in (people, crowds):
        if metric == "brier":
            parts = [(scored.own_binary(), "brier")]
        elif metric == "log":
            parts = [(scored.own_binary(), "log"), (scored.choice.pairs, "log")]
        elif metric == "wis":
            parts = [(scored.numeric.pairs, "wis")]
        else:
            raise ValueError(f"unknown metric {metric!r}")
        for frame, column in parts:
            if len(frame):
                frames.append(
                    pd.DataFrame(
                        {
                            "author": frame["author"].astype(str).to_numpy(dtype=object),
                            "question": frame["question"].astype(str).to_numpy(dtype=object),
                            "score": frame[column].to_numpy(dtype=np.float64),
                        }
                    )
                )
    if not frames:
        return pd.DataFrame({"author": [], "question": [], "score": []})
    long = pd.concat(frames, ignore_index=True)
    return long[np.isfinite(long["score"].to_numpy())]


def score_matrix(long: pd.DataFrame, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """(forecasters x questions) scores with NaN where not answered; and the question ids."""
    questions = sorted(pd.unique(long["question"])) if len(long) else []
    wide = long.pivot_table(index="author", columns="question", values="score", aggfunc="mean")
    wide = wide.reindex(index=names, columns=questions)
    return wide.to_numpy(dtype=np.float64), questions


def probability_notes(groups: list[dict[str, Any]]) -> list[str]:
    """A note when pairs resolved to a probability were left out of the calibration."""
    n = groups[0]["binary"].get("n_probability_outcomes", 0) if groups else 0
    if not n:
        return []
    return [
        f"{n} binary pair(s) on questions resolved to a probability are scored (Brier, log) "
        "but left out of the calibration tables, decompositions and calibration tests, which "
        "need outcomes of 0 or 1."
    ]


# ------------------------------------------------------------------------ conventions


def conventions(methods: tuple[str, ...], extremize: float) -> dict[str, str]:
    """The comparison conventions a report states (keys are stable for JSON readers)."""
    from foretell.scoring.compare import crowd as kernel

    shown = ", ".join(crowd.PREFIX + m for m in methods) or "none"
    return {
        "crowd": (
            f"Crowd forecasters ({shown}; choose with --crowd) are derived on each report from "
            "the people's standing forecasts (each one's latest at that moment), never stored; "
            "imported site aggregates (metaculus-<method>), claims and other crowds are not "
            f"members. A crowd forecasts at every moment a member does once {kernel.MIN_MEMBERS} "
            "members stand, and is paired and scored like a person. median and mean of the "
            "probabilities; geo-odds: geometric mean of the odds after clipping each "
            f"probability to [{kernel.CLIP_LOW}, {kernel.CLIP_HIGH}]; extremized: that mean of "
            f"odds raised to d = {extremize:g} (--extremize; Satopaa et al. 2014). Multiple "
            "choice: per option, renormalised. Numeric: per quantile level, the mean "
            "(quantile averaging) or the median, over the levels every member gave. Crowd "
            "rows do not enter 'all', equal-weight, counts or best and worst questions."
        ),
        "peer": (
            "Peer scores (binary and multiple-choice questions; each forecaster against the "
            "people standing on the same days): Brier peer = mean over the forecaster's days "
            "(first forecast to close) of their daily multi-category Brier (0..2, a binary "
            "forecast counts 2(p - o)^2 as Good Judgment Open does) minus the median daily "
            "Brier of the people standing; lower is better; Good Judgment Open's accuracy "
            "score is this difference summed with the median's score on your missing days, "
            "i.e. ours times your share of the days. Log peer (Metaculus' peer score): per "
            "day, 100 x (ln p(outcome) - mean of the other people's ln p(outcome)), 0 on days "
            "without a forecast or without another person, summed and divided by the days of "
            "the question's life (opened to close), so coverage scales it; higher is better. "
            "A forecaster with no other person on a question has no peer score there (counted "
            "as 'alone'). The table's peer scores are means over questions with peers."
        ),
        "probability_outcomes": (
            "A binary question resolved to a probability o (resolve --probability) is scored "
            "with o as the outcome: Brier (p - o)^2, log -(o ln p + (1 - o) ln(1 - p)); the "
            "calibration tables, decompositions and tests use only the pairs whose outcome "
            "is 0 or 1."
        ),
    }
