"""What a capture walk produces: the records below both the facade (reader.py) and the format walkers
(pcap.py, pcapng.py, fastpath.py), so that neither has to import the other.

    Packet    one record with its bytes, as the facade yields it
    Interface one link-layer interface (pcap has one; pcapng declares them per section)
    Header    what a format learned about its file; it grows during the walk (see its docstring)
    Tally     the counts of `pcap info`'s header-only fast path
    Walker    what a format hands the facade: the header, the record walk, the fast tally
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from protolab.capture.linktypes import linktype_name

MAX_CAPLEN = 262144  # tshark's standard maximum packet size: larger records are refused, not allocated


@dataclass(slots=True)
class Packet:
    number: int          # 1-based, as tshark's frame.number
    timestamp_ns: int    # nanoseconds since the epoch (0 for a pcapng simple packet block, which has none)
    linktype: int        # link type, FCS bits masked off
    fcs_len: int         # FCS bytes at the end per the link-type word / if_fcslen (0 when unknown)
    data: bytes          # bytes as captured
    orig_len: int        # length on the wire
    interface: int = 0   # index into Capture.interfaces (0 for pcap). It counts on across pcapng sections;
                         # Capture.interfaces[i].section / .section_id give tshark's frame.section_number
                         # and frame.interface_id (which restarts at 0 in each section)


@dataclass
class Interface:
    id: int                  # index in Capture.interfaces, counted across sections (Packet.interface)
    linktype: int
    snaplen: int
    fcs_len: int = 0
    ticks_per_second: int = 1_000_000
    offset_ns: int = 0       # pcapng if_tsoffset
    ticks_to_ns: tuple[int, int, int] = (1000, 1, 0)   # (mul, div, offset): ns = ticks * mul // div + offset
    name: str = ""
    linktype_word: int = 0   # the raw word (pcap) with its FCS bits, for reporting
    packets: int = 0
    section: int = 1         # 1-based pcapng section, as tshark's frame.section_number
    section_id: int = 0      # the id within its section, as tshark's frame.interface_id

    @property
    def linktype_name(self) -> str:
        return linktype_name(self.linktype)


@dataclass
class Header:
    """What a format read about its file. The file header fills it at open; the walk adds to it, since a
    pcapng declares interfaces (and may switch byte order) section by section, and the problems met on the
    way are reported here, never raised."""

    format: str                   # "pcap" | "pcapng"
    byte_order: str = ""          # "little" | "big" | "mixed" (pcapng sections of both orders)
    version: str = ""
    precision: str = ""           # pcap: "microseconds" | "nanoseconds"; pcapng: per interface
    snaplen: int = 0
    application: str = ""         # pcapng shb_userappl
    interfaces: list[Interface] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped_early: bool = False   # the walk stopped on a record it refused, before the data ran out

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


@dataclass
class Tally:
    """What the fast path counts: enough for `pcap info` without decoding a single frame."""

    packets: int = 0
    data_bytes: int = 0          # sum of captured lengths
    wire_bytes: int = 0          # sum of original lengths
    truncated: int = 0           # records shorter than on the wire (caplen < orig_len)
    first_ns: int | None = None  # earliest timestamp
    last_ns: int | None = None   # latest timestamp
    in_order: bool = True        # timestamps never go backwards
    untimed: int = 0             # records without a timestamp (pcapng simple packet blocks): in no time figure


# One record of a walk: (interface, timestamp_ns or None when the record has none, caplen, orig_len,
# the bytes or None when the walk was asked for headers only)
Record = tuple[int, int | None, int, int, bytes | None]


@dataclass(frozen=True)
class Walker:
    """A format's reading of one file: `walk(with_data)` yields its records once; `tally()` counts them
    from the record headers alone (the fast path), in place of the walk."""

    header: Header
    walk: Callable[[bool], Iterator[Record]]
    tally: Callable[[], Tally]
