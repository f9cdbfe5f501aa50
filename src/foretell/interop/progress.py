"""Progress bars on stderr for long work (import, a large report, demo), drawn by rich and
shown only when stderr is a terminal (rich is imported only then).

``phase(label, total, unit)`` starts a bar (``total`` None: a count without a bar),
``update(done, rows)`` moves it, ``close()`` removes it.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO


class Progress:
    """One bar per phase; rich redraws it at most 10 times a second."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            try:
                enabled = self.stream.isatty()
            except (AttributeError, ValueError):
                enabled = False
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None

    def phase(self, label: str, total: int | None, unit: str = "") -> None:
        if not self.enabled:
            return
        bar = self._start()
        if self._task is not None:
            bar.remove_task(self._task)
        self._task = bar.add_task(label, total=total or None, extra="")

    def update(self, done: int, rows: int | None = None) -> None:
        if not self.enabled or self._task is None:
            return
        extra = f"{rows:,} rows" if rows is not None else ""
        self._bar.update(self._task, completed=done, extra=extra)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar, self._task = None, None

    def _start(self) -> Any:
        if self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as Bar

            console = Console(file=self.stream, force_terminal=True)
            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[extra]}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                refresh_per_second=10,
            )
            self._bar.start()
        return self._bar
