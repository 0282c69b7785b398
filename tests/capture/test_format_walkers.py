"""Each format reads its file into a Header of its own and hands back a Walker (header, record walk,
header-only tally): no Capture is needed to read a format, and the header grows as a pcapng walk meets
later sections. The Capture facade shows that same header."""

from __future__ import annotations

import io

from protolab.capture import pcap, pcapng
from protolab.capture.reader import FORMATS, open_capture
from protolab.capture.records import Header, Walker
from protolab.capture.stream import open_stream
from protolab.capture.writer import LINKTYPE_RADIOTAP, PcapngWriter, PcapWriter

FRAME = bytes(range(40))


def _pcap_bytes(nanosecond: bool = False) -> bytes:
    out = io.BytesIO()
    w = PcapWriter(out, linktype=LINKTYPE_RADIOTAP, nanosecond=nanosecond)
    for i in range(3):
        w.write(FRAME, 1_700_000_000_000_000_000 + i * 1000)
    return out.getvalue()


def _pcapng_section(endian: str, name: str, frames: int) -> bytes:
    out = io.BytesIO()
    w = PcapngWriter(out, endian=endian, application=f"app-{name}")
    w.add_interface(LINKTYPE_RADIOTAP, name=name)
    for i in range(frames):
        w.write(FRAME, 1_700_000_000_000_000_000 + i * 1000)
    return out.getvalue()


def _window(data: bytes):
    window, _raw, _gz = open_stream(io.BytesIO(data))
    window.fill(64)
    return window


def test_pcap_reads_its_file_header_into_a_header():
    walker = pcap.open_walker("x.pcap", _window(_pcap_bytes(nanosecond=True)))
    assert isinstance(walker, Walker) and isinstance(walker.header, Header)
    h = walker.header
    assert (h.format, h.byte_order, h.version, h.precision) == ("pcap", "little", "2.4", "nanoseconds")
    assert [(i.id, i.linktype, i.ticks_per_second) for i in h.interfaces] == [(0, LINKTYPE_RADIOTAP, 10**9)]
    records = list(walker.walk(True))
    assert [r[1] - records[0][1] for r in records] == [0, 1000, 2000] and records[0][4] == FRAME
    assert h.warnings == []


def test_a_pcapng_header_grows_with_each_section_the_walk_meets():
    data = _pcapng_section("<", "mon0", 2) + _pcapng_section(">", "mon1", 1)
    walker = pcapng.open_walker("x.pcapng", _window(data))
    h = walker.header
    assert (h.format, h.byte_order, h.interfaces) == ("pcapng", "little", [])   # nothing read past the SHB
    records = list(walker.walk(False))
    assert [r[0] for r in records] == [0, 0, 1] and all(r[4] is None for r in records)
    assert [(i.name, i.section, i.section_id) for i in h.interfaces] == [("mon0", 1, 0), ("mon1", 2, 0)]
    assert h.byte_order == "mixed" and h.application == "app-mon0"


def test_the_tally_counts_into_the_same_header():
    walker = pcapng.open_walker("x.pcapng", _window(_pcapng_section("<", "mon0", 5)))
    tally = walker.tally()
    assert tally.packets == 5 and tally.last_ns - tally.first_ns == 4000
    assert walker.header.interfaces[0].packets == 5


def test_a_format_says_none_to_a_file_of_the_other_format():
    assert pcap.open_walker("x", _window(_pcapng_section("<", "a", 1))) is None
    assert pcapng.open_walker("x", _window(_pcap_bytes())) is None
    assert FORMATS == (pcap.open_walker, pcapng.open_walker)


def test_a_problem_met_on_the_walk_is_a_warning_in_the_header_and_on_the_capture():
    data = _pcap_bytes()[:-5]   # the last record cut short
    with open_capture(io.BytesIO(data)) as cap:
        assert len(list(cap)) == 2
        assert cap.warnings is cap.header.warnings
        assert len(cap.warnings) == 1 and "cut short" in cap.warnings[0]
        assert (cap.format, cap.interfaces) == ("pcap", cap.header.interfaces)
