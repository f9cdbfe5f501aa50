"""A report as ``foretell report`` makes it, from what was typed to the built report.

``head_start``: the ledger files' conversion begun before anything else is imported.
``report_options``: the options, with author names as ``log --by`` writes their files, question
ids checked and dates parsed (an error names the option). ``build``: verify the ledger first
when asked; on the ``memory`` engine read the ledger (through the derived cache unless
verifying) and score it, on the others stream it; each phase is named on ``progress``.
pandas and the engines are imported inside the functions only.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from foretell import actions, conversions

if TYPE_CHECKING:
    from foretell.home import Home
    from foretell.report.build import Report
    from foretell.report.options import ReportOptions


def head_start(project: Home, verify: bool) -> contextlib.AbstractContextManager[None]:
    """The ledger's columnar copies brought up to date by worker processes while the report's
    modules are imported (``conversions.ahead``); not when verifying first, which reads every
    file itself on every core before the copies are wanted."""
    return contextlib.nullcontext() if verify else conversions.ahead(project.ledger)


def report_options(
    *,
    by: list[str] | None,
    exclude_by: list[str] | None,
    tag: list[str] | None,
    question: list[str] | None,
    since: str | None,
    until: str | None,
    resolved_since: str | None,
    resolved_until: str | None,
    rule: str,
    bins: str,
    group_by: str,
    claims: str,
    crowd: str | None,
    extremize: float,
    horizons: str | None,
    period: str,
    window: int,
    wis_baseline: str | None,
    no_peer: bool,
) -> ReportOptions:
    """The report's options from the command line's values."""
    from foretell.ids import check_id
    from foretell.report.bins import bin_setting
    from foretell.report.options import ReportOptions
    from foretell.report.scope import Filters

    author_name = actions.author_name
    return ReportOptions(
        filters=Filters(
            by=tuple(author_name(name) for name in by or ()),  # as `log --by` names the file
            exclude_by=tuple(author_name(name) for name in exclude_by or ()),
            tags=tuple(tag or ()),
            questions=tuple(check_id(q) for q in question or ()),
            since=actions.optional_date(since, "--since"),
            until=actions.optional_date(until, "--until"),
            resolved_since=actions.optional_date(resolved_since, "--resolved-since"),
            resolved_until=actions.optional_date(resolved_until, "--resolved-until"),
        ),
        rule=rule,
        bins=bin_setting(bins),
        group_by=group_by,
        claims=claims,
        crowd=crowd,
        extremize=extremize,
        horizons=tuple(int(d) for d in horizons.split(",")) if horizons else None,
        period=period,
        window=window,
        wis_baseline=author_name(wis_baseline) if wis_baseline else None,
        peer=not no_peer,
    )


def build(
    project: Home,
    options: ReportOptions,
    engine: str,
    *,
    verify: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str,
) -> Report:
    """The report on ``engine`` (``memory``, or a streaming one), the ledger verified first
    when ``verify`` (its problems then go into the report's notes)."""
    from foretell import band_cache
    from foretell.engine import build_streaming
    from foretell.frames import load_frames
    from foretell.report.build import build_report

    problems = None
    if verify:
        from foretell.verify import verify as verify_ledger

        problems = verify_ledger(project)
    from foretell.interop.progress import Progress

    progress = Progress()
    with band_cache.kept_in(project):  # the CORP bands, drawn once per histogram
        if engine == "memory":
            progress.phase("reading the ledger", None)
            frames = load_frames(project, use_cache=not verify)
            progress.phase("scoring", None)
            built = build_report(frames, options, home=project.root.name, verification=problems)
        else:
            progress.phase(f"streaming the ledger ({engine})", None)
            built = build_streaming(
                project,
                options,
                engine=engine,
                scheduler=scheduler,
                workers=workers,
                verification=problems,
                memory_limit=memory_limit,
            )
    progress.close()
    return built
