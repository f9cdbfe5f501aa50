"""Group keys of the report: which group each scored pair belongs to, and the groups' order.

A key turns a pair table (one row per scored pair, with ``author``, ``qpos`` and
``horizon_days``) into one label per row, or a list of labels per row for a key under which a
pair may sit in several groups (``tag``: a question with several tags is in each). Several
keys at once (``--group-by forecaster,tag``) group by every combination that occurs; the
combined group's name joins the labels with `` / `` in the order the keys were given, and its
``keys`` maps each key to its label. Groups are ordered key by key, each key in its own order.

New keys are added with :func:`register`; a key's functions get the report options, so a key
may depend on them (bin edges, periods).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from foretell.errors import ForetellError
from foretell.report.conventions import HORIZON_EDGES, HORIZON_LABELS
from foretell.scoring.compare.crowd import METHODS as CROWD_METHODS

TYPE_ORDER = ("binary", "multiple_choice", "numeric")
NO_TAG = "(no tag)"
SEPARATOR = " / "
CROWD_PREFIX = "crowd:"

Labeller = Callable[[pd.DataFrame, pd.DataFrame, Any], np.ndarray]
Orderer = Callable[[set[str], Any], list[str]]


@dataclass(frozen=True)
class GroupKey:
    """``labels(pairs, questions, options)`` -> one label (or list of labels) per pair row;
    ``order(names, options)`` -> the labels in report order; ``many``: rows may hold lists."""

    name: str
    labels: Labeller
    order: Orderer
    many: bool = False


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
    for i, t in enumerate(q["tags"]):
        tags[i] = list(t) if t is not None and len(t) else [NO_TAG]
    return tags[frame["qpos"].to_numpy(dtype=np.int64)]


def _type(frame: pd.DataFrame, q: pd.DataFrame, options: Any) -> np.ndarray:
    return q["type"].to_numpy(dtype=object)[frame["qpos"].to_numpy(dtype=np.int64)]


def _horizon(frame: pd.DataFrame, q: pd.DataFrame, options: Any) -> np.ndarray:
    bucket = np.searchsorted(np.array(HORIZON_EDGES), frame["horizon_days"].to_numpy(), "right")
    return np.array(HORIZON_LABELS, dtype=object)[bucket]


register(GroupKey("forecaster", _forecaster, _forecasters))
register(GroupKey("tag", _tags, _alphabetical, many=True))
register(GroupKey("type", _type, lambda names, _: [t for t in TYPE_ORDER if t in names]))
register(GroupKey("horizon", _horizon, lambda names, _: [h for h in HORIZON_LABELS if h in names]))
