"""Timestamps read column-wise: the ledger's own form decoded digit by digit gives what
pandas' ISO 8601 parser gives, for valid and invalid stamps alike."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from foretell import stamps


def test_timestamps_decode_like_pandas() -> None:
    values = [
        "2026-01-31T23:59:59.999999Z", "2024-02-29T00:00:00.000001Z", "2023-02-29T00:00:00.000000Z",
        "2026-13-01T00:00:00.000000Z", "2026-01-01T24:00:00.000000Z", "2026-01-01T00:00:00Z",
        "2026-01-01T01:00:00+01:00", "1500-01-01T00:00:00.000000Z", "not a date", None, 5,
        "2026-01-01 00:00:00.000000Z", "0001-01-01T00:00:00.000000Z",
    ]  # fmt: skip
    got = stamps.parse_stamps(values)
    text = pd.Series(values, dtype=object)
    want = pd.to_datetime(
        text.where(text.map(lambda v: isinstance(v, str))),
        utc=True,
        format="ISO8601",
        errors="coerce",
    )
    expected = want.to_numpy(dtype="datetime64[ns]").view(np.int64)
    assert got.tolist() == expected.tolist()


STORED = st.builds(
    lambda d, s: (dt.datetime(1900, 1, 1) + dt.timedelta(days=d, seconds=s)).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ"
    ),
    st.integers(0, 150_000),
    st.integers(0, 86_399),
)
ODD_27 = st.text(min_size=27, max_size=27)  # any characters: non-ASCII, lone surrogates


@given(st.lists(st.one_of(STORED, ODD_27, st.none()), max_size=30))
def test_a_column_decodes_as_each_of_its_values_alone(values: list[str | None]) -> None:
    """A column with one non-ASCII text among stored times is read through the fixed-width
    path, a plain one through its bytes: both give each value what it gives alone."""
    got = stamps.parse_stamps(values)
    assert got.tolist() == [int(stamps.parse_stamps([v])[0]) for v in values]


def test_stored_times_beside_non_ascii_text_still_decode() -> None:
    good = "2026-03-01T12:30:45.123456Z"
    odd = "２０２６-03-01T12:30:45.123456Z"  # full-width digits: 27 characters, not ASCII
    got = stamps.parse_stamps([good, odd, "\ud800" * 27])
    assert got[0] == stamps.parse_stamps([good])[0] != stamps.NAT
    assert got[1:].tolist() == [stamps.parse_stamps([odd])[0], stamps.NAT]
