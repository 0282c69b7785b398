"""`beacon send`: transmit built beacons on an interface with Scapy's sendp.

Meant for a monitor-mode interface (the radiotap header tells the driver how to send). The checks come
first so that a missing interface or missing privileges give one clear line, not a Scapy traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from protolab.errors import BadInput
from protolab.wifi.build import iter_train
from protolab.wifi.spec import BeaconSpec


@dataclass
class SendResult:
    iface: str
    sent: int
    interval_s: float
    bssid: str
    bytes_per_frame: int


def check_interface(iface: str) -> None:
    if not iface or "/" in iface or not Path("/sys/class/net", iface).exists():
        raise BadInput(f"no such network interface: {iface!r}")
    if os.geteuid() != 0:
        raise BadInput("beacon send needs root (raw packet sockets); run it with sudo or CAP_NET_RAW")


def send_beacons(spec: BeaconSpec, iface: str, interval_s: float | None = None) -> SendResult:
    if interval_s is not None and not 0 <= interval_s <= 3600:  # also refuses NaN
        raise BadInput(f"--interval must be 0..3600 seconds, not {interval_s}")
    check_interface(iface)
    from protolab.wifi.spec import resolve

    spec = resolve(spec)
    gap = spec.beacon_interval * 1.024e-3 if interval_s is None else interval_s
    from scapy.config import conf
    from scapy.packet import Raw
    from scapy.sendrecv import sendp

    sent: list[int] = []  # frame sizes, as the train is streamed to the socket

    def frames():
        for built in iter_train(spec):
            sent.append(len(built.frame))
            yield Raw(built.frame)

    conf.verb = 0
    try:
        sendp(frames(), iface=iface, inter=gap, verbose=False)
    except PermissionError:
        raise BadInput(f"not permitted to send on {iface} (needs root / CAP_NET_RAW)") from None
    except OSError as exc:
        raise BadInput(f"cannot send on {iface}: {exc.strerror or exc}") from None
    return SendResult(iface, len(sent), gap, spec.bssid, sent[0] if sent else 0)
