"""Fuzzing: question files, ledger lines and every import format, mutated at random.

Every run must end either in success or in foretell's own error (``ForetellError``, which the
command line prints as one line and exits non-zero with); any other exception is a bug. The
number of examples per test is small for CI; ``FORETELL_FUZZ_EXAMPLES=20000`` (say) runs the
big campaign.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import OPENED, question, run_cli
from foretell import ledger
from foretell.catalog import dump_question
from foretell.home import Home, init_home

EXAMPLES = int(os.environ.get("FORETELL_FUZZ_EXAMPLES", "15"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
FIXTURES = Path(__file__).parent / "fixtures" / "interop"
TOKENS = [
    "2026-02-30", "2026-13-01", "1600-01-01", "3000-01-01", "2262-04-12", "T24:00:00",
    "-1", "1e999", "-1e999", "NaN", "nan", "inf", "99999999999999999999", "18446744073709551616",
    "true", "null", "{}", "[]", '"', "'", ",", "\n", "\r", "\t", "\x00", "\x1b[2J", "../x",
    "/etc/passwd", "=cmd|' /C calc'!A0", "%", "70%", "1.5", "0", "yes", "no", "ambiguous",
    "\u202e", "é", "Z", "+99:99", ":", "=", ";", "|",
]  # fmt: skip


def _mutate(seed: bytes, edits: list[tuple[int, int, int, bytes]]) -> bytes:
    data = bytearray(seed)
    for op, at, length, blob in edits:
        pos = at % (len(data) + 1)
        if op == 0:
            data[pos:pos] = blob
        elif op == 1:
            del data[pos : pos + length]
        else:
            data[pos : pos + length] = blob
    return bytes(data)


blobs = st.one_of(
    st.sampled_from(TOKENS).map(lambda t: t.encode("utf-8")),
    st.binary(max_size=8),
    st.text(max_size=6).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
edits = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 1 << 16), st.integers(0, 40), blobs),
    min_size=1,
    max_size=6,
)


def _no_traceback(*argv: str) -> None:
    """Run the CLI in-process: ForetellError and usage errors come back as an exit code and
    one line; anything else escapes ``run`` and fails the test."""
    result = run_cli(*argv)
    if result.code != 0:
        assert result.err.strip(), argv
        assert "Traceback" not in result.err


def _project(root: Path) -> Home:
    home = init_home(root / "project")
    return home


# --------------------------------------------------------------------------- imports


IMPORTS = [
    ("generic", "generic.csv"),
    ("generic", "generic.jsonl"),
    ("fatebook", "fatebook.csv"),
    ("augur", "augur.json"),
    ("predictionbook", "predictionbook.csv"),
]


@FUZZ
@given(st.sampled_from(IMPORTS), edits)
def test_fuzz_import_formats_never_raise_a_traceback(
    which: tuple[str, str], changes: list[Any]
) -> None:
    fmt, name = which
    with tempfile.TemporaryDirectory() as tmp:
        home = _project(Path(tmp))
        source = Path(tmp) / name
        source.write_bytes(_mutate((FIXTURES / name).read_bytes(), changes))
        _no_traceback(
            "import", str(source), "--from", fmt, "--author", "fz", "--home", str(home.root)
        )
        _no_traceback("report", "--home", str(home.root))


@FUZZ
@given(st.sampled_from(["forecast_data.csv", "question_data.csv"]), edits)
def test_fuzz_metaculus_export_never_raises_a_traceback(name: str, changes: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = _project(Path(tmp))
        source = Path(tmp) / "metaculus"
        shutil.copytree(FIXTURES / "metaculus", source)
        (source / name).write_bytes(_mutate((source / name).read_bytes(), changes))
        _no_traceback("import", str(source), "--from", "metaculus", "--home", str(home.root))


def _exported(home: Home, fmt: str) -> bytes:
    write = home.forecasts / "q1.toml"
    write.write_text(dump_question(question("q1")), encoding="utf-8")
    assert (
        run_cli("log", "q1", "0.4", "--by", "ann", "--note", "n", "--home", str(home.root)).code
        == 0
    )
    assert run_cli("resolve", "q1", "yes", "--by", "ann", "--home", str(home.root)).code == 0
    out = home.root.parent / f"export.{fmt}"
    assert run_cli("export", "--format", fmt, "-o", str(out), "--home", str(home.root)).code == 0
    return out.read_bytes()


@FUZZ
@given(st.sampled_from(["jsonl", "csv"]), edits)
def test_fuzz_foretell_export_never_raises_a_traceback(fmt: str, changes: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        seed = _exported(_project(Path(tmp) / "a"), fmt)
        home = _project(Path(tmp) / "b")
        source = Path(tmp) / f"in.{fmt}"
        source.write_bytes(_mutate(seed, changes))
        _no_traceback("import", str(source), "--from", "foretell", "--home", str(home.root))
        _no_traceback("report", "--home", str(home.root))


# --------------------------------------------------------------------------- question files


@FUZZ
@given(edits)
def test_fuzz_question_files_never_raise_a_traceback(changes: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = _project(Path(tmp))
        seed = dump_question(question("q1", "numeric")).encode("utf-8")
        (home.forecasts / "q1.toml").write_bytes(_mutate(seed, changes))
        for argv in (["verify"], ["list"], ["show", "q1"], ["log", "q1", "0.5"], ["report"]):
            _no_traceback(*argv, "--home", str(home.root))


@FUZZ
@given(edits)
def test_fuzz_a_bad_question_file_never_stops_the_readers_of_the_others(
    changes: list[Any],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = _project(Path(tmp))
        (home.forecasts / "q0.toml").write_text(dump_question(question("q0")))
        assert run_cli("log", "q0", "0.6", "--by", "alice", "--home", str(home.root)).code == 0
        seed = dump_question(question("q1", "multiple_choice")).encode("utf-8")
        (home.forecasts / "q1.toml").write_bytes(_mutate(seed, changes))
        for argv in (["list"], ["due", "--within", "1000"], ["report"], ["export"]):
            result = run_cli(*argv, "--home", str(home.root))
            assert result.code == 0, (argv, result)
            assert "q0" in result.out or argv[0] == "report", (argv, result)


# --------------------------------------------------------------------------- ledger lines

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70).filter(lambda i: abs(i) < 2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(TOKENS),
    st.text(max_size=8),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "b", "c", "0.5", "x"]), st.floats(-2, 2), max_size=3),
)
KEYS = ["kind", "at", "question", "question_sha", "p", "probs", "quantiles", "outcome",
        "resolved_on", "why", "amends", "note", "evidence", "imported", "seq"]  # fmt: skip


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(KEYS), values, max_size=5), min_size=1, max_size=4))
def test_fuzz_ledger_lines_never_raise_a_traceback(changes: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = _project(Path(tmp))
        for qid, kind in (("q1", "binary"), ("mc", "multiple_choice"), ("num", "numeric")):
            (home.forecasts / f"{qid}.toml").write_text(
                dump_question(question(qid, kind)), encoding="utf-8"
            )
        base = {
            "at": f"{OPENED.isoformat()}T12:00:00.000000Z",
            "kind": "forecast",
            "question": "q1",
            "question_sha": question("q1").sha(),
            "p": 0.5,
        }
        prev, out = None, b""
        for seq, change in enumerate(changes, 1):
            entry = {"seq": seq, "prev": prev, **base, **change}
            try:
                line, prev = ledger.encode_entry(entry)
            except TypeError:  # orjson: an integer past 64 bits cannot even be written
                continue
            out += line
        (home.ledger / "alice.jsonl").write_bytes(out)
        root = str(home.root)
        for argv in (
            ["verify"], ["report", "--format", "json"], ["report", "--format", "csv"],
            ["show", "q1"], ["show", "mc"], ["show", "num"], ["list"], ["due"],
            ["export", "-o", str(Path(tmp) / "x.jsonl")], ["log", "q1", "0.5", "--by", "alice"],
            ["resolve", "mc", "a", "--by", "alice"],
        ):  # fmt: skip
            _no_traceback(*argv, "--home", root)
