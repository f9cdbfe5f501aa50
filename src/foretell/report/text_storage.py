"""Where a report's pandas text is held: as Python strings, for the length of one report.

pandas 3 holds text (the ``str`` dtype: values, column labels, categories) in pyarrow arrays
when pyarrow is installed. The report builds many small frames per batch of questions and
looks their columns up by name hundreds of times; with pyarrow-held labels each lookup,
insert and categorical build converts between Arrow and Python, a fixed cost of every batch.
``python_text`` makes new text Python-held (``mode.string_storage = "python"``) while a
report is computed, and restores the setting after. The dtype is the same ``str`` (same
missing-value rules, same order: UTF-8 byte order is code point order), so every number is
the same (``tests/test_report_text_storage.py``); only where the strings live differs.

Measured (2026-12-03, 2 cores, CPU time of one batch's partial report, medians): a batch of
200 forecasts 67-70 ms -> 52-54 ms, one of 52,000 forecasts 278-289 ms -> 231-242 ms.
Processes forked inside the context (the report's workers) inherit the setting.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def python_text() -> Iterator[None]:
    """Within: text that pandas makes is held as Python strings (see the module docstring)."""
    import pandas as pd

    with pd.option_context("mode.string_storage", "python"):
        yield
