"""Group keys of the report: which group each scored pair belongs to, and the groups' order.

A key turns a pair table (one row per scored pair, with ``author``, ``qpos`` and
``horizon_days``) into one label per row, or a list of labels per row for a key under which a
pair may sit in several groups (``tag``: a question with several tags is in each). Several
keys at once (``--group-by forecaster,tag``) group by every combination that occurs; the
combined group's name joins the labels with `` / `` in the order the keys were given, and its
``keys`` maps each key to its label. Groups are ordered key by key, each key in its own order.

``horizon`` bins each pair's lead time (``horizon_days``) by ``options.horizons`` (default
``HORIZON_EDGES``); ``period`` is the month, quarter or year (``options.period``) of the
question's resolution date.

New keys are added with :func:`register`; a key's functions get the report options, so a key
may depend on them (bin edges, periods).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from foretell.errors import ForetellError
from foretell.report.conventions import HORIZON_EDGES
from foretell.scoring.compare.crowd import METHODS as CROWD_METHODS

TYPE_ORDER = ("binary", "multiple_choice", "numeric")
NO_TAG = "(no tag)"
SEPARATOR = " / "
CROWD_PREFIX = "crowd:"

Labeller = Callable[[pd.DataFrame, pd.DataFrame, Any], np.ndarray]
Orderer = Callable[[set[str], Any], list[str]]
Coder = Callable[[pd.DataFrame, pd.DataFrame, Any], tuple[np.ndarray, np.ndarray, list[str]]]


@dataclass(frozen=True)
class GroupKey:
    """``labels(pairs, questions, options)`` -> one label (or list of labels) per pair row;
    ``order(names, options)`` -> the labels in report order; ``many``: rows may hold lists.

    ``codes`` (optional, the same labels as integers): ``(row, code, names)`` with one entry
    per (row, label), ``names[code]`` the label; rows in increasing order."""

    name: str
    labels: Labeller
    order: Orderer
    many: bool = False
    codes: Coder | None = None


GROUP_KEYS: dict[str, GroupKey] = {}


def register(key: GroupKey) -> GroupKey:
    GROUP_KEYS[key.name] = key
    return key


def parse_keys(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"forecaster,tag"``, ``["forecaster", "tag"]``, ``"none"`` or None -> key names.

    Refuses unknown and repeated keys.
    """
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    names = tuple(s.strip() for s in items if s.strip())
    if names in ((), ("none",)):
        return ()
    for name in names:
        if name not in GROUP_KEYS:
            raise ForetellError(
                f"unknown --group-by {name!r}; choose one or more of "
                f"{', '.join(GROUP_KEYS)} (comma-separated), or none"
            )
    if len(set(names)) < len(names):
        raise ForetellError(f"--group-by names a key twice: {','.join(names)}")
    return names


def label(
    frame: pd.DataFrame, keys: tuple[str, ...], q: pd.DataFrame, options: Any
) -> pd.DataFrame:
    """``frame`` with a ``group`` column of label tuples (rows repeated for list labels)."""
    if not len(frame):
        return frame.assign(group=pd.Series([], dtype=object))
    out = frame
    columns = []
    for i, name in enumerate(keys):
        key = GROUP_KEYS[name]
        column = f"_group_{i}"
        out = out.assign(**{column: key.labels(out, q, options)})
        if key.many:
            out = out.explode(column)
        columns.append(column)
    values = [out[c].to_numpy(dtype=object) for c in columns]
    group = np.empty(len(out), dtype=object)
    group[:] = list(zip(*values, strict=True)) if len(out) else []
    return out.drop(columns=columns).assign(group=group)


def order(
    keys: tuple[str, ...], names: set[tuple[str, ...]], options: Any
) -> list[tuple[str, ...]]:
    """The label tuples sorted key by key, each in its key's own order."""
    ranks = []
    for i, name in enumerate(keys):
        seen = {n[i] for n in names}
        ranks.append({v: r for r, v in enumerate(GROUP_KEYS[name].order(seen, options))})
    return sorted(names, key=lambda n: tuple(ranks[i][v] for i, v in enumerate(n)))


def group_name(labels: tuple[str, ...]) -> str:
    return SEPARATOR.join(labels)


def _alphabetical(names: set[str], options: Any) -> list[str]:
    return sorted(names - {NO_TAG}) + ([NO_TAG] if NO_TAG in names else [])


def _forecasters(names: set[str], options: Any) -> list[str]:
    """People alphabetically, then the crowd forecasters in the order of their methods."""
    crowds = [CROWD_PREFIX + m for m in CROWD_METHODS]
    people = sorted(n for n in names if not n.startswith(CROWD_PREFIX))
    return (
        people
        + [c for c in crowds if c in names]
        + sorted(n for n in names if n.startswith(CROWD_PREFIX) and n not in crowds)
    )


def _forecaster(frame: pd.DataFrame, q: pd.DataFrame, options: Any) -> np.ndarray:
    return frame["author"].astype(str).to_numpy(dtype=object)


def _tags(frame: pd.DataFrame, q: pd.DataFrame, options: Any) -> np.ndarray:
    tags = np.empty(len(q), dtype=object)
    for i, t in enumerate(q["tags"].tolist()):
        tags[i] = list(t) if t is not None and len(t) else [NO_TAG]
    return tags[frame["qpos"].to_numpy(dtype=np.int64)]


def _type(frame: pd.DataFrame, q: pd.DataFrame, options: Any) -> np.ndarray:
    return q["type"].to_numpy(dtype=object)[frame["qpos"].to_numpy(dtype=np.int64)]


def horizon_edges(options: Any) -> tuple[int, ...]:
    edges = getattr(options, "horizons", None)
    return tuple(edges) if edges else HORIZON_EDGES


def horizon_labels(edges: Sequence[int]) -> list[str]:
    """Bin labels for lead-time edges in whole days: ``<7d``, ``7-13d``, ..., ``>=28d``.

    Bin i holds lead times ``edges[i-1] <= d < edges[i]``; the first bin also holds negative
    lead times (forecasts made after the target date).
    """
    labels = [f"<{edges[0]}d"]
    for lo, hi in itertools.pairwise(edges):
        labels.append(f"{lo}d" if hi == lo + 1 else f"{lo}-{hi - 1}d")
    labels.append(f">={edges[-1]}d")
    return labels


def _horizon(frame: pd.DataFrame, q: pd.DataFrame, options: Any) -> np.ndarray:
    edges = horizon_edges(options)
    bucket = np.searchsorted(np.array(edges), frame["horizon_days"].to_numpy(), "right")
    return np.array(horizon_labels(edges), dtype=object)[bucket]


def _horizon_order(names: set[str], options: Any) -> list[str]:
    return [h for h in horizon_labels(horizon_edges(options)) if h in names]


PERIODS = ("month", "quarter", "year")


def period_label(iso_day: str, period: str) -> str:
    """``2026-03-15`` -> ``2026-03`` (month), ``2026-Q1`` (quarter) or ``2026`` (year)."""
    if period == "month":
        return iso_day[:7]
    if period == "quarter":
        return f"{iso_day[:4]}-Q{(int(iso_day[5:7]) - 1) // 3 + 1}"
    return iso_day[:4]


def _period(frame: pd.DataFrame, q: pd.DataFrame, options: Any) -> np.ndarray:
    period = getattr(options, "period", "quarter")
    days = q["resolved_on_day"].to_numpy(dtype=object)
    per_q = np.array([period_label(str(d), period) if d else "" for d in days], dtype=object)
    return per_q[frame["qpos"].to_numpy(dtype=np.int64)]


def _each_row(frame: pd.DataFrame, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(len(frame), dtype=np.int64), codes.astype(np.int64)


def _per_question(
    frame: pd.DataFrame, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A label per question (``labels``), as codes of each pair row's question."""
    codes, names = pd.factorize(np.asarray(labels, dtype=object))
    qpos = frame["qpos"].to_numpy(dtype=np.int64)
    return (*_each_row(frame, codes[qpos]), [str(n) for n in names])


def _forecaster_codes(
    frame: pd.DataFrame, q: pd.DataFrame, options: Any
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    author = frame["author"]
    if isinstance(author.dtype, pd.CategoricalDtype) and (author.cat.codes >= 0).all():
        return (
            *_each_row(frame, author.cat.codes.to_numpy()),
            [str(c) for c in author.cat.categories],
        )
    codes, names = pd.factorize(_forecaster(frame, q, options))
    return (*_each_row(frame, codes), [str(n) for n in names])


def _type_codes(
    frame: pd.DataFrame, q: pd.DataFrame, options: Any
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    return _per_question(frame, q["type"].to_numpy(dtype=object))


def _tag_codes(
    frame: pd.DataFrame, q: pd.DataFrame, options: Any
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    names: list[str] = []
    index: dict[str, int] = {}
    per_q: list[list[int]] = []
    for t in q["tags"]:
        tags = list(t) if t is not None and len(t) else [NO_TAG]
        per_q.append([index.setdefault(tag, len(index)) for tag in tags])
    names = list(index)
    lengths = np.array([len(c) for c in per_q], dtype=np.int64)
    flat = np.array([c for codes in per_q for c in codes], dtype=np.int64)
    start = np.cumsum(lengths) - lengths
    qpos = frame["qpos"].to_numpy(dtype=np.int64)
    per = lengths[qpos]
    row = np.repeat(np.arange(len(frame), dtype=np.int64), per)
    within = np.arange(row.shape[0]) - np.repeat(np.cumsum(per) - per, per)
    return row, flat[start[qpos[row]] + within] if row.size else flat[:0], names


def _horizon_codes(
    frame: pd.DataFrame, q: pd.DataFrame, options: Any
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    edges = horizon_edges(options)
    bucket = np.searchsorted(np.array(edges), frame["horizon_days"].to_numpy(), "right")
    return (*_each_row(frame, bucket), horizon_labels(edges))


def _period_codes(
    frame: pd.DataFrame, q: pd.DataFrame, options: Any
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    period = getattr(options, "period", "quarter")
    days = q["resolved_on_day"].to_numpy(dtype=object)
    return _per_question(frame, [period_label(str(d), period) if d else "" for d in days])


register(GroupKey("forecaster", _forecaster, _forecasters, codes=_forecaster_codes))
register(GroupKey("tag", _tags, _alphabetical, many=True, codes=_tag_codes))
register(
    GroupKey(
        "type", _type, lambda names, _: [t for t in TYPE_ORDER if t in names], codes=_type_codes
    )
)
register(GroupKey("horizon", _horizon, _horizon_order, codes=_horizon_codes))
register(GroupKey("period", _period, lambda names, _: sorted(names), codes=_period_codes))
