"""Header, fixed-field and capability-bit tables: name, role and meaning of each.

The Scapy layer in layers.py names the capability bits from CAPABILITY_BITS,
dissect tags every field with its role from here, explain prints the meanings.
"""

from __future__ import annotations

from dataclasses import dataclass

from protolab.wifi.roles import COMPATIBILITY, DISCOVERY, POWER_SAVE, ROAMING, SECURITY, TIME_SYNC


@dataclass(frozen=True)
class FieldInfo:
    name: str
    role: str
    meaning: str


@dataclass(frozen=True)
class CapBit:
    bit: int
    name: str  # the Scapy flag name (no spaces)
    role: str
    meaning: str


CAPABILITY_BITS: list[CapBit] = [
    CapBit(0, "ESS", DISCOVERY, "an infrastructure network (an AP), not ad hoc"),
    CapBit(1, "IBSS", DISCOVERY, "an ad hoc (IBSS) network"),
    CapBit(2, "CF-pollable", COMPATIBILITY, "with bit 3: the AP's point coordination (PCF) mode, almost never used"),
    CapBit(3, "CF-poll-request", COMPATIBILITY, "with bit 2: the AP's point coordination (PCF) mode"),
    CapBit(4, "privacy", SECURITY, "data frames are protected (WEP, or WPA/RSN when those elements are present)"),
    CapBit(5, "short-preamble", COMPATIBILITY, "802.11b short PLCP preamble allowed"),
    CapBit(6, "PBCC", COMPATIBILITY, "obsolete 802.11b PBCC modulation"),
    CapBit(7, "channel-agility", COMPATIBILITY, "obsolete 802.11b channel agility"),
    CapBit(8, "spectrum-mgmt", COMPATIBILITY, "802.11h: DFS/TPC in use, the power constraint element applies"),
    CapBit(9, "QoS", COMPATIBILITY, "802.11e QoS (WMM) supported"),
    CapBit(10, "short-slot", COMPATIBILITY, "9 us slot time (no 802.11b-only stations present)"),
    CapBit(11, "APSD", POWER_SAVE, "automatic power save delivery (U-APSD) supported"),
    CapBit(12, "radio-measurement", ROAMING, "802.11k radio measurement (see the RM enabled capabilities element)"),
    CapBit(13, "DSSS-OFDM", COMPATIBILITY, "obsolete 802.11g DSSS-OFDM"),
    CapBit(14, "delayed-block-ack", COMPATIBILITY, "delayed block acknowledgement"),
    CapBit(15, "immediate-block-ack", COMPATIBILITY, "immediate block acknowledgement"),
]
CAP_BY_NAME = {c.name: c for c in CAPABILITY_BITS}

HEADER_FIELDS: dict[str, FieldInfo] = {f.name: f for f in [
    FieldInfo("frame control", DISCOVERY, "type 0 (management) subtype 8: this is a beacon"),
    FieldInfo("duration", COMPATIBILITY, "NAV duration: 0 for a broadcast frame"),
    FieldInfo("receiver", DISCOVERY, "addr1: the broadcast address, every station hears it"),
    FieldInfo("transmitter", DISCOVERY, "addr2: the AP's radio"),
    FieldInfo("bssid", DISCOVERY, "addr3: the BSS identifier (the AP's MAC for its network)"),
    FieldInfo("sequence", DISCOVERY, "sequence number (12 bits) and fragment number (4 bits)"),
    FieldInfo("ht control", COMPATIBILITY, "+HTC: 4 bytes of HT/VHT/HE link adaptation, present when the "
              "frame control Order bit is set"),
]}

FIXED_FIELDS: dict[str, FieldInfo] = {f.name: f for f in [
    FieldInfo("timestamp", TIME_SYNC, "the AP's TSF timer in microseconds when the frame left: stations copy it"),
    FieldInfo("beacon interval", TIME_SYNC, "time units (1 TU = 1024 us) between target beacon transmission times"),
    FieldInfo("capabilities", COMPATIBILITY, "capability information bits (each bit has its own role)"),
]}

RADIO_FIELDS: dict[str, FieldInfo] = {f.name: f for f in [
    FieldInfo("frequency", DISCOVERY, "where the receiver heard the frame"),
    FieldInfo("band", DISCOVERY, "2.4, 5 or 6 GHz"),
    FieldInfo("channel", DISCOVERY, "channel number of that frequency"),
    FieldInfo("signal", ROAMING, "received signal strength: stations roam toward the strongest AP"),
    FieldInfo("rate", COMPATIBILITY, "beacons go at a basic rate every station can decode"),
    FieldInfo("fcs", COMPATIBILITY, "the frame check sequence (CRC-32 of the frame) when the capture kept it: "
                                     "a wrong one means the bytes were damaged in the air"),
]}


def capability_names(word: int) -> list[str]:
    return [c.name for c in CAPABILITY_BITS if word >> c.bit & 1]
