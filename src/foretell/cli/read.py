"""Commands that read: list, show, due, verify."""

from pathlib import Path
from typing import Annotated, Any

import typer

from foretell import actions, catalog, escape, history, parse, standing
from foretell.cli.app import (
    FormatOption,
    HomeOption,
    OutputFormat,
    app,
    number,
    open_home,
    print_json,
)
from foretell.errors import ForetellError, display_path
from foretell.model import Question


def _read_history(
    ledger_dir: Path, questions: dict[str, Question]
) -> dict[str, history.QuestionHistory]:
    """``history.read_history`` keeping what verify accepts; a note on stderr for the rest."""
    skipped: list[int] = []
    hists = history.read_history(ledger_dir, questions=questions, skipped=skipped)
    if skipped and skipped[0]:
        n = skipped[0]
        typer.echo(
            f"note: {n} ledger entr{'y' if n == 1 else 'ies'} left out: not valid "
            "(see foretell verify)",
            err=True,
        )
    return hists


def _summary(q: Question, hist: history.QuestionHistory, today: Any) -> dict[str, Any]:
    final = hist.final
    latest: dict[str, Any] = {}
    for entry in hist.forecasts:
        latest[entry["author"]] = entry
    return {
        "id": q.id,
        "title": q.title,
        "type": q.type,
        "state": hist.state,
        "opened": q.opened.isoformat(),
        "resolve_by": q.resolve_by.isoformat(),
        "days_left": history.days_left(q, today),
        "tags": q.tags,
        "forecasts": len(hist.forecasts),
        "forecasters": sorted(hist.authors()),
        "outcome": final.get("outcome") if final and final["kind"] == "resolution" else None,
        "latest": {a: _payload(e) for a, e in sorted(latest.items())},
    }


def _payload(entry: dict[str, Any]) -> Any:
    for key in ("p", "probs", "quantiles"):
        if key in entry:
            return entry[key]
    return None


def _short(value: Any) -> str:
    if isinstance(value, float):
        return number(value)
    if isinstance(value, dict):
        return " ".join(f"{k}={_short(v)}" for k, v in value.items())
    return str(value)


@app.command("list")
def list_questions(
    open_only: Annotated[bool, typer.Option("--open", help="Only open questions.")] = False,
    resolved: Annotated[
        bool, typer.Option("--resolved", help="Only resolved or annulled questions.")
    ] = False,
    tag: Annotated[str | None, typer.Option("--tag", help="Only questions with this tag.")] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Only questions NAME has forecast.")
    ] = None,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """List questions with their state, deadline and forecasts.

    Example: foretell list --open --tag huawei
    """
    from tabulate import tabulate

    project = open_home(home)
    author = actions.author_name(by) if by else None  # the ledger name `log --by` writes to
    questions = catalog.load_catalog(project.forecasts)
    hists = _read_history(project.ledger, questions)
    today = parse.today_utc()
    rows = []
    for q in questions.values():
        hist = hists.get(q.id, history.QuestionHistory())
        if open_only and hist.state != "open":
            continue
        if resolved and hist.state == "open":
            continue
        if tag and tag not in q.tags:
            continue
        if author and author not in hist.authors():
            continue
        rows.append(_summary(q, hist, today))
    if output is OutputFormat.json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no questions match")
        return
    table = [
        [r["id"], r["type"], r["state"], r["resolve_by"], r["forecasts"], _latest_text(r)]
        for r in rows
    ]
    headers = ["id", "type", "state", "resolve by", "forecasts", "latest"]
    typer.echo(escape.terminal(tabulate(table, headers=headers, tablefmt="simple")))


def _latest_text(row: dict[str, Any]) -> str:
    if row["outcome"] is not None:
        return f"outcome: {_short(row['outcome'])}"
    parts = [f"{a}: {_short(v)}" for a, v in row["latest"].items()]
    text = "; ".join(parts)
    return text if len(text) <= 60 else text[:57] + "..."


@app.command()
def show(
    question_id: Annotated[str, typer.Argument(metavar="ID")],
    output: FormatOption = OutputFormat.text,
    version: Annotated[
        int | None,
        typer.Option(
            "--version",
            metavar="N",
            help="Print the terms (criteria, dates, ...) of version N, as forecasts were made "
            "under them (v1 is the first version entries were made against).",
        ),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Show a question: criteria, sources, every forecast (time, author, version), outcome.

    Example: foretell show huawei-ai-chip-revenue-2026 (add --version 1 for the first terms)
    """
    project = open_home(home)
    q = catalog.find_question(project.forecasts, question_id)
    hist = _read_history(project.ledger, {q.id: q}).get(q.id, history.QuestionHistory())
    labels = history.version_labels(q, hist)
    if version is not None:
        _show_version(project, q, labels, version, output)
        return
    data = _summary(q, hist, parse.today_utc())
    data.update(
        criteria=q.criteria,
        sources=[s.model_dump(mode="json", exclude_none=True) for s in q.sources],
        options=q.options,
        unit=q.unit,
        range=list(q.range) if q.range else None,
        thresholds=q.thresholds,
        version=labels[q.sha()].split()[0],
        question_sha=q.sha(),
        history=[
            {
                "at": e["at"],
                "kind": e["kind"],
                "author": e["author"],
                "version": labels.get(e.get("question_sha", ""), "?").split()[0],
                "edited": e["edited"],
                **{k: e[k] for k in _DETAIL_KEYS if k in e},
            }
            for e in sorted(hist.forecasts + hist.closings + hist.amendments, key=lambda e: e["at"])
        ],
        claims=[_claim_json(q, e, labels) for e in hist.claims],
        standing=[
            {
                "author": e["author"],
                "at": e["at"],
                **{k: e[k] for k in ("p", "probs", "quantiles") if k in e},
            }
            for e in standing.standing(hist.forecasts)
        ],
        crowd=standing.current_crowd(q, hist.forecasts),
    )
    if output is OutputFormat.json:
        print_json(data)
        return
    typer.echo(escape.terminal(_show_text(q, data, labels)))


def _show_version(
    project: Any, q: Any, labels: dict[str, str], n: int, output: OutputFormat
) -> None:
    from foretell import terms

    shas = {label.split()[0]: sha for sha, label in labels.items()}
    sha = shas.get(f"v{n}")
    if sha is None:
        raise ForetellError(f"{q.id} has versions v1 to v{len(shas)}; no v{n}")
    kept = q.terms() if sha == q.sha() else terms.load(project.ledger, q.id, sha)
    if kept is None:
        raise ForetellError(
            f"the terms of {q.id} v{n} ({sha[:12]}) were not recorded (entries made before "
            "foretell kept each version's terms); the file's git history has them"
        )
    if output is OutputFormat.json:
        print_json({"id": q.id, "version": f"v{n}", "question_sha": sha, "terms": kept})
        return
    lines = [f"{q.id} {labels[sha]} ({sha[:12]})"]
    for name, value in kept.items():
        if value is not None and value != [] and name != "criteria":
            lines.append(
                f"{name}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
            )
    lines += ["criteria:", *(f"  {line}" for line in str(kept.get("criteria", "")).splitlines())]
    typer.echo(escape.terminal("\n".join(lines)))


_DETAIL_KEYS = (
    "p", "probs", "quantiles", "outcome", "resolved_on", "evidence", "why", "note", "amends",
    "imported",
)  # fmt: skip


_CLAIM_KEYS = ("on", "source", "figures", "hedge", "value", "low", "high", "note", "at")


def _claim_json(q: Question, e: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    from foretell.claims import describe
    from foretell.hindsight import in_hindsight

    on = e.get("on")
    day = parse.parse_date(on) if isinstance(on, str) else None
    return {
        "claimant": e["author"],
        "claim": describe(e),
        **{k: e[k] for k in _CLAIM_KEYS if k in e},
        "version": labels.get(e.get("question_sha", ""), "?").split()[0],
        "hindsight": bool(day and in_hindsight(q, day)),
        "edited": e["edited"],
    }


def _claims_text(claims: list[dict[str, Any]]) -> list[str]:
    from tabulate import tabulate

    lines = ["", "claims (the sources' own predictions, dated when made; not forecasts):"]
    if not claims:
        return [*lines, "  (none recorded)"]
    table = [
        [
            c.get("on", "?"),
            c["claimant"],
            c["claim"],
            c.get("hedge", "?"),
            c.get("source", "?") + ("  [hindsight]" if c["hindsight"] else ""),
        ]
        for c in claims
    ]
    body = tabulate(table, headers=["made on", "by", "claim", "hedge", "source"])
    return [*lines, *("  " + ln for ln in body.splitlines())]


def _show_text(q: Question, data: dict[str, Any], labels: dict[str, str]) -> str:
    from tabulate import tabulate

    lines = [f"{q.id}: {q.title}", f"type: {q.type}"]
    if q.options:
        lines.append(f"options: {', '.join(q.options)}")
    if q.unit:
        low, high = q.range or (0.0, 0.0)
        lines.append(f"unit: {q.unit}; range {number(low)} to {number(high)}")
        if q.thresholds:
            lines.append(f"thresholds: {', '.join(number(t) for t in q.thresholds)}")
    lines.append(f"opened {q.opened}; resolve by {q.resolve_by} ({data['days_left']} days left)")
    lines.append(f"state: {data['state']}; version {labels[q.sha()]}")
    if q.tags:
        lines.append(f"tags: {', '.join(q.tags)}")
    lines += ["", "criteria:", *("  " + ln for ln in q.criteria.strip().splitlines())]
    if q.sources:
        lines += ["", "sources:"]
        for s in q.sources:
            head = ", ".join(x for x in (s.document, s.outlet, s.date and s.date.isoformat()) if x)
            lines.append(f"  - {head}: {s.claim}")
    lines += ["", "history:"]
    if not data["history"]:
        lines.append("  (no entries yet)")
    else:
        table = [
            [h["at"][:16].replace("T", " "), h["author"], h["kind"], h["version"], _detail(h)]
            for h in data["history"]
        ]
        body = tabulate(table, headers=["at (UTC)", "by", "kind", "version", "detail"])
        lines += ["  " + ln for ln in body.splitlines()]
    lines += _claims_text(data["claims"])
    lines += _standing_text(data)
    return "\n".join(lines)


def _standing_text(data: dict[str, Any]) -> list[str]:
    """Each forecaster's standing forecast now, with the crowd's beside them."""
    if not data["standing"]:
        return []
    lines = ["", "standing forecasts (latest of each):"]
    rows = [(r["author"], _short(_payload(r))) for r in data["standing"]]
    rows += [(name, _short(_payload(payload))) for name, payload in data["crowd"].items()]
    width = max(len(a) for a, _ in rows)
    lines += [f"  {a.ljust(width)}  {text}" for a, text in rows]
    if not data["crowd"]:
        lines.append("  (no crowd forecast: fewer than two people have forecast)")
    return lines


def _detail(h: dict[str, Any]) -> str:
    text = _plain_detail(h)
    return f"{text}  [sha mismatch: edited? run foretell verify]" if h.get("edited") else text


def _plain_detail(h: dict[str, Any]) -> str:
    if h["kind"] == "forecast":
        text = _short(_payload(h))
        return f"{text}  ({h['note']})" if h.get("note") else text
    if h["kind"] == "resolution":
        text = f"outcome {_short(h['outcome'])} on {h['resolved_on']}"
        if h.get("evidence"):
            text += f"; evidence: {h['evidence']}"
        return text + (f"; amends: {h.get('why', '')}" if h.get("amends") else "")
    return str(h.get("why", ""))


@app.command()
def due(
    within: Annotated[
        int, typer.Option("--within", help="Also list questions due within DAYS.", min=0)
    ] = 30,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """Open questions past or near their resolve_by date, soonest first.

    Example: foretell due --within 60
    """
    from tabulate import tabulate

    project = open_home(home)
    questions = catalog.load_catalog(project.forecasts)
    hists = _read_history(project.ledger, questions)
    today = parse.today_utc()
    rows = []
    for q in sorted(questions.values(), key=lambda q: (q.resolve_by, q.id)):
        hist = hists.get(q.id, history.QuestionHistory())
        if hist.state == "open" and history.days_left(q, today) <= within:
            rows.append(_summary(q, hist, today))
    if output is OutputFormat.json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"nothing open is due within {within} days")
        return
    table = [
        [r["id"], r["resolve_by"], _when(r["days_left"]), r["forecasts"], r["title"][:50]]
        for r in rows
    ]
    typer.echo(
        escape.terminal(tabulate(table, headers=["id", "resolve by", "when", "forecasts", "title"]))
    )


def _when(days: int) -> str:
    if days < 0:
        return f"overdue {-days}d"
    return "today" if days == 0 else f"in {days}d"


@app.command()
def verify(home: HomeOption = None) -> None:
    """Check every chain, every reference and every question file; exit 0 only when clean.

    Example: foretell verify
    """
    from foretell import ledger
    from foretell.seals import signature_note
    from foretell.verify import verify as run_verify

    project = open_home(home)
    problems = run_verify(project)
    note = signature_note(project)
    if note:
        typer.echo(note, err=True)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}", err=True)
        raise typer.Exit(1)
    files = ledger.ledger_files(project.ledger)
    n_questions = len(catalog.question_files(project.forecasts))
    typer.echo(
        f"ok: {_count(n_questions, 'question')}, {_count(len(files), 'ledger file')} "
        f"in {display_path(project.root)}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
