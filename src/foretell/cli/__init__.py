"""The ``foretell`` command line: a thin layer over the library (see ``foretell.actions``)."""

import importlib
import sys

from foretell.cli.app import app, run

# Importing a module registers its commands; --help lists them in this order.
for _module in ("write", "claims", "read", "report", "interop"):
    importlib.import_module(f"foretell.cli.{_module}")


def main() -> None:
    sys.exit(run())


__all__ = ["app", "main"]
