"""Report sections for the scores that fit each question type: discrimination and the CORP
band (binary), ranked probability scores (ordered options), numeric diagnostics (WIS parts,
bias, coverage of every interval, PIT, per unit, scale-free) and the score trend. Shared by
the text, markdown and html renderers through ``layout.layout``.
"""

from __future__ import annotations

from typing import Any

from foretell.report.layout import Section, Table, f3, f4, pct, pval

MAX_TREND_ROWS = 12


def sections(data: dict[str, Any]) -> list[Section]:
    groups = data["groups"]
    out = [_binary(groups), _ordered(groups), *_numeric(data, groups), _trend(data)]
    return [s for s in out if s.blocks]


def _binary(groups: list[dict[str, Any]]) -> Section:
    section = Section("Discrimination and CORP consistency (binary pairs)")
    rows = []
    for g in groups:
        b = g["binary"]
        d, c = b.get("discrimination"), b.get("corp_curve")
        if not d or "auc" not in d or not c or "x" not in c:
            continue
        rows.append(
            [
                g["name"],
                str(d["n_events"] + d["n_nonevents"]),
                f3(d["auc"]),
                f"{f3(d['ci_low'])} to {f3(d['ci_high'])}",
                f"{c['n_outside']} of {c['n_points']}",
            ]
        )
    if rows:
        section.blocks.append(
            "ROC area (AUC) with DeLong's 95% interval; CORP: distinct forecast values whose "
            "isotonic recalibrated value lies outside the 90% consistency band under "
            "calibration (--plot-dir draws both)."
        )
        section.blocks.append(
            Table(["group", "pairs", "AUC", "95% interval", "CORP outside band"], rows)
        )
    return section


def _ordered(groups: list[dict[str, Any]]) -> Section:
    section = Section("Ordered multiple-choice questions")
    rows = [
        [
            g["name"],
            str(m["n_ordered_pairs"]),
            str(m["n_ordered_questions"]),
            f4(m["rps"]),
            f4(m["brier_multi_ordered"]),
        ]
        for g in groups
        for m in [g["multiple_choice"]]
        if m.get("n_ordered_pairs")
    ]
    if rows:
        section.blocks.append(
            "Ranked probability score (0..1, normalised by k - 1) beside the multi-category "
            "Brier score (0..2) of the same pairs:"
        )
        section.blocks.append(Table(["group", "pairs", "questions", "RPS", "Brier (0..2)"], rows))
    return section


def _numeric(data: dict[str, Any], groups: list[dict[str, Any]]) -> list[Section]:
    scored = [g for g in groups if g["numeric"].get("n_pairs") and "by_unit" in g["numeric"]]
    if not scored:
        return []
    parts = Section("Numeric forecasts: WIS in parts, per unit")
    rows = []
    for g in scored:
        for u in g["numeric"]["by_unit"]:
            rows.append(
                [g["name"], u["unit"], str(u["n_pairs"])]
                + [f4(u.get(k)) for k in ("wis", "dispersion", "overprediction")]
                + [f4(u.get("underprediction")), f4(u.get("ae_median"))]
            )
    parts.blocks.append(
        "In each unit: WIS = dispersion + overprediction + underprediction; AE = absolute "
        "error of the median."
    )
    headers = ["group", "unit", "pairs", "WIS", "dispersion", "over", "under", "AE median"]
    parts.blocks.append(Table(headers, rows))

    free = Section("Numeric forecasts: scale-free summaries across units")
    rows = []
    for g in scored:
        n = g["numeric"]
        pit, log = n.get("pit", {}), n.get("wis_log", {})
        cov = ", ".join(
            f"{pct(r['level'])}: {pct(r['empirical'])}" for r in n.get("coverage_levels", [])
        )
        rows.append(
            [
                g["name"],
                str(n["n_pairs"]),
                f3(n.get("bias")),
                cov or "n/a",
                f"{f3(pit.get('chi2'))} (p {pval(pit.get('p_value'))})",
                f4(log.get("mean")) + f" ({log.get('n', 0)})",
            ]
        )
    free.blocks.append(
        "Bias in [-1, 1] (positive: too high); coverage of each central interval, nominal: "
        "empirical; PIT uniformity chi-square (9 df); WIS of ln(x + 1) values (pairs)."
    )
    free.blocks.append(
        Table(["group", "pairs", "bias", "coverage", "PIT chi2", "log-scale WIS"], rows)
    )
    first = scored[0]["numeric"]
    if len(first.get("units", [])) > 1:
        free.blocks.append(
            f"The WIS and CRPS means over all numeric pairs mix {len(first['units'])} units "
            f"({', '.join(first['units'])}): compare them per unit or with the scale-free "
            "summaries."
        )
    rel = data.get("relative_wis", {})
    if rel.get("forecasters"):
        free.blocks.append(
            f"Relative WIS against {rel['baseline']} (geometric mean over shared questions of "
            "the WIS ratio; below 1 is better than the baseline):"
        )
        free.blocks.append(
            Table(
                ["forecaster", "shared questions", "relative WIS"],
                [
                    [r["forecaster"], str(r["n_shared_questions"]), f3(r["relative_wis"])]
                    for r in rel["forecasters"]
                ],
            )
        )
    elif rel.get("unavailable") and rel.get("baseline"):
        free.blocks.append(f"Relative WIS: {rel['unavailable']}.")
    return [parts, free]


def _trend(data: dict[str, Any]) -> Section:
    section = Section("Score trend (binary Brier over resolved questions)")
    t = data.get("trend") or {}
    rows = []
    for f in t.get("forecasters", []):
        pts = f["points"]
        if not pts:
            continue
        first, last = pts[0], pts[-1]
        half = min(t["window"], f["n_questions"])
        rows.append(
            [
                f["name"],
                str(f["n_questions"]),
                f"{first['resolved_on']} .. {last['resolved_on']}",
                f4(pts[min(half, len(pts)) - 1]["rolling"]),
                f4(last["rolling"]),
            ]
        )
    if rows:
        section.blocks.append(
            f"Rolling mean Brier over the last {t['window']} resolved questions (--window): "
            "after the first window, and at the latest question (lower is better)."
        )
        section.blocks.append(
            Table(["forecaster", "questions", "resolved", "first window", "latest"], rows)
        )
        if t.get("n_forecasters", 0) > len(rows):
            section.blocks.append(
                f"{t['n_forecasters'] - len(rows)} forecaster(s) with fewer questions not shown."
            )
    return section
