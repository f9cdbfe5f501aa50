"""The typer app, its shared options, and the one place errors become messages and exit codes."""

import importlib
import json
import pkgutil
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import typer.core
import typer.main

from foretell.errors import ForetellError
from foretell.home import Home, find_home

# Where each command is defined: a command imports only its own module, so `foretell log`
# never loads the read, report or import machinery. --help lists the commands in this order
# (modules in MODULES order, each module's commands in definition order). A command missing
# here still works: an unknown name loads every module of the package first.
MODULES: tuple[str, ...] = ("write", "claims", "read", "report", "compare", "interop")
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(("init", "ask", "log", "resolve", "annul", "amend", "repair", "seal"), "write"),
    "claim": "claims",
    **dict.fromkeys(("list", "show", "due", "verify"), "read"),
    **dict.fromkeys(("report", "demo"), "report"),
    "compare": "compare",
    **dict.fromkeys(("import", "export"), "interop"),
}


def command_modules() -> list[str]:
    """Every module of ``foretell.cli`` that defines commands: MODULES first, then the rest."""
    here = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])]
    rest = sorted(m for m in here if m not in MODULES and m not in ("app", "__main__"))
    return [*MODULES, *rest]


def _command_name(info: typer.models.CommandInfo) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)  # type: ignore[union-attr]


def _parse_text(value: Any) -> str:
    """Text as typer's own adapter makes it (bytes decoded as the command line was)."""
    if value is None:
        raise ValueError("None is not a valid string")
    if isinstance(value, bytes):
        from typer._click import _compat

        for encoding in (_compat._get_argv_encoding(), sys.getfilesystemencoding()):
            try:
                return value.decode(encoding)
            except UnicodeError:
                continue
        return value.decode("utf-8", "replace")
    return str(value)


_TYPER = object()  # a plain conversion's answer for "let typer convert this value"
_DIGITS = re.compile(r"-?[0-9]+")  # what int() and typer's conversion read alike
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # what float() and typer's conversion read alike


def _plain_conversion(descriptor: Any) -> Any:
    """How to convert a text, list-of-text, path or number parameter without pydantic, or None.

    Recent typer releases convert every parameter through a pydantic TypeAdapter built on
    first use: tens of milliseconds for one command, more than the rest of ``log``. For these
    kinds the adapter is a plain conversion, done here with the same steps (paths go
    through typer's own ``coerce_cli_path``, so --home behaves as before; whole and decimal
    numbers written plainly, as ``-12`` or ``0.5``, are read by ``int`` and ``float`` and
    checked against the option's range). Anything else (other spellings of numbers, numbers
    out of range, and their errors; choices, dates) keeps typer's conversion.
    """
    from typer import _param_types

    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return None
    annotation = descriptor.annotation
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        # --format text|json on the write commands: one of the values, else typer's error
        values = {member.value: member for member in annotation}
        return lambda value, param, ctx: (
            value if isinstance(value, annotation) else values.get(value, _TYPER)
        )
    if descriptor.choices is not None:
        return None
    if annotation is bool:  # a flag: already a bool unless given a value; typer decides those
        return lambda value, param, ctx: value if type(value) is bool else _TYPER
    if annotation is str:
        return lambda value, param, ctx: _parse_text(value)
    if annotation in (int, float):
        return _plain_number(annotation, info)
    if annotation == list[str]:
        return lambda value, param, ctx: [
            _parse_text(v) for v in (value if isinstance(value, list | tuple) else [value])
        ]
    if annotation is Path and info.path_type is None and not info.exists:

        def to_path(value: Any, param: Any, ctx: Any) -> Any:
            path = Path(value) if isinstance(value, str) else value
            return _param_types.coerce_cli_path(path, info, path_type=Path, param=param, ctx=ctx)

        return to_path
    return None


def _plain_number(kind: type, info: Any) -> Any:
    """A whole (``int``) or decimal (``float``) number written plainly (``-12``, ``0.5``),
    within the option's ``min`` and ``max`` when it has them; anything else, and its error,
    is typer's."""
    spelled = _DIGITS if kind is int else _DECIMAL
    low, high = info.min, info.max

    def convert(value: Any, param: Any, ctx: Any) -> Any:
        if type(value) is kind:
            number = value
        elif isinstance(value, str) and spelled.fullmatch(value):
            number = kind(value)
        else:
            return _TYPER
        if (low is not None and number < low) or (high is not None and number > high):
            return _TYPER  # out of range: typer clamps it or says so
        return number

    return convert


def _light_parameters(command: Any) -> Any:
    """Give ``command``'s text and path parameters the plain conversion (see above)."""
    try:
        from typer._coercion import RuntimeParam
    except ImportError:  # pragma: no cover - a typer without adapters converts plainly
        return command

    class PlainParam(RuntimeParam):  # type: ignore[misc, valid-type]
        def __init__(self, base: Any, convert: Any) -> None:
            object.__setattr__(self, "parameter_info", base.parameter_info)
            object.__setattr__(self, "annotation", base.annotation)
            object.__setattr__(self, "_convert", convert)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            done = self._convert(value, param, ctx)
            if done is _TYPER:
                from typer._coercion import build_runtime_param

                return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)
            return done

    def lighten(param: Any) -> None:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            return
        convert = _plain_conversion(descriptor)
        if convert is not None:
            param._runtime_param = PlainParam(descriptor, convert)

    for param in command.params:
        lighten(param)
    make_help = command.get_help_option  # --help is made per context, not kept in params

    def get_help_option(ctx: Any) -> Any:
        option = make_help(ctx)
        if option is not None:
            lighten(option)
        return option

    command.get_help_option = get_help_option
    return command


class LazyGroup(typer.core.TyperGroup):
    """The top-level group: a command's module is imported when the command is looked up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _light_parameters(self)
        for command in self.commands.values():
            _light_parameters(command)

    def _convert_registered(self) -> None:
        for info in app.registered_commands:
            name = _command_name(info)
            if name not in self.commands:
                command = typer.main.get_command_from_info(
                    info,
                    pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=app.rich_markup_mode,
                )
                self.add_command(plain_metavars(_light_parameters(command)), name)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            module = COMMAND_MODULES.get(cmd_name)
            if module is not None:
                importlib.import_module(f"{_package()}.{module}")
                self._convert_registered()
            if cmd_name not in self.commands:
                load_all_commands()
                self._convert_registered()
        command = super().get_command(ctx, cmd_name)
        return plain_metavars(command) if command is not None else None

    def list_commands(self, ctx: Any) -> list[str]:
        load_all_commands()
        self._convert_registered()
        order = {m: i for i, m in enumerate(command_modules())}
        defined = [(order.get(c.callback.__module__.rpartition(".")[2], len(order)), i, c)
                   for i, c in enumerate(app.registered_commands)]  # fmt: skip
        return [_command_name(c) for _, _, c in sorted(defined, key=lambda t: t[:2])]


def _package() -> str:
    return __name__.rpartition(".")[0]


def load_all_commands() -> None:
    """Import every command module (for --help, completion and an unknown name)."""
    for module in command_modules():
        importlib.import_module(f"{_package()}.{module}")


app = typer.Typer(
    cls=LazyGroup,
    name="foretell",
    help=(
        "A prediction ledger: pose questions, log forecasts, resolve outcomes, report "
        "calibration.\n\nExample: foretell log ascend-950pr-cuda-stack-verified 25%"
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        from foretell import __version__

        typer.echo(f"foretell {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    pass


HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Project directory holding forecasts/ and ledger/ (default: FORETELL_HOME, "
        "then the current directory and its parents).",
        show_default=False,
    ),
]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", help="text for people, json for scripts.")
]


_METAVARS = {str: "TEXT", float: "NUMBER", int: "N", Path: "PATH"}


def plain_metavars(command: Any) -> Any:
    """Help in words: TEXT, NUMBER, N, PATH instead of type names such as <str> or
    <list[float]>; an argument shows as its name alone (ID, VALUE...)."""
    from typing import get_args, get_origin

    for param in command.params:
        desc = getattr(param, "type_descriptor", None)
        if desc is None or getattr(param, "is_flag", False) or desc.is_choice:
            continue
        annotation = desc.annotation
        if get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        word = _METAVARS.get(annotation, "PATH" if desc.is_path else "TEXT")
        if param.param_type_name == "argument":
            name = param.metavar or (param.name or "value").upper()
            if param.nargs != 1 and not name.endswith("..."):
                name += "..."
            piece = name if param.required else f"[{name}]"
            param.metavar = param.metavar or name
            param.display_type = lambda ctx: ""
            param.display_type_rich = lambda ctx: ""
            param.get_usage_pieces = lambda ctx, piece=piece: [piece]
        elif param.metavar is None:
            param.metavar = word
    return command


def complete_question_ids(incomplete: str) -> list[str]:
    """Question ids of the project found from the current directory (shell completion)."""
    try:
        project = find_home(None)
    except (ForetellError, OSError):
        return []
    stems = (p.stem for p in project.forecasts.glob("*.toml"))
    return sorted(s for s in stems if s.startswith(incomplete))


def complete_tags(incomplete: str) -> list[str]:
    """Tags used in the project's question files (shell completion)."""
    try:
        from foretell import catalog

        project = find_home(None)
        tags = {t for q in catalog.load_catalog(project.forecasts).values() for t in q.tags}
    except (ForetellError, OSError):
        return []
    return sorted(t for t in tags if t.startswith(incomplete))


def print_table(
    columns: list[Any], rows: list[list[str]], style: Any = None, indent: str = ""
) -> None:
    """A table fitted to the output width (``foretell.terminal``), coloured on a terminal;
    control characters in cells are shown escaped (``escape.terminal``)."""
    from foretell import escape, terminal

    rows = [[escape.terminal(str(cell)) for cell in row] for row in rows]

    typer.echo(
        terminal.render_table(
            columns, rows, terminal.width(), style, terminal.colour_enabled(), indent
        )
    )


def echo_wrapped(text: str, err: bool = False) -> None:
    """Prose wrapped to the output width."""
    from foretell import terminal

    typer.echo(terminal.wrap(text, terminal.width()), err=err)


def open_home(home: Path | None) -> Home:
    return find_home(home)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"foretell: {message}", err=True)
    raise typer.Exit(code)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI; user mistakes become one line on stderr and a non-zero exit status."""
    try:  # typer vendors click in recent releases
        from typer._click import exceptions as click
    except ImportError:  # pragma: no cover - older typer depends on click
        from click import exceptions as click  # type: ignore[no-redef]

    command = _light_parameters(typer.main.get_command(app))  # completion options too
    try:
        result = command.main(args=argv, prog_name="foretell", standalone_mode=False)
    except ForetellError as err:
        typer.echo(f"foretell: {err.located()}", err=True)
        return 1
    except click.NoArgsIsHelpError as err:
        typer.echo(err.ctx.get_help() if err.ctx else str(err))
        return 0
    except click.UsageError as err:
        name = err.ctx.command.name if err.ctx is not None else None
        where = "foretell" if name in (None, "foretell") else f"foretell {name}"
        hint = f" (see `{where} --help`)"
        message = err.format_message().replace("Value error, ", "")
        typer.echo(f"foretell: {message}{hint}", err=True)
        return 2
    except typer.Exit as err:
        return err.exit_code
    except typer.Abort:
        typer.echo("foretell: aborted", err=True)
        return 130
    except KeyboardInterrupt:
        typer.echo("foretell: interrupted", err=True)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except OSError as err:
        name = f"{err.filename}: " if err.filename else ""
        typer.echo(f"foretell: {name}{err.strerror or err}", err=True)
        return 1
    return result if isinstance(result, int) else 0
