"""The ``claim`` command: record a source's own prediction. No pandas here."""

from typing import Annotated

import typer

from foretell import actions, claims, parse
from foretell.cli.app import HomeOption, app, open_home
from foretell.errors import display_path

NUMBERS_MAY_BE_NEGATIVE = {"ignore_unknown_options": True}


@app.command(context_settings=NUMBERS_MAY_BE_NEGATIVE)
def claim(
    question_id: Annotated[str, typer.Argument(metavar="ID", help="The question's id.")],
    value: Annotated[
        str,
        typer.Argument(
            metavar="VALUE",
            help="binary: yes or no; multiple choice: an option (or several, comma-separated, "
            "meaning one of them); numeric: a value (750000, 750k, about $12B) or a range "
            "(700000-800000).",
        ),
    ],
    by: Annotated[
        str,
        typer.Option(
            "--by", metavar="CLAIMANT", help="Who made the claim: a company, outlet or analyst."
        ),
    ],
    source: Annotated[
        str, typer.Option("--source", metavar="DOC", help="The document cited (file or URL).")
    ],
    on: Annotated[
        str,
        typer.Option("--on", metavar="DATE", help="The day the source made the claim, YYYY-MM-DD."),
    ],
    hedge: Annotated[
        str,
        typer.Option(
            "--hedge",
            metavar="WORD",
            help="How sure the source sounds, on Kent's scale: certain, almost-certain, "
            "probable, chances-about-even, probably-not, almost-certainly-not, impossible "
            "(also likely, unlikely, ...).",
        ),
    ],
    figures: Annotated[
        list[str] | None,
        typer.Option(
            "--figure",
            metavar="TEXT",
            help="A figure the claim rests on, exactly as the document prints it (repeatable).",
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Context, in a line.")] = None,
    home: HomeOption = None,
) -> None:
    """Record a claim: a party's stated outcome or value for a question, dated by when the
    source made it, in the claimant's own chain (ledger/CLAIMANT.jsonl).

    Example: foretell claim ascend-950pr-shipments-2026 750000 --by huawei
    --source 004_2399dcdda7adbfd5.txt --on 2026-05-01 --hedge probable --figure 750,000
    """
    project = open_home(home)
    day = actions.typed_value("--on", parse.parse_date, on)
    claimant = actions.author_name(by)
    done = claims.record_claim(
        project,
        question_id,
        value,
        claimant,
        source,
        day,
        hedge,
        note=note,
        figures=figures,
    )
    entry = done.entry
    typer.echo(
        f"recorded {claimant}'s claim "
        f"{claims.describe(entry)} ({entry['hedge']}) on {entry['question']}, made "
        f"{entry['on']} ({display_path(done.path)}:{entry['seq']})"
    )
    if done.hindsight:
        typer.echo(done.hindsight)
