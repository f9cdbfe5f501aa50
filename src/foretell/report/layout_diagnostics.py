"""Report sections of binary diagnostics and the per-type tables: the Brier decompositions
(Murphy and CORP), the calibration tests (Spiegelhalter, Cox, calibration-in-the-large), the
calibration tables (``all``, then each group when there are at most MAX_GROUP_TABLES), the
multiple-choice options as one-vs-rest events, and the numeric questions (pinball loss per
level, WIS, CRPS, coverage). A diagnostic a group cannot have is named with its reason, one
line per reason (at most MAX_NAMED groups named). Shared by the text, markdown and html
renderers through ``layout.layout``.
"""

from __future__ import annotations

from typing import Any

from foretell.report.layout import (
    WIS_IS_CRPS,
    Section,
    Table,
    f3,
    f4,
    pct,
    pval,
    wis_is_crps,
    with_se,
)

MAX_NAMED = 5
MAX_GROUP_TABLES = 12


def _unavailable(groups: list[dict[str, Any]], key: str, label: str = "") -> list[str]:
    """One line per distinct reason, naming the groups it applies to (a few, then a count)."""
    reasons: dict[str, list[str]] = {}
    for g in groups:
        item = g["binary"][key]
        if g["binary"]["n_pairs"] and "unavailable" in item:
            reasons.setdefault(item["unavailable"], []).append(g["name"])
    lines = []
    for reason, names in reasons.items():
        shown = ", ".join(names[:MAX_NAMED])
        more = f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else ""
        lines.append(f"{shown}{more}: {label}{reason}.")
    return lines


def diagnostics_sections(data: dict[str, Any], groups: list[dict[str, Any]]) -> list[Section]:
    scored = [g for g in groups if g["binary"]["n_pairs"]]
    if not scored:
        return []
    dec = Section("Brier decompositions (binary pairs)")
    rows = []
    for g in scored:
        b = g["binary"]
        m, c = b["murphy"], b["corp"]
        if "unavailable" in m:
            continue
        rows.append(  # UNC = obar(1 - obar) is the same term in both decompositions
            [g["name"], str(m["n"]), f4(b["brier_of_pair_probabilities"]), f4(m["unc"])]
            + [f4(m[k]) for k in ("rel", "res", "wbv", "wbc")]
            + [f4(c[k]) for k in ("mcb", "dsc")]
        )
    if rows:
        dec.blocks.append(
            "Murphy: Brier = REL - RES + UNC + WBV - WBC; CORP: Brier = MCB - DSC + UNC; both of "
            "the Brier score of the pair probabilities. UNC = obar(1 - obar) is common to both."
        )
        headers = ["group", "n", "Brier (pair p)", "UNC", "REL", "RES", "WBV", "WBC"]
        dec.blocks.append(Table([*headers, "MCB", "DSC"], rows))
    dec.blocks.extend(_unavailable(scored, "murphy"))

    tests = Section("Calibration tests (binary pairs)")
    fits, large = [], []
    for g in scored:
        b = g["binary"]
        s, cx, itl = b["spiegelhalter"], b["cox"], b["calibration_in_the_large"]
        if "unavailable" in itl:
            continue
        fits.append(
            [
                g["name"],
                f3(s.get("z")),
                pval(s.get("p_value")),
                with_se(cx.get("slope"), cx.get("se_slope"))
                + ("" if cx.get("converged", True) else " (fit did not converge)"),
                with_se(cx.get("intercept"), cx.get("se_intercept")),
            ]
        )
        large.append(
            [
                g["name"],
                f3(itl["mean_forecast"]),
                f3(itl["observed_rate"]),
                f"{itl['difference']:+.3f}",
                with_se(itl["intercept"], itl["se_intercept"]),
            ]
        )
    if fits:
        tests.blocks.append(
            "Spiegelhalter z (p two-sided); Cox slope b and intercept a of logit P(yes) = a + b "
            "logit(p) (b < 1 overconfident, b > 1 underconfident):"
        )
        tests.blocks.append(
            Table(["group", "Spiegelhalter z", "p", "Cox slope", "Cox intercept"], fits)
        )
        tests.blocks.append(
            "Calibration-in-the-large: mean forecast, observed rate, their difference, and the "
            "intercept of the logistic fit with slope fixed at 1:"
        )
        tests.blocks.append(
            Table(["group", "mean p", "observed", "difference", "CITL intercept"], large)
        )
    tests.blocks.extend(_unavailable(scored, "calibration_in_the_large"))
    tested = [g for g in scored if "unavailable" not in g["binary"]["calibration_in_the_large"]]
    for key, label in (("spiegelhalter", "Spiegelhalter: "), ("cox", "Cox: ")):
        tests.blocks.extend(_unavailable(tested, key, label))
    return [dec, tests]


def _bin_rows(table: list[dict[str, Any]]) -> list[list[str]]:
    edges = [r[k] for r in table for k in ("lower", "upper")]
    exact = all(abs(x * 100 - round(x * 100)) < 1e-9 for x in edges)
    places = 2 if exact else 3  # 3 for custom or quantile edges that 2 would misstate
    return [
        [
            f"{r['lower']:.{places}f}-{r['upper']:.{places}f}",
            str(r["n"]),
            f3(r["mean_forecast"]),
            f3(r["observed"]),
            f"{r['wilson_low']:.3f}-{r['wilson_high']:.3f}",
        ]
        for r in table
    ]


BIN_HEADERS = ["bin", "n", "mean forecast", "observed", "Wilson 95%"]


def calibration_sections(data: dict[str, Any], groups: list[dict[str, Any]]) -> list[Section]:
    """The ``all`` table, then one per group when there are at most MAX_GROUP_TABLES groups."""
    out = []
    shown = groups if len(groups) - 1 <= MAX_GROUP_TABLES else groups[:1]
    for g in shown:
        b = g["binary"]
        if not b["n_pairs"] or not b["calibration_table"]:
            continue
        title = "Calibration table" + ("" if g["name"] == "all" else f": {g['name']}")
        blocks: list[str | Table] = []
        if g["name"] == "all" and b["n_derived_pairs"]:
            blocks.append(f"Includes {b['n_derived_pairs']} derived threshold pairs.")
        blocks.append(Table(BIN_HEADERS, _bin_rows(b["calibration_table"])))
        if len(shown) < len(groups):
            blocks.append(
                f"{len(groups) - 1} groups: per-group calibration tables are shown for up to "
                f"{MAX_GROUP_TABLES} groups; the others are in --format json."
            )
        out.append(Section(title, blocks))
    return out


def choice_sections(groups: list[dict[str, Any]]) -> list[Section]:
    m = groups[0]["multiple_choice"] if groups else {}
    if not m.get("option_calibration_table"):
        return []
    return [
        Section(
            "Multiple-choice options as one-vs-rest events (not in the binary calibration)",
            [Table(BIN_HEADERS, _bin_rows(m["option_calibration_table"]))],
        )
    ]


def numeric_sections(data: dict[str, Any], groups: list[dict[str, Any]]) -> list[Section]:
    n = groups[0]["numeric"] if groups else {}
    if not n.get("n_pairs"):
        return []
    section = Section("Numeric questions")
    if n.get("pinball"):
        section.blocks.append("Mean pinball loss per quantile level (all numeric pairs):")
        section.blocks.append(
            Table(
                ["level", "mean loss", "pairs"],
                [[f"{r['level']:g}", f4(r["mean_loss"]), str(r["n"])] for r in n["pinball"]],
            )
        )
    rows = [
        [
            r["question"],
            str(r["unit"] or ""),
            f"{r['outcome']:g}",
            str(r["n_pairs"]),
            f4(r["wis"]),
            f4(r["crps"]),
            pct(r["coverage_50"]),
            pct(r["coverage_90"]),
        ]
        for r in data["numeric_questions"]
    ]
    section.blocks.append(
        Table(
            ["question", "unit", "outcome", "pairs", "WIS", "CRPS", "50% covered", "90% covered"],
            rows,
        )
    )
    noted = wis_is_crps(g["numeric"] for g in groups if g["numeric"]["n_pairs"])
    if not noted and wis_is_crps(data["numeric_questions"]):
        section.blocks.append(WIS_IS_CRPS)
    return [section]
