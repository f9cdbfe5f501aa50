"""The report's Claims sections as text: the claims on record per claimant, the claims
question by question beside the people's forecasts, the claimants' records, the claims due
next and the verbal scale (``claims_sections``, for the text, markdown and html renderers),
and one CSV row per claim (``claim_rows``). The data comes from ``report.claims.claims_data``.
"""

from __future__ import annotations

from typing import Any

from foretell.report.claims import CONVENTION
from foretell.report.layout import Section, Table, f3, f4, pct, short
from foretell.scoring import verbal


def _result(i: dict[str, Any]) -> str:
    if not i["scored"]:
        return i["state"]
    if "came_true" in i:
        return ("came true" if i["came_true"] else "did not") + (
            f", Brier {f4(i['brier'])}" if "brier" in i else ""
        )
    text = f"rel. error {pct(i['rel_error'])}"
    return text + (
        ", in range" if i["in_range"] else ", outside range" if i["in_range"] is False else ""
    )


def _hedge(i: dict[str, Any]) -> str:
    return f"{i['hedge']} ({i['p']:.2f})" if i["p"] is not None else str(i["hedge"])


def claims_sections(data: dict[str, Any]) -> list[Section]:
    c = data.get("claims")
    if c is None:
        return []
    if not c["n_claims"]:
        return [Section("Claims", ["No claims on record for the questions in scope."])]
    intro = (
        f"{c['n_claims']} claim(s) by {c['n_claimants']} claimant(s); {c['n_resolved']} scored, "
        f"{c['n_hindsight']} made in hindsight (on or after the start of the period their "
        "question asks about)."
    )
    note = (
        "Claims are not forecasts: they are scored here and left out of every forecaster "
        "score (the rules are under Conventions, claims)."
    )
    out = [Section("Claims on record", [intro, note])]
    for name in [r["claimant"] for r in c["claimants"]]:
        mine = [i for i in c["claims"] if i["claimant"] == name]
        rows = [
            [
                i["question"],
                i["on"],
                short(i["claim_text"], 30),
                _hedge(i),
                "yes" if i["hindsight"] else "",
                _result(i),
            ]
            for i in mine
        ]
        out[0].blocks.append(f"{name}:")
        out[0].blocks.append(
            Table(["question", "made on", "claim", "hedge (p)", "hindsight", "result"], rows)
        )
    compare = Section("Claims question by question")
    for qq in c["questions"]:
        mine = [i for i in c["claims"] if i["question"] == qq["question"]]
        said = "; ".join(
            f"{i['claimant']} says {i['claim_text']} ({i['hedge']}, {i['on']}, {i['source']})"
            for i in mine
        )
        people = qq["people"]
        n, k = people["n_forecasts"], people["n_forecasters"]
        ppl = (
            f"People: {n} forecast{'s' * (n != 1)} by {k} forecaster{'s' * (k != 1)}"
            if n
            else "People: no forecasts yet"
        )
        if "brier" in people:
            ppl += f", mean Brier {f4(people['brier'])}"
        if "brier_multi" in people:
            ppl += f", mean Brier (0..2) {f4(people['brier_multi'])}"
        head = f"{qq['question']} ({qq['state']}, resolve by {qq['resolve_by']})"
        verdict = qq["summary"] if qq["verdict"] != "single" else "one claim"
        compare.blocks.append(f"{head}: {verdict}. {said}. {ppl}.")
    out.append(compare)
    records = Section("Claimants' records")
    rows = []
    for r in c["claimants"]:
        brier = f4(r["brier"])
        span = (
            f"{f4(r['brier_at_low'])}-{f4(r['brier_at_high'])}" if r["brier"] is not None else "n/a"
        )
        rows.append(
            [
                r["claimant"],
                str(r["n_claims"]),
                str(r["n_resolved"]),
                f"{r['n_hits']}/{r['n_event_claims']}" if r["n_event_claims"] else "",
                brier,
                span,
                f"{r['n_threshold_hits']}/{r['n_threshold_calls']}"
                if r["n_threshold_calls"]
                else "",
                f"{r['n_in_range']}/{r['n_range_claims']}" if r["n_range_claims"] else "",
                pct(r["median_relative_error"]),
                str(r["n_hindsight"]),
            ]
        )
    records.blocks.append(
        "Brier (0..1) at the hedge word's point probability, then at its range's low and high "
        "ends; hits count claims that came true; thresholds count hits where the claim is on "
        "one side."
    )
    records.blocks.append(
        Table(
            [
                "claimant",
                "claims",
                "resolved",
                "came true",
                "Brier",
                "Brier at range ends",
                "threshold hits",
                "in range",
                "median rel. error",
                "hindsight",
            ],
            rows,
        )
    )
    beside = [
        f"{r['claimant']} {f4(r['brier_on_shared'])} against the people's "
        f"{f4(r['people_brier_on_shared'])} ({r['n_shared_with_people']} question(s))"
        for r in c["claimants"]
        if r["n_shared_with_people"]
    ]
    if beside:
        records.blocks.append(
            "Beside the people, on the resolved binary questions both scored (Brier, claims "
            "against people): " + "; ".join(beside) + "."
        )
    out.append(records)
    if c["due"]:
        due = Section("Claims due next")
        due.blocks.append(
            Table(
                ["question", "resolve by", "when", "claims", "claimants"],
                [
                    [
                        d["question"],
                        d["resolve_by"],
                        f"overdue {-d['days_left']}d"
                        if d["days_left"] < 0
                        else f"in {d['days_left']}d",
                        str(d["n_claims"]),
                        ", ".join(d["claimants"]),
                    ]
                    for d in c["due"]
                ],
            )
        )
        out.append(due)
    if data["options"].get("claims") == "only":
        out.append(Section("Conventions", [f"claims: {CONVENTION}"]))
    scale = Section(
        f"Verbal scale: {verbal.SCALE_NAME}",
        [
            Table(
                ["word", "p", "range"],
                [
                    [w["word"], f3(w["p"]), f"{w['low']:.2f}-{w['high']:.2f}"]
                    for w in c["scale"]["words"]
                ],
            )
        ],
    )
    out.append(scale)
    return out


def claim_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per claim (see ``report.csv_out``)."""
    c = data.get("claims") or {"claims": []}
    rows = []
    for i in c["claims"]:
        rows.append(
            {
                "kind": "claim",
                "forecaster": i["claimant"],
                "question": i["question"],
                "type": i["type"],
                "outcome": "" if i["outcome"] is None else i["outcome"],
                "probability": i["p"] if i["type"] != "numeric" else None,
                "brier": i.get("brier"),
                "claim": i["claim_text"],
                "claimed_on": i["on"],
                "hedge": i["hedge"],
                "source": i["source"],
                "came_true": i.get("came_true"),
                "brier_at_low": i.get("brier_at_low"),
                "brier_at_high": i.get("brier_at_high"),
                "abs_error": i.get("abs_error"),
                "rel_error": i.get("rel_error"),
                "in_range": i.get("in_range"),
                "threshold_hits": sum(bool(t["hit"]) for t in i.get("thresholds", []))
                if i["type"] == "numeric" and i["scored"]
                else None,
                "hindsight": i["hindsight"],
            }
        )
    return rows
