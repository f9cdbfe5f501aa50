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
    complete_question_ids,
    complete_tags,
    echo_wrapped,
    number,
    open_home,
    print_json,
    print_table,
)
from foretell.errors import ForetellError, display_path
from foretell.model import Question
from foretell.terminal import STATE_STYLES, Column


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


def _load_catalog(forecasts_dir: Path) -> catalog.Catalog:
    """``catalog.load_catalog``, a note on stderr for each question file left out."""
    questions = catalog.load_catalog(forecasts_dir)
    for note in catalog.left_out_notes(questions.left_out):
        typer.echo(note, err=True)
    return questions


def _summary(
    q: Question, hist: history.QuestionHistory, today: Any, me: str | None = None
) -> dict[str, Any]:
    """A question's line; with ``me`` (blind mode) others' forecasts are left out until
    ``me`` has forecast on the open question."""
    from foretell.blind import hidden_from, visible

    final = hist.final
    latest: dict[str, Any] = {}
    hidden = me is not None and hidden_from(hist.forecasts, me, hist.state)
    shown = visible(hist.forecasts, me) if hidden and me is not None else hist.forecasts
    for entry in shown:
        latest[entry["author"]] = entry
    extra = {"hidden_forecasts": len(hist.forecasts) - len(shown)} if me is not None else {}
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
        **extra,
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
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            metavar="TAG",
            help="Only questions with TAG (repeatable: any of them).",
            autocompletion=complete_tags,
        ),
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by", metavar="NAME", help="Only questions NAME has forecast (repeatable: any)."
        ),
    ] = None,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """List questions with their title, state, deadline and latest forecasts.

    Filters: each repeatable one keeps what matches any of its values, and different filters
    must all hold. A tag or forecaster that appears nowhere is an error; a match that is
    merely empty is not (exit 0).

    Example: foretell list --open --tag huawei
    """
    from foretell.blind import blind_enabled

    project = open_home(home)
    authors = {actions.author_name(b) for b in by or ()}  # the ledger names `log --by` writes
    tags = set(tag or ())
    questions = _load_catalog(project.forecasts)
    hists = _read_history(project.ledger, questions)
    _check_filter_names(questions, hists, tags, authors)
    today = parse.today_utc()
    blind = blind_enabled(project.root)
    me = actions.default_author() if blind else ""
    rows = []
    for q in questions.values():
        hist = hists.get(q.id, history.QuestionHistory())
        if open_only and hist.state != "open":
            continue
        if resolved and hist.state == "open":
            continue
        if tags and not tags & set(q.tags):
            continue
        if authors and not authors & set(hist.authors()):
            continue
        rows.append(_summary(q, hist, today, me if blind else None))
    if output is OutputFormat.json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no questions match")
        return
    columns = [
        Column("id", wrap=True),
        Column("title", priority=1, wrap=True),
        Column("state", priority=2),
        Column("resolve by", priority=3),
        Column("type", priority=6),
        Column("forecasts", "right", priority=5),
        Column("latest", priority=4, wrap=True),
    ]
    table = [
        [r["id"], r["title"], r["state"], r["resolve_by"], r["type"], str(r["forecasts"]),
         _latest_text(r)]
        for r in rows
    ]  # fmt: skip
    print_table(columns, table, _state_style(2))


def _state_style(column: int) -> Any:
    def style(_row: int, col: int, cell: str) -> str | None:
        return STATE_STYLES.get(cell) if col == column else None

    return style


def _check_filter_names(
    questions: dict[str, Question],
    hists: dict[str, history.QuestionHistory],
    tags: set[str],
    authors: set[str],
) -> None:
    """The rule every command follows: a filter value that names nothing is an error."""
    from foretell.errors import ForetellError

    known_tags = {t for q in questions.values() for t in q.tags}
    for t in sorted(tags - known_tags):
        hint = catalog.did_you_mean(t, sorted(known_tags))
        raise ForetellError(f"no question has the tag {t!r}{hint}")
    known = {a for h in hists.values() for a in h.authors()}
    for a in sorted(authors - known):
        hint = catalog.did_you_mean(a, sorted(known))
        raise ForetellError(f"no forecasts by {a!r}{hint}")


def _latest_text(row: dict[str, Any]) -> str:
    if row["outcome"] is not None:
        return f"outcome: {_short(row['outcome'])}"
    parts = [f"{a}: {_short(v)}" for a, v in row["latest"].items()]
    if row.get("hidden_forecasts"):
        parts.append(f"{row['hidden_forecasts']} hidden until you forecast")
    return "; ".join(parts)


@app.command()
def show(
    question_id: Annotated[str, typer.Argument(metavar="ID", autocompletion=complete_question_ids)],
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
    import dataclasses

    from foretell.blind import blind_enabled, hidden_from, visible

    project = open_home(home)
    q = catalog.find_question(project.forecasts, question_id)
    hist = _read_history(project.ledger, {q.id: q}).get(q.id, history.QuestionHistory())
    labels = history.version_labels(q, hist)
    if version is not None:
        _show_version(project, q, labels, version, output)
        return
    me = actions.default_author() if blind_enabled(project.root) else None
    data = _summary(q, hist, parse.today_utc(), me)
    if me is not None and hidden_from(hist.forecasts, me, hist.state):
        hist = dataclasses.replace(hist, forecasts=visible(hist.forecasts, me))
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
    from foretell import terminal

    limit = terminal.width()
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
    columns = [
        Column("made on", priority=2),
        Column("by", wrap=True),
        Column("claim", wrap=True),
        Column("hedge", priority=1, wrap=True),
        Column("source", priority=3, wrap=True),
    ]
    return [*lines, terminal.render_table(columns, table, limit, indent="  ")]


def _show_text(q: Question, data: dict[str, Any], labels: dict[str, str]) -> str:
    from foretell import terminal

    limit = terminal.width()
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
    lines += ["", "criteria:", terminal.wrap(q.criteria.strip(), limit, "  ")]
    if q.sources:
        lines += ["", "sources:"]
        for s in q.sources:
            head = ", ".join(x for x in (s.document, s.outlet, s.date and s.date.isoformat()) if x)
            lines.append(terminal.wrap(f"- {head}: {s.claim}", limit, "  "))
    lines += ["", "history:"]
    if data.get("hidden_forecasts"):
        lines.append(
            terminal.wrap(
                f"({data['hidden_forecasts']} forecast(s) by others hidden until you log "
                "yours: blind mode)",
                limit,
                "  ",
            )
        )
    if not data["history"]:
        lines.append("  (no entries yet)")
    else:
        table = [
            [h["at"][:16].replace("T", " "), h["author"], h["kind"], h["version"], _detail(h)]
            for h in data["history"]
        ]
        columns = [
            Column("at (UTC)", priority=3),
            Column("by", wrap=True),
            Column("kind", priority=2),
            Column("version", priority=4),
            Column("detail", wrap=True),
        ]
        lines.append(terminal.render_table(columns, table, limit, indent="  "))
    lines += _claims_text(data["claims"])
    lines += _standing_text(data)
    return _fit("\n".join(lines), limit)


def _fit(text: str, limit: int) -> str:
    """Lines longer than ``limit`` wrapped at words, keeping their indent (tables fit already)."""
    from foretell import terminal

    out = []
    for line in text.splitlines():
        if len(line) <= limit:
            out.append(line)
        else:
            lead = line[: len(line) - len(line.lstrip())]
            out.append(terminal.wrap(line.strip(), limit, lead))
    return "\n".join(out)


def _standing_text(data: dict[str, Any]) -> list[str]:
    """Each forecaster's standing forecast now, with the crowd's beside them."""
    if not data["standing"]:
        return []
    lines = ["", "standing forecasts (latest of each):"]
    rows = [(r["author"], _short(_payload(r))) for r in data["standing"]]
    rows += [(name, _short(_payload(payload))) for name, payload in data["crowd"].items()]
    width = max(len(a) for a, _ in rows)
    from foretell import terminal

    limit = terminal.width()
    lines += [terminal.wrap(f"{a.ljust(width)}  {text}", limit, "  ") for a, text in rows]
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
        int,
        typer.Option(
            "--within", metavar="DAYS", help="Also list questions due within DAYS days.", min=0
        ),
    ] = 30,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """Open questions past or near their resolve_by date, soonest first.

    Example: foretell due --within 60
    """
    project = open_home(home)
    questions = _load_catalog(project.forecasts)
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
        [r["id"], r["resolve_by"], _when(r["days_left"]), str(r["forecasts"]), r["title"]]
        for r in rows
    ]
    columns = [
        Column("id", wrap=True),
        Column("resolve by", priority=2),
        Column("when"),
        Column("forecasts", "right", priority=3),
        Column("title", priority=1, wrap=True),
    ]

    def style(_row: int, col: int, cell: str) -> str | None:
        return "red" if col == 2 and cell.startswith("overdue") else None

    print_table(columns, table, style)


def _when(days: int) -> str:
    if days < 0:
        return f"overdue {-days}d"
    return "today" if days == 0 else f"in {days}d"


@app.command()
def verify(output: FormatOption = OutputFormat.text, home: HomeOption = None) -> None:
    """Check every chain, every reference and every question file; exit 0 only when clean.

    Example: foretell verify
    """
    from foretell import ledger
    from foretell.seals import signature_note
    from foretell.verify import verify as run_verify

    project = open_home(home)
    problems = run_verify(project)
    note = signature_note(project)
    files = ledger.ledger_files(project.ledger)
    n_questions = len(catalog.question_files(project.forecasts))
    if output is OutputFormat.json:
        print_json(
            {
                "ok": not problems,
                "questions": n_questions,
                "ledger_files": len(files),
                "problems": [
                    {
                        "path": display_path(p.path) if p.path else None,
                        "line": p.line,
                        "message": p.message,
                    }
                    for p in problems
                ],
                "signatures": note or None,
            }
        )
        if problems:
            raise typer.Exit(1)
        return
    if note:
        echo_wrapped(note, err=True)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}", err=True)
        raise typer.Exit(1)
    echo_wrapped(
        f"ok: {_count(n_questions, 'question')}, {_count(len(files), 'ledger file')} "
        f"in {display_path(project.root)}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
