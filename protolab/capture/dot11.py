"""Just enough 802.11 MAC header to count frames: type/subtype, addresses, BSSID, where the body starts.

(The beacon lab owns the full 802.11 model; capture only needs the header for `pcap summary`.)
The names follow tshark's wlan.fc.type_subtype, whose number (in tshark 4.0) is type << 4 | subtype.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

TYPE_NAMES = {0: "management", 1: "control", 2: "data", 3: "extension"}
SUBTYPE_NAMES = {
    (0, 0): "Association Request", (0, 1): "Association Response", (0, 2): "Reassociation Request",
    (0, 3): "Reassociation Response", (0, 4): "Probe Request", (0, 5): "Probe Response",
    (0, 6): "Timing Advertisement", (0, 8): "Beacon", (0, 9): "ATIM", (0, 10): "Disassociation",
    (0, 11): "Authentication", (0, 12): "Deauthentication", (0, 13): "Action", (0, 14): "Action No Ack",
    (1, 2): "Trigger", (1, 3): "TACK", (1, 4): "Beamforming Report Poll", (1, 5): "VHT/HE NDP Announcement",
    (1, 6): "Control Frame Extension", (1, 7): "Control Wrapper", (1, 8): "Block Ack Request",
    (1, 9): "Block Ack", (1, 10): "PS-Poll", (1, 11): "RTS", (1, 12): "CTS", (1, 13): "ACK",
    (1, 14): "CF-End", (1, 15): "CF-End + CF-Ack",
    (2, 0): "Data", (2, 1): "Data + CF-Ack", (2, 2): "Data + CF-Poll", (2, 3): "Data + CF-Ack + CF-Poll",
    (2, 4): "Null function (No data)", (2, 5): "CF-Ack (No data)", (2, 6): "CF-Poll (No data)",
    (2, 7): "CF-Ack + CF-Poll (No data)", (2, 8): "QoS Data", (2, 9): "QoS Data + CF-Ack",
    (2, 10): "QoS Data + CF-Poll", (2, 11): "QoS Data + CF-Ack + CF-Poll", (2, 12): "QoS Null function (No data)",
    (2, 14): "QoS CF-Poll (No Data)", (2, 15): "QoS CF-Ack + CF-Poll (No data)",
    (3, 0): "DMG Beacon",
}
# Control frames: how many addresses follow the duration field (the rest of the header is type-specific).
CONTROL_ADDRESSES = {(1, 10): 2, (1, 11): 2, (1, 12): 1, (1, 13): 1, (1, 14): 2, (1, 15): 2, (1, 8): 2, (1, 9): 2}
FC_TO_DS, FC_FROM_DS, FC_PROTECTED, FC_ORDER = 0x01, 0x02, 0x40, 0x80
LLC_SNAP = b"\xaa\xaa\x03"


def subtype_name(ftype: int, subtype: int) -> str:
    return SUBTYPE_NAMES.get((ftype, subtype), f"Reserved ({TYPE_NAMES.get(ftype, ftype)} subtype {subtype})")


def is_reserved(ftype: int, subtype: int) -> bool:
    """A type/subtype the standard leaves reserved (tshark 4.0 gives no wlan.fc.type_subtype for it)."""
    return (ftype, subtype) not in SUBTYPE_NAMES


def mac(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


@dataclass
class MacHeader:
    ftype: int
    subtype: int
    flags: int
    addr1: bytes | None = None
    addr2: bytes | None = None
    addr3: bytes | None = None
    addr4: bytes | None = None
    header_len: int = 0     # where the frame body starts (data/management frames)
    version: int = 0        # protocol version: 0, or 1 (802.11ah PV1) and reserved 2-3, which tshark 4.0
                            # does not type (no wlan.fc.type_subtype): ftype/subtype mean nothing then

    @property
    def type_subtype(self) -> int:
        return self.ftype << 4 | self.subtype

    @property
    def name(self) -> str:
        return subtype_name(self.ftype, self.subtype)

    @property
    def protected(self) -> bool:
        return bool(self.flags & FC_PROTECTED)

    @property
    def bssid(self) -> bytes | None:
        """The BSSID as tshark's wlan.bssid gives it (None where tshark has none)."""
        if self.ftype == 0:
            return self.addr3
        if self.ftype == 2:
            ds = self.flags & (FC_TO_DS | FC_FROM_DS)
            return {0: self.addr3, FC_TO_DS: self.addr1, FC_FROM_DS: self.addr2}.get(ds)
        if (self.ftype, self.subtype) == (1, 10):
            return self.addr1
        if (self.ftype, self.subtype) in ((1, 14), (1, 15)):
            return self.addr2
        if (self.ftype, self.subtype) == (3, 0):  # DMG beacon: the one address is the BSSID
            return self.addr1
        return None


def parse_mac_header(frame: bytes, offset: int = 0) -> MacHeader | None:
    """Frame control and addresses of the 802.11 frame at `offset`; None when too short for its type."""
    if len(frame) - offset < 10:
        return None
    fc0, flags = frame[offset], frame[offset + 1]
    hdr = MacHeader((fc0 >> 2) & 0x3, fc0 >> 4, flags, version=fc0 & 0x3)
    if hdr.version:  # PV1 lays the header out differently, 2-3 are reserved: no addresses read
        return hdr
    if hdr.ftype == 1:
        n = CONTROL_ADDRESSES.get((hdr.ftype, hdr.subtype), 1)
        need = offset + 4 + 6 * n
        if len(frame) < need:
            return hdr if n == 1 else None
        hdr.addr1 = frame[offset + 4:offset + 10]
        if n == 2:
            hdr.addr2 = frame[offset + 10:offset + 16]
        hdr.header_len = 4 + 6 * n
        return hdr
    if hdr.ftype == 3:
        if hdr.subtype == 0 and len(frame) - offset >= 10:
            hdr.addr1, hdr.header_len = frame[offset + 4:offset + 10], 10
        return hdr
    if len(frame) - offset < 24:
        return None
    hdr.addr1, hdr.addr2, hdr.addr3 = (frame[offset + 4:offset + 10], frame[offset + 10:offset + 16],
                                       frame[offset + 16:offset + 22])
    length = 24
    if hdr.ftype == 2:
        if flags & FC_TO_DS and flags & FC_FROM_DS:
            if len(frame) - offset < 30:
                return None
            hdr.addr4 = frame[offset + 24:offset + 30]
            length = 30
        if hdr.subtype & 0x8:  # QoS: 2-byte QoS control, plus HT control when the order bit is set
            length += 2 + (4 if flags & FC_ORDER else 0)
    elif flags & FC_ORDER:
        length += 4
    hdr.header_len = length
    return hdr


def llc_ethertype(frame: bytes, body: int, end: int) -> int | None:
    """The ethertype of an unprotected LLC/SNAP data body at frame[body:end], or None."""
    if end - body >= 8 and frame[body:body + 3] == LLC_SNAP:
        return struct.unpack_from(">H", frame, body + 6)[0]
    return None
