"""Commands that score: report (calibration report of a ledger) and demo (a simulated one).

pandas, statsmodels and matplotlib are imported inside the commands only.
"""

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from foretell import atomic, parse
from foretell.cli.app import HomeOption, app, open_home
from foretell.errors import ForetellError, display_path

if TYPE_CHECKING:
    from foretell.report.build import Report


class Rule(StrEnum):
    time_averaged = "time-averaged"
    last = "last"
    first = "first"


class ClaimsMode(StrEnum):
    with_ = "with"
    none = "none"
    only = "only"


class ReportFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    csv = "csv"
    html = "html"


RuleOption = Annotated[
    Rule, typer.Option("--rule", help="Which forecasts count for each forecaster and question.")
]
BinsOption = Annotated[
    str,
    typer.Option(
        "--bins",
        metavar="N|quantile|EDGES",
        help="Calibration bins: N equal-width bins, 'quantile' (deciles of the forecasts) or "
        "comma-separated increasing edges from 0 to 1 (e.g. 0,0.2,0.5,1).",
    ),
]
GroupByOption = Annotated[
    str,
    typer.Option(
        "--group-by",
        metavar="KEY[,KEY]",
        help="Score and diagnose per group: forecaster, tag, type, horizon, or several joined "
        "by commas (every combination, e.g. forecaster,tag), or none.",
    ),
]
CrowdOption = Annotated[
    str | None,
    typer.Option(
        "--crowd",
        metavar="METHODS",
        help="Crowd forecasters to derive and score: median, mean, geo-odds, extremized "
        "(comma-separated), all or none (default: median when there are two or more "
        "forecasters).",
        show_default=False,
    ),
]
ExtremizeOption = Annotated[
    float,
    typer.Option(
        "--extremize",
        metavar="D",
        help="Exponent d of crowd:extremized (geometric mean of odds, raised to d).",
    ),
]
ReportFormatOption = Annotated[
    ReportFormat,
    typer.Option("--format", help="text (default), markdown, json, csv (one row per pair), html."),
]
PlotOption = Annotated[
    Path | None,
    typer.Option(
        "--plot",
        metavar="PATH",
        help="Also write a reliability diagram to PATH (.png or .svg).",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="PATH",
        help="Write the report to PATH instead of standard output.",
        show_default=False,
    ),
]


def _date(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return parse.parse_date(text)
    except ValueError as err:
        raise ForetellError(f"{what}: {err}") from None


def _emit(report: "Report", fmt: ReportFormat, output: Path | None, plot: Path | None) -> None:
    """Render the report; write it to ``output`` or stdout, and the diagram to ``plot``."""
    from foretell.report.plot import plot_format, write_plot
    from foretell.report.render import render

    if plot is not None:
        plot_format(plot)  # refuse a bad extension before any work
    text = render(report, fmt.value)
    if plot is not None:
        write_plot(report.data, plot)
        typer.echo(f"wrote {display_path(plot)}", err=True)
    if output is None:
        typer.echo(text, nl=False)
    else:
        atomic.write_text(output, text)
        typer.echo(f"wrote {display_path(output)}", err=True)


@app.command()
def report(
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by", metavar="NAME", help="Only forecasts by NAME (repeatable).", show_default=False
        ),
    ] = None,
    exclude_by: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude-by",
            metavar="NAME",
            help="Leave out the forecasts by NAME (repeatable).",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            metavar="TAG",
            help="Only questions with TAG (repeatable: any).",
            show_default=False,
        ),
    ] = None,
    question: Annotated[
        list[str] | None,
        typer.Option(
            "--question", metavar="ID", help="Only question ID (repeatable).", show_default=False
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DATE", help="Only forecasts made on or after DATE (UTC)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", metavar="DATE", help="Only forecasts made on or before DATE (UTC)."
        ),
    ] = None,
    rule: RuleOption = Rule.time_averaged,
    bins: BinsOption = "10",
    group_by: GroupByOption = "forecaster",
    crowd: CrowdOption = None,
    extremize: ExtremizeOption = 1.5,
    fmt: ReportFormatOption = ReportFormat.text,
    plot: PlotOption = None,
    output: OutputOption = None,
    claims: Annotated[
        ClaimsMode,
        typer.Option(
            "--claims",
            help="The sources' claims: 'with' the forecasters' report (default), 'none', or "
            "'only' the claims section.",
        ),
    ] = ClaimsMode.with_,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Run foretell verify first and say in the report what it found (and read "
            "every ledger file afresh instead of through its columnar copy).",
        ),
    ] = False,
    home: HomeOption = None,
) -> None:
    """Score resolved forecasts and report calibration: scores per group, Murphy and CORP
    decompositions, calibration table, Spiegelhalter, Cox and calibration-in-the-large,
    numeric quantile scores, best and worst questions, and what is still open.

    Examples: foretell report --rule last --group-by forecaster,tag --plot reliability.png;
    foretell report --claims only; foretell report --crowd median,geo-odds --extremize 2
    """
    from foretell.actions import author_name
    from foretell.frames import load_frames
    from foretell.ids import check_id
    from foretell.report.bins import bin_setting
    from foretell.report.build import ReportOptions, build_report
    from foretell.report.scope import Filters

    project = open_home(home)
    options = ReportOptions(
        filters=Filters(
            by=tuple(author_name(name) for name in by or ()),  # as `log --by` names the file
            exclude_by=tuple(author_name(name) for name in exclude_by or ()),
            tags=tuple(tag or ()),
            questions=tuple(check_id(q) for q in question or ()),
            since=_date(since, "--since"),
            until=_date(until, "--until"),
        ),
        rule=rule.value,
        bins=bin_setting(bins),
        group_by=group_by,
        claims=claims.value,
        crowd=crowd,
        extremize=extremize,
    )
    problems = None
    if verify:
        from foretell.verify import verify as verify_ledger

        problems = verify_ledger(project)
    frames = load_frames(project, use_cache=not verify)
    built = build_report(frames, options, home=project.root.name, verification=problems)
    _emit(built, fmt, output, plot)


@app.command()
def demo(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="DIR",
            help="Where to build the simulated project (default: a new temporary directory).",
            show_default=False,
        ),
    ] = None,
    fmt: ReportFormatOption = ReportFormat.text,
    plot: PlotOption = None,
) -> None:
    """Build a simulated project (three simulated forecasters: calibrated, overconfident,
    underconfident; about 200 binary questions plus numeric and multiple-choice ones) and print
    its report, so every part of the report shows and the diagnostics catch each habit.

    Example: foretell demo /tmp/foretell-demo && foretell report --home /tmp/foretell-demo
    """
    import tempfile

    from foretell.demo import build_demo, refuse_nonempty
    from foretell.frames import load_frames
    from foretell.report.build import build_report

    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="foretell-demo-"))
    else:
        refuse_nonempty(directory.expanduser().resolve())
    home = build_demo(directory)
    typer.echo(f"simulated project written to {home.root}", err=True)
    typer.echo(f"(see it again with: foretell report --home {home.root})", err=True)
    built = build_report(load_frames(home), home=home.root.name)
    _emit(built, fmt, None, plot)
