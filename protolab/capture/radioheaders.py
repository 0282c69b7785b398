"""The older radio headers in front of 802.11 frames: Prism (119), AVS (163) and PPI (192).

Each decoder returns (header length, Radiotap-like info, inner link type or None). The info is a
`Radiotap` with `source` set, carrying only what the header has (frequency, signal, noise, rate, FCS flags),
so the labs read one shape whatever header the capture uses. Never raises: an impossible header returns
length None.
"""

from __future__ import annotations

import struct

from protolab.capture.radiotap import FLAG_BADFCS, FLAG_FCS, Radiotap, channel_to_freq

AVS_MAGIC = 0x80211000       # upper 28 bits of the AVS version word (0x80211001 / 0x80211002)
AVS_PHY_FHSS = 1
PRISM_FRAME_CODES = (0x00000044, 0x00000041)
# Prism item number (from its DID) -> what it holds. Type-1 DIDs keep it in bits 16-19, type-2 in 12-15.
PRISM_ITEMS = {1: "hosttime", 2: "mactime", 3: "channel", 4: "rssi", 5: "sq", 6: "signal", 7: "noise",
               8: "rate", 9: "istx", 10: "frmlen"}
LINKTYPE_80211 = 105


def _signed(value: int) -> int:
    return value - (1 << 32) if value & 0x80000000 else value


def parse_avs(buf: bytes):
    if len(buf) < 64:
        return None, None, None
    version, length = struct.unpack_from(">II", buf, 0)
    if version & 0xFFFFFFF0 != AVS_MAGIC or not 64 <= length <= len(buf):
        return None, None, None
    mactime, _host, phy, channel, rate, antenna, _prio, ssi_type, signal, noise = struct.unpack_from(
        ">QQIIIIIIii", buf, 8)
    rt = Radiotap(length=length, source="avs", tsft=mactime, antenna=antenna,
                  rate_mbps=rate / 10 if rate else None,
                  # for FHSS (phy type 1) the channel word holds hop set/pattern/index, not a channel
                  freq_mhz=channel_to_freq(channel) if channel and phy != AVS_PHY_FHSS else None)
    if ssi_type == 2:  # dBm
        rt.signal_dbm, rt.noise_dbm = signal, noise
    return length, rt, LINKTYPE_80211


def parse_prism(buf: bytes):
    if len(buf) >= 4 and struct.unpack_from(">I", buf, 0)[0] & 0xFFFFFFF0 == AVS_MAGIC:
        return parse_avs(buf)  # some drivers put an AVS header under link type 119, as tshark accepts
    if len(buf) < 24:
        return None, None, None
    endian = ">" if struct.unpack_from(">I", buf, 0)[0] in PRISM_FRAME_CODES else "<"
    _code, length = struct.unpack_from(endian + "II", buf, 0)
    if not 24 <= length <= len(buf):
        return None, None, None
    rt = Radiotap(length=length, source="prism")
    values = {}
    for pos in range(24, length - 11, 12):
        did, status, _ilen, data = struct.unpack_from(endian + "IHHI", buf, pos)
        item = (did >> 16) & 0xF if did & 0xFF == 0x44 else (did >> 12) & 0xF
        if status == 0 and item in PRISM_ITEMS:   # wlan-ng item status 0: value supplied; 1: no value
            values[PRISM_ITEMS[item]] = data
    if "mactime" in values:
        rt.tsft = values["mactime"]
    if values.get("channel"):
        rt.freq_mhz = channel_to_freq(values["channel"])
    if values.get("rate"):
        rt.rate_mbps = values["rate"] / 2
    # The header does not fix the units of rssi/signal (drivers differ; madwifi's RSSI is dB over the noise
    # floor). tshark's wlan_radio.signal_dbm is the supplied RSSI item, never the 'signal' item: so is ours.
    if "rssi" in values:
        rt.signal_dbm = _signed(values["rssi"])
    return length, rt, LINKTYPE_80211


PPI_80211_COMMON = 2


def parse_ppi(buf: bytes):
    if len(buf) < 8:
        return None, None, None
    _version, _flags, length, dlt = struct.unpack_from("<BBHI", buf, 0)
    if not 8 <= length <= len(buf):
        return None, None, None
    rt = Radiotap(length=length, source="ppi")
    pos = 8
    while pos + 4 <= length:
        ftype, flen = struct.unpack_from("<HH", buf, pos)
        if pos + 4 + flen > length:
            rt.complete, rt.problem = False, "a PPI field runs past the PPI header"
            break
        if ftype == PPI_80211_COMMON and flen >= 20:
            tsft, flags, rate, freq, chflags, _hs, _hp, signal, noise = struct.unpack_from(
                "<QHHHHBBbb", buf, pos + 4)
            rt.tsft, rt.rate_mbps = tsft, (rate / 2 if rate else None)
            rt.freq_mhz, rt.channel_flags = (freq or None), (chflags or None)
            rt.signal_dbm, rt.noise_dbm = (signal or None), (noise or None)
            rt.flags = (FLAG_FCS if flags & 0x01 else 0) | (FLAG_BADFCS if flags & 0x04 else 0)
        pos += 4 + flen
    return length, rt, dlt
