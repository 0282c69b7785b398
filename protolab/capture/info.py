"""`pcap info`: what capinfos tells about a capture, from the fast path (record headers only).

Figures follow capinfos' definitions: data size is the sum of the original (on-the-wire) lengths; first
and last time are the earliest and latest timestamps; the rates divide by the duration between them.

Interfaces: `id` indexes the file's interfaces in file order across pcapng sections (Packet.interface);
`section` (1-based) and `section_id` are tshark's frame.section_number and frame.interface_id, which
restart in each section. capinfos 4.0 lists every interface of the file under each section and counts
packets by the in-section id, so its per-interface counts are wrong for multi-section files; ours are
counted per interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from protolab.capture.linktypes import linktype_description
from protolab.capture.reader import open_capture
from protolab.capture.timestamps import OUT_OF_RANGE, in_range, utc_time


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
    section: int = 1        # tshark's frame.section_number
    section_id: int = 0     # tshark's frame.interface_id


@dataclass
class CaptureInfo:
    path: str
    format: str
    byte_order: str
    version: str
    compressed: bool
    file_size: int
    precision: str
    precision_digits: int      # decimals of a second the timestamps carry (capinfos' "(6)"); 9 when mixed
    snaplen: int | None        # pcap file header's snaplen (pcapng: per interface)
    application: str           # pcapng shb_userappl of the first section that has one
    sections: int
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
    untimed_packets: int       # without a timestamp (pcapng simple packet blocks): left out of the times
    avg_packet_size: float | None
    data_byte_rate: float | None
    data_bit_rate: float | None
    packet_rate: float | None
    in_order: bool
    warnings: list[str] = field(default_factory=list)


def capture_info(path, progress: Callable[[int], None] | None = None) -> CaptureInfo:
    with open_capture(path, progress) as cap:
        t = cap.tally()
        interfaces = [InterfaceInfo(i.id, i.linktype, i.linktype_name, linktype_description(i.linktype), i.snaplen,
                                    i.fcs_len, i.ticks_per_second, i.name, i.packets, i.section, i.section_id)
                      for i in cap.interfaces]
        precision, digits = _precision(cap.interfaces)
        duration = (t.last_ns - t.first_ns) / 1e9 if t.first_ns is not None else None
        rate = (lambda x: x / duration) if duration else (lambda x: None)
        return CaptureInfo(
            path=str(path), format=cap.format, byte_order=cap.byte_order, version=cap.version,
            compressed=cap.compressed, file_size=cap.size, precision=precision, precision_digits=digits,
            snaplen=cap.snaplen if cap.format == "pcap" else None, application=cap.application,
            sections=max((i.section for i in cap.interfaces), default=0 if cap.format == "pcapng" else 1),
            interfaces=interfaces, packets=t.packets, first_time=utc_time(t.first_ns), last_time=utc_time(t.last_ns),
            first_ns=t.first_ns, last_ns=t.last_ns, duration_s=duration, data_bytes=t.wire_bytes,
            captured_bytes=t.data_bytes, truncated_records=t.truncated, untimed_packets=t.untimed,
            avg_packet_size=t.wire_bytes / t.packets if t.packets else None,
            data_byte_rate=rate(t.wire_bytes), data_bit_rate=rate(t.wire_bytes * 8) if duration else None,
            packet_rate=rate(t.packets), in_order=t.in_order,
            warnings=cap.warnings + ([] if in_range(t.first_ns) and in_range(t.last_ns) else [OUT_OF_RANGE]))


PRECISIONS = {10**0: "seconds", 10**3: "milliseconds", 10**6: "microseconds", 10**9: "nanoseconds"}


def _precision(interfaces) -> tuple[str, int]:
    """(name, decimals) of the timestamp unit of all interfaces, as capinfos' "microseconds (6)"."""
    ticks = {i.ticks_per_second for i in interfaces}
    if len(ticks) != 1:
        return ("mixed" if ticks else ""), 9
    tps = ticks.pop()
    digits = len(str(tps)) - 1 if str(tps).strip("0") == "1" else 9   # 10**k ticks: k decimals
    return PRECISIONS.get(tps, f"1/{tps} s"), min(digits, 9)
