"""`pcap summary`: a protocol breakdown of a capture - per link type, 802.11 frame kinds, IP conversations.

Theory of operation: one streaming pass. Each packet is located (protolab.capture.linklayer); 802.11
frames are counted by type/subtype and BSSID, and their unprotected LLC/SNAP bodies are followed to the
ethertype; IP packets (from any link layer) feed a conversation table keyed by the unordered pair of
endpoints, as tshark's `-z conv,tcp` / `conv,udp`. A TCP conversation "looks like TLS" when one of its
segments starts with a TLS record header. Tables are bounded (MAX_TRACKED keys each) so memory stays
constant on any file; what does not fit is counted as "untracked".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from protolab.capture.dot11 import TYPE_NAMES, llc_ethertype, mac, parse_mac_header, subtype_name
from protolab.capture.ip import parse_ip
from protolab.capture.linklayer import locate
from protolab.capture.linktypes import linktype_name
from protolab.capture.reader import open_capture

MAX_TRACKED = 100_000
ETHERTYPE_NAMES = {0x0800: "ipv4", 0x86DD: "ipv6", 0x0806: "arp", 0x888E: "eapol", 0x88CC: "lldp",
                   0x8035: "rarp", 0x88C7: "rsn-preauth", 0x8847: "mpls", 0x890D: "tdls"}
TLS_CONTENT_TYPES = {20, 21, 22, 23}


def ethertype_name(value: int) -> str:
    return ETHERTYPE_NAMES.get(value, f"0x{value:04x}")


def looks_like_tls(payload: bytes) -> bool:
    """A TLS record header: content type 20-23, version 3.x (x <= 4), a length a record can have."""
    return (len(payload) >= 5 and payload[0] in TLS_CONTENT_TYPES and payload[1] == 3 and payload[2] <= 4
            and (payload[3] << 8 | payload[4]) <= 18432)


@dataclass
class LinkTypeCount:
    linktype: int
    name: str
    packets: int


@dataclass
class FrameTypeCount:
    type_subtype: int        # tshark 4.0's wlan.fc.type_subtype: type << 4 | subtype
    type: str
    name: str
    count: int


@dataclass
class Conversation:
    proto: str
    a: str                   # "address:port", the lower endpoint
    b: str
    packets: int = 0
    bytes: int = 0           # frame bytes, as tshark's conversation table counts them
    packets_a_to_b: int = 0
    packets_b_to_a: int = 0
    first_ns: int = 0
    last_ns: int = 0
    tls: bool = False


@dataclass
class WifiSummary:
    frames: int = 0
    malformed: int = 0
    other_version: int = 0   # protocol version 1 (802.11ah) or reserved: not typed, as tshark
    types: list[FrameTypeCount] = field(default_factory=list)
    bssids: int = 0
    top_bssids: list[tuple[str, int]] = field(default_factory=list)
    protected_data: int = 0
    llc_payloads: dict[str, int] = field(default_factory=dict)
    bands: dict[str, int] = field(default_factory=dict)


@dataclass
class IpSummary:
    ipv4: int = 0
    ipv6: int = 0
    tcp: int = 0
    udp: int = 0
    other: int = 0
    tcp_conversations: int = 0
    udp_conversations: int = 0
    tls_conversations: int = 0
    untracked: int = 0
    top_tcp: list[Conversation] = field(default_factory=list)
    top_udp: list[Conversation] = field(default_factory=list)


@dataclass
class CaptureSummary:
    path: str
    format: str
    packets: int
    link_types: list[LinkTypeCount]
    wifi: WifiSummary | None
    ip: IpSummary | None
    ethertypes: dict[str, int]
    unknown_link: int
    malformed: int
    warnings: list[str] = field(default_factory=list)


class _Tally:
    """Mutable counters of one pass; `result()` turns them into the summary dataclasses."""

    def __init__(self) -> None:
        self.links: Counter = Counter()
        self.wifi_frames = self.wifi_malformed = self.protected = self.other_version = 0
        self.subtypes: Counter = Counter()
        self.bssids: Counter = Counter()
        self.llc: Counter = Counter()
        self.bands: Counter = Counter()
        self.ethertypes: Counter = Counter()
        self.ip_versions: Counter = Counter()
        self.transports: Counter = Counter()
        self.conversations: dict[tuple, Conversation] = {}
        self.untracked = self.unknown = self.malformed = 0

    def ip(self, data: bytes, offset: int, ts: int, frame_len: int) -> None:
        ip = parse_ip(data, offset)
        if ip is None:
            self.malformed += 1
            return
        self.ip_versions[ip.version] += 1
        seg = ip.tcp or ip.udp
        if seg is None:
            self.transports["other"] += 1
            return
        proto = "tcp" if ip.tcp else "udp"
        self.transports[proto] += 1
        src, dst = (ip.src, seg.sport), (ip.dst, seg.dport)
        forward = src <= dst
        key = (proto, src, dst) if forward else (proto, dst, src)
        conv = self.conversations.get(key)
        if conv is None:
            if len(self.conversations) >= MAX_TRACKED:
                self.untracked += 1
                return
            a, b = key[1], key[2]
            conv = self.conversations[key] = Conversation(proto, _endpoint(a), _endpoint(b), first_ns=ts)
        conv.packets += 1
        conv.bytes += frame_len
        conv.last_ns = ts
        if forward:
            conv.packets_a_to_b += 1
        else:
            conv.packets_b_to_a += 1
        if ip.tcp and not conv.tls and looks_like_tls(ip.tcp.payload):
            conv.tls = True

    def dot11(self, data: bytes, loc, ts: int, frame_len: int) -> None:
        self.wifi_frames += 1
        if loc.radiotap is not None and loc.radiotap.band:
            self.bands[loc.radiotap.band] += 1
        hdr = parse_mac_header(data, loc.offset)
        if hdr is None:
            self.wifi_malformed += 1
            return
        if hdr.version:
            self.other_version += 1
            return
        self.subtypes[(hdr.ftype, hdr.subtype)] += 1
        bssid = hdr.bssid
        if bssid is not None and (bssid in self.bssids or len(self.bssids) < MAX_TRACKED):
            self.bssids[bssid] += 1
        if hdr.ftype != 2 or not hdr.header_len:
            return
        if hdr.protected:
            self.protected += 1
            return
        end = len(data) - loc.fcs_len
        body = loc.offset + hdr.header_len
        etype = llc_ethertype(data, body, end)
        if etype is None:
            return
        self.llc[ethertype_name(etype)] += 1
        if etype in (0x0800, 0x86DD):
            self.ip(data[:end], body + 8, ts, frame_len)

    def result(self, cap, top: int) -> CaptureSummary:
        wifi = None
        if self.wifi_frames:
            types = [FrameTypeCount(t << 4 | s, TYPE_NAMES.get(t, str(t)), subtype_name(t, s), n)
                     for (t, s), n in sorted(self.subtypes.items())]
            wifi = WifiSummary(self.wifi_frames, self.wifi_malformed, self.other_version, types, len(self.bssids),
                               [(mac(b), n) for b, n in self.bssids.most_common(top)], self.protected,
                               dict(self.llc.most_common()), dict(self.bands.most_common()))
        ip = None
        if self.ip_versions:
            convs = list(self.conversations.values())
            tcp = sorted((c for c in convs if c.proto == "tcp"), key=lambda c: (-c.bytes, c.first_ns))
            udp = sorted((c for c in convs if c.proto == "udp"), key=lambda c: (-c.bytes, c.first_ns))
            ip = IpSummary(self.ip_versions[4], self.ip_versions[6], self.transports["tcp"],
                           self.transports["udp"], self.transports["other"], len(tcp), len(udp),
                           sum(c.tls for c in tcp), self.untracked, tcp[:top], udp[:top])
        links = [LinkTypeCount(lt, linktype_name(lt), n) for lt, n in sorted(self.links.items())]
        return CaptureSummary(cap.path, cap.format, sum(self.links.values()), links, wifi, ip,
                              dict(self.ethertypes.most_common()), self.unknown, self.malformed + self.wifi_malformed,
                              list(cap.warnings))


def _endpoint(addr: tuple[str, int]) -> str:
    ip, port = addr
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def capture_summary(path, top: int = 10, progress: Callable[[int], None] | None = None) -> CaptureSummary:
    tally = _Tally()
    with open_capture(path, progress) as cap:
        for pkt in cap:
            tally.links[pkt.linktype] += 1
            loc = locate(pkt.linktype, pkt.data, pkt.fcs_len)
            kind = loc.kind
            if kind == "802.11":
                tally.dot11(pkt.data, loc, pkt.timestamp_ns, pkt.orig_len)
                continue
            if loc.ethertype is not None:
                tally.ethertypes[ethertype_name(loc.ethertype)] += 1
            if kind in ("ipv4", "ipv6"):
                tally.ip(pkt.data, loc.offset, pkt.timestamp_ns, pkt.orig_len)
            elif kind == "unknown":
                tally.unknown += 1
            elif kind == "malformed":
                tally.malformed += 1
        return tally.result(cap, top)
