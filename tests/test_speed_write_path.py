"""The slim write path: log, resolve, annul and amend run without pydantic once a question
file has been checked, and decide exactly as the models do."""

from __future__ import annotations

import importlib
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Result, question, write_question
from foretell import checked, values
from foretell.home import Home
from foretell.model import check_forecast_fits

cli_app = importlib.import_module("foretell.cli.app")

PROBE = (
    "import sys\n"
    "from foretell.cli.app import run\n"
    "code = run(sys.argv[1:])\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))\n"
    "sys.exit(code)\n"
)


def fresh(home: Home, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FORETELL_USER": "alice"}
    env.pop("FORETELL_HOME", None)
    return subprocess.run(
        [sys.executable, "-c", PROBE, *argv, "--home", str(home.root)],
        capture_output=True, text=True, env=env, cwd=home.root, check=False,
    )  # fmt: skip


def pydantic_loaded(done: subprocess.CompletedProcess[str]) -> bool:
    return done.stdout.strip().splitlines()[-1] != "[]"


@pytest.mark.parametrize(
    "argv",
    [
        ["log", "q1", "0.7", "--note", "why not"],
        ["log", "mc", "--probs", "a=0.2", "b=0.3", "c=0.5"],
        ["log", "num", "--quantiles", "0.1=1", "0.5=5", "0.9=9"],
        ["resolve", "q1", "yes", "--evidence", "https://example.org"],
        ["annul", "mc", "--why", "withdrawn"],
        ["amend", "num", "--why", "clearer criteria"],
    ],
)
def test_writing_commands_on_a_checked_question_do_not_import_pydantic(
    home: Home, questions: dict, argv: list[str]
) -> None:
    assert fresh(home, "list").returncode == 0
    checked.find_question(home, argv[1])  # the first sight of a file checks it with pydantic
    done = fresh(home, *argv)
    assert done.returncode == 0, done.stderr
    assert not pydantic_loaded(done)


def test_the_first_log_of_an_unseen_question_checks_it_with_the_models(
    home: Home, questions: dict
) -> None:
    done = fresh(home, "log", "q1", "0.7")
    assert done.returncode == 0, done.stderr
    assert pydantic_loaded(done)
    assert not pydantic_loaded(fresh(home, "log", "q1", "0.8"))


def test_a_question_asked_on_the_command_line_is_checked_before_its_first_log(
    home: Home,
) -> None:
    asked = fresh(
        home,
        "ask",
        "fresh",
        "--title",
        "T?",
        "--criteria",
        "YES if a named outlet reports it.",
        "--resolve-by",
        "2099-01-01",
    )
    assert asked.returncode == 0, asked.stderr
    assert not pydantic_loaded(fresh(home, "log", "fresh", "0.4"))


def test_a_mistake_still_gets_the_models_message(home: Home, questions: dict) -> None:
    checked.find_question(home, "mc")
    done = fresh(home, "log", "mc", "--probs", "a=0.2", "b=0.3", "c=0.6")
    assert done.returncode == 1
    assert "sum to 1.1, not 1" in done.stderr


def test_an_edited_question_file_is_checked_again(home: Home, invoke: Any) -> None:
    write_question(home, question("q1"))
    assert invoke("log", "q1", "0.5").code == 0
    path = home.forecasts / "q1.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('type = "binary"', 'type = "bin"'))
    result: Result = invoke("log", "q1", "0.5")
    assert result.code == 1
    assert "forecasts/q1.toml:2: type: Input should be" in result.err


def test_an_edit_of_the_same_size_is_seen(home: Home) -> None:
    write_question(home, question("q1"))
    before = checked.find_question(home, "q1")
    path = home.forecasts / "q1.toml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace("resolve_by = 20", "resolve_by = 21", 1)
    assert edited != text and len(edited) == len(text)
    stat = path.stat()
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    after = checked.find_question(home, "q1")
    assert after.resolve_by.year == before.resolve_by.year + 100
    assert after.sha() != before.sha()


@pytest.mark.parametrize(
    "damage", [b"", b"not json", b"[]", b'{"fields": 1}', b'{"file_sha256": 5}']
)
def test_a_damaged_record_is_not_used(home: Home, damage: bytes) -> None:
    write_question(home, question("q1"))
    good = checked.find_question(home, "q1")
    record = checked.cache_path(home, "q1")
    record.write_bytes(damage)
    again = checked.find_question(home, "q1")
    assert again.sha() == good.sha() and again.opened == good.opened


def test_a_record_of_another_files_bytes_is_not_used(home: Home) -> None:
    write_question(home, question("q1"))
    write_question(home, question("q2", "multiple_choice"))
    checked.find_question(home, "q1")
    checked.find_question(home, "q2")
    checked.cache_path(home, "q1").write_bytes(checked.cache_path(home, "q2").read_bytes())
    assert checked.find_question(home, "q1").type == "binary"


@pytest.mark.parametrize("kind", ["binary", "multiple_choice", "numeric"])
def test_terms_give_what_the_model_gives(home: Home, kind: str) -> None:
    from foretell import catalog

    write_question(home, question("q1", kind))
    model = catalog.find_question(home.forecasts, "q1")
    for terms in (checked.find_question(home, "q1"), checked.find_question(home, "q1")):
        assert terms.sha() == model.sha()
        for name in type(model).model_fields:
            assert getattr(terms, name) == getattr(model, name), name


def test_a_missing_question_gets_the_catalog_message(home: Home, invoke: Any) -> None:
    result = invoke("log", "nope", "0.5")
    assert result.code == 1
    assert "no question 'nope'" in result.err


# ------------------------------------------------------------------ payloads

CHOICE = question("m", "multiple_choice")
NUMERIC = question("n", "numeric")
BINARY = question("b")
probability = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-2, 2), st.just("0.5")
)


def outcome_of(fit: Any, q: Any, payload: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", fit(q, payload)
    except ValueError as err:
        return "error", str(err)


def same_as_the_model(q: Any, payload: dict[str, Any]) -> None:
    from pydantic import ValidationError

    from foretell.catalog import describe_validation_error

    try:
        expected: tuple[str, Any] = ("ok", check_forecast_fits(q, payload))
    except ValidationError as err:
        expected = ("error", describe_validation_error(err))
    except ValueError as err:
        expected = ("error", str(err))
    got = outcome_of(values.fit_forecast, q, payload)
    if expected[0] == "ok" and got[0] == "ok":
        assert got[1] == expected[1] or _same_numbers(got[1], expected[1])
    else:
        assert got == expected


def _same_numbers(a: Any, b: Any) -> bool:
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


@settings(max_examples=60, deadline=None)
@given(probability)
def test_binary_fit_decides_as_the_model(p: Any) -> None:
    same_as_the_model(BINARY, {"p": p})


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), probability, max_size=4))
def test_choice_fit_decides_as_the_model(probs: dict[str, Any]) -> None:
    same_as_the_model(CHOICE, {"probs": probs})


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.one_of(st.floats(-0.5, 1.5), st.sampled_from(["0.5", "x"])),
        st.one_of(st.floats(allow_nan=True), st.integers(-5, 5)),
        max_size=4,
    )
)
def test_quantile_fit_decides_as_the_model(quantiles: dict[Any, Any]) -> None:
    same_as_the_model(NUMERIC, {"quantiles": quantiles})


def test_a_payload_of_the_wrong_shape_gets_the_models_message() -> None:
    same_as_the_model(BINARY, {"probs": {"a": 1.0}})
    same_as_the_model(CHOICE, {"p": 0.5})
    same_as_the_model(NUMERIC, {})


# ------------------------------------------------------------------ command-line values


def typer_conversion(param: Any, value: Any, ctx: Any) -> Any:
    from typer._coercion import build_runtime_param

    return build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=ctx)


@pytest.mark.parametrize(
    ("command", "values_by_param"),
    [
        ("log", {"question_id": ["q1", b"caf\xc3\xa9"], "values": [("0.5",), ["a=1", "b=0"]]}),
        ("log", {"by": ["Alice Smith", None], "note": ["", " x "], "probs": [True, False]}),
        ("log", {"home": ["some/dir", Path("x"), "", None]}),
        ("resolve", {"outcome": ["yes", "-7.5"], "amend": [True, False, "true", "0"]}),
    ],
)
def test_plain_conversion_gives_what_typer_gives(
    command: str, values_by_param: dict[str, list[Any]]
) -> None:
    group = typer.main.get_command(cli_app.app)
    with typer.Context(group) as ctx:
        cmd = group.get_command(ctx, command)
        params = {p.name: p for p in cmd.params}
        for name, samples in values_by_param.items():
            param = params[name]
            assert type(param._runtime_param).__name__ == "PlainParam", name
            for value in samples:
                plain = param.get_runtime_param().coerce(value, param=param, ctx=ctx)
                assert plain == typer_conversion(param, value, ctx), (name, value)
