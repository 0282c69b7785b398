"""A beacon train built from a spec, with one of its beacons dissected to show: what `beacon build` returns.

The train is streamed to a sink (the caller's pcap writer: a million beacons would not fit in memory);
only the beacon to show is kept. No file is opened here: the sink does the writing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from protolab.wifi.build import BuiltBeacon, iter_train
from protolab.wifi.spec import BeaconSpec


@dataclass
class BuildResult:
    spec: Any
    frames: int
    output: str | None
    shown_frame: int
    beacon: Any
    frame_hex: bytes = field(default=b"")


def build_and_show(spec: BeaconSpec, frame: int, sink: Callable[[Iterable[BuiltBeacon]], None] | None = None,
                   output: str | None = None) -> BuildResult:
    """Build the train of a resolved spec, feed it all to `sink` if given, dissect beacon number `frame` (1-based).

    Without a sink the train is built only up to that beacon. `output` names where the sink wrote, for the result.
    """
    from protolab.capture.linklayer import locate
    from protolab.capture.writer import LINKTYPE_RADIOTAP
    from protolab.wifi.dissect import dissect_frame

    shown: list[BuiltBeacon] = []

    def train() -> Iterator[BuiltBeacon]:
        for number, built in enumerate(iter_train(spec), 1):
            if number == frame:
                shown.append(built)
            yield built

    if sink is not None:
        sink(train())
    else:
        next(built for number, built in enumerate(train(), 1) if number == frame)
    chosen = shown[0]
    located = locate(LINKTYPE_RADIOTAP, chosen.frame)
    beacon = dissect_frame(chosen.frame[located.offset:], frame, chosen.timestamp_ns, located.radiotap)
    return BuildResult(spec, spec.count, output, frame, beacon, chosen.frame)
