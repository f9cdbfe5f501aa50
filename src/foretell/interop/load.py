"""Importing a file into a foretell home, all or nothing.

Pass 1 (``plan.Planner``) reads the whole file once and checks every row, keeping only
per-question state; each checked forecast is written as one compact line to a temporary
spool file. Only if everything passes does pass 2 read the spool and append the entries
under one ``ledger.AppendSession`` (``row_writer.Writer``; column-wise, ``bulk``); the new
question files are written last. If anything fails in pass 2 (a disk error, a question file
created meanwhile by someone else), every touched ledger file is truncated back to its size
before the import and every question file this import created is removed: the ledger and
forecasts/ are left exactly as they were. Memory stays bounded: per question, per author,
and 16 bytes per forecast on a question that already existed (the fingerprints used to find
re-imports, ``fingerprints``).

Time order: the entries of foretell's own format are restored unmarked, as they were, unless
the chain they join already holds a later entry timed when written; then they are marked
``imported: "foretell"`` (history from another ledger), so that each chain's own entries
stay in time order (``verify`` checks it).

Re-importing: an entry the ledger already holds (same author, question, kind, ``at`` and
payload or outcome) is refused, naming the first such line, so importing the same file
twice never silently duplicates it. ``skip_existing`` imports only the entries that are new
(e.g. a later export of the same account).
"""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from foretell import atomic, catalog, journal, ledger, terms
from foretell.errors import ForetellError
from foretell.home import Home
from foretell.interop.plan import Final, Planner
from foretell.interop.progress import Progress
from foretell.interop.row_writer import Writer
from foretell.interop.rows import Record
from foretell.interop.source import ImportSource
from foretell.interop.spool import spool_dir
from foretell.lock import project_lock


@dataclass
class ImportResult:
    format: str
    forecasts: int = 0  # forecast entries written (or that would be, on a dry run)
    closings: int = 0  # resolution, annulment and amendment entries written
    claims: int = 0  # claim entries written (foretell's own format only)
    created: list[str] = field(default_factory=list)  # question ids created
    reused: int = 0  # questions that already existed with the same terms
    authors: int = 0
    skipped_existing: int = 0  # entries the ledger already held (with skip_existing)
    already_closed: int = 0  # resolutions the ledger already held for reused questions
    skipped: dict[str, int] = field(default_factory=dict)  # format-specific (aggregates, ...)
    dry_run: bool = False

    def describe(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        parts = [
            f"{verb} {_count(self.forecasts, 'forecast')} by {_count(self.authors, 'author')}",
            _count(self.closings, "resolution/annulment", "resolutions/annulments"),
            _count(len(self.created), "new question"),
        ]
        if self.claims:
            parts.insert(2, _count(self.claims, "claim"))
        if self.reused:
            parts.append(_count(self.reused, "existing question"))
        if self.skipped_existing:
            parts.append(f"{self.skipped_existing:,} already in the ledger, skipped")
        if self.already_closed:
            parts.append(f"{self.already_closed:,} already resolved the same way")
        for what, n in self.skipped.items():
            if n:
                parts.append(f"{n:,} {what} skipped")
        return f"{', '.join(parts)} ({self.format})"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def import_file(
    home: Home,
    source: ImportSource,
    *,
    skip_existing: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check all of ``source``, then write it; see the module docstring.

    Pass 1 runs without the project lock (so other commands are not held up by a long
    check); the state of ``ledger/`` and ``forecasts/`` is noted before it. Pass 2 takes the
    lock; if that state changed meanwhile (another command wrote), pass 1 runs again under
    the lock, so whether a question exists, is resolved, or already holds these rows is
    always decided on what the write will see.
    """
    with gc_paused():
        return _import_file(home, source, skip_existing, dry_run, progress)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a bulk load: it allocates millions of small
    objects that live to the end, and the collector's passes over them cost about 7% of an
    import. Reference counting still frees everything that is dropped."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _import_file(
    home: Home,
    source: ImportSource,
    skip_existing: bool,
    dry_run: bool,
    progress: Progress | None,
) -> ImportResult:
    progress = progress or Progress(enabled=False)
    today = datetime.now(UTC).date()
    result = ImportResult(source.label or source.name, dry_run=dry_run)
    with tempfile.TemporaryFile(prefix="foretell-import-", dir=spool_dir(source.size)) as spool:
        if dry_run:
            plan = _plan(home, source, None, today, progress)
            return _refuse_or_count(plan, result, skip_existing, dry_run=True)
        state = project_state(home)
        plan = _plan(home, source, spool, today, progress)
        try:
            _prepare(home, source, plan, spool, progress)
            with project_lock(home.ledger):
                if project_state(home) != state:
                    plan.discard()
                    spool.seek(0)
                    spool.truncate()
                    plan = _plan(home, source, spool, today, progress)
                    _prepare(home, source, plan, spool, progress)
                _refuse_or_count(plan, result, skip_existing, dry_run=False)
                spool.seek(0)
                counts = _write(home, source, plan, spool, progress)
        finally:
            plan.discard()  # what is still staged: the import was refused or failed
    result.forecasts, result.closings, result.claims, result.skipped_existing = counts
    result.created = [qid for qid, f in plan.finals.items() if f.created]
    return result


@dataclass
class _Plan:
    planner: Planner
    finals: dict[str, Final]
    keys: set[int]  # fingerprints of entries the ledger already holds
    places: list[tuple[Path, int]]  # where in the file those entries are
    skipped: dict[str, int]  # the format's own skipped rows, counted by this pass
    extra: Any = None  # the column-wise path's reader (``columns.ColumnReader``)
    # made before the lock (``_prepare``): the bytes of the question files to create and
    # of the terms versions to record; the column-wise path's encoded chains
    questions: atomic.Staged | None = None  # the new question files, staged
    versions: list[tuple[Path, bytes]] = field(default_factory=list)  # every question's
    staged_versions: atomic.Staged | None = None  # those not recorded yet, staged
    chains: Any = None
    writer: Any = None

    def discard(self) -> None:
        for staged in (self.questions, self.staged_versions):
            if staged is not None:
                staged.discard()


def _plan(
    home: Home, source: ImportSource, spool: IO[bytes] | None, today: date, progress: Progress
) -> _Plan:
    """Pass 1: check every record against the home as it is now (column-wise where the
    format offers it and the file allows, else row by row)."""
    columnar = _plan_columns(home, source, spool, today, progress)
    if columnar is not None:
        return columnar
    planner = Planner(home, source, spool)
    try:
        progress.phase("checking", source.size, " bytes")
        planner.feed_all(_watched(source.records, progress))
        finals = planner.finish(today)
        keys, places = planner.duplicates(finals)
    finally:
        progress.close()
    return _Plan(planner, finals, keys, places, dict(source.skipped))


def _plan_columns(
    home: Home, source: ImportSource, spool: IO[bytes] | None, today: date, progress: Progress
) -> _Plan | None:
    """Pass 1 column-wise (``bulk.py``), or None: the row-by-row pass must run (the file
    is not one the column-wise reader follows, or it holds a problem, which the row-by-row
    pass names as it always has)."""
    reader = getattr(source, "columns", None)
    if reader is None:
        return None
    from foretell.interop.bulk_plan import NotColumnar, plan_columns

    try:
        progress.phase("checking", None)
        columns = reader()
        if columns is None:
            return None
        planner = plan_columns(home, source, columns, spool)
        finals = planner.finish(today)
        keys, places = planner.duplicates(finals)
    except (ForetellError, NotColumnar):
        if spool is not None:
            spool.seek(0)
            spool.truncate()
        return None
    finally:
        progress.close()
    return _Plan(planner, finals, keys, places, dict(source.skipped), columns)


def _prepare(
    home: Home, source: ImportSource, plan: _Plan, spool: IO[bytes], progress: Progress
) -> None:
    """What can be made before the lock: the new question files and terms versions,
    written whole and flushed under temporary names (``atomic.stage_many``: only linking
    them to their names is left for under the lock) and, column-wise, every chain's new
    entries encoded against its last entry as it is now (checked again under the lock)."""
    finals = plan.finals
    encoding = None
    if plan.extra is not None:
        from foretell.interop import bulk

        plan.writer = bulk.ColumnWriter(source, plan.extra, spool, finals, plan.keys)
        authors = plan.planner.authors | {e["author"] for f in finals.values() for e in f.closings}
        # the chains are encoded in other processes while this one writes the question files
        workers = bulk.encoders(plan.planner.forecasts)
        encoding = plan.writer.encode_all(home.ledger, authors, workers)
    try:
        forecasts_dir, ledger_dir = home.forecasts, home.ledger  # each a new Path per use
        questions = [
            (
                catalog.question_path(forecasts_dir, f.question.id),
                catalog.dump_question(f.question).encode("utf-8"),
            )
            for f in finals.values()
            if f.created
        ]
        plan.questions = atomic.stage_many(questions, forecasts_dir, flush=False)
        plan.versions = [terms.version_file(ledger_dir, f.question, f.sha) for f in finals.values()]
        missing = [(path, data) for path, data in plan.versions if not os.path.exists(path)]
        plan.staged_versions = atomic.stage_many(
            missing, home.ledger, temp_dir=home.ledger, flush=False
        )
        atomic.flush_staged(plan.questions, plan.staged_versions)  # one flush for both
        # their directories too, so that under the lock only names are given (an import
        # refused later leaves them empty, as a rolled-back one does)
        for directory in sorted({os.path.dirname(path) for path, _ in missing}):
            _make_dir(directory)
        if encoding is not None:
            progress.phase("encoding", None)
            try:
                plan.chains = encoding.join()
            finally:
                progress.close()
    except BaseException:
        if encoding is not None:
            encoding.cancel()
        raise


def _make_dir(directory: str) -> None:
    """``os.makedirs(directory, exist_ok=True)``, with one call where the parent exists (a
    new question's terms directory: 10,000 of them in an import of as many questions)."""
    try:
        os.mkdir(directory)
    except FileExistsError:
        if not os.path.isdir(directory):
            raise
    except FileNotFoundError:
        os.makedirs(directory, exist_ok=True)


def _refuse_or_count(
    plan: _Plan, result: ImportResult, skip_existing: bool, dry_run: bool
) -> ImportResult:
    """Refuse a re-import (unless skipping what exists); fill in what pass 1 knows."""
    planner, finals, places = plan.planner, plan.finals, plan.places
    if places and not skip_existing:
        raise ForetellError(
            f"the ledger already holds this entry ({len(places):,} of this file's entries "
            "in all): the file was imported before; nothing was imported. Use "
            "--skip-existing to import only what is new",
            *places[0],
        )
    result.skipped = dict(plan.skipped)
    result.reused = sum(1 for f in finals.values() if not f.created)
    result.already_closed = planner.already_closed
    result.authors = len(planner.authors)
    if dry_run:
        result.forecasts = planner.forecasts
        result.skipped_existing = len(places)
        planned = [e["kind"] for f in finals.values() for e in f.closings]
        result.claims = planned.count("claim")
        result.closings = len(planned) - result.claims
        result.created = [qid for qid, f in finals.items() if f.created]
    return result


def project_state(home: Home) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of every ledger and question file: what pass 1's
    decisions depend on. Any write by another command changes it."""
    state = []
    for directory, suffix in ((home.ledger, ledger.SUFFIX), (home.forecasts, catalog.SUFFIX)):
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.endswith(suffix):
                    info = entry.stat(follow_symlinks=False)
                    state.append((entry.path, info.st_size, info.st_mtime_ns))
    return tuple(sorted(state))


def _write(
    home: Home, source: ImportSource, plan: _Plan, spool: IO[bytes], progress: Progress
) -> tuple[int, int, int, int]:
    """Pass 2, under the project lock and an import journal (``journal.py``): the journal
    first, then the question files (each whole), then the ledger appends under one session,
    fsynced; then the journal is committed and removed. On any failure the journal rolls
    everything back; if the process dies instead, ``verify`` names the journal and
    ``repair`` rolls back. Returns the forecasts, closings and claims written and the
    entries skipped as already held."""
    finals = plan.finals
    authors = plan.planner.authors | {e["author"] for f in finals.values() for e in f.closings}
    assert plan.questions is not None and plan.staged_versions is not None
    creates = [path.name for _, path in plan.questions.temps]
    what = f"{source.label or source.name} from {source.shown.name}"
    versions = [(path, data) for path, data in plan.versions if not os.path.exists(path)]
    records = [_below(home.ledger, path) for path, _ in versions]
    staged = {path for _, path in plan.staged_versions.temps}
    late = [(path, data) for path, data in versions if path not in staged]
    record = journal.Journal.begin(home.ledger, home.forecasts, what, authors, creates, records)
    try:
        with ledger.AppendSession(home.ledger) as session:
            # question files first: on some file systems creating files is slow once many
            # ledger pages are waiting to be written
            # one flush to disk for all of them: a flush per file costs more than the rows
            atomic.place_staged(plan.questions)
            if plan.chains is not None:
                from foretell.interop import bulk

                progress.phase("writing", None)
                bulk.append_all(session, plan.writer, plan.chains)
                chains = plan.chains
                counts = tuple(
                    chains.total(w) for w in ("forecasts", "closings", "claims", "skipped")
                )
            else:
                writer = Writer(source, finals, session, plan.keys)
                progress.phase("writing", plan.planner.forecasts)
                writer.run(spool, progress)
                writer.finish()
                counts = (writer.forecasts, writer.closings, writer.claims, writer.skipped)
            for directory in {path.parent for path, _ in late}:  # the others: _prepare
                directory.mkdir(parents=True, exist_ok=True)
            if late:  # recorded when staged, removed since (a rolled-back import)
                more = atomic.stage_many(late, home.ledger, temp_dir=home.ledger)
                plan.staged_versions.temps += more.temps
            atomic.place_staged(plan.staged_versions, exist_ok=True)
        record.commit()
    except BaseException:
        with contextlib.suppress(Exception):  # if this fails too, verify names the journal
            record.roll_back()
        raise
    finally:
        progress.close()
    return counts  # type: ignore[return-value]


def _below(directory: Path, path: Path) -> str:
    """``str(path.relative_to(directory))``, by cutting the text (``path`` is built below
    ``directory``), without pathlib's parsing."""
    base, text = os.fspath(directory) + os.sep, os.fspath(path)
    if not text.startswith(base):
        return str(path.relative_to(directory))
    return text[len(base) :]


def _watched(records: Any, progress: Progress) -> Iterator[Record]:
    """The source's records, redrawing the progress line every few thousand."""
    if not progress.enabled:
        yield from records()
        return
    where = [0]
    for i, record in enumerate(records(where)):
        if not i & 4095:
            progress.update(where[0])
        yield record
