"""Timestamps read column-wise: the ledger's own form decoded digit by digit gives what
pandas' ISO 8601 parser gives, for valid and invalid stamps alike."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
