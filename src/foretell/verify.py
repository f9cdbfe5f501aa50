"""``foretell verify``: every chain, every reference, every question file.

Problems are values (``Problem(path, line, message)``), printed as ``file:line: message``.
Checks, per ledger file: each line is complete JSON ending in its own sha, and that sha matches
the content; ``seq`` counts 1, 2, 3...; ``prev`` is the sha of the line before; the entry names
a known question and its payload fits that question; times never go backwards (each entry not
marked ``imported`` is no earlier than every such entry before it). Across files: a question
file whose terms changed after entries were made against them, with no ``amendment`` entry
pinning the current version; a second resolution or annulment that does not amend the first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from foretell import catalog, ids, ledger, parse
from foretell.errors import Problem, display_path
from foretell.home import Home
from foretell.values import PROB_SUM_TOLERANCE, QuestionLike

if TYPE_CHECKING:  # the models (pydantic) load only where question files are checked
    from foretell.model import Question

_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
KINDS = ("forecast", "resolution", "annulment", "amendment", "claim")


Version = tuple[str, str]  # (question id, question_sha)


@dataclass
class _Uses:
    """How entries used each question version: count and first location; closings."""

    count: dict[Version, int] = field(default_factory=dict)
    first: dict[Version, tuple[str, int]] = field(default_factory=dict)  # (file, line)
    amended: set[Version] = field(default_factory=set)
    closings: list[tuple[str, str, str, str | None, Path, int]] = field(default_factory=list)
    cited: list[tuple[str, Path, int]] = field(default_factory=list)  # claims' sources

    def merge(self, other: _Uses) -> None:
        for key, n in other.count.items():
            self.count[key] = self.count.get(key, 0) + n
        for key, where in other.first.items():
            if key not in self.first or where < self.first[key]:
                self.first[key] = where
        self.amended |= other.amended
        self.closings.extend(other.closings)
        self.cited.extend(other.cited)


def _is_prob(x: Any) -> bool:
    return type(x) in (float, int) and 0.0 <= x <= 1.0


def payload_problem(question: QuestionLike, entry: dict[str, Any]) -> str | None:
    """Why a forecast's payload does not fit its question, or None (fast: no pydantic)."""
    kind = question.type
    if kind == "binary":
        p = entry.get("p")
        return None if _is_prob(p) else f"p must be a probability in [0, 1], not {p!r}"
    if kind == "multiple_choice":
        probs = entry.get("probs")
        if not isinstance(probs, dict) or set(probs) != set(question.options or ()):
            return f"probs must give each option of {question.id} exactly once"
        if not all(_is_prob(v) for v in probs.values()):
            return "each option's probability must lie in [0, 1]"
        if abs(math.fsum(probs.values()) - 1.0) > PROB_SUM_TOLERANCE:
            return "option probabilities do not sum to 1"
        return None
    quantiles = entry.get("quantiles")
    if not isinstance(quantiles, dict) or not quantiles:
        return "quantiles must be a non-empty {level: value} object"
    try:
        items = sorted((float(k), v) for k, v in quantiles.items())
    except ValueError:
        return "quantile levels must be numbers"
    values = [v for _, v in items]
    if not all(0.0 < k < 1.0 for k, _ in items):
        return "quantile levels must lie strictly between 0 and 1"
    if not all(type(v) in (float, int) and math.isfinite(v) for v in values):
        return "quantile values must be finite numbers"
    if any(b < a for a, b in itertools.pairwise(values)):
        return "quantile values must not decrease with the level"
    return None


MAX_SEQ = ledger.MAX_SEQ
TEXT_FIELDS = ("note", "evidence", "why", "amends", "imported")


FUTURE_SLACK = dt.timedelta(days=1)  # clocks differ; an entry a day ahead is an error


def latest_at() -> str:
    """The latest ``at`` an entry can have: now plus ``FUTURE_SLACK``, in the stored form."""
    return ledger.format_at(dt.datetime.now(dt.UTC) + FUTURE_SLACK)


def at_problem(at: object, latest: str | None = None) -> str | None:
    """Why ``at`` is not a stored UTC timestamp on a real calendar day from 1900 on and no
    later than ``latest`` (default: ``latest_at()``), or None. An entry's time is when it was
    written, so it cannot lie in the future."""
    if type(at) is str and _AT.match(at) and "1900" <= at[:4] <= "2999":
        try:
            dt.datetime.fromisoformat(at[:26])
        except ValueError:
            pass
        else:
            if at <= (latest or latest_at()):
                return None
            return f"'at' {at} is in the future (entries are dated when they are written)"
    return (
        f"'at' must be a UTC timestamp YYYY-MM-DDTHH:MM:SS.ffffffZ in the years "
        f"{parse.YEARS}, not {at!r}"
    )


def day_problem(value: object, name: str) -> str | None:
    """Why ``value`` is not a real calendar date YYYY-MM-DD in 1900-2999, or None."""
    if type(value) is str and _DATE.match(value):
        try:
            if parse.in_range(dt.date.fromisoformat(value)):
                return None
        except ValueError:
            pass
    return f"{name} must be a date YYYY-MM-DD in the years {parse.YEARS}, not {value!r}"


def outcome_problem(question: QuestionLike, outcome: object) -> str | None:
    """Why a stored outcome does not fit its question, or None: 'yes'/'no' (or a probability
    strictly between 0 and 1, from ``resolve --probability``) for binary, one of the options
    for multiple choice, a finite number for numeric."""
    if question.type == "binary":
        if type(outcome) is str and outcome in ("yes", "no"):
            return None
        if type(outcome) is float and 0.0 < outcome < 1.0:
            return None
        return f"a binary outcome is 'yes', 'no' or a probability, not {outcome!r}"
    if question.type == "multiple_choice":
        if type(outcome) is str and outcome in (question.options or ()):
            return None
        return f"outcome {outcome!r} is not an option of {question.id}"
    if type(outcome) in (int, float) and math.isfinite(outcome):  # type: ignore[arg-type]
        return None
    return f"a numeric outcome is a finite number, not {outcome!r}"


def unknown_question(qid: object) -> str:
    return f"unknown question {qid!r} (no forecasts/{qid}.toml)"


def entry_problem(
    entry: dict[str, Any],
    questions: dict[str, Question],
    check_seq: bool = True,
    latest: str | None = None,
) -> str | None:
    """Why an entry cannot be used (wrong types, ranges, dates, or not fitting its question),
    or None. Readers skip exactly what this flags; chain and hash checks are separate
    (``check_seq`` False: the chain check reports a bad seq already)."""
    kind = entry.get("kind")
    if type(kind) is not str or kind not in KINDS:
        return f"unknown kind {kind!r}"
    seq = entry.get("seq")
    if check_seq and (type(seq) is not int or not 1 <= seq <= MAX_SEQ):
        return f"seq must be a whole number from 1 to 2**63-1, not {seq!r}"
    wrong = at_problem(entry.get("at"), latest)
    if wrong:
        return wrong
    qid = entry.get("question")
    question = questions.get(qid) if type(qid) is str else None
    if question is None:
        return unknown_question(qid)
    if type(entry.get("question_sha")) is not str:
        return "missing question_sha"
    for name in TEXT_FIELDS:
        if name in entry and type(entry[name]) is not str:
            return f"{name} must be text, not {entry[name]!r}"
    if kind == "forecast":
        return payload_problem(question, entry)
    if kind == "claim":
        from foretell.claims import claim_problem

        return claim_problem(question, entry)
    if kind in ("resolution", "annulment"):
        wrong = day_problem(entry.get("resolved_on"), "resolved_on")
        if wrong:
            return wrong
        if "amends" in entry and not entry.get("why"):
            return "an amending entry needs a reason ('why')"
    if kind == "resolution":
        if "outcome" not in entry:
            return "a resolution needs an outcome"
        return outcome_problem(question, entry["outcome"])
    if not entry.get("why"):
        return f"an {kind} needs a reason ('why')"
    return None


@dataclass
class _FileResult:
    problems: list[Problem]
    uses: _Uses


_NO_SHA = "entry does not end with its sha"
_EDITED = "sha does not match the entry's content (the entry was edited)"
_BROKEN_LINK = (
    "prev does not match the sha of the entry before it "
    "(an entry was removed, inserted, reordered or edited)"
)


def _backwards(at: str, latest: str, line: int) -> str:
    return (
        f"time goes backwards: 'at' {at} is earlier than line {line} ({latest}); entries "
        "timed when written are appended in time order (the file was edited or rearranged)"
    )


_WORKER_QUESTIONS: dict[str, Question] = {}


def _init_worker(questions: dict[str, Question]) -> None:
    _WORKER_QUESTIONS.update(questions)


def _verify_file_in_worker(path: Path) -> _FileResult:
    return _verify_file(path, _WORKER_QUESTIONS)


def _verify_file(path: Path, questions: dict[str, Question]) -> _FileResult:
    """Check one chain. The loop is the hot path of ``verify``: one sha256 and one JSON parse
    per line, with a shortcut for the common case (a valid binary forecast)."""
    problems: list[Problem] = []
    uses = _Uses()
    if ids.author_problem(path.stem):
        problems.append(Problem(path, None, "file name is not a valid author name"))
    lines = ids.read_bytes(path).split(b"\n")
    torn = lines.pop()
    binary = {qid for qid, q in questions.items() if q.type == "binary"}
    counts, first, name = uses.count, uses.first, path.name
    sha256, loads, at_ok = hashlib.sha256, orjson.loads, _AT.match
    tail, prefix = ledger.SHA_TAIL_LEN, b',"sha":"'
    prev: str | None = None
    expected = 1
    live_at, live_line = "", 0  # the latest entry so far that is timed when written
    latest = latest_at()
    for number, line in enumerate(lines, 1):
        if line[-tail : 8 - tail] != prefix or line[-2:] != b'"}':
            problems.append(Problem(path, number, _NO_SHA))
        elif sha256(line[:-tail] + b"}").hexdigest().encode() != line[-66:-2]:
            problems.append(Problem(path, number, _EDITED))
        try:
            entry = loads(line)
        except orjson.JSONDecodeError:
            entry = None
        if type(entry) is not dict:
            problems.append(Problem(path, number, "not a JSON object (the line was edited)"))
            prev, expected = None, expected + 1
            continue
        seq = entry.get("seq")
        if type(seq) is not int or seq != expected:
            problems.append(Problem(path, number, f"seq is {seq!r}, expected {expected}"))
        if entry.get("prev") != prev:
            problems.append(Problem(path, number, _BROKEN_LINK))
        prev = entry.get("sha")
        expected = (seq if type(seq) is int else expected) + 1
        kind, qid, p, at = entry.get("kind"), entry.get("question"), entry.get("p"), entry.get("at")
        if type(at) is str and not entry.get("imported"):
            if at < live_at:
                problems.append(Problem(path, number, _backwards(at, live_at, live_line)))
            else:
                live_at, live_line = at, number
        qsha = entry.get("question_sha")
        qsha, note, imported = entry.get("question_sha"), entry.get("note"), entry.get("imported")
        fast = (
            kind == "forecast"
            and type(qid) is str
            and qid in binary
            and (type(p) is float or type(p) is int)
            and 0.0 <= p <= 1.0
            and type(at) is str
            and at_ok(at)
            and "1900" <= at <= latest
            and at[5:7] <= "12"
            and at[8:10] <= "28"  # later days of the month take the slow path
            and at[11:13] <= "23"
            and at[14:16] <= "59"
            and at[17:19] <= "59"
            and type(qsha) is str
            and type(seq) is int
            and 1 <= seq <= MAX_SEQ
            and (note is None or type(note) is str)
            and (imported is None or type(imported) is str)
            and len(entry) == 8 + (note is not None) + (imported is not None)
        )
        if not fast:
            wrong = entry_problem(entry, questions, check_seq=False, latest=latest)
            if wrong:
                problems.append(Problem(path, number, wrong))
                continue
        key = (qid, qsha)
        count = counts.get(key)
        if count is None:
            counts[key] = 1
            first[key] = (name, number)
        else:
            counts[key] = count + 1
        if kind == "amendment":
            uses.amended.add(key)
        elif kind == "claim":
            uses.cited.append((entry["source"], path, number))
        elif kind in ("resolution", "annulment"):
            amends = entry.get("amends")  # a hand-edited line may lack sha or hold odd types
            amends = amends if type(amends) is str else None
            closing = (qid, entry["at"], entry.get("sha"), amends, path, number)
            uses.closings.append(closing)
    if torn:
        whole = ledger.completes_chain(torn, {"seq": expected - 1, "sha": prev})
        message = ledger.UNTERMINATED if whole else ledger.torn_message(len(torn))
        problems.append(Problem(path, len(lines) + 1, message))
    return _FileResult(problems, uses)


def _cross_checks(home: Home, questions: dict[str, Question], uses: _Uses) -> list[Problem]:
    problems: list[Problem] = []
    current = {qid: q.sha() for qid, q in questions.items()}
    stale: dict[str, list[Version]] = defaultdict(list)
    for qid, qsha in uses.count:
        if qsha != current[qid] and (qid, current[qid]) not in uses.amended:
            stale[qid].append((qid, qsha))
    for qid, versions in sorted(stale.items()):
        first_name, first_line = min(uses.first[v] for v in versions)
        n = sum(uses.count[v] for v in versions)
        problems.append(
            Problem(
                catalog.question_path(home.forecasts, qid),
                None,
                f"the question's terms changed after {n} ledger entr"
                f"{'y was' if n == 1 else 'ies were'} made against an earlier version "
                f"(first: {home.ledger.name}/{first_name}:{first_line}); if the "
                f"change is intended, record it with `foretell amend {qid} --why TEXT`",
            )
        )
    known: dict[str, set[str]] = defaultdict(set)
    for qid, _, sha, amends, path, number in sorted(uses.closings, key=lambda c: c[:2]):
        if known[qid] and amends not in known[qid]:
            problems.append(
                Problem(
                    path,
                    number,
                    f"{qid} was already resolved or annulled; a later resolution must "
                    "amend the earlier one (`foretell resolve --amend --why`)",
                )
            )
        known[qid].add(sha)
    return problems


PARALLEL_BYTES = 32 * 1024 * 1024


def verify(home: Home) -> list[Problem]:
    """All problems, sorted by file and line. Large ledgers are checked in parallel, a file
    per worker process (each chain is independent)."""
    problems: list[Problem] = []
    questions: dict[str, Question] = {}
    for item in catalog.iter_questions(home.forecasts):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            questions[item.id] = item
    problems.extend(Problem(p, None, ids.LINKED) for p in ledger.linked_files(home.ledger))
    for cache in (home.ledger / ".columnar", home.ledger / ".index"):
        if ids.is_link(cache):
            problems.append(Problem(cache, None, f"{ids.LINKED}; delete it: it is rebuilt"))
    files = ledger.ledger_files(home.ledger)
    workers = min(os.cpu_count() or 1, len(files))
    if workers > 1 and sum(f.stat().st_size for f in files) > PARALLEL_BYTES:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(questions,)) as pool:
            results = list(pool.map(_verify_file_in_worker, files))
    else:
        results = [_verify_file(path, questions) for path in files]
    uses = _Uses()
    unreadable = {p.path.stem for p in problems if p.path and p.path.parent == home.forecasts}
    for result in results:
        problems.extend(_on_unreadable(result.problems, unreadable))
        uses.merge(result.uses)
    problems.extend(_cross_checks(home, questions, uses))
    problems.extend(_cited_documents(home, questions, uses))
    problems.extend(_interrupted_writes(home))
    from foretell import seals, terms

    problems.extend(seals.check(home))
    problems.extend(terms.problems(home.ledger))
    return problems


def _on_unreadable(found: list[Problem], unreadable: set[str]) -> list[Problem]:
    """An entry on a question file that exists but cannot be read is not on an unknown
    question: say which file is flagged instead."""
    out = []
    for p in found:
        qid = p.message.removeprefix("unknown question '").partition("'")[0]
        if qid in unreadable and p.message == unknown_question(qid):
            why = f"question {qid!r} cannot be read (forecasts/{qid}.toml is flagged above)"
            p = Problem(p.path, p.line, f"{why}; readers leave the entry out until it is fixed")
        out.append(p)
    return out


def _interrupted_writes(home: Home) -> list[Problem]:
    """An import journal left behind, and temporary files of writes whose process died."""
    from foretell import atomic, journal

    found = journal.problems(home.ledger, home.forecasts)
    for directory in (home.ledger, home.forecasts):
        found += [
            Problem(path, None, "a temporary file left by an interrupted write; "
                    "`foretell repair` removes it")
            for path in atomic.stale_temps(directory)
        ]  # fmt: skip
    return found


def _cited_documents(home: Home, questions: dict[str, Question], uses: _Uses) -> list[Problem]:
    """A local document cited by a question or a claim that exists in no documents directory
    (see ``foretell.citations``; nothing is checked when there is no such directory)."""
    from foretell import citations

    cited = [s.document for q in questions.values() for s in q.sources]
    absent = citations.missing(home, cited + [c[0] for c in uses.cited])
    if not absent:
        return []
    where = " or ".join(display_path(d) + "/" for d in citations.document_dirs(home))
    problems = []
    for qid, q in sorted(questions.items()):
        for doc in sorted({s.document for s in q.sources} & absent):
            problems.append(
                Problem(
                    catalog.question_path(home.forecasts, qid),
                    None,
                    f"cites {doc!r}, which is not in {where}",
                )
            )
    for doc, path, number in uses.cited:
        if doc in absent:
            problems.append(
                Problem(path, number, f"the claim cites {doc!r}, which is not in {where}")
            )
    return problems
