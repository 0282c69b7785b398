"""From a capture record to the 802.11 beacon bytes: shared by dissect and survey.

`classify(pkt)` peels the link layer (protolab.capture.linklayer) and says what the 802.11 frame is:
"beacon" (protocol version 0, type 0, subtype 8), "dmg-beacon" (802.11ad, type 3 subtype 0: not counted
as a beacon), "other" (any other 802.11 frame), or the link layer's own kind when it is not 802.11 at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from protolab.capture.linklayer import locate
from protolab.capture.radiotap import Radiotap

HEADER_LEN = 24
FIXED_LEN = 12
BODY_START = HEADER_LEN + FIXED_LEN
ORDER_FLAG = 0x80  # frame control flags bit 7: in a management frame, +HTC (802.11n/ac and later)
HTC_LEN = 4


def htc_len(frame) -> int:
    """4 when the Order bit says a 4-byte HT Control field follows the sequence control (tshark then reads
    the fixed fields and elements after it), else 0."""
    return HTC_LEN if len(frame) > 1 and frame[1] & ORDER_FLAG else 0


@dataclass
class Located80211:
    kind: str                 # "beacon" | "dmg-beacon" | "other" | "not-802.11" | "malformed"
    frame: bytes = b""        # the 802.11 frame, FCS removed
    offset: int = 0           # where it starts in the record
    radiotap: Radiotap | None = None
    fcs: bytes = b""


def frame_kind(frame: bytes) -> str:
    if len(frame) < 2:
        return "malformed"
    fc = frame[0]
    if fc & 3:  # protocol version 1 (802.11ah short frames) or reserved: not a beacon, as tshark says
        return "other"
    ftype, subtype = fc >> 2 & 3, fc >> 4
    if ftype == 0 and subtype == 8:
        return "beacon"
    if ftype == 3 and subtype == 0:
        return "dmg-beacon"
    return "other"


def classify(pkt) -> Located80211:
    loc = locate(pkt.linktype, pkt.data, pkt.fcs_len)
    if loc.kind != "802.11":
        return Located80211("not-802.11" if loc.kind != "malformed" else "malformed", radiotap=loc.radiotap)
    end = len(pkt.data) - loc.fcs_len if loc.fcs_len and len(pkt.data) - loc.fcs_len >= loc.offset else len(pkt.data)
    frame = pkt.data[loc.offset:end]
    return Located80211(frame_kind(frame), frame, loc.offset, loc.radiotap, pkt.data[end:])


def mac(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def ssid_display(ssid: bytes) -> str:
    """An SSID as text: UTF-8 when printable, else printable ASCII with \\xNN escapes; hidden ones say so."""
    if not ssid or not any(ssid):
        return f"<hidden, {len(ssid)} bytes>"
    try:
        text = ssid.decode("utf-8")
        if text.isprintable():
            return text
    except UnicodeDecodeError:
        pass
    return "".join(chr(b) if 32 <= b < 127 and b != 0x5C else f"\\x{b:02x}" for b in ssid)
