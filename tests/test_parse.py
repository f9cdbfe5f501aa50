"""foretell.parse: what people type -> values, or a ValueError fit to show them."""

from __future__ import annotations

import contextlib
import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.ledger import format_at
from foretell.parse import (
    parse_choice_probs,
    parse_date,
    parse_number,
    parse_pairs,
    parse_probability,
    parse_quantiles,
    parse_timestamp,
    split_pairs,
)

FUZZ = settings(max_examples=200, deadline=None)
# text that looks like what people type at these prompts, plus anything at all
typed = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789.%eE+-_ ,=Zz:T", max_size=20),
)

# ------------------------------------------------------------------ probabilities


@pytest.mark.parametrize(
    ("text", "want"),
    [("0.7", 0.7), (".7", 0.7), ("70%", 0.7), (" 70 % ", 0.7), ("0", 0.0), ("1", 1.0),
     ("100%", 1.0), ("0%", 0.0), ("2.5%", 0.025), ("1e-3", 0.001)],
)  # fmt: skip
def test_parse_probability_accepts_decimals_and_percentages(text: str, want: float) -> None:
    assert parse_probability(text) == pytest.approx(want)


def test_parse_probability_hints_at_percent_for_a_bare_number_above_one() -> None:
    with pytest.raises(ValueError, match=r"outside \[0, 1\] \(did you mean 70%\?\)"):
        parse_probability("70")


@pytest.mark.parametrize("text", ["1.5%0", "abc", "", "nan", "inf", "-inf", "0.7.1", "%"])
def test_parse_probability_refuses_non_numbers(text: str) -> None:
    with pytest.raises(ValueError, match="not a probability"):
        parse_probability(text)


@pytest.mark.parametrize("text", ["-0.1", "1.01", "101%", "-5%", "1000"])
def test_parse_probability_refuses_outside_zero_one(text: str) -> None:
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        parse_probability(text)


@FUZZ
@given(typed)
def test_parse_probability_gives_a_probability_or_value_error(text: str) -> None:
    try:
        p = parse_probability(text)
    except ValueError as err:
        assert str(err)
        return
    assert 0.0 <= p <= 1.0


@FUZZ
@given(st.floats(min_value=0.0, max_value=1.0))
def test_parse_probability_reads_back_repr(p: float) -> None:
    assert parse_probability(repr(p)) == p


# ------------------------------------------------------------------ pairs


def test_parse_choice_probs_reads_option_pairs_in_order() -> None:
    got = parse_choice_probs(["q1-2026=60%", "later=0.4"])
    assert list(got) == ["q1-2026", "later"]
    assert got == pytest.approx({"q1-2026": 0.6, "later": 0.4})


@pytest.mark.parametrize(
    ("items", "message"),
    [(["a"], "not option=value"), (["=0.5"], "not option=value"), (["a="], "not option=value"),
     (["a=0.5", "a=0.5"], "given twice"), (["a=2"], "outside"), (["a=x"], "not a probability")],
)  # fmt: skip
def test_parse_choice_probs_refusals(items: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_choice_probs(items)


@FUZZ
@given(st.lists(typed, max_size=5))
def test_parse_choice_probs_gives_probabilities_or_value_error(items: list[str]) -> None:
    try:
        got = parse_choice_probs(items)
    except ValueError:
        return
    assert len(got) == len(split_pairs(items))
    assert all(0.0 <= p <= 1.0 for p in got.values())


def test_parse_pairs_splits_at_the_last_equals_sign() -> None:
    assert parse_pairs([" a=b = 1 "], "option") == [("a=b", "1")]


# ------------------------------------------------------------------ quantiles and numbers


def test_parse_quantiles_reads_levels_as_probabilities_and_values_as_numbers() -> None:
    got = parse_quantiles(["0.05=620,000", "50%=700_000", "0.95=7.9e5"])
    assert got == {0.05: 620000.0, 0.5: 700000.0, 0.95: 790000.0}


def test_parse_quantiles_refuses_the_same_level_twice_in_two_spellings() -> None:
    with pytest.raises(ValueError, match="given twice"):
        parse_quantiles(["0.5=1", "50%=2"])


@pytest.mark.parametrize("items", [["0.5=x"], ["0.5=inf"], ["2=5"], ["0.5"]])
def test_parse_quantiles_refusals(items: list[str]) -> None:
    with pytest.raises(ValueError):
        parse_quantiles(items)


@FUZZ
@given(st.lists(typed, max_size=5))
def test_parse_quantiles_gives_finite_values_or_value_error(items: list[str]) -> None:
    try:
        got = parse_quantiles(items)
    except ValueError:
        return
    assert all(0.0 <= level <= 1.0 and math.isfinite(v) for level, v in got.items())


@FUZZ
@given(typed)
def test_parse_number_gives_a_finite_float_or_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        assert math.isfinite(parse_number(text))


# ------------------------------------------------------------------ dates and timestamps


def test_parse_date() -> None:
    assert parse_date(" 2026-12-31 ") == date(2026, 12, 31)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("31/12/2026")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("2026-02-30")


@FUZZ
@given(typed)
def test_parse_date_gives_a_date_or_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        assert isinstance(parse_date(text), date)


@FUZZ
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_parse_date_reads_back_isoformat(day: date) -> None:
    assert parse_date(day.isoformat()) == day


@FUZZ
@given(st.dates().filter(lambda d: not 1900 <= d.year <= 2999))
def test_parse_date_refuses_years_outside_1900_to_2999(day: date) -> None:
    with pytest.raises(ValueError, match="outside the supported years 1900-2999"):
        parse_date(day.isoformat())


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-05-02T10:00:00Z", datetime(2026, 5, 2, 10, tzinfo=UTC)),
        ("2026-05-02T10:00:00", datetime(2026, 5, 2, 10, tzinfo=UTC)),
        ("2026-05-02T12:00:00+02:00", datetime(2026, 5, 2, 10, tzinfo=UTC)),
        ("2026-05-02", datetime(2026, 5, 2, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_is_utc(text: str, want: datetime) -> None:
    got = parse_timestamp(text)
    assert got == want
    assert got.tzinfo is UTC


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_parse_timestamp_refuses_a_moment_outside_the_calendar_once_in_utc(text: str) -> None:
    with pytest.raises(ValueError, match="not a timestamp"):
        parse_timestamp(text)


@FUZZ
@given(
    st.one_of(
        typed,
        st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
        st.builds(
            lambda d, m: d.isoformat() + m,
            st.datetimes(),
            st.sampled_from(["", "Z", "+14:00", "-12:00", "+00:30"]),
        ),
    )
)
def test_parse_timestamp_gives_an_aware_utc_datetime_or_value_error(text: str) -> None:
    try:
        moment = parse_timestamp(text)
    except ValueError:
        return
    assert moment.utcoffset() == timedelta(0)


@FUZZ
@given(
    st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30), timezones=st.just(UTC)
    ),
    st.integers(-12, 14),
)
def test_format_at_then_parse_timestamp_is_the_same_moment(moment: datetime, hours: int) -> None:
    local = moment.astimezone(timezone(timedelta(hours=hours)))
    assert parse_timestamp(format_at(local)) == moment
