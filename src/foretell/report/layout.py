"""Report data -> sections of paragraphs and tables, shared by the text, markdown and html
renderers (each only decides the syntax). Numbers are formatted here, and the renderers print
the cells as given: scores (Brier, log, decomposition terms, WIS, CRPS, pinball) to 4
decimals, probabilities, frequencies, skills and test statistics to 3, p-values to 3
significant digits, missing values as ``n/a``, an infinite mean as ``inf``. Question titles
are kept whole: the text renderer wraps them inside their column.

Reading order: what matters first (a summary in words, the scores), then the details, then
the conventions (short unless asked for in full). The header, summary, scores, counts and
conventions are built here, the other sections in the ``layout_*`` modules. When grouping
yields a single group that holds exactly the pairs of ``all`` (one forecaster, one tag), only
that group is shown.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from foretell.report.bins import bins_text
from foretell.terminal import Column

MAX_TITLE = 50

_NUMBER = re.compile(r"^[-+]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?%?(\s.*)?$")


@dataclass(frozen=True)
class Table:
    """Cells as formatted. ``priority`` per column: 0 is always shown, larger numbers are
    dropped first on a narrow screen (default: the first column 0, the others by position)."""

    headers: list[str]
    rows: list[list[str]]
    priority: list[int] | None = None

    def columns(self) -> list[Column]:
        """The columns for ``terminal.table``: text columns wrap, numbers keep their width."""
        ranks = self.priority or list(range(len(self.headers)))
        return [
            Column(h, align=a, priority=ranks[i], wrap=a == "left")
            for i, (h, a) in enumerate(zip(self.headers, self.aligns(), strict=True))
        ]

    def aligns(self) -> list[str]:
        """``right`` for columns whose cells are all numbers (or n/a, inf), else ``left``."""
        out = []
        for i in range(len(self.headers)):
            cells = [row[i] for row in self.rows if i < len(row)]
            numeric = [c for c in cells if c not in ("", "n/a") and not c.startswith("inf")]
            right = bool(numeric) and all(_NUMBER.match(c) for c in numeric)
            out.append("right" if right else "left")
        return out


def short(title: str, limit: int = MAX_TITLE) -> str:
    """``title`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


@dataclass
class Section:
    title: str
    blocks: list[str | Table] = field(default_factory=list)


def f4(x: object) -> str:
    return "n/a" if x is None else f"{float(x):.4f}"  # type: ignore[arg-type]


def f3(x: object) -> str:
    return "n/a" if x is None else f"{float(x):.3f}"  # type: ignore[arg-type]


def pval(x: object) -> str:
    return "n/a" if x is None else f"{float(x):.3g}"  # type: ignore[arg-type]


def pct(x: object) -> str:
    return "n/a" if x is None else f"{100 * float(x):.1f}%"  # type: ignore[arg-type]


def with_se(x: object, se: object) -> str:
    return f"{f3(x)} ± {f3(se)}" if x is not None else "n/a"


def log_text(block: dict[str, Any]) -> str:
    if block.get("n_log_infinite"):
        return f"inf ({block['n_log_infinite']} pair(s) at p=0)"
    return f4(block.get("log_score"))


def layout(data: dict[str, Any], full_conventions: bool = False) -> list[Section]:
    """The report as sections, in reading order; ``full_conventions``: every convention
    (``--claims only``: the header and the claims sections)."""
    from foretell.report.claims_text import claims_sections
    from foretell.report.layout_compare import compared_sections

    if data["options"].get("claims") == "only":
        sections = [_header(data), *claims_sections(data)]
        return [s for s in sections if s.blocks]
    groups = distinct_groups(data["groups"]) + data.get("crowd_groups", [])  # crowds too
    sections = [_header(data), summary(data, groups), _scores(data, groups)]
    sections.extend(compared_sections(data))
    sections.append(_counts(data))
    from foretell.report import (  # these import this module's helpers
        layout_diagnostics,
        layout_questions,
        layout_scores,
    )

    sections.extend(layout_diagnostics.diagnostics_sections(data, groups))
    sections.extend(layout_diagnostics.calibration_sections(data, groups))
    sections.extend(layout_diagnostics.choice_sections(groups))
    sections.extend(layout_diagnostics.numeric_sections(data, groups))
    sections.extend(layout_scores.sections(data))
    sections.extend(layout_questions.extremes_sections(data))
    sections.extend(layout_questions.open_and_annulled_sections(data))
    sections.extend(claims_sections(data))
    sections.append(conventions_section(data, full_conventions))
    return [s for s in sections if s.blocks]


def distinct_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``groups`` without ``all`` when a single other group holds exactly the same pairs."""
    if len(groups) != 2:
        return groups
    first, only = groups

    def sizes(g: dict[str, Any]) -> tuple[int, int, int]:
        return (
            g["binary"]["n_pairs"],
            g["multiple_choice"]["n_pairs"],
            g["numeric"]["n_pairs"],
        )

    return [only] if sizes(first) == sizes(only) else groups


Z95 = 1.959963984540054


def interval(x: float, se: float) -> tuple[float, float]:
    """The normal 95% interval x +- 1.96 se."""
    return x - Z95 * se, x + Z95 * se


def _range(lo: float, hi: float) -> str:
    return f"{lo:.2f}-{hi:.2f}" if lo >= 0 else f"{lo:.2f} to {hi:.2f}"


def cox_verdict(cox: dict[str, Any]) -> str | None:
    """The Cox slope in words: overconfident when its 95% interval lies below 1,
    underconfident when above 1, else no clear sign of either."""
    slope, se = cox.get("slope"), cox.get("se_slope")
    if slope is None or se is None or "unavailable" in cox:
        return None
    lo, hi = interval(slope, se)
    if hi < 1:
        word = "overconfident"
    elif lo > 1:
        word = "underconfident"
    else:
        word = "no clear over- or underconfidence"
    return f"{word}: slope {slope:.2f}, 95% CI {_range(lo, hi)}"


def bias_verdict(itl: dict[str, Any]) -> str | None:
    """Calibration-in-the-large in words, when the fixed-slope intercept's 95% interval
    excludes 0 (a positive intercept: outcomes more often yes than forecast)."""
    a, se = itl.get("intercept"), itl.get("se_intercept")
    if a is None or se is None or "unavailable" in itl:
        return None
    lo, hi = interval(a, se)
    if lo <= 0 <= hi:
        return None
    side = "too low" if a > 0 else "too high"
    return (
        f"forecasts {side} on average: mean {itl['mean_forecast']:.3f}, "
        f"observed {itl['observed_rate']:.3f}"
    )


def summary(data: dict[str, Any], groups: list[dict[str, Any]]) -> Section:
    """What matters first: each group's score and calibration verdict, in words."""
    section = Section("Summary")
    named = [g for g in groups if g["name"] != "all" or len(groups) == 1]
    for g in named:
        b = g["binary"]
        parts = []
        if b["n_pairs"]:
            text = f"Brier {f4(b['brier'])} on {b['n_questions']} binary question"
            text += "s" if b["n_questions"] != 1 else ""
            if b.get("skill_vs_half") is not None:
                text += f" (skill vs 50%: {f3(b['skill_vs_half'])})"
            parts.append(text)
            parts += [
                v for v in (cox_verdict(b["cox"]), bias_verdict(b["calibration_in_the_large"])) if v
            ]
        m = g["multiple_choice"]
        if m["n_pairs"]:
            parts.append(f"multiple-choice Brier (0..2) {f4(m['brier_multi'])}")
        n = g["numeric"]
        if n["n_pairs"] and n.get("coverage_90") is not None:
            parts.append(f"90% intervals held the outcome {pct(n['coverage_90'])} of the time")
        if parts:
            section.blocks.append(f"{g['name']}: " + "; ".join(parts) + ".")
    ranked = sorted(
        (g for g in named if g["binary"]["n_pairs"] and g["binary"]["brier"] is not None),
        key=lambda g: g["binary"]["brier"],
    )
    if len(ranked) > 1:
        order = ", ".join(f"{g['name']} {f4(g['binary']['brier'])}" for g in ranked)
        section.blocks.append(f"Lowest binary Brier first: {order}.")
    if not section.blocks:
        section.blocks.append("Nothing resolved to score yet.")
    return section


SHORT_CONVENTIONS = (
    "Lower scores are better. Brier: binary on the 0..1 scale, multiple choice on the 0..2 "
    "scale. Rule: {rule}. Annulled questions are excluded from every score. The full "
    "conventions: foretell report --conventions (and in --format json)."
)


def convention_label(key: str) -> str:
    """A conventions key as words: 'multiple_choice_calibration' -> 'Multiple-choice
    calibration'."""
    words = key.replace("multiple_choice", "multiple-choice").replace("_", " ")
    return words[:1].upper() + words[1:]


def conventions_section(data: dict[str, Any], full: bool) -> Section:
    if not full:
        return Section("Conventions", [SHORT_CONVENTIONS.format(rule=data["options"]["rule"])])
    return Section(
        "Conventions",
        [f"{convention_label(k)}: {v}" for k, v in data["conventions"].items()],
    )


def _header(data: dict[str, Any]) -> Section:
    opts = data["options"]
    filters = [
        f"{name} {', '.join(v) if isinstance(v, list) else v}"
        for name, v in (
            ("by", opts["by"]),
            ("not by", opts.get("exclude_by")),
            ("tag", opts["tag"]),
            ("question", opts["question"]),
            ("since", opts["since"]),
            ("until", opts["until"]),
        )
        if v
    ]
    lines = [
        f"Rule: {opts['rule']}. Bins: {bins_text(opts['bins'])}. "
        f"Grouped by: {opts['group_by'] or 'none'}. Filters: {'; '.join(filters) or 'none'}."
    ]
    if data.get("home"):
        lines.insert(0, f"Project: {data['home']} (generated {data['generated_at']}).")
    lines.extend(data["notes"])
    return Section("foretell calibration report", lines)


def _counts(data: dict[str, Any]) -> Section:
    c = data["counts"]
    qs, fs, ps = c["questions"], c["forecasts"], c["pairs"]
    skipped = fs["skipped"]
    rows = [
        ["questions", "in scope", str(qs["in_scope"])],
        ["", "resolved", str(qs["resolved"])],
        ["", "open", str(qs["open"])],
        ["", "annulled (not scored)", str(qs["annulled"])],
        ["forecasts", "selected", str(fs["selected"])],
        ["", "scored (on or before close)", str(fs["scored"])],
    ]
    reasons = {
        "question_open": "skipped: question still open",
        "question_annulled": "skipped: question annulled",
        "after_close": "skipped: made after the close day",
        "unknown_question": "skipped: question file missing",
        "type_differs_from_question": "skipped: payload type differs from question",
        "options_differ_from_question": "skipped: options differ from question",
    }
    rows += [["", label, str(skipped[k])] for k, label in reasons.items() if skipped[k]]
    hindsight = data.get("hindsight", {}).get("forecasts")
    if hindsight:
        rows.append(["", "made in hindsight (after the asked period began)", str(hindsight)])
    rows += [
        ["pairs", "binary (forecaster, question)", str(ps["binary"])],
        ["", "derived (numeric threshold events)", str(ps["derived"])],
        ["", "multiple choice", str(ps["multiple_choice"])],
        ["", "numeric", str(ps["numeric"])],
    ]
    if ps["skipped_no_forecast_before_close"]:
        rows.append(
            ["", "skipped: no forecast before close", str(ps["skipped_no_forecast_before_close"])]
        )
    if ps.get("skipped_no_forecast_at_spot"):
        at_spot = str(ps["skipped_no_forecast_at_spot"])
        rule = data["options"]["rule"]
        rows.append(["", f"skipped: no forecast by the {rule} day", at_spot])
    return Section("Counts", [Table(["", "", "n"], rows)])


def _scores(data: dict[str, Any], groups: list[dict[str, Any]]) -> Section:
    section = Section(f"Scores by {data['options']['group_by'] or 'group'}")
    has_all = bool(groups) and groups[0]["name"] == "all"
    equal = (data.get("equal_weight") or {}) if has_all else {}
    rows = []
    for g in groups:
        b = g["binary"]
        if not b["n_pairs"]:
            continue
        rows.append(
            [
                g["name"],
                str(b["n_questions"]),
                f"{b['n_pairs']}"
                + (f" ({b['n_derived_pairs']} derived)" if b["n_derived_pairs"] else ""),
                f4(b["brier"]),
                log_text(b),
                f3(b["skill_vs_half"]),
                f3(b["skill_vs_base_rate"]),
                f3(b["base_rate"]),
            ]
        )
    if len(rows) > 1 and (ew := _equal_row(equal, "binary", 8)):
        rows.insert(1, ew)
    if rows:
        section.blocks.append("Binary questions and derived threshold events (Brier 0..1):")
        section.blocks.append(
            Table(
                [
                    "group",
                    "questions",
                    "pairs",
                    "Brier",
                    "log",
                    "skill vs 50%",
                    "skill vs base rate",
                    "base rate",
                ],
                rows,
                priority=[0, 5, 6, 0, 2, 1, 3, 4],
            )
        )
    elif groups:
        section.blocks.append("No resolved binary forecasts to score.")
    mc = [
        [g["name"], str(m["n_questions"]), str(m["n_pairs"]), f4(m["brier_multi"]), log_text(m)]
        for g in groups
        if (m := g["multiple_choice"])["n_pairs"]
    ]
    if len(mc) > 1 and (ew := _equal_row(equal, "multiple_choice", 5)):
        mc.insert(1, ew)
    if mc:
        section.blocks.append("Multiple-choice questions (multi-category Brier 0..2):")
        section.blocks.append(Table(["group", "questions", "pairs", "Brier (0..2)", "log"], mc))
    nm = [
        [
            g["name"],
            str(n["n_questions"]),
            str(n["n_pairs"]),
            f4(n["wis"]),
            f4(n["crps"]),
            pct(n["coverage_50"]),
            pct(n["coverage_90"]),
        ]
        for g in groups
        if (n := g["numeric"])["n_pairs"]
    ]
    if len(nm) > 1 and (ew := _equal_row(equal, "numeric", 7)):
        nm.insert(1, ew)
    if nm:
        section.blocks.append("Numeric questions (losses in the questions' units):")
        section.blocks.append(
            Table(["group", "questions", "pairs", "WIS", "CRPS", "50% covered", "90% covered"], nm)
        )
        if wis_is_crps(g["numeric"] for g in groups if g["numeric"]["n_pairs"]):
            section.blocks.append(WIS_IS_CRPS)
    return section


EQUAL_WEIGHT = "equal-weight"


def _equal_row(equal: dict[str, Any], kind: str, width: int) -> list[str] | None:
    """The ``equal-weight`` row (mean of the group means) for a scores table, or None."""
    e = equal.get(kind) or {}
    if e.get("n_groups", 0) < 1:
        return None
    first, second = {
        "binary": ("brier", "log_score"),
        "multiple_choice": ("brier_multi", "log_score"),
        "numeric": ("wis", "crps"),
    }[kind]
    cells = [EQUAL_WEIGHT, f"{e['n_groups']} groups", "", f4(e.get(first)), f4(e.get(second))]
    return cells + [""] * (width - len(cells))


WIS_IS_CRPS = (
    "WIS equals CRPS here: the CRPS is approximated as 2 x the mean pinball loss over the "
    "quantile levels, and so is WIS when the levels come in pairs symmetric about the median."
)


def wis_is_crps(rows: Any) -> bool:
    """True when every row (a dict with ``wis`` and ``crps``) has WIS equal to CRPS."""
    pairs = [(r.get("wis"), r.get("crps")) for r in rows]
    pairs = [(w, c) for w, c in pairs if w is not None or c is not None]
    return bool(pairs) and all(
        w is not None and c is not None and math.isclose(w, c, rel_tol=1e-9, abs_tol=1e-12)
        for w, c in pairs
    )
