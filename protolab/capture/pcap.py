"""Classic pcap: the 24-byte file header, then (record header, bytes) pairs.

Theory of operation: the magic number says the byte order and the timestamp resolution (microseconds or
nanoseconds; the "modified" Kuznetzov variant has 8 more bytes per record header). The link-type word's
upper bits may carry the FCS length (split by protolab.capture.linktypes). The walker then loops over
record headers with one precompiled struct; a record longer than MAX_CAPLEN stops the walk (as tshark
does) before anything is allocated for it; a cut-short last record or stray trailing bytes end the walk
with one warning and every complete record kept.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from protolab.capture.fastpath import Layout, fast_tally
from protolab.capture.linktypes import split_linktype_word
from protolab.capture.records import MAX_CAPLEN, Header, Interface, Walker
from protolab.errors import BadInput


@dataclass(frozen=True)
class Magic:
    frac_to_ns: int      # multiply the sub-second field by this to get nanoseconds
    header_len: int      # bytes in each record header
    precision: str


# Keyed by the magic as it reads in little-endian order; the big-endian files read as the byte-swapped value.
MAGICS = {
    0xA1B2C3D4: Magic(1000, 16, "microseconds"),
    0xA1B23C4D: Magic(1, 16, "nanoseconds"),
    0xA1B2CD34: Magic(1000, 24, "microseconds"),  # "modified" pcap (Kuznetzov patches)
}
FILE_HEADER_LEN = 24


def open_walker(path: str, window) -> Walker | None:
    """Read the file header; the walker over the records, or None when this is not pcap."""
    buf = window.buf
    if len(buf) < 4:
        return None
    for endian in "<>":
        magic = MAGICS.get(struct.unpack_from(endian + "I", buf, 0)[0])
        if magic is not None:
            break
    else:
        return None
    if not window.fill(FILE_HEADER_LEN):   # no link type, no records: nothing to read (capinfos fails too)
        raise BadInput(f"{path}: a pcap file cut short in its file header ({window.remaining()} of "
                       f"{FILE_HEADER_LEN} bytes): no capture to read")
    major, minor, _zone, _sigfigs, snaplen, word = struct.unpack_from(endian + "HHiIII", window.buf, 4)
    linktype, fcs_len = split_linktype_word(word)
    iface = Interface(0, linktype, snaplen, fcs_len, 10**9 // magic.frac_to_ns, linktype_word=word)
    header = Header("pcap", "little" if endian == "<" else "big", f"{major}.{minor}", magic.precision, snaplen,
                    interfaces=[iface])
    window.pos = FILE_HEADER_LEN
    return Walker(header, lambda with_data: _walk(header, window, endian, magic, snaplen, with_data),
                  lambda: _fast_tally(header, window, endian, magic, snaplen))


def _walk(header: Header, w, endian: str, magic: Magic, snaplen: int, with_data: bool, start_number: int = 0,
          odd: list[int] | None = None):
    """Yield (0, timestamp_ns, caplen, orig_len, data|None) per record; `odd` counts [over snaplen, caplen >
    orig_len] when the caller reports them itself."""
    hlen = magic.header_len
    unpack = struct.Struct(endian + "IIII").unpack_from
    frac_ns = magic.frac_to_ns
    limit = max(MAX_CAPLEN, min(snaplen, 16 * MAX_CAPLEN))
    counts = odd if odd is not None else [0, 0]
    number = start_number
    buf, view, pos, end = w.buf, w.view, w.pos, len(w.buf)
    while True:
        if end - pos < hlen:
            w.pos = pos
            if not w.fill(hlen):
                left = w.remaining()
                if left:
                    header.warn(f"{left} stray byte(s) after the last complete record (frame {number}) ignored: "
                                "the file appears cut short in a record header")
                break
            buf, view, pos, end = w.buf, w.view, w.pos, len(w.buf)
        sec, frac, caplen, orig_len = unpack(buf, pos)
        if caplen > limit:
            header.warn(f"record {number + 1} claims {caplen} captured bytes (more than the {limit} allowed): "
                        f"stopped reading there, {number} frames kept")
            header.stopped_early = True
            break
        start = pos + hlen
        nxt = start + caplen
        if nxt > end:
            w.pos = pos
            if not w.fill(hlen + caplen):
                header.warn(f"the last record (frame {number + 1}) is cut short: {w.remaining() - hlen} of {caplen} "
                            f"bytes present; {number} complete frames kept")
                break
            buf, view, pos, end = w.buf, w.view, w.pos, len(w.buf)
            start = pos + hlen
            nxt = start + caplen
        number += 1
        if caplen > snaplen and snaplen:
            counts[0] += 1
        if caplen > orig_len:
            counts[1] += 1
        pos = nxt
        yield 0, sec * 1_000_000_000 + frac * frac_ns, caplen, orig_len, bytes(view[start:nxt]) if with_data else None
    w.pos = pos if w.buf is buf else w.pos
    if odd is None:
        _report_odd(header, counts, snaplen)


def _report_odd(header: Header, counts: list[int], snaplen: int) -> None:
    if counts[0]:
        header.warn(f"{counts[0]} record(s) longer than the snaplen {snaplen} (kept)")
    if counts[1]:
        header.warn(f"{counts[1]} record(s) with more captured bytes than the original length (kept)")


def _fast_tally(header: Header, w, endian: str, magic: Magic, snaplen: int):
    limit = max(MAX_CAPLEN, min(snaplen, 16 * MAX_CAPLEN))
    layout = Layout(endian, magic.header_len, 10**9 // magic.frac_to_ns, magic.frac_to_ns, snaplen, limit,
                    FILE_HEADER_LEN)

    def careful_tail(start_number: int, odd: list[int]):
        return _walk(header, w, endian, magic, snaplen, False, start_number, odd)

    tally, odd = fast_tally(header, w, layout, careful_tail)
    _report_odd(header, odd, snaplen)
    return tally
