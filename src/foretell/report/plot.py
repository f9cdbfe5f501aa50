"""Reliability diagram (matplotlib, Agg backend), drawn from the report data's calibration
tables.

Main panel: the ``all`` group alone, observed frequency against mean forecast per bin with
Wilson 95% error bars and the diagonal, beside the CORP (isotonic) curve with its shaded 90%
consistency band when the report has them; each point's area grows with its bin's number of
pairs and is labelled with that number. Below it, a histogram of pairs per bin (integer
ticks). When the report has groups, one small panel per group (the ``MAX_SERIES`` groups with
the most binary pairs when there are more) on the same axes. PNG at ``DPI`` dots per inch.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foretell.errors import ForetellError
from foretell.report.bins import bins_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_SERIES = 6
FORMATS = ("png", "svg")
DPI = 150
EMPTY = "no resolved binary forecasts"


def _groups(data: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The groups that get a small panel, and how many groups have binary pairs at all."""
    scored = [g for g in data["groups"][1:] if g["binary"]["n_pairs"]]
    if len(scored) <= MAX_SERIES:
        return scored, len(scored)
    largest = sorted(scored, key=lambda g: -g["binary"]["n_pairs"])[:MAX_SERIES]
    keep = {id(g) for g in largest}
    return [g for g in scored if id(g) in keep], len(scored)


def _pairs(n: int, kind: str = "") -> str:
    return f"{n} {kind}pair{'' if n == 1 else 's'}"


def _size(n: int, n_max: int) -> float:
    """Marker area in points^2: 12 for an empty bin up to 160 for the fullest one."""
    return 12.0 + 148.0 * n / max(n_max, 1)


def _reliability(
    ax: Axes, table: list[dict[str, Any]], n_max: int, *, labels: bool, small: bool
) -> None:
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1, zorder=1)
    ax.set_xlim(-0.04, 1.04)
    ax.set_ylim(-0.04, 1.04)
    if small:
        ax.set_aspect("equal", adjustable="box")
    ax.grid(True, color="0.92", linewidth=0.6, zorder=0)
    if not table:
        return
    x = [r["mean_forecast"] for r in table]
    y = [r["observed"] for r in table]
    err = [  # clipped at 0: rounding can put the interval a hair past the estimate
        [max(r["observed"] - r["wilson_low"], 0.0) for r in table],
        [max(r["wilson_high"] - r["observed"], 0.0) for r in table],
    ]
    ax.errorbar(
        x,
        y,
        yerr=err,
        fmt="-",
        color="0.25" if not small else "tab:blue",
        linewidth=1.0 if small else 1.4,
        elinewidth=0.8 if small else 1.0,
        capsize=2 if small else 3,
        zorder=2,
    )
    sizes = [_size(r["n"], n_max) * (0.6 if small else 1.0) for r in table]
    ax.scatter(
        x,
        y,
        s=sizes,
        color="black" if not small else "tab:blue",
        edgecolors="white",
        linewidths=0.6,
        zorder=3,
    )
    if labels:
        for r in table:  # beside the point, kept inside the frame
            right, high = r["mean_forecast"] > 0.85, r["observed"] > 0.9
            ax.annotate(
                str(r["n"]),
                (r["mean_forecast"], r["observed"]),
                xytext=(-7 if right else 7, -3 if high else 2),
                textcoords="offset points",
                ha="right" if right else "left",
                va="top" if high else "bottom",
                fontsize=7,
                color="0.25",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 0.5},
                zorder=4,
            )


def _corp(ax: Axes, corp: dict[str, Any] | None) -> None:
    """The CORP (isotonic) curve as a step line over its shaded consistency band."""
    if not corp or "x" not in corp:
        return
    ax.fill_between(
        corp["x"],
        corp["band_low"],
        corp["band_high"],
        step="post",
        color="tab:orange",
        alpha=0.22,
        linewidth=0,
        zorder=1,
        label=f"{round(100 * corp['level'])}% consistency band (calibrated)",
    )
    ax.step(
        corp["x"],
        corp["y"],
        where="post",
        color="tab:orange",
        linewidth=1.6,
        zorder=2,
        label=f"CORP curve (PAV; {corp['n_outside']} of {corp['n_points']} values outside)",
    )
    ax.plot([], [], color="0.25", marker="o", linewidth=1.2, label="binned (Wilson 95%)")
    ax.legend(loc="upper left", fontsize="small", framealpha=0.9)


def reliability_diagram(data: dict[str, Any], fmt: str = "png") -> bytes:
    """The diagram as PNG or SVG bytes. With no resolved binary pairs it says so on the plot."""
    if fmt not in FORMATS:
        raise ForetellError(f"plots are written as .png or .svg, not .{fmt}")
    fig = figure(data)
    buffer = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def figure(data: dict[str, Any]) -> Figure:
    """The diagram as a matplotlib Figure: axes[0] the main panel, axes[1] the histogram,
    then one axes per group panel."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    first = data["groups"][0]["binary"] if data["groups"] else {"n_pairs": 0}
    table = (first.get("calibration_table") or []) if first["n_pairs"] else []
    groups, n_scored = _groups(data)
    ncols = 1 if len(groups) <= 3 else 2
    nrows = math.ceil(len(groups) / ncols)
    side = ncols * min(max(7.0 / max(nrows, 1), 2.4), 3.4) if groups else 0.0  # inches
    fig = Figure(figsize=(6.4 + side, 7.4), layout="constrained")
    FigureCanvasAgg(fig)  # the Agg backend, without touching pyplot's global backend
    if groups:
        left, right = fig.subfigures(1, 2, width_ratios=(6.4, side), wspace=0.02)
    else:
        left, right = fig, None
    top, bottom = left.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    n_max = max((r["n"] for r in table), default=1)
    _corp(top, first.get("corp_curve") if table else None)
    _reliability(top, table, n_max, labels=True, small=False)
    if table:
        top.set_title(
            f"all: {_pairs(first['n_pairs'], 'binary ')} (marker area and label: pairs in the bin)",
            fontsize="medium",
        )
        bottom.bar(
            [(r["lower"] + r["upper"]) / 2 for r in table],
            [r["n"] for r in table],
            width=[0.9 * (r["upper"] - r["lower"]) for r in table],
            color="0.45",
        )
    else:
        top.set_title("all", fontsize="medium")
        top.text(  # above the diagonal, which it would otherwise sit on
            0.5,
            0.9,
            EMPTY,
            ha="center",
            va="center",
            transform=top.transAxes,
            bbox={"facecolor": "white", "edgecolor": "0.7", "boxstyle": "round"},
        )
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5, min_n_ticks=1))
    top.set_ylabel("observed frequency (Wilson 95%)")
    bottom.set_xlabel("forecast probability (bin mean)")
    bottom.set_ylabel("pairs per bin")
    opts = data["options"]
    by = opts.get("group_by")
    left.suptitle(f"Reliability diagram (rule: {opts['rule']}, bins: {bins_text(opts['bins'])})")
    if right is not None:
        _group_panels(right, groups, n_scored, by, nrows, ncols)
    return fig


def _group_panels(
    fig: Any, groups: list[dict[str, Any]], n_scored: int, by: str | None, nrows: int, ncols: int
) -> None:
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    n_max = max(
        (r["n"] for g in groups for r in g["binary"].get("calibration_table") or []), default=1
    )
    for i, ax in enumerate(axes.flat):
        if i >= len(groups):
            ax.set_visible(False)
            continue
        g = groups[i]
        b = g["binary"]
        table = b.get("calibration_table") or []
        _reliability(ax, table, n_max, labels=False, small=True)
        ax.set_title(f"{g['name']} ({_pairs(b['n_pairs'])})", fontsize="small")
        ax.tick_params(labelsize="small")
        ax.set_xticks([0, 0.5, 1])
        ax.set_yticks([0, 0.5, 1])
        if not table:
            ax.text(0.5, 0.9, "not diagnosed", ha="center", transform=ax.transAxes, fontsize=8)
    shown = f"{len(groups)} of {n_scored} groups (most pairs)" if n_scored > len(groups) else ""
    fig.suptitle(f"by {by or 'group'}" + (f": {shown}" if shown else ""), fontsize="medium")
    fig.supxlabel("forecast probability", fontsize="small")
    fig.supylabel("observed frequency", fontsize="small")


def plot_format(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ForetellError(f"--plot {path}: give a .png or .svg file name")
    return fmt


def write_plot(data: dict[str, Any], path: Path) -> Path:
    """Write the reliability diagram to ``path`` (.png or .svg)."""
    from foretell import atomic

    atomic.write_bytes(path, reliability_diagram(data, plot_format(path)))
    return path
