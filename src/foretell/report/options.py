"""The report's options: ``ReportOptions`` (what ``foretell report`` and the library take),
``check_options`` (refuse bad ones, with the message the user sees; normalise bins, group
keys and crowd methods), ``group_keys``, and ``options_and_conventions`` (the JSON document's
``options`` and ``conventions`` entries, the same for every engine).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from foretell.errors import ForetellError
from foretell.report import comparison, crowd, grouping
from foretell.report.bins import Bins, bin_setting, bins_json
from foretell.report.claims import CLAIMS_MODES
from foretell.report.conventions import conventions
from foretell.report.grouping import PERIODS
from foretell.report.scope import Filters
from foretell.scoring.compare.crowd import DEFAULT_EXTREMIZE
from foretell.scoring.selection import parse_rule


@dataclass(frozen=True)
class ReportOptions:
    filters: Filters = field(default_factory=Filters)
    rule: str = "time-averaged"
    bins: Bins = 10  # N, "quantile", or a sequence of edges from 0 to 1 (``report.bins``)
    group_by: str | tuple[str, ...] | None = "forecaster"  # one key, "a,b", or a tuple
    top: int = 5  # how many best and worst questions to list
    claims: str = "with"  # "with" the claims section, "none", or "only" the claims section
    crowd: str | tuple[str, ...] | None = None  # methods, "all", "none"; None: the default
    extremize: float = DEFAULT_EXTREMIZE  # d of crowd:extremized
    peer: bool = True  # compute the peer scores (the per-forecaster comparison table)
    horizons: tuple[int, ...] | None = None  # lead-time bin edges in days (``--horizons``)
    period: str = "quarter"  # of resolution, for --group-by period: month, quarter, year
    window: int = 10  # resolved questions per rolling mean in the trend
    wis_baseline: str | None = None  # forecaster the relative WIS is measured against


def check_options(options: ReportOptions) -> ReportOptions:
    """Refuse bad options; return them with ``bins`` normalised (see ``report.bins``)."""
    try:
        parse_rule(options.rule)
    except ValueError as err:
        raise ForetellError(str(err)) from None
    if options.horizons is not None:
        edges = list(options.horizons)
        if not edges or any(e < 0 for e in edges) or sorted(set(edges)) != edges:
            raise ForetellError(
                f"--horizons {','.join(map(str, edges))}: give increasing whole numbers of days "
                "(e.g. 7,14,21,28)"
            )
    if options.period not in PERIODS:
        raise ForetellError(
            f"unknown --period {options.period!r}; choose one of {', '.join(PERIODS)}"
        )
    if options.window < 1:
        raise ForetellError(f"--window {options.window}: give at least 1")
    if options.claims not in CLAIMS_MODES:
        raise ForetellError(
            f"unknown --claims {options.claims!r}; choose one of {', '.join(CLAIMS_MODES)}"
        )
    if not (math.isfinite(options.extremize) and options.extremize > 0):
        raise ForetellError(f"--extremize must be a positive number, not {options.extremize!r}")
    return dataclasses.replace(
        options,
        bins=bin_setting(options.bins),
        group_by=grouping.parse_keys(options.group_by),
        crowd=crowd.parse_methods(options.crowd),
    )


def group_keys(options: ReportOptions) -> tuple[str, ...]:
    """The checked options' group keys (``()`` for no grouping)."""
    return grouping.parse_keys(options.group_by)


def options_and_conventions(options: ReportOptions, methods: Sequence[str]) -> dict[str, Any]:
    """The JSON document's ``options`` and ``conventions`` entries, as every engine gives them."""
    return {
        "options": {
            "rule": options.rule,
            "bins": bins_json(options.bins),
            "group_by": ",".join(group_keys(options)) or None,
            "claims": options.claims,
            "crowd": [crowd.PREFIX + m for m in methods],
            "extremize": options.extremize,
            "horizons": list(options.horizons) if options.horizons else None,
            "period": options.period,
            "window": options.window,
            "wis_baseline": options.wis_baseline,
            **options.filters.as_json(),
        },
        "conventions": {
            **conventions(options.rule, options.bins, options.horizons),
            **comparison.conventions(methods, options.extremize),
        },
    }
