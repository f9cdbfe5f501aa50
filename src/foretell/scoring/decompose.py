"""Brier score decompositions: Murphy's binned one (exact form) and CORP's isotonic one.

Murphy, with the two within-bin terms of Stephenson, Coelho & Jolliffe (2008), so that the
parts add up to the Brier score exactly. With bins k of ``n_k`` forecasts, bin means
``pbar_k`` (forecast) and ``obar_k`` (outcome), overall base rate ``obar`` and N forecasts::

    REL = 1/N sum_k n_k (pbar_k - obar_k)^2            reliability (lower is better)
    RES = 1/N sum_k n_k (obar_k - obar)^2              resolution (higher is better)
    UNC = obar (1 - obar)                              uncertainty of the outcomes
    WBV = 1/N sum_k sum_i (p_ki - pbar_k)^2            within-bin variance of forecasts
    WBC = 2/N sum_k sum_i (o_ki - obar_k)(p_ki - pbar_k)   twice the within-bin covariance
    BS  = REL - RES + UNC + WBV - WBC

CORP (Dimitriadis, Gneiting & Jordan 2021): recalibrate p by the pool-adjacent-violators
algorithm (isotonic regression of o on p, non-decreasing, tied forecasts pooled), giving
``S_rc``, the Brier score of the recalibrated forecasts; with ``S`` the Brier score::

    MCB = S - S_rc  (miscalibration, >= 0)   DSC = UNC - S_rc  (discrimination, >= 0)
    S = MCB - DSC + UNC

References: A. H. Murphy (1973), A new vector partition of the probability score, J. Appl.
Meteorology 12(4); D. B. Stephenson, C. A. S. Coelho & I. T. Jolliffe (2008), Two extra
components in the Brier score decomposition, Weather and Forecasting 23(4); T. Dimitriadis,
T. Gneiting & A. I. Jordan (2021), Stable reliability diagrams for probabilistic classifiers,
PNAS 118(8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from foretell.scoring import isotonic
from foretell.scoring.calibration import Bins, bin_edges, bin_index
from foretell.scoring.rules import as_outcomes, as_probabilities

ROUNDING = 1e-12
"""MCB or DSC within this of 0 below it (floating-point rounding) is reported as 0."""


@dataclass(frozen=True)
class Murphy:
    rel: float
    res: float
    unc: float
    wbv: float
    wbc: float
    brier: float
    n: int


@dataclass(frozen=True)
class Corp:
    mcb: float
    dsc: float
    unc: float
    score: float
    n: int


def murphy(p: ArrayLike, o: ArrayLike, bins: Bins = 10, *, n_bins: int = 10) -> Murphy:
    """Murphy decomposition with within-bin terms; binning as ``calibration_table``."""
    pa = as_probabilities(p)
    oa = as_outcomes(o, pa.shape[0])
    idx = bin_index(pa, bin_edges(pa, bins, n_bins=n_bins))
    count = np.bincount(idx)
    safe = np.maximum(count, 1)
    pbar = np.bincount(idx, weights=pa) / safe
    obar_k = np.bincount(idx, weights=oa) / safe
    obar = float(oa.mean())
    dp = pa - pbar[idx]
    do = oa - obar_k[idx]
    n = pa.shape[0]
    return Murphy(
        rel=float(np.sum(count * (pbar - obar_k) ** 2) / n),
        res=float(np.sum(count * (obar_k - obar) ** 2) / n),
        unc=obar * (1.0 - obar),
        wbv=float(np.mean(dp * dp)),
        wbc=float(2.0 * np.mean(do * dp)),
        brier=float(np.mean((pa - oa) ** 2)),
        n=n,
    )


def pav_recalibrate(p: ArrayLike, o: ArrayLike) -> NDArray[np.float64]:
    """PAV-recalibrated forecast for each row: the isotonic (non-decreasing in p) fit of o.

    Equal forecasts are pooled first, so they get one recalibrated value (CORP's choice).
    Plotting it against p gives the CORP reliability diagram.
    """
    pa = as_probabilities(p)
    oa = as_outcomes(o, pa.shape[0])
    return _pav(pa, oa)


def corp(p: ArrayLike, o: ArrayLike) -> Corp:
    """CORP decomposition of the mean Brier score (see the module docstring)."""
    pa = as_probabilities(p)
    oa = as_outcomes(o, pa.shape[0])
    rc = _pav(pa, oa)
    score = float(np.mean((pa - oa) ** 2))
    score_rc = float(np.mean((rc - oa) ** 2))
    obar = float(oa.mean())
    unc = obar * (1.0 - obar)
    return Corp(
        mcb=_zero_if_rounding(score - score_rc),
        dsc=_zero_if_rounding(unc - score_rc),
        unc=unc,
        score=score,
        n=int(pa.shape[0]),
    )


def _pav(p: NDArray[np.float64], o: NDArray[np.float64]) -> NDArray[np.float64]:
    _, inverse, counts = np.unique(p, return_inverse=True, return_counts=True)
    mean_o = np.bincount(inverse, weights=o) / counts
    fitted = isotonic.fit(mean_o, counts.astype(np.float64))
    return fitted[inverse]


def _zero_if_rounding(x: float) -> float:
    return 0.0 if -ROUNDING < x < 0.0 else x
