"""Every diagnostic figure of a report as PNG files in a directory (matplotlib, Agg).

``write_figures(data, directory)`` writes the figures the report has data for:
``reliability.png`` (binned points with Wilson intervals, the CORP curve and its consistency
band), ``discrimination.png`` (forecast distributions by outcome, ROC curve with AUC),
``pit.png`` (randomised PIT histogram of numeric forecasts), ``coverage.png`` (empirical
against nominal coverage of each central interval) and ``trend.png`` (each forecaster's
rolling score over resolved questions). Each is written whole (``foretell.atomic``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_figures(data: dict[str, Any], directory: Path) -> list[Path]:
    from foretell import atomic
    from foretell.report import diagnostic_plots as dp

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in dp.FIGURES.items():
        png = draw(data)
        if png is None:
            continue
        path = directory / f"{name}.png"
        atomic.write_bytes(path, png)
        written.append(path)
    return written
