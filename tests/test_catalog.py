"""foretell.catalog: question files <-> Question, located errors, exclusive creation."""

from __future__ import annotations

import string
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import question
from foretell.catalog import (
    _dump_plain,
    _dump_toml,
    dump_question,
    find_question,
    iter_questions,
    load_catalog,
    load_question,
    parse_question,
    write_new_question,
)
from foretell.errors import ForetellError, Problem
from foretell.model import ID_PATTERN, OPTION_PATTERN, TAG_PATTERN, Question, Source

# ------------------------------------------------------------------ strategies

ids = st.from_regex(ID_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 60)
tags = st.lists(
    st.from_regex(TAG_PATTERN, fullmatch=True).filter(lambda s: len(s) < 30), max_size=4
)
words = st.text(min_size=1, max_size=40)
lines = st.lists(st.text(max_size=30), min_size=1, max_size=5)
multiline = st.one_of(
    words,
    st.builds(lambda ls: "\n".join(ls), lines),
    st.builds(lambda ls: "\r\n".join(ls), lines),
).filter(bool)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
sources = st.lists(
    st.builds(
        Source,
        document=words,
        outlet=st.none() | st.text(max_size=20),
        date=st.none() | dates,
        claim=multiline,
        figures=st.lists(st.text(max_size=12), max_size=3),
    ),
    max_size=3,
)


@st.composite
def questions(draw: st.DrawFn) -> Question:
    kind = draw(st.sampled_from(["binary", "multiple_choice", "numeric"]))
    opened, resolve_by = sorted([draw(dates), draw(dates)])
    data: dict[str, object] = {
        "id": draw(ids),
        "title": draw(words),
        "type": kind,
        "opened": opened,
        "resolve_by": resolve_by,
        "criteria": draw(multiline),
        "tags": draw(tags),
        "sources": draw(sources),
    }
    if kind == "multiple_choice":
        option = st.from_regex(OPTION_PATTERN, fullmatch=True).filter(lambda s: len(s) < 25)
        data["options"] = draw(st.lists(option, min_size=2, max_size=5, unique=True))
    if kind == "numeric":
        low, high = sorted(draw(st.lists(finite, min_size=2, max_size=2, unique=True)))
        inside = st.floats(min_value=low, max_value=high, allow_nan=False)
        data["unit"] = draw(words)
        data["range"] = (low, high)
        data["thresholds"] = sorted(set(draw(st.lists(inside, max_size=3))))
    return Question.model_validate(data)


# ------------------------------------------------------------------ round trips


@settings(max_examples=200, deadline=None)
@given(questions())
def test_dump_then_parse_gives_the_same_question(q: Question) -> None:
    text = dump_question(q)
    back = parse_question(text, q.id)
    assert back == q
    assert back.sha() == q.sha()
    assert dump_question(back) == text


@st.composite
def plain_questions(draw: st.DrawFn) -> Question:
    """Questions of the shape imports write most: no sources, options or numeric fields."""
    opened, resolve_by = sorted([draw(dates), draw(dates)])
    text = st.one_of(words, st.text(string.printable, min_size=1, max_size=40))
    return Question.model_validate(
        {
            "id": draw(ids),
            "title": draw(text),
            "type": "binary",
            "opened": opened,
            "resolve_by": resolve_by,
            "criteria": draw(st.one_of(text, multiline)),
            "tags": draw(tags),
            "sources": draw(st.lists(plain_sources(text), max_size=3)),
        }
    )


def plain_sources(text: st.SearchStrategy[str]) -> st.SearchStrategy[Source]:
    return st.builds(
        Source,
        document=text,
        outlet=st.none() | text,
        date=st.none() | dates,
        claim=st.one_of(text, st.text(string.ascii_letters, min_size=60, max_size=90)),
        figures=st.lists(text, max_size=2),
    )


@settings(max_examples=300, deadline=None)
@given(st.one_of(plain_questions(), questions()))
def test_the_direct_text_of_a_plain_question_is_tomli_ws_byte_for_byte(q: Question) -> None:
    direct = _dump_plain(q)
    assert direct is None or direct == _dump_toml(q)
    assert dump_question(q) == _dump_toml(q)


def test_a_plain_question_takes_the_direct_path_and_one_needing_escapes_does_not() -> None:
    plain = question(
        "plain-one", title="Will it rain\tin Paris?", criteria="As reported.", tags=["a", "b-c"]
    )
    assert _dump_plain(plain) == _dump_toml(plain)
    assert 'tags = [\n    "a",\n    "b-c",\n]\n' in _dump_plain(plain)  # type: ignore[operator]
    for title in ('Say "yes"', "back\\slash", "bell\x07", "del\x7f"):
        assert _dump_plain(question("escaped", title=title, criteria="As reported.")) is None
    assert _dump_plain(question("numeric-one", "numeric", criteria="As reported.")) is None


def test_an_imported_questions_source_takes_the_direct_path_inline_or_as_tables() -> None:
    short = Source(document="a.csv", claim="From a.csv.")
    long = Source(document="generic.csv", outlet="generic CSV", claim="Imported. " * 8)
    for sources in ([short], [long], [short, long], [short, short]):
        q = question("sourced", criteria="As reported.", sources=sources)
        assert _dump_plain(q) == _dump_toml(q)
    assert "[[sources]]" in _dump_toml(question("t", criteria="c", sources=[long]))
    assert "sources = [" in _dump_toml(question("t", criteria="c", sources=[short]))


def test_multiline_criteria_are_written_as_a_multiline_string() -> None:
    text = dump_question(question(criteria="first line\nsecond line"))
    assert 'criteria = """\nfirst line\nsecond line"""' in text


def test_criteria_with_crlf_line_ends_keep_them() -> None:
    q = question(criteria="first line\r\nsecond line")
    assert parse_question(dump_question(q), q.id).criteria == "first line\r\nsecond line"


def test_dump_omits_empty_optional_fields_and_never_writes_the_id() -> None:
    keys = set(tomllib.loads(dump_question(question("no-extras"))))
    assert keys == {"title", "type", "opened", "resolve_by", "criteria", "tags"}


# ------------------------------------------------------------------ fuzzing the parser


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_question_on_any_text_raises_only_foretell_error(text: str) -> None:
    try:
        parse_question(text, "x")
    except ForetellError as err:
        assert err.message


toml_scalar = st.one_of(
    st.text(max_size=20),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
)
toml_value = st.recursive(
    toml_scalar,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(string.ascii_lowercase, min_size=1, max_size=6), inner, max_size=3
        )
    ),
    max_leaves=8,
)
question_keys = st.sampled_from(
    [
        "title", "type", "opened", "resolve_by", "criteria", "tags", "sources", "options",
        "unit", "range", "thresholds", "id", "extra",
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(question_keys, toml_value | st.sampled_from(["binary", "numeric"])))
def test_parse_question_on_any_toml_table_raises_only_foretell_error(data: dict) -> None:
    text = tomli_w.dumps(data)
    try:
        parse_question(text, "x")
    except ForetellError as err:
        assert err.message


# ------------------------------------------------------------------ located errors


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('title = "T"\ntype = "binary"\nopened = \n')
    with pytest.raises(ForetellError) as info:
        load_question(path)
    assert info.value.path == path
    assert info.value.line == 3
    assert "not valid TOML" in info.value.message


def test_invalid_terms_name_the_field(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(dump_question(question("x")).replace('type = "binary"', 'type = "maybe"'))
    with pytest.raises(ForetellError) as info:
        load_question(path)
    assert info.value.path == path
    assert info.value.message.startswith("type:")


def test_an_error_of_the_whole_file_or_a_field_it_lacks_has_no_line(tmp_path: Path) -> None:
    text = dump_question(question("x"))
    path = tmp_path / "x.toml"
    for broken in (
        "\n".join(ln for ln in text.splitlines() if not ln.startswith("title")),  # lacks it
        text + 'options = ["a", "b"]\n',  # binary with options: the model's own rule
    ):
        path.write_text(broken)
        with pytest.raises(ForetellError) as info:
            load_question(path)
        assert info.value.path == path and info.value.line is None


def test_an_id_inside_the_file_is_refused() -> None:
    text = 'id = "x"\n' + dump_question(question("x"))
    with pytest.raises(ForetellError, match="'id' is the file name"):
        parse_question(text, "x")


def test_the_file_stem_must_be_a_valid_id(tmp_path: Path) -> None:
    path = tmp_path / "Bad_Name.toml"
    path.write_text(dump_question(question("x")))
    with pytest.raises(ForetellError, match="lowercase-kebab"):
        load_question(path)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_bytes(b"\xff\xfe title")
    with pytest.raises(ForetellError, match="not UTF-8"):
        load_question(path)


def test_find_question_names_a_missing_id(tmp_path: Path) -> None:
    with pytest.raises(ForetellError, match="no question 'ghost'"):
        find_question(tmp_path, "ghost")


def test_iter_questions_yields_problems_beside_good_questions(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(dump_question(question("good")))
    (tmp_path / "bad.toml").write_text("title = \n")
    items = list(iter_questions(tmp_path))
    assert [type(i) for i in items] == [Problem, Question]
    assert items[0].path == tmp_path / "bad.toml"
    assert items[0].line == 1


def test_load_catalog_leaves_out_every_bad_file_and_keeps_its_problem(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(dump_question(question("good")))
    assert list(load_catalog(tmp_path)) == ["good"]
    (tmp_path / "bad.toml").write_text("title = \n")
    (tmp_path / "worse.toml").write_text(dump_question(question("worse")) + "colour = 3\n")
    (tmp_path / "zz-last.toml").write_text(dump_question(question("zz-last")))
    loaded = load_catalog(tmp_path)
    assert list(loaded) == ["good", "zz-last"]
    assert [(p.path, p.line) for p in loaded.left_out] == [
        (tmp_path / "bad.toml", 1),
        (tmp_path / "worse.toml", len(dump_question(question("worse")).splitlines()) + 1),
    ]
    assert loaded.left_out == [p for p in iter_questions(tmp_path) if isinstance(p, Problem)]
    with pytest.raises(ForetellError) as info:
        load_catalog(tmp_path, strict=True)
    assert info.value.path == tmp_path / "bad.toml"


@pytest.mark.parametrize(
    ("edit", "line_of", "field"),
    [
        (lambda t: t.replace('type = "binary"', 'type = "weird"'), "type = ", "type"),
        (lambda t: t.replace("tags = [", "tags = [1, "), "tags = ", "tags.0"),
        (lambda t: t + '[[sources]]\ndocument = "a.txt"\n', "[[sources]]", "sources.0.claim"),
        (
            lambda t: (
                t
                + '[[sources]]\ndocument = "a.txt"\nclaim = "it says so"\n'
                + '[[sources]]\ndocument = "b.txt"\nclaim = 3\n'
            ),
            "claim = 3",
            "sources.1.claim",
        ),
    ],
)
def test_a_field_the_model_refuses_is_located_at_the_line_that_sets_it(
    tmp_path: Path, edit: Any, line_of: str, field: str
) -> None:
    text = edit(dump_question(question("q1", tags=["x"])))
    path = tmp_path / "q1.toml"
    path.write_text(text)
    with pytest.raises(ForetellError) as info:
        load_question(path)
    expected = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(line_of))
    assert info.value.line == expected
    assert info.value.message.startswith(f"{field}: ")


def test_a_file_that_cannot_be_read_is_a_problem_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foretell import ids

    (tmp_path / "q1.toml").write_text(dump_question(question("q1")))

    def refuse(path: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(ids, "read_bytes", refuse)
    [problem] = list(iter_questions(tmp_path))
    assert isinstance(problem, Problem) and problem.message == "cannot be read: Permission denied"


def test_write_new_question_refuses_an_existing_id_and_leaves_the_file(tmp_path: Path) -> None:
    path = write_new_question(tmp_path, question("x"))
    before = path.read_bytes()
    with pytest.raises(ForetellError, match="already exists"):
        write_new_question(tmp_path, question("x", title="Something else"))
    assert path.read_bytes() == before


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(questions())
def test_written_question_loads_back(tmp_path_factory: pytest.TempPathFactory, q: Question) -> None:
    folder = tmp_path_factory.mktemp("forecasts")
    path = write_new_question(folder, q)
    assert path.name == f"{q.id}.toml"
    assert load_question(path) == q


def test_tomli_reads_the_projects_question_files_as_the_standard_library_does() -> None:
    # catalog reads TOML with tomli (compiled); tomllib is the reference it was taken into
    import tomli

    files = sorted((Path(__file__).parent.parent / "forecasts").glob("*.toml"))
    assert len(files) >= 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert tomli.loads(text) == tomllib.loads(text), path.name
    for bad in ("a = ", "a = 1\na = 2", "[x\n", 'a = "\\q"'):
        with pytest.raises(tomli.TOMLDecodeError) as ours:
            tomli.loads(bad)
        with pytest.raises(tomllib.TOMLDecodeError) as reference:
            tomllib.loads(bad)
        assert str(ours.value) == str(reference.value)
