"""A verbal-probability scale: hedge words -> a point probability and a range.

The scale is Sherman Kent's "words of estimative probability" (Kent 1964), the table he
proposed for national intelligence estimates: each word stands for a central probability
"give or take" a stated spread, so every word yields a point and a closed range [low, high]:

    word                   point   range
    certain                1.00    1.00-1.00
    almost-certain         0.93    0.87-0.99   (93% give or take about 6%)
    probable               0.75    0.63-0.87   (75% give or take about 12%)
    chances-about-even     0.50    0.40-0.60   (50% give or take about 10%)
    probably-not           0.30    0.20-0.40   (30% give or take about 10%)
    almost-certainly-not   0.07    0.02-0.12   (7% give or take about 5%)
    impossible             0.00    0.00-0.00

Why Kent's scale rather than the IPCC AR5 likelihood scale: AR5's terms are nested,
one-sided ranges ("likely" is 66-100%, "very likely" 90-100%) with no central value, so a
point probability would have to be invented; Kent gives both a point and a range for every
word, and it was written for the same job, stating how sure a dated estimate of an uncertain
future is. A few of the phrasings Kent lists beside each word are accepted as synonyms
(``likely`` -> probable, ``unlikely`` -> probably-not, ``virtually-certain`` ->
almost-certain, ``highly-doubtful`` -> almost-certainly-not, ...).

The probability is the claimant's confidence that the claimed outcome is the true one. Pure:
no I/O, numpy only.

Reference: S. Kent (1964). Words of estimative probability. *Studies in Intelligence* 8(4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

SCALE_NAME = "Kent (1964), words of estimative probability"
SCALE_REFERENCE = "S. Kent (1964). Words of estimative probability. Studies in Intelligence 8(4)."


@dataclass(frozen=True)
class Word:
    """A hedge word: its point probability and the range Kent gives it."""

    word: str
    p: float
    low: float
    high: float


WORDS: tuple[Word, ...] = (
    Word("certain", 1.00, 1.00, 1.00),
    Word("almost-certain", 0.93, 0.87, 0.99),
    Word("probable", 0.75, 0.63, 0.87),
    Word("chances-about-even", 0.50, 0.40, 0.60),
    Word("probably-not", 0.30, 0.20, 0.40),
    Word("almost-certainly-not", 0.07, 0.02, 0.12),
    Word("impossible", 0.00, 0.00, 0.00),
)

SYNONYMS: dict[str, str] = {
    "virtually-certain": "almost-certain",
    "highly-probable": "almost-certain",
    "highly-likely": "almost-certain",
    "likely": "probable",
    "chances-are-good": "probable",
    "about-even": "chances-about-even",
    "even-chance": "chances-about-even",
    "unlikely": "probably-not",
    "improbable": "probably-not",
    "highly-doubtful": "almost-certainly-not",
    "almost-impossible": "almost-certainly-not",
    "only-a-slight-chance": "almost-certainly-not",
}

_BY_WORD = {w.word: w for w in WORDS}


def canonical(word: str) -> str:
    """The scale's own word for ``word`` (case, spaces and underscores folded to kebab-case).

    Raises ValueError naming the scale's words when ``word`` is neither a word nor a synonym.
    """
    key = "-".join(word.strip().lower().replace("_", " ").replace("-", " ").split())
    key = SYNONYMS.get(key, key)
    if key not in _BY_WORD:
        words = ", ".join(w.word for w in WORDS)
        raise ValueError(f"unknown hedge word {word!r}; Kent's scale has: {words}")
    return key


def lookup(word: str) -> Word:
    """The scale entry for ``word`` (a word of the scale or one of its synonyms)."""
    return _BY_WORD[canonical(word)]


def probabilities(words: list[str]) -> tuple[NDArray[np.float64], ...]:
    """(point, low, high) probability arrays for a list of hedge words."""
    entries = [lookup(w) for w in words]
    return tuple(
        np.array([getattr(e, k) for e in entries], dtype=np.float64) for k in ["p", "low", "high"]
    )


def claim_brier(p: ArrayLike, came_true: ArrayLike) -> NDArray[np.float64]:
    """Brier score of claims given probability ``p`` of the claimed outcome: ``(p - o)^2``,
    with ``o`` 1 when the claimed outcome came true and 0 when not; 0..1."""
    prob = np.asarray(p, dtype=np.float64)
    o = np.asarray(came_true, dtype=np.float64)
    if prob.shape != o.shape:
        raise ValueError(f"p and came_true differ in shape: {prob.shape} vs {o.shape}")
    if prob.size and (np.nanmin(prob) < 0.0 or np.nanmax(prob) > 1.0):
        raise ValueError("p must lie in [0, 1]")
    if not np.isin(o, (0.0, 1.0)).all():
        raise ValueError("came_true must hold only 0 and 1")
    return (prob - o) ** 2


def scale_table() -> list[dict[str, float | str]]:
    """The scale as JSON-ready rows: word, p, low, high."""
    return [{"word": w.word, "p": w.p, "low": w.low, "high": w.high} for w in WORDS]
