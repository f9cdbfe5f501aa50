"""The ``foretell`` command line: a thin layer over the library (see ``foretell.actions``).

Commands are registered lazily: importing this package defines the app, and a command's
module is imported only when that command runs (``foretell.cli.app.LazyGroup``).
"""

from foretell.cli.app import app, load_all_commands, run


def main() -> None:
    from foretell.cli.shutdown import leave

    leave(run())


__all__ = ["app", "load_all_commands", "main"]
