"""foretell.ledger: the line format, the hash chain, tolerant reading, locked appends."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_chain
from foretell import ledger
from foretell.errors import ForetellError

FUZZ = settings(max_examples=200, deadline=None)
FILE_FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# ------------------------------------------------------------------ strategies

hexsha = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(ledger.format_at)
prob = st.floats(min_value=0.0, max_value=1.0)
finite = st.floats(allow_nan=False, allow_infinity=False)
free_text = st.text(max_size=40)  # any unicode: quotes, backslashes, newlines, control chars
payloads = st.one_of(
    st.fixed_dictionaries({"kind": st.just("forecast"), "p": prob}),
    st.fixed_dictionaries(
        {"kind": st.just("forecast"), "probs": st.dictionaries(free_text, prob, min_size=1)}
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("forecast"),
            "quantiles": st.dictionaries(prob.map(repr), finite, min_size=1),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("resolution"),
            "outcome": st.sampled_from(["yes", "no"]) | free_text | finite,
            "resolved_on": st.dates().map(str),
        },
        optional={"evidence": free_text, "amends": hexsha, "why": free_text},
    ),
    st.fixed_dictionaries(
        {"kind": st.just("annulment"), "why": free_text, "resolved_on": st.dates().map(str)}
    ),
    st.fixed_dictionaries({"kind": st.just("amendment"), "why": free_text}),
)


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    """An entry as stored, without ``sha``."""
    entry = draw(payloads)
    entry.update(
        at=draw(moments),
        question=draw(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True)),
        question_sha=draw(hexsha),
        seq=draw(st.integers(1, 10**9)),
        prev=draw(st.none() | hexsha),
    )
    if entry["kind"] == "forecast":
        entry.update(draw(st.fixed_dictionaries({}, optional={"note": free_text})))
        entry.update(draw(st.fixed_dictionaries({}, optional={"imported": free_text})))
    return entry


# ------------------------------------------------------------------ line format


@FUZZ
@given(entries())
def test_encode_then_decode_gives_the_entry_plus_its_sha(entry: dict[str, Any]) -> None:
    line, sha = ledger.encode_entry(entry)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    body = line[:-1]
    assert ledger.decode_line(body) == {**entry, "sha": sha}
    assert ledger.check_line_hash(body) is None
    canonical = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)
    assert sha == hashlib.sha256(canonical).hexdigest()
    assert body == canonical[:-1] + b',"sha":"' + sha.encode() + b'"}'


@FUZZ
@given(entries(), st.data())
def test_any_single_byte_change_to_a_line_is_detected(entry: dict[str, Any], data: Any) -> None:
    line = bytearray(ledger.encode_entry(entry)[0][:-1])
    at = data.draw(st.integers(0, len(line) - 1), label="at")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != line[at]), label="byte")
    line[at] = new
    if ledger.check_line_hash(bytes(line)) is None:
        pytest.fail("the change went unnoticed")


def test_check_line_hash_names_what_is_wrong() -> None:
    line = ledger.encode_entry({"kind": "forecast", "p": 0.25, "seq": 1})[0][:-1]
    assert ledger.check_line_hash(line.replace(b"0.25", b"0.35")) == (
        "sha does not match the entry's content (the entry was edited)"
    )
    assert ledger.check_line_hash(b'{"kind":"forecast"}') == "entry does not end with its sha"


def test_format_at_is_utc_with_microseconds() -> None:
    from datetime import timedelta, timezone

    moment = datetime(2026, 5, 2, 12, 0, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    assert ledger.format_at(moment) == "2026-05-02T10:00:00.000005Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.format_at(datetime(2026, 5, 2))


# ------------------------------------------------------------------ reading


@FILE_FUZZ
@given(st.binary(max_size=400))
def test_read_file_on_any_bytes_never_raises(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(data)
    entries, problems = ledger.read_file(path)
    assert all(isinstance(e, dict) for e in entries)
    for problem in problems:
        assert problem.path == path
        assert problem.line is not None and problem.line >= 1


@FILE_FUZZ
@given(st.lists(st.one_of(entries(), st.binary(max_size=60)), max_size=8))
def test_read_file_returns_exactly_the_intact_lines(
    tmp_path: Path, items: list[dict[str, Any] | bytes]
) -> None:
    path = tmp_path / "mixed.jsonl"
    chunks, want, bad_lines = [], [], 0
    for item in items:
        if isinstance(item, dict):
            line, sha = ledger.encode_entry(item)
            want.append({**item, "sha": sha})
            chunks.append(line)
        else:
            garbage = item.replace(b"\n", b" ")
            if ledger.check_line_hash(garbage) is None:  # pragma: no cover - a sha collision
                continue
            bad_lines += 1  # an empty line is a problem too
            chunks.append(garbage + b"\n")
    path.write_bytes(b"".join(chunks))
    entries, problems = ledger.read_file(path)
    assert [{k: v for k, v in e.items() if k != "_line"} for e in entries] == want
    assert len(problems) == bad_lines


def test_read_file_keeps_the_entries_before_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    written = write_chain(path, 3)
    with path.open("ab") as fh:
        fh.write(b'{"at":"2026-01-04","kind":"forecast","p":0.')
    entries, problems = ledger.read_file(path)
    assert [e["sha"] for e in entries] == [w["sha"] for w in written]
    assert [e["_line"] for e in entries] == [1, 2, 3]
    assert len(problems) == 1
    assert problems[0].line == 4
    assert "incomplete last line" in problems[0].message


def test_ledger_files_lists_only_author_files(tmp_path: Path) -> None:
    for name in ("bob.jsonl", "alice.jsonl", ".index.json", "notes.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "dir.jsonl").mkdir()
    assert [p.name for p in ledger.ledger_files(tmp_path)] == ["alice.jsonl", "bob.jsonl"]


# ------------------------------------------------------------------ appending


def test_append_chains_entries_and_returns_what_it_wrote(tmp_path: Path) -> None:
    first = ledger.append(tmp_path, "alice", {"at": "t1", "kind": "forecast", "p": 0.5})
    second = ledger.append(tmp_path, "alice", {"at": "t2", "kind": "forecast", "p": 0.6})
    assert (first["seq"], first["prev"]) == (1, None)
    assert (second["seq"], second["prev"]) == (2, first["sha"])
    entries, problems = ledger.read_file(tmp_path / "alice.jsonl")
    assert problems == []
    assert [{k: v for k, v in e.items() if k != "_line"} for e in entries] == [first, second]


def test_append_omits_empty_optional_fields_and_ignores_given_chain_fields(
    tmp_path: Path,
) -> None:
    full = ledger.append(
        tmp_path,
        "alice",
        {"at": "t", "kind": "forecast", "p": 0.5, "note": None, "seq": 99, "prev": "x", "sha": "y"},
    )
    line = (tmp_path / "alice.jsonl").read_bytes()
    assert b"note" not in line
    assert (full["seq"], full["prev"]) == (1, None)
    assert ledger.decode_line(line[:-1]) == full
    assert ledger.check_line_hash(line[:-1]) is None


def test_first_entry_has_null_prev(tmp_path: Path) -> None:
    ledger.append(tmp_path, "alice", {"at": "t", "kind": "forecast", "p": 0.5})
    assert b'"prev":null' in (tmp_path / "alice.jsonl").read_bytes()


def test_append_to_an_invalid_author_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ForetellError, match="not a valid ledger name"):
        ledger.append(tmp_path, "../evil", {"at": "t", "kind": "x"})
    assert list(tmp_path.iterdir()) == []


def test_append_refuses_a_torn_file_and_appends_nothing(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    write_chain(path, 2)
    with path.open("ab") as fh:
        fh.write(b'{"half":')
    before = path.read_bytes()
    with pytest.raises(ForetellError) as info:
        ledger.append(tmp_path, "alice", {"at": "t", "kind": "x"})
    assert "incomplete last line (8 bytes" in info.value.message
    assert "nothing was appended" in info.value.message
    assert "foretell repair" in info.value.message
    assert path.read_bytes() == before


def test_append_refuses_when_the_last_entry_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "alice.jsonl"
    write_chain(path, 1)
    with path.open("ab") as fh:
        fh.write(b"garbage\n")
    before = path.read_bytes()
    with pytest.raises(ForetellError, match="last entry is not readable"):
        ledger.append(tmp_path, "alice", {"at": "t", "kind": "x"})
    assert path.read_bytes() == before


def test_append_after_a_long_last_line_finds_its_start(tmp_path: Path) -> None:
    first = ledger.append(tmp_path, "alice", {"at": "t", "kind": "x", "note": "n" * 10_000})
    second = ledger.append(tmp_path, "alice", {"at": "t", "kind": "x", "note": "m" * 9_000})
    third = ledger.append(tmp_path, "alice", {"at": "t", "kind": "x"})
    assert second["prev"] == first["sha"]
    assert (third["seq"], third["prev"]) == (3, second["sha"])


# ------------------------------------------------------------------ sessions


def test_append_session_writes_every_author_on_success(tmp_path: Path) -> None:
    write_chain(tmp_path / "alice.jsonl", 2)
    with ledger.AppendSession(tmp_path) as session:
        a = session.append("alice", {"at": "t", "kind": "x"})
        b1 = session.append("bob", {"at": "t", "kind": "x"})
        b2 = session.append("bob", {"at": "t", "kind": "x"})
    assert a["seq"] == 3
    assert (b1["seq"], b2["seq"], b2["prev"]) == (1, 2, b1["sha"])
    assert session.count == 3
    for name, n in (("alice", 3), ("bob", 2)):
        entries, problems = ledger.read_file(tmp_path / f"{name}.jsonl")
        assert (len(entries), problems) == (n, [])


def test_append_session_rolls_back_every_touched_file_on_error(tmp_path: Path) -> None:
    write_chain(tmp_path / "alice.jsonl", 2)
    before = (tmp_path / "alice.jsonl").read_bytes()
    session = ledger.AppendSession(tmp_path)
    session.FLUSH_EVERY = 2  # force some lines onto disk before the failure
    with pytest.raises(RuntimeError), session:
        for _ in range(5):
            session.append("alice", {"at": "t", "kind": "x"})
            session.append("bob", {"at": "t", "kind": "x"})
        raise RuntimeError("import failed halfway")
    assert (tmp_path / "alice.jsonl").read_bytes() == before
    assert (tmp_path / "bob.jsonl").read_bytes() == b""
    assert ledger.append(tmp_path, "alice", {"at": "t", "kind": "x"})["seq"] == 3
