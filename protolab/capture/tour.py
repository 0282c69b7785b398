"""Tour stop of the capture lab: write a tiny capture in memory, read it back, say what is in it."""

from __future__ import annotations

import io
import struct

from protolab.tourstop import StopReport, TourStop

NAME, TITLE = "pcap", "Capture files: write, read back, locate the payloads"
BSSID = bytes.fromhex("020000aabbcc")


def _beacon() -> bytes:
    # radiotap: flags, rate, channel (2437 MHz, 2.4 GHz OFDM), dBm signal
    radiotap = struct.pack("<BBHIBBHHbx", 0, 0, 16, 0x2E, 0, 12, 2437, 0x00C0, -42)
    header = struct.pack("<HH6s6s6sH", 0x0080, 0, b"\xff" * 6, BSSID, BSSID, 0x10)
    return radiotap + header + struct.pack("<QHH", 0, 100, 0x0411) + b"\x00\x04tour"


def run() -> StopReport:
    from protolab.capture.linklayer import locate
    from protolab.capture.radiotap import parse_radiotap
    from protolab.capture.reader import open_capture
    from protolab.capture.summary import capture_summary
    from protolab.capture.tcpsynth import TcpFlow
    from protolab.capture.writer import LINKTYPE_ETHERNET, LINKTYPE_RADIOTAP, PcapngWriter

    flow = TcpFlow(client=("10.0.0.1", 50000), server=("10.0.0.2", 443))
    client_hello = b"\x16\x03\x01\x00\x04" + b"\x01\x00\x00\x00"   # a TLS record header, the start of a hello
    frames = flow.handshake() + flow.send(from_client=True, payload=client_hello)
    buf = io.BytesIO()
    with PcapngWriter(buf) as w:
        radio = w.add_interface(LINKTYPE_RADIOTAP, name="mon0")
        wired = w.add_interface(LINKTYPE_ETHERNET, name="eth0")
        w.write(_beacon(), 1_700_000_000_000_000_000, interface=radio)
        for i, frame in enumerate(frames, 1):
            w.write(frame, 1_700_000_000_000_000_000 + i * 1_000_000, interface=wired)
    data = buf.getvalue()

    with open_capture(io.BytesIO(data)) as cap:
        packets = list(cap)
        interfaces = [f"#{i.id} {i.name} {i.linktype_name}" for i in cap.interfaces]
    beacon = packets[0]
    loc = locate(beacon.linktype, beacon.data)
    rt = parse_radiotap(beacon.data)
    summary = capture_summary(io.BytesIO(data))
    conv = summary.ip.top_tcp[0]
    cut = io.BytesIO(data[:-7])           # the same file, cut short in its last packet
    with open_capture(cut) as short:
        kept = sum(1 for _ in short)
        warnings = short.warnings
    lines = [
        f"wrote a {len(data)}-byte pcapng in memory: {len(packets)} frames on {len(interfaces)} interfaces "
        f"({', '.join(interfaces)})",
        f"frame 1: radiotap {rt.length} bytes -> {rt.freq_mhz} MHz = channel {rt.channel} ({rt.band}), "
        f"{rt.signal_dbm} dBm, {rt.rate_mbps:g} Mb/s; the 802.11 beacon starts at byte {loc.offset}",
        f"frames 2-{len(packets)}: Ethernet/IPv4/TCP {conv.a} <-> {conv.b}, {conv.packets} packets, "
        f"looks like TLS: {'yes' if conv.tls else 'no'}",
        f"802.11 summary: {summary.wifi.types[0].name} x{summary.wifi.types[0].count}, "
        f"{summary.wifi.bssids} BSSID",
        f"cut 7 bytes off the end: {kept} frames kept, warning: {warnings[0] if warnings else 'none'}",
    ]
    ok = (len(packets) == 5 and loc.offset == 16 and rt.channel == 6 and conv.tls and kept == 4
          and len(warnings) == 1)
    return StopReport(NAME, TITLE, lines, ok)


STOP = TourStop(NAME, TITLE, run)
