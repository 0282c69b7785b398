"""Durations as people write them, the same for every lab: ms, s, m or a bare number of seconds; anything
else is one BadInput naming the setting."""

from __future__ import annotations

import pytest

from protolab.errors import BadInput
from protolab.sim.durations import parse_duration


@pytest.mark.parametrize("text,seconds", [
    ("1500ms", 1.5), ("2s", 2.0), ("0.5m", 30.0), ("3", 3.0), (" 4s ", 4.0), (7, 7.0), (0.25, 0.25), ("+1s", 1.0),
])
def test_units(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("value,message", [
    ("2h", "--hold: expected a duration such as 2s or 1500ms, got '2h'"),
    ("1 s", "--hold: expected a duration such as 2s or 1500ms, got '1 s'"),
    (True, "--hold: expected a duration such as 2s or 1500ms, got True"),
    (float("nan"), "--hold: expected a finite duration such as 2s or 1500ms, got nan"),
    ("1" * 400 + "s", "--hold: expected a finite duration such as 2s or 1500ms"),
    ("-1s", "--hold: must not be negative, got '-1s'"),
])
def test_bad_durations_name_the_setting(value, message):
    with pytest.raises(BadInput) as err:
        parse_duration(value, "--hold")
    assert str(err.value).startswith(message)


def test_signed_durations_may_be_negative():
    assert parse_duration("-500ms", "skew", signed=True) == -0.5
