"""pcapng: a sequence of blocks (type, total length, body, total length again).

Theory of operation: a Section Header Block (SHB) opens each section and fixes its byte order (its
byte-order magic reads 0x1A2B3C4D in the right order). Interface Description Blocks (IDB) declare the
interfaces of the section: link type, snaplen, and options (if_tsresol for the timestamp unit, if_fcslen,
if_tsoffset, if_name). Packet blocks (enhanced 6, simple 3, obsolete 2) reference an interface by its id in
the section; every other block type is skipped by its length. Capture.interfaces lists the interfaces of all
sections in file order (Packet.interface indexes it); each also keeps its section (1-based) and its id in
that section, which are tshark's frame.section_number and frame.interface_id. A block length that is not
a multiple of 4, is under 12 bytes or over MAX_BLOCK stops the walk before anything is allocated for it;
so does a packet block that points at an interface not declared, or whose data would overrun the block
(tshark stops there too).
"""

from __future__ import annotations

import struct

from protolab.capture.fastpath import ng_tally
from protolab.capture.records import Header, Interface, Walker

SHB = 0x0A0D0D0A
IDB = 0x00000001
OPB = 0x00000002   # obsolete Packet Block
SPB = 0x00000003
EPB = 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D
MAX_BLOCK = 16 * 1024 * 1024  # generous: tshark's own limit for a block is of this order

OPT_END, OPT_IF_NAME, OPT_IF_TSRESOL, OPT_IF_FCSLEN, OPT_IF_TSOFFSET, OPT_SHB_USERAPPL = 0, 2, 9, 13, 14, 4


def open_walker(path: str, window) -> Walker | None:
    """Read the first section header; the walker over the blocks, or None when this is not pcapng."""
    buf = window.buf
    if len(buf) < 12 or struct.unpack_from("<I", buf, 0)[0] != SHB:
        return None
    endian = _section_endian(buf, 0)
    if endian is None:
        return None
    major, minor = struct.unpack_from(endian + "HH", buf, 12) if len(buf) >= 16 else (0, 0)
    header = Header("pcapng", "little" if endian == "<" else "big", f"{major}.{minor}")
    return Walker(header, lambda with_data: _walk(header, window, with_data),
                  lambda: ng_tally(header, window, lambda hot: _walk(header, window, False, hot)))


def _section_endian(buf, pos):
    magic = buf[pos + 8:pos + 12]
    if magic == b"\x4d\x3c\x2b\x1a":
        return "<"
    if magic == b"\x1a\x2b\x3c\x4d":
        return ">"
    return None


def _options(buf, start, end, endian):
    """(code, value bytes) of an option list in buf[start:end]; stops at opt_endofopt or a bad length."""
    pos = start
    while pos + 4 <= end:
        code, length = struct.unpack_from(endian + "HH", buf, pos)
        if code == OPT_END:
            return
        value_end = pos + 4 + length
        if value_end > end:
            return
        yield code, bytes(buf[pos + 4:value_end])
        pos += 4 + ((length + 3) & ~3)


def _interface(header: Header, buf, pos, blen, endian, section: int, section_id: int) -> Interface:
    linktype, _reserved, snaplen = struct.unpack_from(endian + "HHI", buf, pos + 8)
    iface = Interface(len(header.interfaces), linktype, snaplen, section=section, section_id=section_id)
    tsresol, offset_s = 6, 0
    for code, value in _options(buf, pos + 16, pos + blen - 4, endian):
        if code == OPT_IF_TSRESOL and value:
            tsresol = value[0]
        elif code == OPT_IF_FCSLEN and value:
            # The spec gives bits; some writers put bytes. 16/32 are bits, small values are bytes.
            iface.fcs_len = value[0] // 8 if value[0] >= 8 else value[0]
        elif code == OPT_IF_TSOFFSET and len(value) == 8:
            offset_s = struct.unpack(endian + "q", value)[0]
        elif code == OPT_IF_NAME:
            iface.name = value.decode("utf-8", "replace").rstrip("\0")
    exponent = tsresol & 0x7F
    if tsresol & 0x80:
        iface.ticks_per_second = 1 << min(exponent, 63)
    else:
        iface.ticks_per_second = 10 ** min(exponent, 19)
    iface.offset_ns = offset_s * 1_000_000_000
    return iface


def _tick_converter(iface: Interface):
    """(mul, div, offset) such that ns = ticks * mul // div + offset."""
    tps = iface.ticks_per_second
    if 1_000_000_000 % tps == 0:
        return 1_000_000_000 // tps, 1, iface.offset_ns
    return 1_000_000_000, tps, iface.offset_ns


def _walk(header: Header, w, with_data: bool, hot=None):
    """Yield (interface, timestamp_ns, caplen, orig_len, data|None) per packet block (timestamp None for a
    simple packet block, which has none). With `hot`, runs of enhanced packet blocks in a one-interface
    section go to hot(w, endian, interface) instead, which returns how many it took (the fast path of
    protolab.capture.fastpath)."""
    section_ifaces: list[int] = []   # global interface index of each interface of the current section
    convert: list[tuple[int, int, int]] = []  # per global interface
    endian = "<"
    section = 0
    hdr = struct.Struct("<II").unpack_from
    epb = struct.Struct("<IIIII").unpack_from
    number = 0
    while True:
        if hot is not None and len(section_ifaces) == 1:
            number += hot(w, endian, section_ifaces[0])
        if w.remaining() < 8:
            if not w.fill(8):
                left = w.remaining()
                if left:
                    header.warn(f"{left} stray byte(s) after the last complete block ignored "
                                "(the file appears cut short)")
                break
        buf, pos = w.buf, w.pos
        btype, blen = hdr(buf, pos)
        if btype == SHB:
            if not w.fill(12):
                header.warn("the file ends inside a section header block")
                break
            buf, pos = w.buf, w.pos
            new_endian = _section_endian(buf, pos)
            if new_endian is None:
                header.warn(f"a section header block at offset {w.tell()} has no valid byte-order magic: stopped")
                header.stopped_early = True
                break
            endian = new_endian
            if ("little" if endian == "<" else "big") != header.byte_order:
                header.byte_order = "mixed"     # pcapng sections may each have their own byte order
            hdr = struct.Struct(endian + "II").unpack_from
            epb = struct.Struct(endian + "IIIII").unpack_from
            btype, blen = hdr(buf, pos)
            section_ifaces = []
            section += 1
        if blen < 12 or blen % 4 or blen > MAX_BLOCK:
            header.warn(f"block at offset {w.tell()} (type 0x{btype:08x}) has an impossible length {blen}: "
                        f"stopped reading there, {number} frames kept")
            header.stopped_early = True
            break
        if not w.fill(blen):
            what = "packet" if btype in (EPB, SPB, OPB) else f"block (type 0x{btype:08x})"
            header.warn(f"the last {what} is cut short: {w.remaining()} of {blen} bytes present; "
                        f"{number} complete frames kept")
            break
        buf, pos = w.buf, w.pos
        w.pos = pos + blen
        if btype == EPB or btype == OPB:
            if blen < 32:
                header.warn(f"a packet block at offset {w.tell() - blen} is too short ({blen} bytes): stopped")
                header.stopped_early = True
                break
            if btype == EPB:
                local, ts_hi, ts_lo, caplen, orig_len = epb(buf, pos + 8)
            else:
                local, ts_hi, ts_lo, caplen, orig_len = struct.unpack_from(endian + "HxxIIII", buf, pos + 8)
            if 28 + caplen + 4 > blen:
                header.warn(f"packet block {number + 1} claims {caplen} bytes but its block holds {blen - 32}: "
                            f"stopped reading there, {number} frames kept")
                header.stopped_early = True
                break
            if local >= len(section_ifaces):
                header.warn(f"packet {number + 1} refers to interface {local}, which the section never declared: "
                            f"stopped reading there, {number} frames kept")
                header.stopped_early = True
                break
            iface = section_ifaces[local]
            mul, div, off = convert[iface]
            ticks = (ts_hi << 32) | ts_lo
            number += 1
            yield (iface, (ticks * mul // div if div != 1 else ticks * mul) + off, caplen, orig_len,
                   bytes(w.view[pos + 28:pos + 28 + caplen]) if with_data else None)
        elif btype == SPB:
            if not section_ifaces:
                header.warn(f"a simple packet block comes before any interface: stopped, {number} frames kept")
                header.stopped_early = True
                break
            (orig_len,) = struct.unpack_from(endian + "I", buf, pos + 8)
            iface = section_ifaces[0]
            snaplen = header.interfaces[iface].snaplen
            caplen = min(orig_len, blen - 16, snaplen or orig_len)
            number += 1
            yield iface, None, caplen, orig_len, bytes(w.view[pos + 12:pos + 12 + caplen]) if with_data else None
        elif btype == IDB:
            if blen < 20:
                header.warn(f"an interface description block at offset {w.tell() - blen} is too short: stopped")
                header.stopped_early = True
                break
            iface = _interface(header, buf, pos, blen, endian, section, len(section_ifaces))
            section_ifaces.append(iface.id)
            header.interfaces.append(iface)
            iface.ticks_to_ns = _tick_converter(iface)
            convert.append(iface.ticks_to_ns)
        elif btype == SHB:
            for code, value in _options(buf, pos + 24, pos + blen - 4, endian):
                if code == OPT_SHB_USERAPPL and not header.application:
                    header.application = value.decode("utf-8", "replace").rstrip("\0")
        # any other block type (statistics, name resolution, custom, ...) is skipped by its length
