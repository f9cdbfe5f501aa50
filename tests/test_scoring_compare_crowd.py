"""Crowd aggregates: hand-worked timelines, geometric mean of odds, extremizing, MC, numeric."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foretell.scoring.compare import crowd


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# Three forecasters on different days: A 0.2 (day 0), B 0.6 (day 1), C 0.9 (day 3),
# A again 0.5 (day 5). The crowd starts when two stand (day 1).
MEMBER = np.array([0, 1, 2, 0])
STAMP = np.array([0, 1, 3, 5]) * 86_400
P = np.array([0.2, 0.6, 0.9, 0.5])


def test_crowd_starts_when_two_forecasters_stand_and_follows_each_change() -> None:
    rows, idx = crowd.crowd_rows(MEMBER, STAMP, 3)
    assert rows.tolist() == [1, 2, 3]
    assert idx.tolist() == [[0, 1, -1], [0, 1, 2], [3, 1, 2]]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("median", [0.4, 0.6, 0.6]),  # (0.2+0.6)/2; median(0.2,0.6,0.9); median(0.5,0.6,0.9)
        ("mean", [0.4, 1.7 / 3, 2.0 / 3]),
        (
            "geo-odds",
            [
                _expit((_logit(0.2) + _logit(0.6)) / 2),
                _expit((_logit(0.2) + _logit(0.6) + _logit(0.9)) / 3),
                _expit((_logit(0.5) + _logit(0.6) + _logit(0.9)) / 3),
            ],
        ),
    ],
)
def test_binary_crowd_matches_the_hand_worked_timeline(method: str, expected: list[float]) -> None:
    _, idx = crowd.crowd_rows(MEMBER, STAMP, 3)
    assert crowd.binary(P, idx, method) == pytest.approx(expected)


def test_geometric_mean_of_odds_matches_a_published_worked_example() -> None:
    # Sevilla (2021), "When pooling forecasts, use the geometric mean of odds": four
    # estimates of 1.40%, 2.21%, 0.39% and 0.40% pool to about 0.84% (the mean is 1.10%).
    p = np.array([[0.0140, 0.0221, 0.0039, 0.0040]])
    idx = np.array([[0, 1, 2, 3]])
    assert crowd.binary(p[0], idx, "geo-odds")[0] == pytest.approx(0.0084, abs=0.00005)
    assert crowd.binary(p[0], idx, "mean")[0] == pytest.approx(0.0110, abs=0.00005)


def test_geo_odds_by_hand_with_odds_two_and_eight() -> None:
    # odds 2 (p = 2/3) and 8 (p = 8/9): geometric mean 4, p = 4/5; extremized d=2: 16/17
    idx = np.array([[0, 1]])
    p = np.array([2 / 3, 8 / 9])
    assert crowd.binary(p, idx, "geo-odds")[0] == pytest.approx(0.8)
    assert crowd.binary(p, idx, "extremized", extremize=2.0)[0] == pytest.approx(16 / 17)


def test_extremizing_with_d_one_is_geo_odds_and_pushes_away_from_half() -> None:
    _, idx = crowd.crowd_rows(MEMBER, STAMP, 3)
    geo = crowd.binary(P, idx, "geo-odds")
    assert crowd.binary(P, idx, "extremized", extremize=1.0) == pytest.approx(geo)
    ext = crowd.binary(P, idx, "extremized", extremize=2.5)
    assert (np.abs(ext - 0.5) >= np.abs(geo - 0.5)).all()
    assert crowd.DEFAULT_EXTREMIZE == 1.5


def test_probabilities_are_clipped_before_odds_are_taken() -> None:
    idx = np.array([[0, 1]])
    p = np.array([0.0, 0.5])  # 0 is read as 0.001: odds (0.001/0.999 * 1)^(1/2)
    o = math.sqrt(0.001 / 0.999)
    assert crowd.binary(p, idx, "geo-odds")[0] == pytest.approx(o / (1 + o))


def test_same_moment_forecasts_make_one_crowd_forecast() -> None:
    member = np.array([0, 1, 2])
    stamp = np.array([5, 5, 9])
    rows, idx = crowd.crowd_rows(member, stamp, 3)
    assert rows.tolist() == [1, 2]
    assert idx[0].tolist() == [0, 1, -1]


def test_multiple_choice_aggregates_each_option_then_renormalises() -> None:
    probs = np.array([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]])
    idx = np.array([[0, 1, 2]])
    med = crowd.choice(probs, idx, "median")[0]
    raw = np.array([0.2, 0.3, 0.3])
    assert med == pytest.approx(raw / raw.sum())
    geo = crowd.choice(probs, idx, "geo-odds")[0]
    odds = np.exp(np.mean(np.log(probs / (1 - probs)), axis=0))
    p = odds / (1 + odds)
    assert geo == pytest.approx(p / p.sum())
    assert geo.sum() == pytest.approx(1.0)


def test_numeric_crowd_averages_and_takes_medians_per_level() -> None:
    values = np.array([[10.0, 20.0, 30.0], [12.0, 24.0, 40.0], [8.0, 30.0, 35.0]])
    idx = np.array([[0, 1, -1], [0, 1, 2]])
    mean = crowd.quantiles(values, idx, "mean")
    assert mean[0] == pytest.approx([11.0, 22.0, 35.0])
    assert mean[1] == pytest.approx([10.0, 74 / 3, 35.0])
    assert crowd.quantiles(values, idx, "median")[1] == pytest.approx([10.0, 24.0, 35.0])


def test_numeric_crowd_keeps_only_levels_every_member_gave() -> None:
    values = np.array([[10.0, 20.0, 30.0], [12.0, np.nan, 40.0]])
    out = crowd.quantiles(values, np.array([[0, 1]]), "mean")[0]
    assert out[0] == 11.0 and np.isnan(out[1]) and out[2] == 35.0
    with pytest.raises(ValueError, match="numeric crowds"):
        crowd.quantiles(values, np.array([[0, 1]]), "geo-odds")


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown crowd method"):
        crowd.aggregate(np.array([[0.5, 0.5]]), "mode")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.01, 0.99), min_size=2, max_size=8), st.floats(1.0, 3.0))
def test_every_aggregate_lies_within_the_members_range_except_extremized(
    ps: list[float], d: float
) -> None:
    p = np.array(ps)
    idx = np.arange(len(ps))[None, :]
    for method in ("median", "mean", "geo-odds"):
        value = crowd.binary(p, idx, method)[0]
        assert p.min() - 1e-12 <= value <= p.max() + 1e-12
    geo = crowd.binary(p, idx, "geo-odds")[0]
    ext = crowd.binary(p, idx, "extremized", extremize=d)[0]
    assert abs(ext - 0.5) >= abs(geo - 0.5) - 1e-12


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=1, max_size=6),
                min_size=1, max_size=5))  # fmt: skip
def test_nanmedian_agrees_with_numpy(rows: list[list[float | None]]) -> None:
    width = max(len(r) for r in rows)
    m = np.array([[np.nan if x is None else x for x in r] + [np.nan] * (width - len(r))
                  for r in rows])  # fmt: skip
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(m, axis=1)
    np.testing.assert_allclose(crowd.nanmedian(m, axis=1), expected, equal_nan=True)


def test_questions_in_one_batch_keep_their_own_timelines() -> None:
    # the same three rows twice, as two questions: nothing carries over from the first
    member = np.concatenate([MEMBER, MEMBER])
    stamp = np.concatenate([STAMP, STAMP])
    group = np.repeat([0, 1], 4)
    rows, idx = crowd.crowd_rows(member, stamp, 3, group)
    assert rows.tolist() == [1, 2, 3, 5, 6, 7]
    assert idx[3].tolist() == [4, 5, -1]
    p = np.concatenate([P, P])
    assert crowd.binary(p, idx, "median").tolist() == pytest.approx([0.4, 0.6, 0.6] * 2)


def _standing_by_hand(member: list[int], group: list[int], n_members: int) -> list[list[int]]:
    """Each member's latest row in the row's question after each row (-1: none yet)."""
    out, latest, current = [], {}, None
    for i, (m, g) in enumerate(zip(member, group, strict=True)):
        if g != current:
            latest, current = {}, g
        latest[m] = i
        out.append([latest.get(j, -1) for j in range(n_members)])
    return out


@st.composite
def _timelines(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """Rows of up to three questions in time order: member, stamp (ties make one moment),
    group, a probability (ties, 0, 1 and NaN included) and three option probabilities."""
    n_members = draw(st.integers(1, 7))
    rows = draw(
        st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, n_members - 1), st.integers(0, 6),
                      st.one_of(st.sampled_from([0.0, 0.2, 0.5, 1.0, float("nan")]),
                                st.floats(0, 1))),
            min_size=1, max_size=90,
        )
    )  # fmt: skip
    rows.sort(key=lambda r: (r[0], r[2]))
    group, member, stamp, p = (np.array([r[k] for r in rows]) for k in range(4))
    return member, stamp, group, p.astype(np.float64), n_members


@settings(max_examples=80, deadline=None)
@given(_timelines())
def test_timeline_gives_the_crowd_rows_and_standing_forecasts_worked_out_by_hand(data) -> None:
    member, stamp, group, _, n_members = data
    line = crowd.timeline(member, stamp, n_members, group)
    dense = np.array(_standing_by_hand(member.tolist(), group.tolist(), n_members))
    last = np.r_[(stamp[1:] != stamp[:-1]) | (group[1:] != group[:-1]), True]
    standing_members = (dense >= 0).sum(axis=1)
    expected = np.flatnonzero(last & (standing_members >= crowd.MIN_MEMBERS))
    assert line.rows.tolist() == expected.tolist()
    assert line.standing.tolist() == dense[expected].tolist()
    for i in range(member.shape[0]):  # a row stands until its member's next row, or the end
        later = [j for j in range(i + 1, member.shape[0])
                 if group[j] == group[i] and member[j] == member[i]]  # fmt: skip
        end = max(j for j in range(member.shape[0]) if group[j] == group[i]) + 1
        assert line.until[i] == (later[0] if later else end)


@settings(max_examples=80, deadline=None)
@given(_timelines(), st.floats(0.5, 3.0))
def test_every_aggregate_over_the_timeline_is_bit_for_bit_the_dense_definition(
    data, d: float
) -> None:
    member, stamp, group, p, n_members = data
    line = crowd.timeline(member, stamp, n_members, group)
    gathered = np.where(line.standing >= 0, p[line.standing], np.nan)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for method in crowd.METHODS:
            expected = crowd.aggregate(gathered, method, d)  # numpy's nanmedian / nanmean
            if method == "median":
                expected = np.nanmedian(gathered, axis=1) if gathered.size else expected
            got = crowd.binary_timeline(p, line, method, d)
            assert got.tobytes() == expected.tobytes()
            assert crowd.binary(p, line.standing, method, d).tobytes() == expected.tobytes()
        together = crowd.binary_timelines(p, line, crowd.METHODS[::-1], d)
        for method, got in zip(crowd.METHODS[::-1], together, strict=True):
            assert got.tobytes() == crowd.binary(p, line.standing, method, d).tobytes()


@settings(max_examples=60, deadline=None)
@given(_timelines(), st.integers(1, 4), st.data())
def test_option_and_level_medians_over_the_timeline_equal_the_dense_ones(
    data, k: int, more
) -> None:
    member, stamp, _, _, n_members = data  # one question
    stamp = np.sort(stamp)
    line = crowd.timeline(member, stamp, n_members)
    n = member.shape[0]
    draw = more.draw(st.lists(st.floats(0.01, 0.99), min_size=n * k, max_size=n * k))
    values = np.sort(np.array(draw).reshape(n, k), axis=1)
    holes = more.draw(st.lists(st.booleans(), min_size=n * k, max_size=n * k))
    with_holes = np.where(np.array(holes).reshape(n, k), np.nan, values)
    for method in crowd.METHODS:
        expected = crowd.choice(values, line.standing, method)
        assert crowd.choice_timeline(values, line, method).tobytes() == expected.tobytes()
    for method in crowd.NUMERIC_METHODS:
        expected = crowd.quantiles(with_holes, line.standing, method)
        got = crowd.quantiles_timeline(with_holes, line, method)
        assert got.tobytes() == expected.tobytes()


@settings(max_examples=60, deadline=None)
@given(_timelines(), st.integers(1, 4), st.data())
def test_joined_timelines_give_each_questions_own_medians(data, k: int, more) -> None:
    member, stamp, group, p, n_members = data  # up to three questions, one after another
    n = member.shape[0]
    draw = more.draw(st.lists(st.floats(0.01, 0.99), min_size=n * k, max_size=n * k))
    values = np.sort(np.array(draw).reshape(n, k), axis=1)
    holes = more.draw(st.lists(st.booleans(), min_size=n * k, max_size=n * k))
    values = np.where(np.array(holes).reshape(n, k), np.nan, values)
    cuts = np.flatnonzero(np.diff(group)) + 1
    parts = np.split(np.arange(n), cuts)
    lines = [crowd.timeline(member[r], stamp[r], n_members) for r in parts]
    line = crowd.joined(lines)
    assert line.rows.tolist() == [int(r[0]) + x for r, one in zip(parts, lines, strict=True)
                                  for x in one.rows.tolist()]  # fmt: skip
    at = np.cumsum([one.rows.shape[0] for one in lines])[:-1]
    together = crowd.quantiles_timeline(values, line, "median")
    alone = [
        crowd.quantiles_timeline(values[r], one, "median")
        for r, one in zip(parts, lines, strict=True)
    ]
    for got, expected in zip(np.split(together, at), alone, strict=True):
        assert got.tobytes() == expected.tobytes()
    together = crowd.binary_timeline(p, line, "median")
    alone = [
        crowd.binary_timeline(p[r], one, "median") for r, one in zip(parts, lines, strict=True)
    ]
    assert together.tobytes() == np.concatenate(alone).tobytes()
