"""Commands are registered lazily: a command imports only the module that defines it."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest
import typer

from foretell.home import Home

# ``foretell.cli.app`` the module (the package's ``app`` attribute is the typer app itself)
cli_app = importlib.import_module("foretell.cli.app")

MODULES_SEEN = (
    "import sys\n"
    "from foretell.cli.app import run\n"
    "{before}\n"
    "code = run(sys.argv[1:])\n"
    "print(sorted(m for m in sys.modules if m.startswith('foretell.cli.')))\n"
    "sys.exit(code)\n"
)


def fresh(*argv: str, before: str = "", cwd: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "FORETELL_USER": "alice"}
    env.pop("FORETELL_HOME", None)
    code = MODULES_SEEN.format(before=before)
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True, text=True, env=env, cwd=cwd, check=False,
    )  # fmt: skip


def loaded(done: subprocess.CompletedProcess) -> list[str]:
    return eval(done.stdout.strip().splitlines()[-1])  # a printed list of module names


def defined_commands() -> dict[str, str]:
    """command name -> the cli module whose function defines it (every module imported)."""
    cli_app.load_all_commands()
    return {
        cli_app._command_name(info): info.callback.__module__.rpartition(".")[2]  # type: ignore[union-attr]
        for info in cli_app.app.registered_commands
    }


def test_every_command_is_mapped_to_the_module_that_defines_it() -> None:
    # A command missing from COMMAND_MODULES still runs, but loads every module: add it there.
    assert defined_commands() == cli_app.COMMAND_MODULES


def test_every_mapped_module_is_a_command_module() -> None:
    assert set(cli_app.COMMAND_MODULES.values()) <= set(cli_app.command_modules())


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["log", "q1", "0.7"], "write"),
        (["resolve", "q1", "yes"], "write"),
        (
            [
                "ask",
                "q9",
                "--title",
                "T?",
                "--criteria",
                "YES if a named outlet reports it.",
                "--resolve-by",
                "2099-01-01",
            ],
            "write",
        ),
        (["list"], "read"),
        (["export", "--help"], "interop"),
    ],
)
def test_a_command_imports_only_its_own_module(
    home: Home, questions: dict, argv: list[str], module: str
) -> None:
    done = fresh(*argv, "--home", str(home.root), cwd=str(home.root))
    assert done.returncode == 0, done.stderr
    assert loaded(done) == ["foretell.cli.app", f"foretell.cli.{module}"]


def test_help_lists_every_command_in_definition_order() -> None:
    done = fresh("--help")
    assert done.returncode == 0, done.stderr
    listing = done.stdout.split("Commands:", 1)[1]
    names = [line.split()[0] for line in listing.splitlines() if line.startswith("  ")]
    defined = defined_commands()  # in definition order within each module
    order = cli_app.command_modules()
    assert names == sorted(defined, key=lambda name: order.index(defined[name]))
    assert set(loaded(done)) >= {f"foretell.cli.{m}" for m in cli_app.MODULES}


def test_a_command_missing_from_the_map_is_still_found() -> None:
    done = fresh(
        "show", "--help", before="del sys.modules['foretell.cli.app'].COMMAND_MODULES['show']"
    )
    assert done.returncode == 0, done.stderr
    assert "Example: foretell show" in done.stdout


def test_an_unknown_command_is_a_usage_error_with_a_suggestion() -> None:
    done = fresh("lsit")
    assert done.returncode == 2
    assert "No such command 'lsit'" in done.stderr and "'list'" in done.stderr


def test_the_typer_app_converts_to_a_group_that_finds_each_command() -> None:
    group = typer.main.get_command(cli_app.app)
    with typer.Context(group) as ctx:
        for name in cli_app.COMMAND_MODULES:
            assert group.get_command(ctx, name) is not None, name
