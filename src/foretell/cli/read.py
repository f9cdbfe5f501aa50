"""Commands that read: list, show, due, verify. What list, due and show print is built by
``foretell.question_view`` (the data) and ``foretell.question_text`` (the text)."""

from pathlib import Path
from typing import Annotated, Any

import typer

from foretell import actions, catalog, escape, history, parse, question_text, question_view
from foretell.cli.app import (
    FormatOption,
    HomeOption,
    OutputFormat,
    app,
    complete_question_ids,
    complete_tags,
    echo_wrapped,
    open_home,
    print_json,
    print_table,
)
from foretell.errors import display_path
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
    question_view.check_filter_names(questions, hists, tags, authors)
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
        rows.append(question_view.summary(q, hist, today, me if blind else None))
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
         question_text.latest_text(r)]
        for r in rows
    ]  # fmt: skip
    print_table(columns, table, _state_style(2))


def _state_style(column: int) -> Any:
    def style(_row: int, col: int, cell: str) -> str | None:
        return STATE_STYLES.get(cell) if col == column else None

    return style


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
    from foretell.blind import blind_enabled

    project = open_home(home)
    q = catalog.find_question(project.forecasts, question_id)
    hist = _read_history(project.ledger, {q.id: q}).get(q.id, history.QuestionHistory())
    labels = history.version_labels(q, hist)
    if version is not None:
        _show_version(project, q, labels, version, output)
        return
    me = actions.default_author() if blind_enabled(project.root) else None
    data = question_view.show_data(q, hist, labels, parse.today_utc(), me)
    if output is OutputFormat.json:
        print_json(data)
        return
    typer.echo(escape.terminal(question_text.show_text(q, data, labels)))


def _show_version(
    project: Any, q: Any, labels: dict[str, str], n: int, output: OutputFormat
) -> None:
    sha, kept = question_view.version_terms(project.ledger, q, labels, n)
    if output is OutputFormat.json:
        print_json({"id": q.id, "version": f"v{n}", "question_sha": sha, "terms": kept})
        return
    typer.echo(escape.terminal(question_text.version_text(q, labels, sha, kept)))


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
            rows.append(question_view.summary(q, hist, today))
    if output is OutputFormat.json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"nothing open is due within {within} days")
        return
    table = [
        [
            r["id"],
            r["resolve_by"],
            question_text.when(r["days_left"]),
            str(r["forecasts"]),
            r["title"],
        ]
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
