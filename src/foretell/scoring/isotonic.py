"""Weighted isotonic (non-decreasing) regression by the pool-adjacent-violators algorithm.

The fit is scipy's: ``scipy.optimize.isotonic_regression`` (Busing's O(n) PAVA, compiled).
Importing ``scipy.optimize`` loads the whole optimisation package (its linear programming,
sparse and linear algebra modules: 0.7-1.0 s on the benchmark machine), while the fit itself
is one small compiled module. ``fit`` loads that module on its own, from scipy's installed
files, and calls it exactly as ``isotonic_regression`` does, so the result is the same array,
bit for bit (``tests/test_isotonic.py`` compares the two on random inputs). Where the module
cannot be found or loaded (another scipy layout), ``fit`` uses ``isotonic_regression``.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
_MODULE = "scipy.optimize._pava_pybind"


def fit(y: ArrayLike, weights: ArrayLike) -> FloatArray:
    """The non-decreasing ``x`` minimising ``sum_i w_i (y_i - x_i)^2`` (weights > 0)."""
    x = np.array(np.atleast_1d(y), order="C", dtype=np.float64, copy=True)
    w = np.array(np.atleast_1d(weights), order="C", dtype=np.float64, copy=True)
    if x.ndim != 1 or w.shape != x.shape:
        raise ValueError("isotonic fit: y and weights must be 1-D arrays of one length")
    if np.any(w <= 0):
        raise ValueError("isotonic fit: weights must be strictly positive")
    pava = compiled_pava()
    if pava is None:
        from scipy.optimize import isotonic_regression

        return np.asarray(isotonic_regression(x, weights=w).x)
    blocks = np.full(x.shape[0] + 1, -1, dtype=np.intp)
    return np.asarray(pava(x, w, blocks)[0])


@cache
def compiled_pava() -> Callable[..., Any] | None:
    """scipy's compiled ``pava(x, w, r)`` (in place: x becomes the fit), or None."""
    try:
        spec = importlib.util.find_spec("scipy")
        if spec is None or spec.origin is None:
            return None
        folder = Path(spec.origin).parent / "optimize"
        names = (f"_pava_pybind{s}" for s in importlib.machinery.EXTENSION_SUFFIXES)
        found = [folder / name for name in names if (folder / name).exists()]
        if not found:
            return None
        loader = importlib.machinery.ExtensionFileLoader(_MODULE, str(found[0]))
        module_spec = importlib.util.spec_from_file_location(_MODULE, found[0], loader=loader)
        if module_spec is None:
            return None
        module = importlib.util.module_from_spec(module_spec)
        loader.exec_module(module)
        pava = module.pava
    except (ImportError, OSError, AttributeError):
        return None
    return pava if callable(pava) else None
