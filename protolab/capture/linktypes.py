"""Link-type registry: number -> short name (as capinfos/tshark name it) and a description.

The numbers are the LINKTYPE_* values of pcap and pcapng. The link-type word of a classic pcap header
also carries FCS information in its upper bits (libpcap's LT_FCS_LENGTH_PRESENT / LT_FCS_LENGTH):
bit 26 says the FCS length is given, bits 28-31 give it in 16-bit words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinkType:
    number: int
    name: str
    description: str


_TABLE = [
    LinkType(0, "null", "BSD loopback (host byte order family)"),
    LinkType(1, "ether", "Ethernet"),
    LinkType(101, "rawip", "Raw IP (v4 or v6)"),
    LinkType(105, "ieee-802-11", "IEEE 802.11 Wireless LAN"),
    LinkType(108, "loop", "OpenBSD loopback (network byte order family)"),
    LinkType(113, "linux-sll", "Linux cooked-mode capture v1"),
    LinkType(119, "ieee-802-11-prism", "IEEE 802.11 plus Prism II monitor mode radio header"),
    LinkType(127, "ieee-802-11-radiotap", "IEEE 802.11 plus radiotap radio header"),
    LinkType(163, "ieee-802-11-avs", "IEEE 802.11 plus AVS radio header"),
    LinkType(192, "ppi", "Per-Packet Information header"),
    LinkType(228, "rawip4", "Raw IPv4"),
    LinkType(229, "rawip6", "Raw IPv6"),
    LinkType(276, "linux-sll2", "Linux cooked-mode capture v2"),
]
LINKTYPES: dict[int, LinkType] = {lt.number: lt for lt in _TABLE}

LT_LINKTYPE_MASK = 0x0000FFFF
LT_FCS_LENGTH_PRESENT = 0x04000000


def split_linktype_word(word: int) -> tuple[int, int]:
    """(link type, FCS bytes) from a pcap header's link-type word, e.g. 0x24000069 -> (105, 4)."""
    fcs_len = ((word >> 28) & 0xF) * 2 if word & LT_FCS_LENGTH_PRESENT else 0
    return word & LT_LINKTYPE_MASK, fcs_len


def linktype_name(number: int) -> str:
    lt = LINKTYPES.get(number)
    return lt.name if lt else f"linktype-{number}"


def linktype_description(number: int) -> str:
    lt = LINKTYPES.get(number)
    return lt.description if lt else f"unknown link type {number}"
