"""The score trend's points as a piece that merges across batches of whole questions.

A point (``trends.points``) is one forecaster's mean Brier score on one resolved question, so
a batch of whole questions gives its points whole. The rolling means need every point of the
forecasters shown, and which are shown (the most points) is known only once every batch is
in, so every point is kept, compactly: per point an author code (int32, into ``names``), the
question's catalog position (int32) and the score (float64), 16 bytes a point; per question
with points its position, resolution date and id. The arrays are kept as a stack of parts in
decreasing size, binary-counter style (``scoring.grouped.push_part``, as histograms are), so each
point is copied O(log batches) times. ``trend`` gathers them into ``trends.series``, the
formula the in-memory report uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from foretell.report import trends
from foretell.scoring import grouped

Part = tuple[np.ndarray, ...]


def _concatenated(a: Part, b: Part) -> Part:
    return tuple(np.concatenate([x, y]) for x, y in zip(a, b, strict=True))


def push(parts: tuple[Part, ...], part: Part) -> tuple[Part, ...]:
    """Add a part (parallel arrays) to the stack (``grouped.push_part``, parts concatenated)."""
    return grouped.push_part(parts, part, _concatenated)


def _joined(parts: tuple[Part, ...], empty: Part) -> Part:
    if not parts:
        return empty
    return tuple(np.concatenate(arrays) for arrays in zip(*parts, strict=True))


@dataclass
class TrendPoints:
    names: list[str] = field(default_factory=list)
    point_parts: tuple[Part, ...] = ()  # (author code, question position, score)
    question_parts: tuple[Part, ...] = ()  # (question position, resolved on, id)

    @classmethod
    def of(cls, binary: pd.DataFrame, q: pd.DataFrame, gpos: np.ndarray) -> TrendPoints:
        """The points of a batch's binary pairs (``gpos``: its questions' catalog positions)."""
        codes, names, qpos, score = trends.points(binary)
        if not codes.size:
            return cls()
        used = np.unique(qpos)
        questions = (
            gpos[used].astype(np.int64),
            q["resolved_on_day"].to_numpy(dtype=object)[used],
            q["id"].astype(str).to_numpy(dtype=object)[used],
        )
        points = (codes.astype(np.int32), gpos[qpos].astype(np.int32), score)
        return cls(names, push((), points), push((), questions))

    def merge(self, other: TrendPoints) -> TrendPoints:
        """The points of both (disjoint) sets of questions; ``other``'s author codes renamed
        into this one's names."""
        index = {name: i for i, name in enumerate(self.names)}
        names = list(self.names)
        for name in other.names:
            if name not in index:
                index[name] = len(names)
                names.append(name)
        rename = np.array([index[n] for n in other.names], dtype=np.int32)
        points = self.point_parts
        for codes, where, score in other.point_parts:
            points = push(points, (rename[codes], where, score))
        questions = self.question_parts
        for part in other.question_parts:
            questions = push(questions, part)
        return TrendPoints(names, points, questions)

    def trend(self, window: int) -> dict[str, Any]:
        """The report's trend block (``trends.series`` of every point)."""
        codes, where, score = _joined(
            self.point_parts, (np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        )
        gpos, resolved, ids = _joined(
            self.question_parts,
            (np.zeros(0, np.int64), np.zeros(0, dtype=object), np.zeros(0, dtype=object)),
        )
        order = np.argsort(gpos, kind="stable")
        gpos, resolved, ids = gpos[order], resolved[order], ids[order]
        return trends.series(
            codes, self.names, np.searchsorted(gpos, where), score, resolved, ids, window
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by the point arrays (the question records' object arrays not counted
        beyond their pointers)."""
        return sum(a.nbytes for part in (*self.point_parts, *self.question_parts) for a in part)
