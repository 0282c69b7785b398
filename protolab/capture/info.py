"""`pcap info`: what capinfos tells about a capture, from the fast path (record headers only).

Figures follow capinfos' definitions: data size is the sum of the original (on-the-wire) lengths; first
and last time are the earliest and latest timestamps; the rates divide by the duration between them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from protolab.capture.linktypes import linktype_description
from protolab.capture.reader import open_capture


@dataclass
class InterfaceInfo:
    id: int
    linktype: int
    linktype_name: str
    description: str
    snaplen: int
    fcs_len: int
    ticks_per_second: int
    name: str
    packets: int


@dataclass
class CaptureInfo:
    path: str
    format: str
    byte_order: str
    version: str
    compressed: bool
    file_size: int
    precision: str
    interfaces: list[InterfaceInfo]
    packets: int
    first_time: str | None
    last_time: str | None
    first_ns: int | None
    last_ns: int | None
    duration_s: float | None
    data_bytes: int            # sum of original lengths (capinfos' "data size")
    captured_bytes: int        # sum of captured lengths
    truncated_records: int     # captured shorter than on the wire
    avg_packet_size: float | None
    data_byte_rate: float | None
    data_bit_rate: float | None
    packet_rate: float | None
    in_order: bool
    warnings: list[str] = field(default_factory=list)


def iso_time(ns: int | None) -> str | None:
    if ns is None:
        return None
    sec, frac = divmod(ns, 1_000_000_000)
    try:
        stamp = datetime.fromtimestamp(sec, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return None
    return f"{stamp}.{frac:09d}Z"


def capture_info(path, progress: Callable[[int], None] | None = None) -> CaptureInfo:
    with open_capture(path, progress) as cap:
        t = cap.tally()
        interfaces = [InterfaceInfo(i.id, i.linktype, i.linktype_name, linktype_description(i.linktype), i.snaplen,
                                    i.fcs_len, i.ticks_per_second, i.name, i.packets) for i in cap.interfaces]
        precision = cap.precision or _precision(cap.interfaces)
        duration = (t.last_ns - t.first_ns) / 1e9 if t.packets else None
        rate = (lambda x: x / duration) if duration else (lambda x: None)
        return CaptureInfo(
            path=str(path), format=cap.format, byte_order=cap.byte_order, version=cap.version,
            compressed=cap.compressed, file_size=cap.size, precision=precision, interfaces=interfaces,
            packets=t.packets, first_time=iso_time(t.first_ns), last_time=iso_time(t.last_ns),
            first_ns=t.first_ns, last_ns=t.last_ns, duration_s=duration, data_bytes=t.wire_bytes,
            captured_bytes=t.data_bytes, truncated_records=t.truncated,
            avg_packet_size=t.wire_bytes / t.packets if t.packets else None,
            data_byte_rate=rate(t.wire_bytes), data_bit_rate=rate(t.wire_bytes * 8) if duration else None,
            packet_rate=rate(t.packets), in_order=t.in_order, warnings=list(cap.warnings))


PRECISIONS = {10**0: "seconds", 10**3: "milliseconds", 10**6: "microseconds", 10**9: "nanoseconds"}


def _precision(interfaces) -> str:
    names = {PRECISIONS.get(i.ticks_per_second, f"1/{i.ticks_per_second} s") for i in interfaces}
    return names.pop() if len(names) == 1 else ("mixed" if names else "")
