"""The report's diagnostic figures beyond the reliability diagram, as PNG bytes (matplotlib,
Agg backend, drawn from the report data of the ``all`` group).

- ``discrimination``: left, histograms of the binary pair probabilities for events that
  happened and did not (overlaid); right, the ROC curve with the diagonal and the AUC with
  DeLong's 95% interval in the title.
- ``pit``: the randomised PIT histogram of numeric forecasts (share of forecasts per bin,
  dashed line at the uniform share) with the chi-square test in the title.
- ``coverage``: empirical against nominal coverage of each central interval the numeric
  forecasts give, with the diagonal (points above it: intervals too wide).
- ``trend``: one panel per forecaster (shared axes), the rolling mean Brier score over
  resolved questions against resolution date.

Each function returns None when the report has no data for its figure.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 150


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Figure, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _rule(data: dict[str, Any]) -> str:
    return f"rule: {data['options']['rule']}"


def _p(value: float) -> str:
    return "< 1e-300" if value == 0 else f"= {value:.3g}"


def reliability(data: dict[str, Any]) -> bytes | None:
    from foretell.report.plot import reliability_diagram

    if not data["groups"] or not data["groups"][0]["binary"]["n_pairs"]:
        return None
    return reliability_diagram(data, "png")


def discrimination(data: dict[str, Any]) -> bytes | None:
    d = data["groups"][0]["binary"].get("discrimination") if data["groups"] else None
    if not d or "histogram" not in d:
        return None
    fig, (left, right) = _figure(10.0, 4.4, 2)
    h = d["histogram"]
    edges = h["edges"]
    mids = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    width = (edges[1] - edges[0]) * 0.42
    n_yes, n_no = max(sum(h["events"]), 1), max(sum(h["nonevents"]), 1)
    left.bar(
        [m - width / 2 for m in mids],
        [c / n_yes for c in h["events"]],
        width=width,
        color="tab:blue",
        label=f"happened ({sum(h['events'])})",
    )
    left.bar(
        [m + width / 2 for m in mids],
        [c / n_no for c in h["nonevents"]],
        width=width,
        color="tab:red",
        label=f"did not happen ({sum(h['nonevents'])})",
    )
    left.set_xlim(0, 1)
    left.set_xlabel("forecast probability")
    left.set_ylabel("share of pairs with that outcome")
    left.set_title("Forecasts by outcome", fontsize="medium")
    left.legend(fontsize="small")
    if "roc" in d:
        right.plot(d["roc"]["fpr"], d["roc"]["tpr"], color="tab:blue", linewidth=1.6)
        right.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1)
        right.set_title(
            f"ROC: AUC {d['auc']:.3f} (95% {d['ci_low']:.3f} to {d['ci_high']:.3f}, DeLong)",
            fontsize="medium",
        )
    else:
        right.text(0.5, 0.5, d.get("unavailable", ""), ha="center", transform=right.transAxes)
    right.set_xlim(0, 1)
    right.set_ylim(0, 1)
    right.set_aspect("equal", adjustable="box")
    right.set_xlabel("false-positive rate")
    right.set_ylabel("true-positive rate")
    fig.suptitle(f"Discrimination of binary pairs ({_rule(data)})")
    return _png(fig)


def pit(data: dict[str, Any]) -> bytes | None:
    n = data["groups"][0]["numeric"] if data["groups"] else {}
    block = n.get("pit")
    if not block or not block.get("n"):
        return None
    fig, (ax,) = _figure(6.4, 4.4)
    counts, bins = block["counts"], block["bins"]
    total = sum(counts)
    ax.bar(
        [(i + 0.5) / bins for i in range(bins)],
        [c / total for c in counts],
        width=0.92 / bins,
        color="0.45",
    )
    ax.axhline(1 / bins, color="tab:orange", linestyle="--", linewidth=1.2, label="uniform")
    ax.set_xlim(0, 1)
    ax.set_xlabel("PIT (randomised, from the quantiles)")
    ax.set_ylabel("share of forecasts")
    ax.legend(fontsize="small")
    ax.set_title(
        f"PIT histogram: {block['n']:.0f} numeric pairs; chi-square {block['chi2']:.2f}, "
        f"{block['dof']} df, p {_p(block['p_value'])}",
        fontsize="medium",
    )
    return _png(fig)


def coverage(data: dict[str, Any]) -> bytes | None:
    n = data["groups"][0]["numeric"] if data["groups"] else {}
    levels = n.get("coverage_levels") or []
    if not levels:
        return None
    fig, (ax,) = _figure(5.6, 5.2)
    x = [r["level"] for r in levels]
    y = [r["empirical"] for r in levels]
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1)
    ax.plot(x, y, marker="o", color="tab:blue", linewidth=1.4)
    for r in levels:
        ax.annotate(
            f"n={r['n']}", (r["level"], r["empirical"]), xytext=(5, -10),
            textcoords="offset points", fontsize=7, color="0.3",
        )  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("nominal coverage of the central interval")
    ax.set_ylabel("share of outcomes inside")
    ax.set_title("Interval coverage of numeric forecasts", fontsize="medium")
    return _png(fig)


def trend(data: dict[str, Any]) -> bytes | None:
    t = data.get("trend") or {}
    series = [f for f in t.get("forecasters", []) if f["points"]]
    if not series:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # one panel per forecaster (at most 12, on shared axes): overlaid lines would tangle
    ncols = 1 if len(series) == 1 else (2 if len(series) <= 4 else 3)
    nrows = -(-len(series) // ncols)
    fig = Figure(figsize=(4.0 * ncols + 1.0, 2.3 * nrows + 1.0), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    top = max(p["rolling"] for f in series for p in f["points"])
    for ax, f in zip(axes, series, strict=False):
        days = [dt.date.fromisoformat(p["resolved_on"]) for p in f["points"]]
        ax.plot(days, [p["rolling"] for p in f["points"]], linewidth=1.2, color="tab:blue")
        ax.set_title(f"{f['name']} ({f['n_questions']} questions)", fontsize="small")
        ax.set_ylim(0, max(top * 1.05, 0.05))
        ax.grid(True, color="0.92", linewidth=0.6)
        ax.tick_params(labelsize="small")
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
    for ax in axes[len(series) :]:
        ax.set_visible(False)
    fig.supylabel(f"rolling mean Brier (last {t['window']} questions)", fontsize="small")
    fig.supxlabel("resolution date", fontsize="small")
    shown = len(series)
    extra = f"; {t['n_forecasters'] - shown} more not shown" if t["n_forecasters"] > shown else ""
    fig.suptitle(f"Score over time, lower is better ({_rule(data)}{extra})")
    return _png(fig)


FIGURES: dict[str, Callable[[dict[str, Any]], bytes | None]] = {
    "reliability": reliability,
    "discrimination": discrimination,
    "pit": pit,
    "coverage": coverage,
    "trend": trend,
}
