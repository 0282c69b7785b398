"""Property tests: random, truncated and mutated captures never raise anything but BadInput, never hang,
and never allocate much; the fast path and the packet walk always agree on what they read."""

from __future__ import annotations

import gzip
import io
import tracemalloc
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protolab.capture.dot11 import parse_mac_header
from protolab.capture.ip import parse_ip
from protolab.capture.linklayer import LINK_DECODERS, locate
from protolab.capture.radiotap import parse_radiotap
from protolab.capture.reader import open_capture
from protolab.capture.summary import capture_summary
from protolab.capture.tcpsynth import TcpFlow
from protolab.capture.writer import LINKTYPE_ETHERNET, LINKTYPE_RADIOTAP, PcapngWriter, PcapWriter
from protolab.errors import BadInput

SHARED = Path(__file__).resolve().parents[3] / "shared"
FUZZ = settings(max_examples=100, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _seed_captures() -> list[bytes]:
    """Small real captures (when ../shared is there) and files of our own writers in both formats."""
    seeds = []
    for name in ("wifi/captures/aircrack__wpa3-psk.pcap", "wifi/captures/aircrack__wpa.cap",
                 "tls/openssl/tls13.pcap"):
        if (SHARED / name).exists():
            seeds.append((SHARED / name).read_bytes())
    flow = TcpFlow(("10.0.0.1", 5000), ("10.0.0.2", 443))
    frames = flow.handshake() + flow.send(True, b"\x16\x03\x01\x00\x05hello")
    buf = io.BytesIO()
    with PcapngWriter(buf) as w:       # one interface: the pcapng hot loop takes its packet blocks
        w.add_interface(LINKTYPE_ETHERNET, tsresol=6)
        for i, frame in enumerate(frames * 3):
            w.write(frame, 10**15 - i * 7 * 10**8 if i % 5 == 4 else 10**15 + i * 10**6)
    seeds.append(buf.getvalue())
    buf = io.BytesIO()
    with PcapngWriter(buf, endian=">") as w:
        eth = w.add_interface(LINKTYPE_ETHERNET)
        rt = w.add_interface(LINKTYPE_RADIOTAP, tsresol=6)
        for i, frame in enumerate(frames):
            w.write(frame, i * 1000, interface=eth)
        w.write(bytes.fromhex("000008000000000080000000ffffffffffff020000aabbcc020000aabbcc1000"), 9, interface=rt)
    seeds.append(buf.getvalue())
    buf = io.BytesIO()
    with PcapWriter(buf, linktype=LINKTYPE_ETHERNET, nanosecond=True) as w:
        for i, frame in enumerate(frames):
            w.write(frame, i)
    seeds.append(buf.getvalue())
    return seeds


SEEDS = _seed_captures()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "capture"


def check_reads_everything(path: Path) -> None:
    """Read `path` every way we can; only BadInput may come out; memory stays bounded whatever the length
    fields claim (the window's 1 MiB chunk and one record); the two walks must agree."""
    tracemalloc.start()
    try:
        with open_capture(path) as cap:
            packets = list(cap)
            warnings = list(cap.warnings)
    except BadInput:
        with pytest.raises(BadInput):
            open_capture(path)
        return
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 8 * 2**20
    with open_capture(path) as cap:
        tally = cap.tally()
        assert tally.packets == len(packets)
        assert tally.data_bytes == sum(len(p.data) for p in packets)
        assert cap.warnings == warnings
    with open_capture(path) as cap:
        assert cap.tally(fast=False) == tally   # the fast path never answers differently
    for pkt in packets[:50]:
        loc = locate(pkt.linktype, pkt.data, pkt.fcs_len)
        assert 0 <= loc.offset <= len(pkt.data) or loc.kind in ("malformed", "unknown")
    capture_summary(path)


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes(scratch, data):
    scratch.write_bytes(data)
    check_reads_everything(scratch)


@FUZZ
@given(data=st.binary(max_size=400), magic=st.sampled_from([b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",
                                                             b"\x4d\x3c\xb2\xa1", b"\x0a\x0d\x0d\x0a"]))
def test_random_bytes_behind_a_valid_magic(scratch, data, magic):
    scratch.write_bytes(magic + data)
    check_reads_everything(scratch)


@FUZZ
@given(seed=st.sampled_from(range(len(SEEDS))), cut=st.floats(0, 1),
       flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
       compress=st.booleans())
def test_truncated_and_mutated_captures(scratch, seed, cut, flips, compress):
    data = bytearray(SEEDS[seed])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    data = bytes(data[:int(cut * len(data))]) if cut < 0.9 else bytes(data)
    if compress:
        packed = gzip.compress(data)
        data = packed[:len(packed) - int(cut * 10)]   # sometimes a cut-short gzip stream too
    scratch.write_bytes(data)
    check_reads_everything(scratch)


@FUZZ
@given(seed=st.sampled_from(range(len(SEEDS))), cut=st.floats(0, 1),
       flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=12))
def test_hot_loops_equal_the_careful_walk(scratch, seed, cut, flips):
    """The pcap hot loop only runs more than a largest record (MAX_CAPLEN) before the end of the window:
    shrunk limits let it run over these small mutated files, and it must count what the careful walk does."""
    from protolab.capture import fastpath, pcap

    data = bytearray(SEEDS[seed])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    scratch.write_bytes(bytes(data[:int(cut * len(data))]) if cut < 0.8 else bytes(data))
    with patch.object(pcap, "MAX_CAPLEN", 64), patch.object(fastpath, "CHUNK_MIN", 32):
        try:
            with open_capture(scratch) as cap:
                fast, fast_warnings = cap.tally(), cap.warnings
        except BadInput:
            return
        with open_capture(scratch) as cap:
            assert (cap.tally(fast=False), cap.warnings) == (fast, fast_warnings)


@FUZZ
@given(linktype=st.sampled_from(sorted(LINK_DECODERS) + [147]), data=st.binary(max_size=300))
def test_decoders_never_raise(linktype, data):
    loc = locate(linktype, data)
    assert loc.kind in ("802.11", "ethernet", "ipv4", "ipv6", "unknown", "malformed")
    parse_radiotap(data)
    parse_mac_header(data)
    for offset in (0, loc.offset):
        parse_ip(data, offset)


def test_lying_lengths_allocate_little(tmp_path):
    """Headers that claim huge records or blocks: bounded memory, one warning, no exception."""
    import struct

    shb = SEEDS[-2][:struct.unpack(">I", SEEDS[-2][4:8])[0]]
    idb_len = struct.unpack(">I", SEEDS[-2][len(shb) + 4:len(shb) + 8])[0]
    head = SEEDS[-2][:len(shb) + idb_len]   # the section header and the first interface
    cases = {
        "pcap.pcap": SEEDS[-1][:24] + struct.pack("<IIII", 1, 0, 0xFFFFFFF0, 0xFFFFFFF0) + bytes(64),
        "pcap-snaplen.pcap": SEEDS[-1][:16] + struct.pack("<I", 0xFFFFFFFF) + SEEDS[-1][20:24]
        + struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 1) + bytes(64),
        "block.pcapng": head + struct.pack(">II", 6, 0xFFFFFFF0) + bytes(64),
        "epb.pcapng": head + struct.pack(">IIIIIII", 6, 64, 0, 0, 0, 0xFFFFFFF0, 5) + bytes(40),
        # under the 16 MiB a block may have, but the file holds 64 bytes of it: read as they come
        "15mib.pcapng": head + struct.pack(">II", 6, 15 * 2**20) + bytes(64),
        "4mib.pcap": SEEDS[-1][:16] + struct.pack("<I", 0xFFFFFFFF) + SEEDS[-1][20:24]
        + struct.pack("<IIII", 1, 0, 4 * 2**20, 4 * 2**20) + bytes(64),
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        tracemalloc.start()
        with open_capture(path) as cap:
            packets = list(cap)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 8 * 2**20, name
        assert len(cap.warnings) == 1 and any(w in cap.warnings[0] for w in ("claims", "impossible", "cut short")), (
            name, cap.warnings)
        assert len(packets) == 0, name
