"""The capture reader on shared captures and on files editcap/mergecap make, against tshark (the frame count
of every shared capture is checked in capture/test_pcap_commands.py, with one tshark run per file for all
those tests)."""

from __future__ import annotations

import gzip
import struct
import subprocess

import pytest

from protolab.capture.linklayer import locate
from protolab.capture.reader import open_capture
from protolab.capture.writer import LINKTYPE_ETHERNET, LINKTYPE_RADIOTAP, PcapngWriter, PcapWriter
from protolab.errors import BadInput


def read_all(path):
    with open_capture(path) as cap:
        packets = list(cap)
        return cap, packets


def test_cut_short_and_trailing_byte_are_one_warning_each(shared):
    cap, packets = read_all(shared("wifi/captures/aircrack__pmkid-not-recognized.cap"))
    assert len(packets) == 20056
    assert len(cap.warnings) == 1 and "cut short" in cap.warnings[0]
    cap, packets = read_all(shared("wifi/captures/scapy__bad_rsn_parsing_overrides_ssid.pcap"))
    assert len(packets) == 1 and len(cap.warnings) == 1 and "stray byte" in cap.warnings[0]


def test_timestamps_and_linktypes_match_tshark(tool, shared):
    path = shared("wifi/captures/aircrack__wpa3-psk.pcap")
    out = subprocess.run([tool("tshark"), "-r", str(path), "-T", "fields", "-e", "frame.time_epoch",
                          "-e", "frame.len", "-e", "frame.cap_len"], capture_output=True, text=True).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    cap, packets = read_all(path)
    assert cap.interfaces[0].linktype == 127
    for pkt, (epoch, wire, caplen) in zip(packets, rows, strict=True):
        sec, frac = epoch.split(".")
        assert pkt.timestamp_ns == int(sec) * 10**9 + int(frac.ljust(9, "0"))
        assert (pkt.orig_len, len(pkt.data)) == (int(wire), int(caplen))


def test_not_a_capture_is_bad_input(tmp_path):
    for name, content in [("text.pcap", b"hello world, not a capture\n"), ("empty.pcap", b""),
                          ("junk.gz", gzip.compress(b"not a capture either"))]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(BadInput, match="pcap or pcapng"):
            open_capture(tmp_path / name)
    with pytest.raises(BadInput, match="no such file"):
        open_capture(tmp_path / "missing.pcap")
    (tmp_path / "short.pcap").write_bytes(struct.pack("<IHH", 0xA1B2C3D4, 2, 4))   # 8 of 24 header bytes
    with pytest.raises(BadInput, match="cut short in its file header"):
        open_capture(tmp_path / "short.pcap")


def test_fcs_bits_of_the_linktype_word(tmp_path):
    for word, fcs in [(0x24000069, 4), (0x30000069, 0), (0x69, 0)]:
        path = tmp_path / f"{word:x}.pcap"
        with PcapWriter(path, linktype=word) as w:
            w.write(b"\x80\x00" + bytes(30), 5)
        cap, packets = read_all(path)
        assert (packets[0].linktype, packets[0].fcs_len) == (105, fcs)


def test_absurd_caplen_does_not_allocate(tmp_path):
    path = tmp_path / "absurd.pcap"
    with PcapWriter(path, linktype=LINKTYPE_ETHERNET) as w:
        w.write(bytes(60), 1)
    with open(path, "ab") as f:
        f.write(struct.pack("<IIII", 2, 0, 0xFFFFFFF0, 0xFFFFFFF0) + bytes(100))
    cap, packets = read_all(path)
    assert len(packets) == 1
    assert len(cap.warnings) == 1 and "4294967280" in cap.warnings[0]


def test_pcapng_big_endian_nanoseconds_several_interfaces(tmp_path):
    path = tmp_path / "be.pcapng"
    with PcapngWriter(path, endian=">") as w:
        eth = w.add_interface(LINKTYPE_ETHERNET, tsresol=9, name="eth0")
        rt = w.add_interface(LINKTYPE_RADIOTAP, tsresol=6, name="mon0")
        w.write(bytes(60), 1_600_000_000_123_456_789, interface=eth)
        w.write(bytes(8) + b"\x80\x00" + bytes(22), 1_600_000_001_000_001_000, interface=rt)
    cap, packets = read_all(path)
    assert (cap.format, cap.byte_order) == ("pcapng", "big")
    assert [(p.interface, p.linktype) for p in packets] == [(0, 1), (1, 127)]
    assert packets[0].timestamp_ns == 1_600_000_000_123_456_789
    assert packets[1].timestamp_ns == 1_600_000_001_000_001_000
    assert [i.name for i in cap.interfaces] == ["eth0", "mon0"]


def test_editcap_and_mergecap_files(tool, shared, tmp_path):
    editcap, mergecap = tool("editcap"), tool("mergecap")
    wifi = shared("wifi/captures")
    eth = shared("tls/openssl/tls13.pcap")
    made = {}
    ng = tmp_path / "induction.pcapng"
    subprocess.run([editcap, "-F", "pcapng", str(wifi / "thiagosmith__wpa-Induction.pcap"), str(ng)], check=True)
    made[ng] = 1093
    nsec = tmp_path / "nsec.pcap"
    subprocess.run([editcap, "-F", "nsecpcap", str(eth), str(nsec)], check=True)
    made[nsec] = 19
    merged = tmp_path / "merged.pcapng"
    subprocess.run([mergecap, "-F", "pcapng", "-w", str(merged), str(eth), str(wifi / "aircrack__wpa.cap"),
                    str(wifi / "aircrack__n-02.cap")], check=True)
    made[merged] = 19 + 13 + 218
    gz = tmp_path / "merged.pcapng.gz"
    gz.write_bytes(gzip.compress(merged.read_bytes()))
    made[gz] = 250
    for path, expected in made.items():
        cap, packets = read_all(path)
        assert len(packets) == expected, path.name
        assert cap.warnings == []
    cut = tmp_path / "cut.pcapng.gz"
    cut.write_bytes(gz.read_bytes()[:gz.stat().st_size * 2 // 3])
    cap, packets = read_all(cut)
    out = subprocess.run([tool("capinfos"), "-T", "-r", "-c", str(cut)], capture_output=True, text=True).stdout
    assert len(packets) == int(out.split()[-1]) > 100
    assert any("gzip stream is cut short" in w for w in cap.warnings)
    odd = tmp_path / "odd.pcap"
    _odd_big_capture(odd, b"\x01")
    odd_ng = tmp_path / "odd.pcapng"
    subprocess.run([editcap, "-F", "pcapng", str(odd), str(odd_ng)], check=True, capture_output=True)
    for path in (*made, odd_ng):   # the pcapng fast path agrees with the plain walk
        with open_capture(path) as cap:
            fast, packets_fast = cap.tally(), [i.packets for i in cap.interfaces]
        with open_capture(path) as cap:
            assert cap.tally(fast=False) == fast and [i.packets for i in cap.interfaces] == packets_fast
    cap, packets = read_all(merged)
    assert sorted({p.linktype for p in packets}) == [1, 105, 119]
    assert {locate(p.linktype, p.data).kind for p in packets} == {"ipv4", "802.11"}
    cap_ns, packets_ns = read_all(nsec)
    cap_us, packets_us = read_all(eth)
    assert cap_ns.precision == "nanoseconds"
    assert [p.timestamp_ns for p in packets_ns] == [p.timestamp_ns for p in packets_us]
    assert [p.data for p in packets_ns] == [p.data for p in packets_us]


def _odd_big_capture(path, tail: bytes = b"", count: int = 12_000):
    """A >2 MiB pcap whose records break every rule the fast path shortcuts: out of order, truncated,
    longer than the snaplen, caplen > orig_len, a microsecond field of a second or more; then `tail`."""
    import random

    rng = random.Random(7)
    records = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 1000, LINKTYPE_ETHERNET)]  # snaplen 1000
    ts = 1_600_000_000_000_000
    for i in range(count):
        size = rng.randrange(60, 400)
        ts += rng.randrange(-2_000, 50_000) if i % 97 == 0 else rng.randrange(0, 3_000)   # microseconds
        sec, usec = divmod(ts, 10**6)
        if i == 5000:
            size = 1200                                   # longer than the snaplen 1000: kept
        if i == 6000:   # 200 s in the microsecond field: 100 s later than it seems, the latest time of all
            sec, usec = sec - 100, usec + 200_000_000
        orig = size + (rng.randrange(1, 50) if i % 13 == 0 else 0)
        if i == 7000:
            orig = size - 10                              # caplen > orig_len
        records.append(struct.pack("<IIII", sec, usec, size, orig) + bytes(size))
    path.write_bytes(b"".join(records) + tail)


@pytest.mark.parametrize("tail", [b"", b"\x01", struct.pack("<IIII", 1, 2, 300, 300) + bytes(100),
                                  struct.pack("<IIII", 1, 2, 0xFFFFFFF0, 5) + bytes(64)])
def test_fast_tally_equals_the_careful_walk(tmp_path, tail):
    path = tmp_path / "odd.pcap"
    _odd_big_capture(path, tail)
    assert path.stat().st_size > 2 * 2**20
    with open_capture(path) as cap:
        fast, fast_warnings = cap.tally(), cap.warnings
    with open_capture(path) as cap:
        packets = list(cap)
        slow_warnings = cap.warnings
    ts = [p.timestamp_ns for p in packets]
    assert fast.packets == len(packets) == 12_000
    assert (fast.first_ns, fast.last_ns) == (min(ts), max(ts))
    assert fast.in_order is False
    assert fast.data_bytes == sum(len(p.data) for p in packets)
    assert fast.wire_bytes == sum(p.orig_len for p in packets)
    assert fast.truncated == sum(len(p.data) < p.orig_len for p in packets)
    assert fast_warnings == slow_warnings
    assert len(fast_warnings) == 2 + bool(tail)


def _block(endian: str, btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack(endian + "II", btype, len(body) + 12) + body + struct.pack(endian + "I", len(body) + 12)


def _option(endian: str, code: int, value: bytes) -> bytes:
    return struct.pack(endian + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def test_pcapng_rarer_blocks_and_sections_agree_with_tshark(tool, tmp_path):
    """Base-2 if_tsresol with if_tsoffset, an unknown block, simple and obsolete packet blocks, and a second
    section in the other byte order: tshark and we must see the same frames at the same times."""
    frame = bytes.fromhex("ffffffffffff020000000001080600010800060400010200000000010a000001000000000000000a000002")
    le, be = "<", ">"
    data = _block(le, 0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    data += _block(le, 1, struct.pack("<HHI", 1, 0, 65535) + _option(le, 9, b"\x8a")      # 2^-10 s ticks
                   + _option(le, 14, struct.pack("<q", 1_600_000_000)) + _option(le, 0, b""))
    data += _block(le, 0x00000099, b"an unknown block type: skipped by its length")
    data += _block(le, 6, struct.pack("<IIIII", 0, 0, 1536, len(frame), len(frame)) + frame)   # 1.5 s
    data += _block(le, 3, struct.pack("<I", len(frame)) + frame)                                # simple
    data += _block(le, 2, struct.pack("<HHIIII", 0, 0, 0, 2048, len(frame), len(frame)) + frame)  # obsolete
    data += _block(be, 0x0A0D0D0A, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1))
    data += _block(be, 1, struct.pack(">HHI", 1, 0, 65535) + _option(be, 0, b""))
    data += _block(be, 6, struct.pack(">IIIII", 0, 0, 7_000_000, len(frame), len(frame)) + frame)
    path = tmp_path / "rare.pcapng"
    path.write_bytes(data)
    out = subprocess.run([tool("tshark"), "-r", str(path), "-T", "fields", "-e", "frame.time_epoch", "-e",
                          "frame.interface_id", "-e", "arp.src.proto_ipv4"], capture_output=True, text=True).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    cap, packets = read_all(path)
    assert len(packets) == len(rows) == 4 and cap.warnings == [] and cap.byte_order == "mixed"
    for pkt, (epoch, _iface, arp_src) in zip(packets, rows, strict=True):
        assert arp_src == "10.0.0.1"
        if pkt.number == 2:
            assert epoch == ""   # a simple packet block has no timestamp
            continue
        sec, frac = epoch.split(".")
        assert pkt.timestamp_ns == int(sec) * 10**9 + int(frac.ljust(9, "0")), pkt.number
    # tshark numbers interfaces within each section; ours index cap.interfaces across sections
    assert [p.interface for p in packets] == [0, 0, 0, 1] and [r[1] for r in rows] == ["0", "0", "0", "0"]
    assert [packets[0].timestamp_ns, packets[3].timestamp_ns] == [1_600_000_001_500_000_000, 7_000_000_000]
    with open_capture(path) as cap:      # the untimed simple packet block is in no time figure (was 1970)
        fast = cap.tally()
    with open_capture(path) as cap:
        assert cap.tally(fast=False) == fast
    assert (fast.packets, fast.untimed, fast.first_ns, fast.last_ns) == (4, 1, 7_000_000_000,
                                                                          1_600_000_002_000_000_000)


def test_big_endian_and_modified_pcap(tool, tmp_path):
    frame = bytes(42)
    be = tmp_path / "be.pcap"
    be.write_bytes(struct.pack(">IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1)
                   + struct.pack(">IIII", 1_700_000_000, 123_456_789, 42, 60) + frame)
    cap, packets = read_all(be)
    assert (cap.byte_order, cap.precision, packets[0].timestamp_ns) == ("big", "nanoseconds",
                                                                         1_700_000_000_123_456_789)
    out = subprocess.run([tool("tshark"), "-r", str(be), "-T", "fields", "-e", "frame.time_epoch", "-e",
                          "frame.len"], capture_output=True, text=True).stdout.split()
    assert out == ["1700000000.123456789", "60"]
    modified = tmp_path / "modified.pcap"
    modified.write_bytes(struct.pack("<IHHiIII", 0xA1B2CD34, 2, 4, 0, 0, 65535, 1)
                         + (struct.pack("<IIII", 5, 6, 42, 42) + bytes(8) + frame) * 3)
    cap, packets = read_all(modified)
    assert len(packets) == 3 and cap.warnings == [] and packets[2].timestamp_ns == 5_000_006_000


def test_pcapng_finer_than_nanosecond_ticks(tmp_path):
    """Picosecond ticks 1500 then 1400 are both 1 ns: in order, as the careful walk says (the fast path
    must not call it a decrease)."""
    le = "<"
    data = _block(le, 0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    data += _block(le, 1, struct.pack("<HHI", 1, 0, 65535) + _option(le, 9, b"\x0c") + _option(le, 0, b""))
    for ticks in (1500, 1400, 2600):
        data += _block(le, 6, struct.pack("<IIIII", 0, ticks >> 32, ticks & 0xFFFFFFFF, 60, 60) + bytes(60))
    path = tmp_path / "ps.pcapng"
    path.write_bytes(data)
    with open_capture(path) as cap:
        fast = cap.tally()
    with open_capture(path) as cap:
        assert cap.tally(fast=False) == fast
    assert fast.in_order and (fast.packets, fast.first_ns, fast.last_ns) == (3, 1, 2)


def test_record_over_the_limit_under_a_huge_snaplen(tmp_path):
    """snaplen 0x7FFFFFFF: a 5 MiB record is still over the 4 MiB a record may have; the fast path stops on
    it with the careful walk's warning (the limit holds for records under the snaplen too)."""
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 0x7FFFFFFF, LINKTYPE_ETHERNET)
    small = struct.pack("<IIII", 1, 0, 60, 60) + bytes(60)
    big = struct.pack("<IIII", 2, 0, 5 * 2**20, 5 * 2**20) + bytes(5 * 2**20)
    path = tmp_path / "huge-snaplen.pcap"
    path.write_bytes(head + small * 3 + big + small)
    with open_capture(path) as cap:
        fast = cap.tally(), cap.warnings
    with open_capture(path) as cap:
        assert (cap.tally(fast=False), cap.warnings) == fast
    assert fast[0].packets == 3 and len(fast[1]) == 1 and "claims 5242880" in fast[1][0]


def test_progress_counts_every_byte_of_the_file(shared, tmp_path):
    """The progress callback (the bar on a TTY) is told every byte of the file: plain, and gzipped (in bytes
    of the compressed file), through the info fast path and the packet walk."""
    from protolab.capture.info import capture_info
    from protolab.capture.summary import capture_summary

    plain = shared("wifi/captures/aircrack__pmkid-not-recognized.cap")
    packed = tmp_path / "pmkid.cap.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, packed):
        for walk in (capture_info, capture_summary):
            seen: list[int] = []
            walk(path, progress=seen.append)
            assert sum(seen) == path.stat().st_size and len(seen) >= 2, (path.name, walk.__name__)
