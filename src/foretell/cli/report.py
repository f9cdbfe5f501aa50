"""Commands that score: report (calibration report of a ledger) and demo (a simulated one).

pandas, statsmodels and matplotlib are imported inside the commands only.
"""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from foretell import atomic
from foretell.cli.app import HomeOption, app, open_home
from foretell.errors import display_path

if TYPE_CHECKING:
    from foretell.report.build import Report


class Rule(StrEnum):
    """The rules that score one unit per (forecaster, question): what ``compare`` pairs."""

    time_averaged = "time-averaged"
    last = "last"
    first = "first"


PairRuleOption = Annotated[
    Rule, typer.Option("--rule", help="Which forecasts count for each forecaster and question.")
]


class Period(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


def _check_rule(value: str) -> str:
    from foretell.scoring.selection import parse_rule

    try:
        parse_rule(value)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    return value


def _parse_horizons(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        edges = [int(part) for part in value.split(",")]
    except ValueError:
        edges = []
    if not edges or any(e < 0 for e in edges) or sorted(set(edges)) != edges:
        raise typer.BadParameter(
            f"{value!r}: give increasing whole numbers of days, e.g. 7,14,21,28"
        )
    return value


class ClaimsMode(StrEnum):
    with_ = "with"
    none = "none"
    only = "only"


class Engine(StrEnum):
    auto = "auto"
    memory = "memory"
    duckdb = "duckdb"
    dask = "dask"


class ReportFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"
    csv = "csv"
    html = "html"


RuleOption = Annotated[
    str,
    typer.Option(
        "--rule",
        metavar="RULE",
        callback=_check_rule,
        help="Which forecasts count for each forecaster and question: time-averaged, last, "
        "first, each (every forecast its own unit) or spot:N (the forecast standing N days "
        "before close).",
    ),
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
SinceOption = Annotated[
    str | None,
    typer.Option("--since", metavar="DATE", help="Only forecasts made on or after DATE (UTC)."),
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", metavar="DATE", help="Only forecasts made on or before DATE (UTC)."),
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
PlotDirOption = Annotated[
    Path | None,
    typer.Option(
        "--plot-dir",
        metavar="DIR",
        help="Also write every diagnostic figure (reliability with CORP band, discrimination, "
        "PIT histogram, interval coverage, score trend) as PNG files into DIR.",
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


ConventionsOption = Annotated[
    bool,
    typer.Option("--conventions", help="Print every scoring convention in full (text, markdown)."),
]


def _emit(
    report: "Report",
    fmt: ReportFormat,
    output: Path | None,
    plot: Path | None,
    plot_dir: Path | None = None,
    full_conventions: bool = False,
) -> None:
    """Render the report; write it to ``output`` or stdout, the diagram to ``plot`` and the
    figures into ``plot_dir``.

    Text to the terminal fits its width and is coloured (unless NO_COLOR); text written to a
    file is 100 columns wide and plain."""
    from foretell import terminal
    from foretell.report.plot import plot_format, write_plot
    from foretell.report.render import render

    if plot is not None:
        plot_format(plot)  # refuse a bad extension before any work
    to_screen = output is None
    text = render(
        report,
        fmt.value,
        width=terminal.width() if to_screen else terminal.DEFAULT_WIDTH,
        colour=to_screen and fmt is ReportFormat.text and terminal.colour_enabled(),
        full_conventions=full_conventions,
    )
    if plot is not None:
        write_plot(report.data, plot)
        typer.echo(f"wrote {display_path(plot)}", err=True)
    if plot_dir is not None:
        from foretell.report.figures import write_figures

        for path in write_figures(report.data, plot_dir):
            typer.echo(f"wrote {display_path(path)}", err=True)
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
    since: SinceOption = None,
    until: UntilOption = None,
    resolved_since: Annotated[
        str | None,
        typer.Option(
            "--resolved-since",
            metavar="DATE",
            help="Only questions resolved (or annulled) on or after DATE.",
        ),
    ] = None,
    resolved_until: Annotated[
        str | None,
        typer.Option(
            "--resolved-until",
            metavar="DATE",
            help="Only questions resolved (or annulled) on or before DATE.",
        ),
    ] = None,
    rule: RuleOption = "time-averaged",
    bins: BinsOption = "10",
    group_by: GroupByOption = "forecaster",
    crowd: CrowdOption = None,
    extremize: ExtremizeOption = 1.5,
    horizons: Annotated[
        str | None,
        typer.Option(
            "--horizons",
            metavar="DAYS[,DAYS]",
            callback=_parse_horizons,
            help="Lead-time bin edges in days for --group-by horizon (default 7,30,90,365).",
            show_default=False,
        ),
    ] = None,
    period: Annotated[
        Period,
        typer.Option("--period", help="Period of resolution for --group-by period."),
    ] = Period.quarter,
    window: Annotated[
        int,
        typer.Option(
            "--window", min=1, help="Resolved questions per rolling mean in the score trend."
        ),
    ] = 10,
    wis_baseline: Annotated[
        str | None,
        typer.Option(
            "--wis-baseline",
            metavar="NAME",
            help="Forecaster the relative WIS of numeric forecasts is measured against.",
            show_default=False,
        ),
    ] = None,
    fmt: ReportFormatOption = ReportFormat.text,
    plot: PlotOption = None,
    plot_dir: PlotDirOption = None,
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
            help="Run foretell verify first and say in the report what it found (and, with "
            "--engine memory, read every ledger file afresh instead of through its copy).",
        ),
    ] = False,
    conventions: ConventionsOption = False,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="How to compute: in memory, streamed through DuckDB from the ledger's "
            "Parquet copy in bounded memory, or on a Dask cluster; auto: duckdb once the "
            "ledger holds a forecast (memory for --format csv). Every engine gives the same "
            "numbers.",
        ),
    ] = Engine.auto,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="With --engine dask: the Dask scheduler (e.g. tcp://10.0.0.5:8786); "
            "default: a local cluster of 2 worker processes.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="With --engine duckdb: processes computing the batches (default: one per "
            "core, from 50,000 forecasts); with --engine dask and no --scheduler: the local "
            "cluster's worker processes (default 2).",
            show_default=False,
        ),
    ] = None,
    no_peer: Annotated[
        bool,
        typer.Option(
            "--no-peer",
            help="Leave out the peer scores (the comparison table), whose pass over every "
            "question's forecasts dominates the time on large ledgers.",
        ),
    ] = False,
    memory_limit: Annotated[
        str,
        typer.Option(
            "--memory-limit",
            metavar="SIZE",
            help="With --engine duckdb: DuckDB's memory limit (e.g. 1GB); it spills to a "
            "temporary directory beyond it, and the report is computed in batches of about "
            "one forecast per 2.5 kB of it (100,000 at 256MB): a larger limit is faster.",
        ),
    ] = "256MB",
    home: HomeOption = None,
) -> None:
    """Score resolved forecasts and report calibration: scores per group, Murphy and CORP
    decompositions, calibration table, Spiegelhalter, Cox and calibration-in-the-large,
    numeric quantile scores, best and worst questions, and what is still open.

    Examples: foretell report --rule last --group-by forecaster,tag --plot reliability.png;
    foretell report --claims only; foretell report --crowd median,geo-odds --extremize 2;
    foretell report --rule each --horizons 7,14,21,28 --group-by forecaster,horizon
    --plot-dir figures;
    foretell report --engine duckdb --format json
    """
    from foretell.report import run

    project = open_home(home)
    with run.head_start(project, verify):
        options = run.report_options(
            by=by,
            exclude_by=exclude_by,
            tag=tag,
            question=question,
            since=since,
            until=until,
            resolved_since=resolved_since,
            resolved_until=resolved_until,
            rule=rule,
            bins=bins,
            group_by=group_by,
            claims=claims.value,
            crowd=crowd,
            extremize=extremize,
            horizons=horizons,
            period=period.value,
            window=window,
            wis_baseline=wis_baseline,
            no_peer=no_peer,
        )
        from foretell.engine import choose

        if scheduler is not None and engine is not Engine.dask:
            raise typer.BadParameter(
                "--scheduler goes with --engine dask", param_hint="--scheduler"
            )
        auto_csv = fmt is ReportFormat.csv and engine is Engine.auto
        chosen = "memory" if auto_csv else choose(engine.value, project)
        if fmt is ReportFormat.csv and chosen != "memory":
            raise typer.BadParameter(
                "--format csv lists every pair, which only --engine memory keeps",
                param_hint="--format",
            )
        built = run.build(
            project,
            options,
            chosen,
            verify=verify,
            scheduler=scheduler,
            workers=workers,
            memory_limit=memory_limit,
        )
    _emit(built, fmt, output, plot, plot_dir, conventions)


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
    conventions: ConventionsOption = False,
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
    from foretell.interop.progress import Progress

    progress = Progress()
    progress.phase("building the simulated project", None)
    home = build_demo(directory)
    progress.phase("scoring", None)
    built = build_report(load_frames(home), home=home.root.name)
    progress.close()
    typer.echo(f"simulated project written to {home.root}", err=True)
    typer.echo(f"(see it again with: foretell report --home {home.root})", err=True)
    _emit(built, fmt, None, plot, full_conventions=conventions)
