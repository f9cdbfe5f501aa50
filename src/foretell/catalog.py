"""Question files ``forecasts/<id>.toml`` <-> ``Question``.

The id is the file stem; it is not repeated inside the file. Loading never writes. A bad
file raises ``ForetellError`` located at the file and line: the line TOML reports, or for a
field the model refuses, the line that sets the field (when the file sets it).

Readers of the whole catalog (``load_catalog``) leave a bad file out instead: the problem
``verify`` reports for it is kept in ``Catalog.left_out`` for the reader's note.

TOML is read by tomli, the package the standard library's ``tomllib`` was taken from: the
same parser and messages, shipped compiled (2.6x faster per question file on the benchmark
catalog, which a cold report of 1M forecasts reads 10,201 of).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import tomli

from foretell import atomic, ids
from foretell.errors import ForetellError, Problem

if TYPE_CHECKING:  # the models (pydantic) load where a question is parsed or written
    from pydantic import ValidationError

    from foretell.model import Question, Source

SUFFIX = ".toml"
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def question_path(forecasts_dir: Path, question_id: str) -> Path:
    """``forecasts/<id>.toml``; ForetellError for anything that is not a question id (so no
    path built from user input can leave ``forecasts/``)."""
    return forecasts_dir / f"{ids.check_id(question_id)}{SUFFIX}"


def parse_question(text: str, question_id: str, path: Path | None = None) -> Question:
    """Parse and validate the TOML text of a question file."""
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as err:
        match = _TOML_LINE.search(str(err))
        line = int(match.group(1)) if match else None
        message = _TOML_LINE.sub("", str(err)).strip()
        raise ForetellError(f"not valid TOML: {message}", path, line) from None
    if "id" in data:
        raise ForetellError("'id' is the file name; remove it from the file", path)
    from pydantic import ValidationError

    from foretell.model import Question

    try:
        return Question.model_validate({"id": question_id, **data})
    except ValidationError as err:
        raise ForetellError(describe_validation_error(err), path, _field_line(text, err)) from None


_HEADER = re.compile(r"\s*\[")
_SOURCES = re.compile(r"\s*\[\[\s*sources\s*\]\]")


def _field_line(text: str, err: ValidationError) -> int | None:
    """The line that sets the field of the first error: ``key = ...`` at the top level, or
    inside the n-th ``[[sources]]`` table for ``sources.n.key`` (that table's header when
    the key is absent); None for an error of the whole file or a field it does not set."""
    loc = [x for x in err.errors()[0]["loc"] if x != "__root__"] if err.errors() else []
    if not loc or not isinstance(loc[0], str):
        return None
    lines = text.splitlines()
    start, stop = 0, len(lines)
    key = loc[0]
    if key == "sources" and len(loc) >= 2 and isinstance(loc[1], int):
        headers = [i for i, line in enumerate(lines) if _SOURCES.match(line)]
        if loc[1] >= len(headers):
            return None
        start = headers[loc[1]]
        later = [i for i, ln in enumerate(lines) if i > start and _HEADER.match(ln)]
        stop = later[0] if later else len(lines)
        if len(loc) < 3 or not isinstance(loc[2], str):
            return start + 1
        key, found = loc[2], start + 1
        start += 1
    else:
        first = [i for i, line in enumerate(lines) if _HEADER.match(line)]
        stop = first[0] if first else len(lines)
        found = None
    setting = re.compile(rf"\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    for number in range(start, stop):
        if setting.match(lines[number]):
            return number + 1
    return found


def load_question(path: Path) -> Question:
    try:
        text = ids.read_bytes(path).decode("utf-8")
    except FileNotFoundError:
        raise ForetellError("no such question file", path) from None
    except IsADirectoryError:
        raise ForetellError("is a directory, not a question file", path) from None
    except UnicodeDecodeError:
        raise ForetellError("not UTF-8 text", path) from None
    except OSError as err:
        raise ForetellError(f"cannot be read: {err.strerror or err}", path) from None
    return parse_question(text, path.stem, path)


def find_question(forecasts_dir: Path, question_id: str) -> Question:
    path = question_path(forecasts_dir, question_id)
    if not path.exists() and not ids.is_link(path):
        raise ForetellError(
            f"no question {question_id!r} (looked for {path.name} in forecasts/)"
            + did_you_mean(question_id, [p.stem for p in question_files(forecasts_dir)])
        )
    return load_question(path)


def did_you_mean(name: str, known: list[str]) -> str:
    """'; did you mean x?' naming the closest known names (difflib ratio >= 0.5), or ''."""
    import difflib

    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    if not close:
        close = [k for k in known if name.lower() in k][:3]
    return f"; did you mean {' or '.join(close)}?" if close else ""


def question_names(forecasts_dir: Path) -> list[str]:
    """The names of the directory's entries named ``*.toml``, sorted (the order of
    ``sorted(glob)``, without building and comparing a ``Path`` per entry)."""
    try:
        with os.scandir(forecasts_dir) as entries:
            return sorted(e.name for e in entries if e.name.endswith(SUFFIX))
    except (FileNotFoundError, NotADirectoryError):
        return []


def question_files(forecasts_dir: Path) -> list[Path]:
    return [forecasts_dir / name for name in question_names(forecasts_dir)]


def iter_questions(forecasts_dir: Path) -> Iterator[Question | Problem]:
    """Every question file, as a Question or as the Problem that stops it loading."""
    for path in question_files(forecasts_dir):
        try:
            yield load_question(path)
        except ForetellError as err:
            yield Problem(err.path, err.line, err.message)


class Catalog(dict[str, "Question"]):
    """Questions by id, and ``left_out``: the problem of each question file that could not
    be read (the same ``verify`` reports), in file order."""

    def __init__(self) -> None:
        super().__init__()
        self.left_out: list[Problem] = []


def load_catalog(forecasts_dir: Path, strict: bool = False) -> Catalog:
    """All questions by id. A bad file is left out and its problem kept in ``left_out``
    (``strict``: it raises instead, the first in file order)."""
    catalog = Catalog()
    for item in iter_questions(forecasts_dir):
        if isinstance(item, Problem):
            if strict:
                raise ForetellError(item.message, item.path, item.line)
            catalog.left_out.append(item)
        else:
            catalog[item.id] = item
    return catalog


def where(problem: Problem) -> str:
    """``forecasts/<file>[:line]``: a left-out file named the same from any directory."""
    name = f"forecasts/{problem.path.name}" if problem.path else "forecasts/"
    return f"{name}:{problem.line}" if problem.line is not None else name


def left_out_counts(problems: list[Problem]) -> dict[str, int]:
    """``Frames.skipped`` counts naming each left-out question file: ``question file
    forecasts/x.toml:4 (message)`` -> 1. The entries on it count as naming an unknown
    question."""
    return {f"question file {where(p)} ({p.message})": 1 for p in problems}


def left_out_notes(problems: list[Problem]) -> list[str]:
    """One line per left-out question file, for a command's standard error."""
    return [
        f"note: {where(p)}: {p.message}; left out with its entries (see foretell verify)"
        for p in problems
    ]


def dump_question(question: Question) -> str:
    """TOML text for a question: terms first, then tags, then [[sources]]; None omitted."""
    text = _dump_plain(question)
    return text if text is not None else _dump_toml(question)


# a character that tomli_w escapes in a string (quote, backslash, control but tab)
_ESCAPED = re.compile(r'[\x00-\x08\x0a-\x1f\x7f"\\]')


def _dump_plain(q: Question) -> str | None:
    """``_dump_toml``'s text, built directly for the common shape (no options, unit, range,
    thresholds, period start, order or target date; no string that TOML escapes; sources
    allowed), or None for any other question. Byte for byte the same (a property test
    compares the two); about ten times faster, which counts when an import writes 10,000.
    As tomli_w does, the sources are one inline array when every source fits on a line of
    100 characters as an inline table, else ``[[sources]]`` tables."""
    if (
        q.options is not None
        or q.unit is not None
        or q.range is not None
        or q.thresholds
        or q.period_start is not None
        or q.ordered
        or q.target_date is not None
    ):
        return None
    strings = [q.title, q.type, q.criteria, *q.tags]
    for source in q.sources:
        strings += [source.document, source.claim, *source.figures]
        if source.outlet is not None:
            strings.append(source.outlet)
    if any(_ESCAPED.search(text) for text in strings):
        return None
    tags = "".join(f'    "{tag}",\n' for tag in q.tags)
    text = (
        f'title = "{q.title}"\ntype = "{q.type}"\nopened = {q.opened.isoformat()}\n'
        f'resolve_by = {q.resolve_by.isoformat()}\ncriteria = "{q.criteria}"\n'
        + (f"tags = [\n{tags}]\n" if tags else "tags = []\n")
    )
    if not q.sources:
        return text
    pairs = [_source_pairs(source) for source in q.sources]
    inline = ["    { " + ", ".join(f"{k} = {v}" for k, v in kv) + " }," for kv in pairs]
    if all(len(line) <= 100 and "\n" not in line for line in inline):
        return text + "sources = [\n" + "".join(line + "\n" for line in inline) + "]\n"
    tables = ["\n[[sources]]\n" + "".join(f"{k} = {v}\n" for k, v in kv) for kv in pairs]
    return text + "".join(tables)


def _source_pairs(source: Source) -> list[tuple[str, str]]:
    """A plain source's keys and TOML values, in ``_dump_toml``'s order."""
    out = [("document", f'"{source.document}"')]
    if source.outlet is not None:
        out.append(("outlet", f'"{source.outlet}"'))
    if source.date is not None:
        out.append(("date", source.date.isoformat()))
    out.append(("claim", f'"{source.claim}"'))
    if source.figures:
        figures = "".join(f'    "{figure}",\n' for figure in source.figures)
        out.append(("figures", f"[\n{figures}]"))
    return out


def _dump_toml(question: Question) -> str:
    """``dump_question`` by tomli_w, for any question."""
    data = question.model_dump(mode="python", exclude={"id"}, exclude_none=True)
    if not data.get("thresholds"):
        data.pop("thresholds", None)
    if not data.get("ordered"):
        data.pop("ordered", None)
    if "range" in data:
        data["range"] = list(data["range"])
    sources = data.pop("sources", [])
    for source in sources:
        if not source.get("figures"):
            source.pop("figures", None)
    if sources:
        data["sources"] = [{k: v for k, v in s.items() if v is not None} for s in sources]
    # tomli_w writes a multiline string's "\r\n" as a bare newline, which reads back as "\n":
    # keep such text exact by writing every string on one line with escapes.
    multiline = not any("\r\n" in s for s in _strings(data))
    import tomli_w

    return tomli_w.dumps(data, multiline_strings=multiline)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def write_new_question(forecasts_dir: Path, question: Question, sync_dir: bool = True) -> Path:
    """Create ``forecasts/<id>.toml`` whole (temporary file, fsync, link into place); refuse
    if it exists. A reader or a crash never sees a part of the file."""
    path = question_path(forecasts_dir, question.id)
    text = dump_question(question)
    try:
        atomic.write_text(path, text, exclusive=True, sync_dir=sync_dir)
    except FileExistsError:
        raise ForetellError(f"question {question.id!r} already exists", path) from None
    return path


def describe_validation_error(err: ValidationError) -> str:
    """One line from a pydantic error: 'field: message; field: message'."""
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"] if x != "__root__")
        msg = e["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)
