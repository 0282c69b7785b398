"""`build_and_show`: the whole train goes to the sink, beacon N is the one dissected, without a sink as with one."""

from __future__ import annotations

import pytest

from protolab.wifi.spec import BeaconSpec, resolve
from protolab.wifi.train import build_and_show


def test_the_sink_gets_every_beacon_and_the_shown_one_is_the_nth():
    spec = resolve(BeaconSpec(ssid=b"train", count=5, dtim_period=2))
    got = []
    result = build_and_show(spec, 3, lambda train: got.extend(train), output="x.pcap")
    assert len(got) == 5 and len({b.frame for b in got}) == 5  # TSF and sequence differ per beacon
    assert result.frame_hex == got[2].frame and result.shown_frame == 3 and result.beacon.frame == 3
    assert (result.frames, result.output) == (5, "x.pcap")
    unsunk = build_and_show(spec, 3)
    assert unsunk.frame_hex == got[2].frame and unsunk.output is None
    assert unsunk.beacon == result.beacon and result.beacon.time_ns == got[2].timestamp_ns


def test_a_sink_error_reaches_the_caller():
    def full(train):
        next(iter(train))
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        build_and_show(resolve(BeaconSpec(count=3)), 1, full)
