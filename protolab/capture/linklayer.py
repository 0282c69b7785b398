"""Find the payload a lab needs inside a frame of any supported link type.

Theory of operation: `locate(linktype, data)` looks the link type up in LINK_DECODERS, a table of small
functions that each peel one link-layer header and say what follows: an 802.11 frame (after radiotap,
Prism, AVS, PPI or nothing), or an ethertype (Ethernet, Linux cooked v1/v2, BSD null/loopback, raw IP),
which ETHERTYPE_KINDS maps to "ipv4"/"ipv6". The result is a `Located`: `kind` names what starts at
`offset` ("802.11", "ipv4", "ipv6"; "ethernet" for an Ethernet-family payload that is not IP, with its
`ethertype`; "unknown" for a link type we do not decode; "malformed" when the header does not fit).
Never raises on garbage.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from protolab.capture.radioheaders import parse_avs, parse_ppi, parse_prism
from protolab.capture.radiotap import Radiotap, parse_radiotap


@dataclass
class Located:
    kind: str                       # "802.11" | "ethernet" | "ipv4" | "ipv6" | "unknown" | "malformed"
    offset: int = 0                 # where that payload starts in the frame
    radiotap: Radiotap | None = None
    fcs_len: int = 0                # FCS bytes at the end of the 802.11 frame
    ethertype: int | None = None    # for the Ethernet family: the protocol of the payload
    link: str = ""                  # the outermost header peeled ("radiotap", "ethernet", "sll", ...)
    problem: str = ""


ETHERTYPE_IPV4, ETHERTYPE_IPV6 = 0x0800, 0x86DD
ETHERTYPE_KINDS = {ETHERTYPE_IPV4: "ipv4", ETHERTYPE_IPV6: "ipv6"}
VLAN_TAGS = (0x8100, 0x88A8, 0x9100)
# BSD address families in the 4-byte null/loopback header (IPv6's number differs between BSDs and Linux).
AF_ETHERTYPE = {2: ETHERTYPE_IPV4, 10: ETHERTYPE_IPV6, 24: ETHERTYPE_IPV6, 28: ETHERTYPE_IPV6,
                30: ETHERTYPE_IPV6}
# Linux ARPHRD_* values that put 802.11 under a cooked header.
ARPHRD_80211 = {801: 105, 802: 119, 803: 127}


def _ethertype_payload(link: str, ethertype: int, offset: int, data: bytes) -> Located:
    kind = ETHERTYPE_KINDS.get(ethertype, "ethernet")
    if kind != "ethernet" and (offset >= len(data) or data[offset] >> 4 != (4 if kind == "ipv4" else 6)):
        return Located("malformed", offset, ethertype=ethertype, link=link,
                       problem=f"{kind} payload missing or of the wrong IP version")
    return Located(kind, offset, ethertype=ethertype, link=link)


def _ethernet(data: bytes, fcs_len: int) -> Located:
    if len(data) < 14:
        return Located("malformed", 0, link="ethernet", problem="shorter than an Ethernet header")
    offset = 12
    (etype,) = struct.unpack_from(">H", data, offset)
    while etype in VLAN_TAGS and offset + 6 <= len(data):
        offset += 4
        (etype,) = struct.unpack_from(">H", data, offset)
    offset += 2
    if etype < 0x0600:  # an 802.3 length: LLC follows, maybe with a SNAP header naming the ethertype
        if data[offset:offset + 3] == b"\xaa\xaa\x03" and offset + 8 <= len(data):
            return _ethertype_payload("ethernet", struct.unpack_from(">H", data, offset + 6)[0], offset + 8, data)
        return Located("ethernet", offset, link="ethernet")
    return _ethertype_payload("ethernet", etype, offset, data)


def _raw_ip(data: bytes, fcs_len: int) -> Located:
    version = data[0] >> 4 if data else 0
    return _ethertype_payload("rawip", {4: ETHERTYPE_IPV4, 6: ETHERTYPE_IPV6}.get(version, 0), 0, data)


def _raw_ipv4(data: bytes, fcs_len: int) -> Located:
    return _ethertype_payload("rawip4", ETHERTYPE_IPV4, 0, data)


def _raw_ipv6(data: bytes, fcs_len: int) -> Located:
    return _ethertype_payload("rawip6", ETHERTYPE_IPV6, 0, data)


def _cooked(header_len: int, proto_at: int, arphrd_at: int, name: str):
    def decode(data: bytes, fcs_len: int) -> Located:
        if len(data) < header_len:
            return Located("malformed", 0, link=name, problem=f"shorter than a {header_len}-byte cooked header")
        (proto,) = struct.unpack_from(">H", data, proto_at)
        (arphrd,) = struct.unpack_from(">H", data, arphrd_at)
        if arphrd in ARPHRD_80211:
            inner = locate(ARPHRD_80211[arphrd], data[header_len:])
            inner.offset += header_len
            inner.link = name
            return inner
        return _ethertype_payload(name, proto, header_len, data)
    return decode


def _null(byte_order: str):
    def decode(data: bytes, fcs_len: int) -> Located:
        if len(data) < 4:
            return Located("malformed", 0, link="null", problem="shorter than the 4-byte family header")
        family = struct.unpack_from(byte_order + "I", data, 0)[0]
        if byte_order == "<" and family not in AF_ETHERTYPE:  # host order: the writer may have been big-endian
            family = struct.unpack_from(">I", data, 0)[0]
        etype = AF_ETHERTYPE.get(family)
        if etype is None:
            return Located("unknown", 4, link="null", problem=f"address family {family}")
        return _ethertype_payload("null", etype, 4, data)
    return decode


def _ieee80211(data: bytes, fcs_len: int) -> Located:
    return Located("802.11", 0, fcs_len=fcs_len, link="802.11")


def _radiotap(data: bytes, fcs_len: int) -> Located:
    rt = parse_radiotap(data)
    if rt.length == 0:
        return Located("malformed", 0, rt, link="radiotap", problem=rt.problem)
    return Located("802.11", rt.length, rt, fcs_len=4 if rt.fcs_at_end else fcs_len, link="radiotap",
                   problem=rt.problem)


def _radio_header(parse, name: str):
    def decode(data: bytes, fcs_len: int) -> Located:
        length, rt, inner_linktype = parse(data)
        if length is None:
            return Located("malformed", 0, link=name, problem=f"not a valid {name} header")
        if rt.fcs_at_end:
            fcs_len = 4
        if inner_linktype == 105:
            return Located("802.11", length, rt, fcs_len=fcs_len, link=name, problem=rt.problem)
        inner = locate(inner_linktype, data[length:], fcs_len)
        inner.offset += length
        inner.radiotap = inner.radiotap or rt
        inner.link = name
        return inner
    return decode


LINK_DECODERS = {
    0: _null("<"),
    1: _ethernet,
    101: _raw_ip,
    105: _ieee80211,
    108: _null(">"),
    113: _cooked(16, 14, 2, "sll"),
    119: _radio_header(parse_prism, "prism"),
    127: _radiotap,
    163: _radio_header(parse_avs, "avs"),
    192: _radio_header(parse_ppi, "ppi"),
    228: _raw_ipv4,
    229: _raw_ipv6,
    276: _cooked(20, 0, 8, "sll2"),
}


def locate(linktype: int, data: bytes, fcs_len: int = 0) -> Located:
    """Where the 802.11 frame or the IP packet starts in `data`; see the module docstring. Never raises."""
    decode = LINK_DECODERS.get(linktype)
    if decode is None:
        return Located("unknown", 0, fcs_len=fcs_len, link=f"linktype-{linktype}")
    try:
        return decode(data, fcs_len)
    except (struct.error, IndexError, RecursionError) as exc:  # a header cut short in a way not foreseen
        return Located("malformed", 0, link=f"linktype-{linktype}", problem=str(exc))
