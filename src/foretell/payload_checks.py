"""Verify's payload checks applied to a forecasts frame: forecasts whose probs or quantiles
``verify.payload_problem`` flags are left out (and counted), each distinct (payload, question
class) checked once. A question is stood in for by its id, type and options (``StandIn``, a
tuple: there are as many as questions), and a payload of another type than its question's is
checked against a stand-in of its own type.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from foretell.verify import payload_problem


class StandIn(NamedTuple):
    """A question's id, type and options: what verify's payload and outcome checks read."""

    id: str
    type: str
    options: list[str] | None


def question_stand_ins(qframe: pd.DataFrame) -> dict[str, StandIn]:
    """Each question's stand-in (a tuple, not a model: there are as many as questions)."""
    return {
        qid: StandIn(qid, kind, opts)
        for qid, kind, opts in zip(
            qframe["id"].tolist(), qframe["type"].tolist(), qframe["options"].tolist(), strict=True
        )
    }


def drop_bad_payloads(
    frame: pd.DataFrame, questions: dict[str, StandIn]
) -> tuple[pd.DataFrame, int]:
    """Forecasts whose probs or quantiles verify flags, left out (the count is of flagged
    payloads). A payload of another type than its question's is checked against a stand-in of
    its own type, so the report still counts it as a payload of the wrong type.

    Rows sharing a payload object (``frames._objects``) and a question class share the
    verdict, so it is found once per distinct (payload, class): a quantiles payload's verdict
    does not depend on its question, a probs payload's on its question's options when the
    question is multiple choice; the class is "another type", "numeric" or the options."""
    column = frame["question"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        q_codes = column.cat.codes.to_numpy()
        q_names = column.cat.categories.to_numpy(dtype=object)
    else:
        q_names, q_codes = column.to_numpy(dtype=object), np.arange(len(column))
    stand_ins = [questions[qid] for qid in q_names]
    bad: list[np.ndarray] = []
    for col, kind in (("probs", "multiple_choice"), ("quantiles", "numeric")):
        values = frame[col].to_numpy(dtype=object)
        rows = np.flatnonzero(pd.notna(values))
        if not rows.size:
            continue
        held = values[rows]
        option_sets: dict[tuple[str, ...], int] = {}
        classes = np.array(
            [
                0
                if q.type != kind
                else 1
                if kind == "numeric"
                else 2 + option_sets.setdefault(tuple(q.options or ()), len(option_sets))
                for q in stand_ins
            ]
            or [0],
            dtype=np.int64,
        )
        objects, _ = pd.factorize(np.fromiter(map(id, held), dtype=np.uint64, count=rows.size))
        key = objects.astype(np.int64) * (len(option_sets) + 2) + classes[q_codes[rows]]
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        verdicts = np.zeros(first.shape[0], dtype=bool)
        for k, i in enumerate(first.tolist()):
            value, question = held[i], stand_ins[q_codes[rows[i]]]
            if question.type != kind:
                options = list(value) if isinstance(value, dict) else []
                question = StandIn(question.id, kind, options)
            verdicts[k] = bool(payload_problem(question, {col: value}))
        bad.append(rows[verdicts[inverse.reshape(-1)]])
    flagged = np.concatenate(bad) if bad else np.zeros(0, dtype=np.int64)
    if not flagged.size:
        return frame, 0
    return frame.drop(index=frame.index[flagged]).reset_index(drop=True), int(flagged.size)
