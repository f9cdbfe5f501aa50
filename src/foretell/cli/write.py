"""Commands that write: init, ask, log, resolve, annul, amend, repair.

Nothing here imports pandas, statsmodels or matplotlib; pydantic only inside ``ask`` (through
``foretell.asking``, which builds the question from the options).
"""

from pathlib import Path
from typing import Annotated, Any

import typer

from foretell import actions, checked, ledger, parse
from foretell.cli.app import (
    FormatOption,
    HomeOption,
    OutputFormat,
    app,
    complete_question_ids,
    echo_wrapped,
    fail,
    open_home,
    print_json,
)
from foretell.errors import display_path
from foretell.hindsight import hindsight_note
from foretell.home import init_home

ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Author (default: FORETELL_USER, then git's user.name, then the login name).",
        show_default=False,
    ),
]
OnOption = Annotated[
    str | None,
    typer.Option("--on", help="Date the outcome was known, YYYY-MM-DD (default: today)."),
]


YesOption = Annotated[
    bool, typer.Option("--yes", help="Log a percentage under 1% (such as 0.35%) as typed.")
]
IdArgument = Annotated[
    str, typer.Argument(metavar="ID", autocompletion=complete_question_ids, show_default=False)
]


def _author(by: str | None) -> tuple[str, str]:
    """The ledger name a write uses, and where it came from."""
    if by is not None:
        return actions.resolve_author(by), "--by"
    return actions.default_author_and_source()


def _done(
    output: OutputFormat,
    text: str,
    entry: dict[str, Any],
    author: tuple[str, str],
    project: Any,
) -> None:
    """Print what a write did: a line for people (and, when the author was not chosen with
    --by or FORETELL_USER, which author was used), or the entry as JSON."""
    name, source = author
    where = display_path(ledger.ledger_path(project.ledger, name))
    if output is OutputFormat.json:
        print_json(
            {"message": text, "author": name, "author_from": source, "file": where, "entry": entry}
        )
        return
    for line in text.splitlines():
        echo_wrapped(line)
    if source not in ("--by", actions.USER_ENV):
        echo_wrapped(
            f"as {name} (from {source}; set {actions.USER_ENV} or pass --by to choose)", err=True
        )


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Directory to create the project in.")] = Path("."),
    output: FormatOption = OutputFormat.text,
) -> None:
    """Create an empty project: PATH/forecasts/ and PATH/ledger/.

    Example: foretell init my-forecasts
    """
    home = init_home(path)
    forecasts, ledger_dir = display_path(home.forecasts), display_path(home.ledger)
    if output is OutputFormat.json:
        print_json({"forecasts": forecasts, "ledger": ledger_dir})
        return
    typer.echo(f"created {forecasts}/ and {ledger_dir}/")


@app.command()
def ask(
    question_id: Annotated[
        str | None, typer.Argument(metavar="ID", help="lowercase-kebab id.", show_default=False)
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="The question, in one line.")] = None,
    criteria: Annotated[
        str | None,
        typer.Option(
            "--criteria",
            help="How it resolves: what counts as YES and NO, which evidence decides, what "
            "happens if no figure appears (at least 20 characters).",
        ),
    ] = None,
    resolve_by: Annotated[
        str | None,
        typer.Option(
            "--resolve-by", metavar="DATE", help="Date the outcome should be known, YYYY-MM-DD."
        ),
    ] = None,
    kind: Annotated[
        str, typer.Option("--type", help="binary, multiple_choice or numeric.")
    ] = "binary",
    opened: Annotated[
        str | None, typer.Option("--opened", help="Date posed (default: today).")
    ] = None,
    options: Annotated[
        str | None,
        typer.Option("--options", help="multiple_choice: comma-separated options."),
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="numeric: the unit.")] = None,
    low: Annotated[float | None, typer.Option("--low", help="numeric: range low.")] = None,
    high: Annotated[float | None, typer.Option("--high", help="numeric: range high.")] = None,
    thresholds: Annotated[
        list[float] | None,
        typer.Option("--threshold", help="numeric: a threshold (repeatable)."),
    ] = None,
    tags: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")] = None,
    sources: Annotated[
        list[str] | None,
        typer.Option("--source", help="A source document or URL (repeatable)."),
    ] = None,
    claims: Annotated[
        list[str] | None,
        typer.Option(
            "--claim",
            help="What the --source at the same position says, in your own words (required "
            "for each --source).",
        ),
    ] = None,
    outlets: Annotated[
        list[str] | None,
        typer.Option("--outlet", help="Who published the --source at the same position."),
    ] = None,
    source_dates: Annotated[
        list[str] | None,
        typer.Option("--source-date", help="When the --source at the same position was published."),
    ] = None,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """Pose a new question: writes forecasts/ID.toml (refuses an id that exists).

    Example: foretell ask smic-supply --title "Will SMIC ...?" --criteria "YES if ..."
    --resolve-by 2027-03-31 --source 004_2399dcdda7adbfd5.txt --outlet startupnews.fyi
    --source-date 2026-05-01 --claim "Huawei aims to ship about 750,000 950PR chips in 2026"
    """
    from foretell.asking import new_question

    project = open_home(home)
    if question_id is None or title is None or criteria is None or resolve_by is None:
        answers = _ask_in_turn(question_id, title, criteria, resolve_by, kind, options, unit)
        question_id, title, criteria, resolve_by, kind, options, unit = answers
        if kind == "numeric" and (low is None or high is None):
            low = float(typer.prompt("plausible low value (--low)", type=float))
            high = float(typer.prompt("plausible high value (--high)", type=float))
    question = new_question(
        question_id=question_id,
        title=title,
        criteria=criteria,
        resolve_by=resolve_by,
        kind=kind,
        opened=opened,
        options=options,
        unit=unit,
        low=low,
        high=high,
        thresholds=thresholds,
        tags=tags,
        sources=sources,
        claims=claims,
        outlets=outlets,
        source_dates=source_dates,
    )
    path = actions.ask(project, question)
    if output is OutputFormat.json:
        print_json({"id": question.id, "file": display_path(path)})
        return
    typer.echo(f"wrote {display_path(path)}")


def _ask_in_turn(
    question_id: str | None,
    title: str | None,
    criteria: str | None,
    resolve_by: str | None,
    kind: str,
    options: str | None,
    unit: str | None,
) -> tuple[str, str, str, str, str, str | None, str | None]:
    """On a terminal, ask for each missing field in turn; elsewhere a usage error (exit 2)."""
    import sys

    missing = [
        name
        for name, value in (
            ("ID", question_id),
            ("--title", title),
            ("--criteria", criteria),
            ("--resolve-by", resolve_by),
        )
        if value is None
    ]
    if not sys.stdin.isatty():
        fail(f"ask needs {', '.join(missing)} (or run it on a terminal to be asked)", 2)
    question_id = question_id or typer.prompt("id (lowercase-kebab, e.g. smic-supply)")
    title = title or typer.prompt("title (the question, in one line)")
    if "--type" not in sys.argv:
        kind = typer.prompt("type (binary, multiple_choice or numeric)", default=kind)
    criteria = criteria or typer.prompt("criteria (what counts as YES and NO, which evidence)")
    resolve_by = resolve_by or typer.prompt("resolve by (YYYY-MM-DD)")
    if kind == "multiple_choice" and options is None:
        options = typer.prompt("options (comma-separated)")
    if kind == "numeric" and unit is None:
        unit = typer.prompt("unit")
    return question_id, title, criteria, resolve_by, kind, options, unit


# Negative numbers ("-7.5") are values, not options.
NUMBERS_MAY_BE_NEGATIVE = {"ignore_unknown_options": True}


@app.command(context_settings=NUMBERS_MAY_BE_NEGATIVE)
def log(
    question_id: IdArgument,
    values: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="VALUE...",
            help="binary: P as 0.7, 70%, 7:3 (odds), 3:7 against or 1 in 20; multiple choice: "
            "option=p pairs (spaces or commas between them); numeric: level=value pairs "
            "including the median 0.5.",
        ),
    ] = None,
    probs: Annotated[
        bool, typer.Option("--probs", help="The values are option=p pairs (multiple choice).")
    ] = False,
    quantiles: Annotated[
        bool,
        typer.Option("--quantiles", help="The values are level=value pairs (numeric)."),
    ] = False,
    by: ByOption = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, in a line.")] = None,
    yes: YesOption = False,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """Log a forecast.

    Examples: foretell log ascend-950pr-cuda-stack-verified 25% --note "no neutral benchmark yet";
    foretell log ascend-950pr-shipments-2026 --quantiles 0.1=400000 0.5=650000 0.9=900000
    """
    project = open_home(home)
    question = checked.find_question(project, question_id)
    payload = actions.forecast_payload(question, values or [], probs, quantiles, allow_tiny=yes)
    author = _author(by)
    entry = actions.log_forecast(project, question.id, payload, author[0], note)
    text = f"logged {_describe(entry)} ({_where(project.ledger, author[0], entry)})"
    late = hindsight_note(question, parse.parse_timestamp(entry["at"]).date())
    _done(output, text + (f"\n{late}" if late else ""), entry, author, project)


def _describe(entry: dict[str, object]) -> str:
    from foretell.terminal import number  # loaded by log's output already (echo_wrapped)

    if "p" in entry:
        return f"P(yes)={number(entry['p'])} on {entry['question']}"  # type: ignore[arg-type]
    if "probs" in entry:
        parts = " ".join(f"{k}={number(v)}" for k, v in entry["probs"].items())  # type: ignore[union-attr]
        return f"{parts} on {entry['question']}"
    parts = " ".join(f"{k}={number(v)}" for k, v in entry["quantiles"].items())  # type: ignore[union-attr]
    return f"quantiles {parts} on {entry['question']}"


def _where(ledger_dir: Path, author: str, entry: dict[str, object]) -> str:
    return f"{display_path(ledger.ledger_path(ledger_dir, author))}:{entry['seq']}"


@app.command(context_settings=NUMBERS_MAY_BE_NEGATIVE)
def resolve(
    question_id: IdArgument,
    outcome: Annotated[
        str | None,
        typer.Argument(
            help="yes/no, one of the options, or a number (numeric).", show_default=False
        ),
    ] = None,
    probability: Annotated[
        str | None,
        typer.Option(
            "--probability",
            metavar="P",
            help="Resolve a binary question to a probability in [0, 1] (a market's price, a "
            "panel's judgement) instead of yes/no.",
            show_default=False,
        ),
    ] = None,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="Where the outcome is shown: text or URL.")
    ] = None,
    on: OnOption = None,
    amend: Annotated[
        bool, typer.Option("--amend", help="Replace an earlier resolution (keeps it).")
    ] = False,
    why: Annotated[str | None, typer.Option("--why", help="Why the amendment.")] = None,
    by: ByOption = None,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """Record a question's outcome.

    Examples: foretell resolve bytedance-950pr-order-confirmed yes --evidence
    https://example.org/order --on 2026-11-20; foretell resolve
    ascend-950pr-cuda-stack-verified --probability 0.03 --evidence "market close"
    """
    project = open_home(home)
    author = _author(by)
    entry = actions.resolve(
        project,
        question_id,
        outcome or "",
        author[0],
        evidence=evidence,
        on=actions.optional_date(on, "--on"),
        amend=amend,
        why=why,
        probability=probability,
    )
    verb = "amended" if "amends" in entry else "resolved"
    text = f"{verb} {entry['question']}: {entry['outcome']} (on {entry['resolved_on']})"
    _done(output, text, entry, author, project)


@app.command()
def annul(
    question_id: IdArgument,
    why: Annotated[str, typer.Option("--why", help="Why it cannot be resolved.")],
    on: OnOption = None,
    amend: Annotated[
        bool, typer.Option("--amend", help="Annul a question already resolved.")
    ] = False,
    by: ByOption = None,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """Annul a question: it is excluded from every score.

    Example: foretell annul china-7nm-ai-chip-output-2026 --why "no figure was ever published"
    """
    project = open_home(home)
    author = _author(by)
    entry = actions.annul(
        project, question_id, author[0], why, actions.optional_date(on, "--on"), amend
    )
    _done(output, f"annulled {entry['question']}", entry, author, project)


@app.command()
def amend(
    question_id: IdArgument,
    why: Annotated[str, typer.Option("--why", help="What changed in the file, and why.")],
    by: ByOption = None,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """Record an intended edit of forecasts/ID.toml (pins its new version for verify).

    Example: foretell amend huawei-ai-chip-revenue-2026 --why "name the annual report as evidence"
    """
    project = open_home(home)
    author = _author(by)
    entry = actions.amend_question(project, question_id, author[0], why)
    text = f"recorded version {entry['question_sha'][:12]} of {entry['question']}"
    _done(output, text, entry, author, project)


@app.command()
def repair(
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", help="Move a complete but invalid last entry to quarantine without asking."
        ),
    ] = False,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """Mend an interrupted write: roll back an interrupted import, remove temporary files and
    an incomplete last line, add the newline a whole last entry lacks; move a complete but
    invalid last entry to ledger/NAME.jsonl.quarantine (kept there) after asking, or with
    --yes. Never removes a valid entry.

    Example: foretell repair --yes
    """
    import sys

    from foretell.repair import repair as run_repair

    project = open_home(home)

    def confirm(bad: Any) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            return False
        return typer.confirm(f"{bad.describe()}\nmove it to quarantine?", default=False)

    done, kept = run_repair(project, confirm)
    if output is OutputFormat.json:
        print_json({"done": done, "left": [bad.describe() for bad in kept]})
        if kept:
            raise typer.Exit(1)
        return
    for line in done:
        typer.echo(line)
    for bad in kept:
        typer.echo(f"{bad.describe()}; left in place (`foretell repair --yes` moves it)", err=True)
    if not done and not kept:
        typer.echo("nothing to repair")
    if kept:
        raise typer.Exit(1)


@app.command()
def seal(
    sign: Annotated[
        Path | None,
        typer.Option("--sign", help="Sign the seal with this SSH private key (ssh-keygen -Y)."),
    ] = None,
    by: ByOption = None,
    home: HomeOption = None,
) -> None:
    """Record every ledger file's head (entry count, last sha) and every question's version
    in ledger/SEALS, so verify detects a truncated, deleted or rewritten file from now on.

    Example: foretell seal --sign ~/.ssh/id_ed25519
    """
    from foretell import seals

    project = open_home(home)
    record = seals.seal(project, actions.resolve_author(by), sign)
    signed = f", signed by {record['signer']}" if "signature" in record else ""
    typer.echo(
        f"seal {record['seq']}: {len(record['files'])} ledger files, "
        f"{len(record['questions'])} questions{signed} ({record['sha'][:12]})"
    )
