"""Commands that move forecasts in and out: import, export.

The import machinery is loaded inside the commands, so ``log`` and ``resolve`` never pay
for it.
"""

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from foretell import atomic
from foretell.cli.app import (
    FormatOption,
    HomeOption,
    OutputFormat,
    app,
    echo_wrapped,
    open_home,
    print_json,
)
from foretell.errors import ForetellError, Problem, display_path


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The export to read (Metaculus: the zip, its folder, or either CSV).",
        ),
    ],
    source: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="FORMAT",
            help="generic, fatebook, metaculus, augur, predictionbook or foretell.",
        ),
    ],
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            help="Forecaster for rows that name none (augur exports always need it).",
        ),
    ] = None,
    skip_aggregates: Annotated[
        bool,
        typer.Option("--skip-aggregates", help="Metaculus: leave out the site's aggregates."),
    ] = False,
    skip_existing: Annotated[
        bool,
        typer.Option(
            "--skip-existing",
            help="Import only entries the ledger does not hold yet (a later export of the "
            "same account); without it, re-importing anything is refused.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the whole file; write nothing.")
    ] = False,
    output: FormatOption = OutputFormat.text,
    home: HomeOption = None,
) -> None:
    """Import forecasts, questions and resolutions from another tool's export.

    All or nothing: the whole file is checked first; a bad row is reported as FILE:LINE and
    nothing is written. Imported entries keep their original times and are marked with the
    format they came from.

    Example: foretell import fatebook-export.csv --from fatebook
    """
    from foretell.interop.formats import open_source
    from foretell.interop.load import import_file
    from foretell.interop.progress import Progress
    from foretell.interop.source import ImportOptions

    project = open_home(home)
    options = ImportOptions(author=author, skip_aggregates=skip_aggregates)
    reader = open_source(source, file, options)
    result = import_file(
        project, reader, skip_existing=skip_existing, dry_run=dry_run, progress=Progress()
    )
    if output is OutputFormat.json:
        import dataclasses

        print_json({"message": result.describe(), **dataclasses.asdict(result)})
        return
    echo_wrapped(result.describe())


@app.command("export")
def export(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="[DIR]",
            help="With --format parquet: the new directory to write the dataset into.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="csv or jsonl (one stream), or parquet (a dataset)."),
    ] = ExportFormat.jsonl,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (default: standard output)."),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Export every question, forecast and resolution as one CSV or JSON Lines stream, or
    as a Parquet dataset (questions, outcomes, and forecasts partitioned by question) for
    DuckDB, Polars, Spark or pandas.

    Each CSV/JSONL record has a `record` field: question, forecast, resolution, annulment or
    amendment. `foretell import FILE --from foretell` reads it back.

    Example: foretell export --format csv --output backup.csv;
    foretell export --format parquet ledger-parquet
    """
    from foretell.interop.foretell_format import write_export

    if fmt is ExportFormat.parquet:
        if directory is None or output is not None:
            raise typer.BadParameter(
                "--format parquet writes a directory: give it as DIR (not --output)",
                param_hint="DIR",
            )
        from foretell.interop.parquet_export import write_parquet

        project = open_home(home)
        counts = write_parquet(project, directory.resolve())
        from foretell.catalog_cache import left_out

        _left_out_notes(left_out(project))
        typer.echo(
            f"wrote {counts['forecasts']:,} forecasts, {counts['questions']:,} questions and "
            f"{counts['outcomes']:,} outcomes to {display_path(directory.resolve())}",
            err=True,
        )
        return
    if directory is not None:
        raise typer.BadParameter("DIR goes with --format parquet", param_hint="DIR")
    project = open_home(home)
    left_out: list[Problem] = []
    if output is None:
        write_export(project, fmt.value, sys.stdout, left_out)
        sys.stdout.flush()
        _left_out_notes(left_out)
        return
    target = output.resolve()
    if not target.parent.is_dir():
        raise ForetellError("directory does not exist", path=output)
    try:  # errors name the user's path, not the temporary file beside it
        with atomic.replacing_text(target, newline="") as out:
            counts = write_export(project, fmt.value, out, left_out)
    except OSError as err:
        if err.filename and atomic.temp_pid(Path(err.filename).name) is None:
            raise  # not the output: reported as it is
        raise ForetellError(f"cannot write: {err.strerror or err}", path=output) from None
    _left_out_notes(left_out)
    total = sum(counts.values())
    typer.echo(f"wrote {total:,} records to {display_path(target)}", err=True)


def _left_out_notes(problems: list[Problem]) -> None:
    """A note on stderr for each question file left out of the export."""
    from foretell import catalog

    for note in catalog.left_out_notes(problems):
        typer.echo(note, err=True)
