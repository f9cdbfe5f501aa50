"""pyarrow for the import and the ledger's conversions, without pandas' start-up cost.

pyarrow imports pandas (about 0.4 s) the first time it converts Python objects
(``pa.array`` of a list, ``pa.scalar``), only to ask whether they are pandas objects; an
import hands it none. ``arrow()`` has that first check find no pandas (pyarrow then stops
asking) and makes sure pyarrow asks again once pandas is imported by anything else in the
process, so that pandas objects given to pyarrow later convert as they always do. Where
pandas is imported already, nothing is done. ``conversions`` calls it before forking the
workers that convert the ledger's files, which never see a pandas object either.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any


def arrow() -> ModuleType:
    """``pyarrow``, its check for pandas made without importing pandas (module docstring)."""
    import pyarrow as pa

    if "pandas" in sys.modules or any(isinstance(f, _Watch) for f in sys.meta_path):
        return pa
    blocker = _Block()
    sys.meta_path.insert(0, blocker)
    try:
        pa.array([0])  # the first conversion: pyarrow's one check for pandas
    finally:
        sys.meta_path.remove(blocker)
    sys.meta_path.insert(0, _Watch())
    return pa


class _Block(importlib.abc.MetaPathFinder):
    """While installed, ``import pandas`` fails (ImportError), as where it is missing."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError(f"{name} is not imported here", name=name)
        return None


class _Watch(importlib.abc.MetaPathFinder):
    """Waits for pandas to be imported, then has pyarrow check for it again (reading
    ``_pandas_api.pd`` makes pyarrow import it, which is then found)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "pandas":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            import pyarrow as pa

            pa.lib._pandas_api.pd  # noqa: B018  # pyarrow's check, pandas found this time

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec
