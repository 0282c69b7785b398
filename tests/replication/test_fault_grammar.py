"""The fault grammar (`crash`, `pause`, `partition`, `delay`, `loss`, `skew`) and durations: what each text means,
and one clear error line for a text that means nothing."""

from __future__ import annotations

import pytest

from protolab.errors import BadInput
from protolab.replication.faults import parse_fault
from protolab.sim.durations import parse_duration


@pytest.mark.parametrize("text,kind,at,until", [
    ("crash primary at 2s", "crash", 2.0, None),
    ("crash n1 at 2s for 3s", "crash", 2.0, 5.0),
    ("pause n2 at 1500ms for 0.5s", "pause", 1.5, 2.0),
    ("partition n1|n2,n3 from 3s to 9s", "partition", 3.0, 9.0),
    ("delay n1|n2 200ms from 1s to 2s", "delay", 1.0, 2.0),
    ("loss n1|n2 30% from 1s to 2s", "loss", 1.0, 2.0),
    ("skew n2 -500ms", "skew", 0.0, None),
])
def test_fault_grammar(text, kind, at, until):
    f = parse_fault(text)
    assert (f.kind, f.at, f.until) == (kind, at, until)


@pytest.mark.parametrize("text", ["explode n1 at 2s", "crash n1 at soon", "partition n1 from 1s to 2s",
                                  "partition n1|n2 from 5s to 2s", "loss n1|n2 300% from 1s to 2s",
                                  "partition n1|n1 from 1s to 2s"])
def test_bad_faults_are_one_clear_error(text):
    with pytest.raises(BadInput) as err:
        parse_fault(text)
    assert "\n" not in str(err.value)


def test_durations():
    assert parse_duration("1500ms") == 1.5 and parse_duration("2s") == 2 and parse_duration(3) == 3.0
    with pytest.raises(BadInput):
        parse_duration("-1s")
    assert parse_duration("-500ms", signed=True) == -0.5
