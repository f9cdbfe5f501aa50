"""The rules each and spot:N on hand-worked timelines, and rule parsing."""

from __future__ import annotations

import numpy as np
import pytest

from foretell.scoring.selection import parse_rule, rule_weights


def weights(days, close, rule, group=None):
    days = np.asarray(days)
    group = np.zeros(len(days), dtype=np.int64) if group is None else np.asarray(group)
    return rule_weights(group, days, np.full(len(days), close), rule)


def test_each_weighs_every_forecast_on_or_before_close_once():
    # forecasts on days 0, 3, 3 (two the same day), 10 and 12; close on day 10
    got = weights([0, 3, 3, 10, 12], 10, "each")
    assert got.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]


def test_spot_takes_the_forecast_standing_n_days_before_close():
    # close day 40: spot:30 looks at day 10; the forecast of day 8 stands then (day 12's
    # is too late), spot:0 is the last rule, spot:35 (day 5) finds the day-2 forecast
    days = [2, 8, 12, 39]
    assert weights(days, 40, "spot:30").tolist() == [0.0, 1.0, 0.0, 0.0]
    assert weights(days, 40, "spot:0").tolist() == weights(days, 40, "last").tolist()
    assert weights(days, 40, "spot:35").tolist() == [1.0, 0.0, 0.0, 0.0]
    # a forecast made exactly on the spot day counts; same-day forecasts: the later one
    assert weights([10, 10], 40, "spot:30").tolist() == [0.0, 1.0]


def test_spot_gives_no_weight_when_nothing_stood_then():
    assert weights([15, 20], 40, "spot:30").tolist() == [0.0, 0.0]


def test_spot_works_per_pair():
    group = np.array([0, 0, 1, 1])
    day = np.array([5, 20, 25, 30])
    close = np.array([40, 40, 50, 50])
    # pair 0 looks at day 10 (day 5 stands); pair 1 at day 20 (nothing yet)
    assert rule_weights(group, day, close, "spot:30").tolist() == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("each", ("each", 0)), ("spot:30", ("spot", 30)), ("last", ("last", 0))],
)
def test_parse_rule_reads_names_and_spot_days(text, parsed):
    assert parse_rule(text) == parsed


@pytest.mark.parametrize("text", ["spot", "spot:", "spot:-3", "spot:x", "spot:1.5", "every"])
def test_parse_rule_refuses_bad_rules(text):
    with pytest.raises(ValueError, match="rule"):
        parse_rule(text)
