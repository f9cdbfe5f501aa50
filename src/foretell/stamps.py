"""ISO 8601 timestamps read column-wise into int64 nanoseconds since the epoch (UTC).

The form the ledger writes, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, is decoded with integer
arithmetic over the characters' code points (days from the civil date by Hinnant's
algorithm); anything else goes through pandas' ISO 8601 parser. ``NAT`` marks what is not a
timestamp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

# the positions of the 20 digits of a stored time, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``
DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, *range(20, 26))
_SEPARATORS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: ".", 26: "Z"}
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
NAT = np.iinfo(np.int64).min
WIDTHS = (4, 2, 2, 2, 2, 2, 6)  # digits of year, month, day, hour, minute, second, microsecond
# each field's characters [start, stop) in a stored time
FIELDS = tuple(
    (DIGITS[sum(WIDTHS[:i])], DIGITS[sum(WIDTHS[: i + 1]) - 1] + 1) for i in range(len(WIDTHS))
)


def stored_fields(digits: np.ndarray) -> list[np.ndarray]:
    """Year, month, day, hour, minute, second and microsecond (int64) of stored times, from
    an (n, 20) array of the values (0-9) of their digits at ``DIGITS``, in order."""
    out, at = [], 0
    for width in WIDTHS:
        number = np.zeros(digits.shape[0], dtype=np.int64)
        for k in range(at, at + width):
            number = number * 10 + digits[:, k]
        out.append(number)
        at += width
    return out


def _code_points(texts: list[str]) -> np.ndarray:
    """The (n, 27) code points of texts of 27 characters each: from their UTF-8 bytes when
    those are 27 per text (every character ASCII), else from a fixed-width array."""
    try:
        joined = "".join(texts).encode("utf-8", "surrogatepass")
    except UnicodeError:
        joined = b""
    if len(joined) == 27 * len(texts):
        return np.frombuffer(joined, dtype=np.uint8).reshape(-1, 27).astype(np.int64)
    return np.array(texts, dtype="U27").view(np.uint32).reshape(-1, 27).astype(np.int64)


def _is_type(column: pd.Series | list[Any] | np.ndarray, kind: type) -> np.ndarray:
    import pandas as pd

    values = column.to_numpy(dtype=object) if isinstance(column, pd.Series) else column
    return np.fromiter((type(v) is kind for v in values), dtype=bool, count=len(values))


def parse_stamps(values: list[Any]) -> np.ndarray:
    """int64 nanoseconds since the epoch (UTC) of ISO 8601 timestamps; ``NAT`` where invalid.

    ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (what ``ledger.format_at`` writes) is decoded digit by
    digit (days from the civil date by Hinnant's algorithm); other strings, and dates outside
    1678..2261, go through ``pandas.to_datetime(format="ISO8601")`` as before.
    """
    n = len(values)
    out = np.full(n, NAT, dtype=np.int64)
    if n == 0:
        return out
    fast = np.fromiter((type(v) is str and len(v) == 27 for v in values), bool, count=n)
    rows = np.flatnonzero(fast)
    if rows.size:
        codes = _code_points([values[i] for i in rows] if rows.size < n else values)
        stamps, ok = stored_stamps(codes)
        out[rows[ok]] = stamps[ok]
        fast[rows[~ok]] = False
    slow = np.flatnonzero(~fast)
    if slow.size:
        import pandas as pd

        given = pd.Series([values[i] for i in slow], dtype=object)
        text = given.where(_is_type(given, str))
        parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
        stamps = parsed.to_numpy(dtype="datetime64[ns]").view(np.int64)
        out[slow] = stamps
    return out


def stored_stamps(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int64 nanoseconds, whether each is a valid stored time) of an (n, 27) array of the
    code points of texts in the stored form ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` on a real calendar
    day in 1678..2261; the nanoseconds are meaningless where not valid."""
    ok = np.ones(codes.shape[0], dtype=bool)
    for pos, sep in _SEPARATORS.items():
        ok &= codes[:, pos] == ord(sep)
    d = codes[:, list(DIGITS)] - 48
    ok &= ((d >= 0) & (d <= 9)).all(axis=1)
    y, m, day, hh, mi, ss, frac = stored_fields(np.where(ok[:, None], d, 0))
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    dim = _MONTH_DAYS[np.clip(m, 0, 12)] + ((m == 2) & leap)
    ok &= (y >= 1678) & (y <= 2261) & (m >= 1) & (m <= 12) & (day >= 1) & (day <= dim)
    ok &= (hh < 24) & (mi < 60) & (ss < 60)
    yy = y - (m <= 2)
    era = yy // 400
    yoe = yy - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    seconds = days * 86400 + hh * 3600 + mi * 60 + ss
    return (seconds * 1_000_000 + frac) * 1000, ok
