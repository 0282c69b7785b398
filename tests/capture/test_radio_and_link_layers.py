"""Radiotap, the other radio headers, link layers and IP decoding, checked against tshark on frames we build."""

from __future__ import annotations

import socket
import struct
import subprocess
import zlib

import pytest

from protolab.capture.ip import parse_ip
from protolab.capture.linklayer import locate
from protolab.capture.radiotap import channel_to_freq, freq_to_channel, parse_radiotap
from protolab.capture.reader import open_capture
from protolab.capture.tcpsynth import TcpFlow, internet_checksum
from protolab.capture.writer import PcapngWriter

BSSID = bytes.fromhex("020000aabbcc")


def beacon(bssid: bytes = BSSID, fcs: bool = False) -> bytes:
    frame = struct.pack("<HH6s6s6sH", 0x0080, 0, b"\xff" * 6, bssid, bssid, 0x10)
    frame += struct.pack("<QHH", 1234, 100, 0x0401) + b"\x00\x03lab" + b"\x01\x02\x82\x84"
    return frame + struct.pack("<I", zlib.crc32(frame)) if fcs else frame


def radiotap(words: list[int], fields: bytes) -> bytes:
    body = struct.pack(f"<{len(words)}I", *words) + fields
    return struct.pack("<BBH", 0, 0, 4 + len(body)) + body


# (name, radiotap header, 802.11 frame, what we expect to read)
FLAGS_FCS = 0x10
RADIOTAP_CASES = [
    # TSFT (8-aligned: 4 pad bytes after the 4-byte bitmap + 4-byte header), flags, rate, channel, signal,
    # noise, antenna.
    ("basic", radiotap([0x0000086F], struct.pack("<QBBHHbbB", 99, 0, 12, 2437, 0x00A0, -42, -95, 1)),
     beacon(), dict(tsft=99, rate_mbps=6.0, freq_mhz=2437, signal_dbm=-42, noise_dbm=-95, antenna=1,
                    channel=6, band="2.4 GHz", complete=True)),
    # Two radiotap namespaces: the first signal is the combined one, the second is per antenna.
    ("chained", radiotap([0xA0000022, 0x00000820], struct.pack("<BbbB", 0, -50, -60, 2)),
     beacon(), dict(signal_dbm=-50, flags=0, antenna=2, complete=True)),
    # A vendor namespace between two radiotap namespaces: skipped by its skip length.
    ("vendor", radiotap([0xC0000002, 0xA0000001, 0x00000020],
                        struct.pack("<Bx3sBH", 0, b"\x00\x11\x22", 1, 5) + b"VVVVV" + struct.pack("<b", -33)),
     beacon(), dict(signal_dbm=-33, complete=True)),
    # Flags say FCS at end; MCS and VHT fields; 5 GHz channel 36.
    ("mcs-vht-fcs", radiotap([0x0028000A], struct.pack("<BxHHBBBxHBB4sBBH", FLAGS_FCS, 5180, 0x0140, 0x07, 0x04, 7,
                                                       0x0044, 0x04, 4, bytes([0x92, 0, 0, 0]), 0, 0, 0)),
     beacon(fcs=True), dict(freq_mhz=5180, channel=36, band="5 GHz", fcs_at_end=True, complete=True)),
    # An unknown field (bit 28, radiotap TLVs) stops the walk; the frame is still found by it_len.
    ("unknown", radiotap([0x10000020], struct.pack("<b", -70) + bytes(7)), beacon(),
     dict(signal_dbm=-70, complete=False)),
]


def write_pcapng(path, frames: list[tuple[int, bytes]]) -> None:
    with PcapngWriter(path) as w:
        ids = {}
        for linktype, _frame in frames:
            if linktype not in ids:
                ids[linktype] = w.add_interface(linktype)
        for i, (linktype, frame) in enumerate(frames):
            w.write(frame, 1_700_000_000_000_000_000 + i * 1000, interface=ids[linktype])


def tshark_fields(tshark: str, path, fields: list[str]) -> list[list[str]]:
    out = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-E", "occurrence=f",
                          *[x for f in fields for x in ("-e", f)]], capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def test_radiotap_cases_agree_with_tshark(tool, tmp_path):
    tshark = tool("tshark")
    path = tmp_path / "radiotap.pcapng"
    write_pcapng(path, [(127, rt + frame) for _, rt, frame, _ in RADIOTAP_CASES])
    rows = tshark_fields(tshark, path, ["wlan.bssid", "radiotap.dbm_antsignal", "radiotap.channel.freq",
                                        "radiotap.flags.fcs", "wlan_radio.channel", "radiotap.mcs.index",
                                        "radiotap.vht.bw"])
    with open_capture(path) as cap:
        packets = list(cap)
    for (name, rt_bytes, _frame, expected), pkt, row in zip(RADIOTAP_CASES, packets, rows, strict=True):
        loc = locate(pkt.linktype, pkt.data)
        rt = loc.radiotap
        assert (loc.kind, loc.offset) == ("802.11", len(rt_bytes)), name
        assert pkt.data[loc.offset + 16:loc.offset + 22] == BSSID and row[0] == "02:00:00:aa:bb:cc", name
        for key, value in expected.items():
            assert getattr(rt, key) == value, (name, key)
        assert str(rt.signal_dbm if rt.signal_dbm is not None else "") == row[1], name
        assert str(rt.freq_mhz or "") == row[2], name
        assert (row[3] in ("1", "True")) == rt.fcs_at_end, name
        assert str(rt.channel or "") == row[4], name
        assert loc.fcs_len == (4 if rt.fcs_at_end else 0)
        if name == "mcs-vht-fcs":
            assert rt.mcs.index == int(row[5]) == 7 and rt.mcs.bandwidth_mhz == 20
            assert rt.vht.bandwidth_mhz == 80 and rt.vht.users == [(9, 2)] and row[6] == "4"


def test_radiotap_never_raises_on_short_or_lying_headers():
    assert parse_radiotap(b"").complete is False
    assert parse_radiotap(b"\x00\x00\xff\x00\x00\x00\x00\x00").length == 0          # length past the data
    endless = struct.pack("<BBH", 0, 0, 16) + struct.pack("<3I", 0x80000000, 0x80000000, 0x80000000)
    assert parse_radiotap(endless).complete is False                                # bitmaps run off the end
    assert locate(127, b"\x00\x00\x04").kind == "malformed"


@pytest.mark.parametrize("freq,channel,band", [(2412, 1, "2.4 GHz"), (2484, 14, "2.4 GHz"), (5180, 36, "5 GHz"),
                                              (5825, 165, "5 GHz"), (5935, 2, "6 GHz"), (5955, 1, "6 GHz"),
                                              (6415, 93, "6 GHz"), (7115, 233, "6 GHz"), (58320, 1, "60 GHz")])
def test_frequency_channel_helpers(freq, channel, band):
    assert freq_to_channel(freq) == channel
    assert channel_to_freq(channel, band) == freq
    assert parse_radiotap(radiotap([0x8], struct.pack("<HH", freq, 0))).band == band


def _ipv4_udp(src: str, dst: str, payload: bytes) -> bytes:
    udp = struct.pack(">HHHH", 5353, 53, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    return ip[:10] + struct.pack(">H", internet_checksum(ip)) + ip[12:] + udp


def _ipv6_tcp_with_extension() -> bytes:
    flow = TcpFlow(("10.0.0.1", 40000), ("10.0.0.2", 443))
    tcp = flow.handshake()[0][34:]          # the SYN's TCP header, reused inside IPv6
    hop_by_hop = bytes([6, 0]) + bytes(6)   # next header TCP, 8 bytes long
    src, dst = socket.inet_pton(socket.AF_INET6, "2001:db8::1"), socket.inet_pton(socket.AF_INET6, "2001:db8::2")
    return struct.pack(">IHBB16s16s", 0x60000000, len(hop_by_hop) + len(tcp), 0, 64, src, dst) + hop_by_hop + tcp


def _frames():
    """(link type, frame, expected kind, expected src address) for every link layer we decode."""
    v4 = _ipv4_udp("192.0.2.1", "192.0.2.2", b"hello")
    v6 = _ipv6_tcp_with_extension()
    eth = lambda etype, payload: b"\x02" * 6 + b"\x04" * 6 + struct.pack(">H", etype) + payload  # noqa: E731
    vlan = b"\x02" * 6 + b"\x04" * 6 + struct.pack(">HHH", 0x8100, 5, 0x0800) + v4
    sll = struct.pack(">HHH8sH", 0, 1, 6, b"\x04" * 6 + b"\0\0", 0x0800) + v4
    sll2 = struct.pack(">HHIHBB8s", 0x86DD, 0, 1, 1, 0, 6, b"\x04" * 8) + v6
    ppi = struct.pack("<BBHI", 0, 0, 32, 105) + struct.pack("<HH", 2, 20) + struct.pack(
        "<QHHHHBBbb", 5, 0, 12, 2462, 0x00A0, 0, 0, -48, -90)
    avs = struct.pack(">IIQQIIIIIIiiII", 0x80211001, 64, 7, 0, 6, 11, 540, 0, 0, 2, -55, -95, 0, 0)
    prism = struct.pack("<II16s", 0x44, 144, b"wlan0".ljust(16, b"\0")) + b"".join(
        struct.pack("<IHHI", (item << 12) | 0x41, 0, 4, value)
        for item, value in [(1, 0), (2, 0), (3, 6), (4, (-60) & 0xFFFFFFFF), (5, 0), (6, 0), (7, 0), (8, 2), (9, 0),
                            (10, 60)])
    return [
        (1, eth(0x0800, v4), "ipv4", "192.0.2.1"),
        (1, vlan, "ipv4", "192.0.2.1"),
        (1, eth(0x0806, bytes(28)), "ethernet", None),
        (101, v6, "ipv6", "2001:db8::1"),
        (228, v4, "ipv4", "192.0.2.1"),
        (229, v6, "ipv6", "2001:db8::1"),
        (113, sll, "ipv4", "192.0.2.1"),
        (276, sll2, "ipv6", "2001:db8::1"),
        (0, struct.pack("<I", 2) + v4, "ipv4", "192.0.2.1"),
        (0, struct.pack(">I", 30) + v6, "ipv6", "2001:db8::1"),
        (108, struct.pack(">I", 2) + v4, "ipv4", "192.0.2.1"),
        (105, beacon(), "802.11", None),
        (192, ppi + beacon(), "802.11", None),
        (163, avs + beacon(), "802.11", None),
        (119, prism + beacon(), "802.11", None),
        (147, b"user link type", "unknown", None),
    ]


def test_link_layers_and_ip_agree_with_tshark(tool, tmp_path):
    tshark = tool("tshark")
    frames = _frames()
    path = tmp_path / "links.pcapng"
    write_pcapng(path, [(lt, frame) for lt, frame, _, _ in frames])
    rows = tshark_fields(tshark, path, ["ip.src", "ipv6.src", "udp.srcport", "tcp.srcport", "wlan.bssid",
                                        "wlan_radio.signal_dbm", "wlan_radio.channel"])
    with open_capture(path) as cap:
        packets = list(cap)
    for (lt, _, kind, src), pkt, row in zip(frames, packets, rows, strict=True):
        loc = locate(pkt.linktype, pkt.data)
        assert pkt.linktype == lt and loc.kind == kind, (lt, loc)
        if kind in ("ipv4", "ipv6"):
            ip = parse_ip(pkt.data, loc.offset)
            assert ip.src == src == (row[0] or row[1]), lt
            transport = ip.udp or ip.tcp
            assert str(transport.sport) == (row[2] or row[3]), lt
        if kind == "802.11":
            assert row[4] == "02:00:00:aa:bb:cc", lt
            if loc.radiotap is not None:
                assert str(loc.radiotap.signal_dbm) == row[5], lt
                assert str(loc.radiotap.channel) == row[6], lt


def test_ip_details():
    ip = parse_ip(_ipv6_tcp_with_extension())
    assert (ip.version, ip.proto, ip.header_len, ip.tcp.flag_names) == (6, 6, 48, ["SYN"])
    udp = parse_ip(_ipv4_udp("192.0.2.1", "192.0.2.2", b"hello") + b"\0\0\0\0")   # Ethernet-style padding
    assert udp.udp.payload == b"hello" and udp.dst == "192.0.2.2"
    fragment = bytearray(_ipv4_udp("192.0.2.1", "192.0.2.2", b"x"))
    fragment[6:8] = struct.pack(">H", 100)
    assert parse_ip(bytes(fragment)).fragment and parse_ip(bytes(fragment)).udp is None
    for garbage in (b"", b"\x45", b"\x4f" + bytes(30), b"\x60" + bytes(10), b"\x00" * 40):
        assert parse_ip(garbage) is None


def test_tcpflow_is_deterministic_and_splits_by_mss():
    def conversation(seed):
        flow = TcpFlow(("10.0.0.1", 50000), ("10.0.0.2", 443), seed=seed, mss=100)
        return flow.handshake() + flow.send(True, bytes(250)) + flow.send(False, b"ok", ack=True) + flow.close()

    frames = conversation(3)
    assert frames == conversation(3) and frames != conversation(4)
    segments = [parse_ip(f, 14).tcp for f in frames]
    assert [len(s.payload) for s in segments] == [0, 0, 0, 100, 100, 50, 2, 0, 0, 0, 0]
    client_isn = segments[0].seq
    assert segments[5].seq == (client_isn + 1 + 200) & 0xFFFFFFFF
    assert segments[6].ack == (client_isn + 1 + 250) & 0xFFFFFFFF


def _prism(rssi: tuple[int, int], signal: tuple[int, int]) -> bytes:
    """A wlan-ng Prism header whose items are (did, status, len, data); rssi/signal are (status, value)."""
    items = [(1, 0, 0), (2, 0, 0), (3, 0, 6), (4, *rssi), (5, 0, 0), (6, *signal), (7, 0, 0), (8, 0, 2), (9, 0, 0),
             (10, 0, 60)]
    return struct.pack("<II16s", 0x44, 144, b"wlan0".ljust(16, b"\0")) + b"".join(
        struct.pack("<IHHI", (item << 12) | 0x41, status, 4, value & 0xFFFFFFFF) for item, status, value in items)


def test_prism_signal_is_the_supplied_rssi_item_as_tshark_reads_it(tool, shared, tmp_path):
    """tshark's wlan_radio.signal_dbm for Prism is the RSSI item, and only when its status is 0 (supplied);
    the 'signal' item is not used. Built headers with each status, then every frame of a real capture
    (aircrack__wpa.cap: RSSI 0 supplied, signal 37..62 supplied -> 0 dBm, as tshark says)."""
    tshark = tool("tshark")
    cases = [((0, -60), (0, 57), -60), ((1, -60), (0, 57), None), ((0, 57), (0, -40), 57), ((1, 0), (1, 0), None)]
    path = tmp_path / "prism.pcapng"
    write_pcapng(path, [(119, _prism(rssi, signal) + beacon()) for rssi, signal, _ in cases])
    real = shared("wifi/captures/aircrack__wpa.cap")
    for capture, expected in ((path, [want for _, _, want in cases]), (real, None)):
        rows = tshark_fields(tshark, capture, ["wlan_radio.signal_dbm", "prism.did.signal"])
        with open_capture(capture) as cap:
            ours = [locate(p.linktype, p.data).radiotap.signal_dbm for p in cap]
        assert [str(s) if s is not None else "" for s in ours] == [row[0] for row in rows]
        if expected is not None:
            assert ours == expected
        else:
            assert set(ours) == {0} and {row[1] for row in rows} >= {"57", "62"}
