"""``foretell compare``: two forecasters head to head, or the relative-skill table of all.

pandas and numpy are imported inside the command only.
"""

from enum import StrEnum
from typing import Annotated

import typer

from foretell.cli.app import HomeOption, app, open_home
from foretell.cli.report import (
    CrowdOption,
    ExtremizeOption,
    PairRuleOption,
    Rule,
    SinceOption,
    UntilOption,
)


class CompareFormat(StrEnum):
    text = "text"
    json = "json"


class Metric(StrEnum):
    brier = "brier"
    log = "log"
    wis = "wis"


@app.command()
def compare(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[A B]",
            help="Two forecasters (or crowd:median, ...) to compare; none for the table of all.",
            show_default=False,
        ),
    ] = None,
    metric: Annotated[
        Metric,
        typer.Option(
            "--metric",
            help="The score of the relative-skill table (and the headline of A vs B): brier "
            "(binary), log (binary and multiple choice) or wis (numeric).",
        ),
    ] = Metric.brier,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="NAME",
            help="Scale every relative skill to NAME's (NAME scores 1).",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", metavar="TAG", help="Only questions with TAG (repeatable: any)."),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    rule: PairRuleOption = Rule.time_averaged,
    crowd: CrowdOption = None,
    extremize: ExtremizeOption = 1.5,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the bootstrap and permutation draws.")
    ] = 20260,
    fmt: Annotated[
        CompareFormat, typer.Option("--format", help="text (default) or json.")
    ] = CompareFormat.text,
    home: HomeOption = None,
) -> None:
    """Compare forecasters on the questions they share: with two names, the paired mean
    difference of their scores with a bootstrap 95% interval, a sign-flip permutation
    p-value and the Diebold-Mariano statistic; with none, every forecaster's relative
    skill (crowd forecasters included).

    Examples: foretell compare alice bob; foretell compare alice crowd:median --metric log;
    foretell compare --baseline crowd:median --format json
    """
    from foretell.actions import optional_date
    from foretell.frames import load_frames
    from foretell.report.headtohead import CompareOptions, head_to_head, skill_table
    from foretell.report.headtohead_text import head_to_head_text, skill_text
    from foretell.report.json_out import render_json
    from foretell.report.scope import Filters

    names = names or []
    if len(names) not in (0, 2):
        raise typer.BadParameter(
            f"give two forecasters to compare, or none; got {len(names)}", param_hint="A B"
        )
    project = open_home(home)
    options = CompareOptions(
        filters=Filters(
            tags=tuple(tag or ()),
            since=optional_date(since, "--since"),
            until=optional_date(until, "--until"),
        ),
        rule=rule.value,
        crowd=crowd,
        extremize=extremize,
        metric=metric.value,
        baseline=baseline,
        seed=seed,
    )
    frames = load_frames(project)
    from foretell.report.notes import reading_notes

    for note in reading_notes(frames.skipped):  # what reading left out, as report says it
        typer.echo(f"note: {note}", err=True)
    if names:
        doc = head_to_head(frames, names[0], names[1], options)
        text = head_to_head_text(doc)
    else:
        doc = skill_table(frames, options)
        text = skill_text(doc)
    if fmt is CompareFormat.json:
        text = render_json(doc)
    typer.echo(text, nl=False)
