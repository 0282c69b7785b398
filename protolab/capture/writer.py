"""Capture writers: classic pcap (little-endian, micro- or nanosecond) and pcapng (either byte order).

Both take frames one at a time with a nanosecond timestamp, so a lab can stream what it builds.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_IEEE802_11 = 105
LINKTYPE_RADIOTAP = 127
DEFAULT_SNAPLEN = 262144


class _Sink:
    """Owns the output: a path we open (and close) or a binary file object the caller owns."""

    def __init__(self, target):
        if hasattr(target, "write"):
            self._f: BinaryIO = target
            self._owned = False
        else:
            self._f = open(target, "wb")  # noqa: SIM115 - closed in close()
            self._owned = True

    def close(self) -> None:
        if self._owned:
            self._f.close()
        else:
            self._f.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PcapWriter(_Sink):
    """Classic pcap. `linktype` may carry FCS bits in its upper half (e.g. 0x24000069)."""

    def __init__(self, target, linktype: int = LINKTYPE_RADIOTAP, nanosecond: bool = False,
                 snaplen: int = DEFAULT_SNAPLEN):
        super().__init__(target)
        self.nanosecond = nanosecond
        self.snaplen = snaplen
        self.count = 0
        magic = 0xA1B23C4D if nanosecond else 0xA1B2C3D4
        self._f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
        self._record = struct.Struct("<IIII").pack

    def write(self, frame: bytes, timestamp_ns: int = 0, orig_len: int | None = None) -> None:
        sec, ns = divmod(timestamp_ns, 1_000_000_000)
        frac = ns if self.nanosecond else ns // 1000
        data = frame[:self.snaplen]
        self._f.write(self._record(sec, frac, len(data), len(frame) if orig_len is None else orig_len))
        self._f.write(data)
        self.count += 1


class PcapngWriter(_Sink):
    """pcapng with one section; add interfaces, then packets (enhanced packet blocks)."""

    def __init__(self, target, endian: str = "<", application: str = "protolab"):
        super().__init__(target)
        self.endian = endian
        self.interfaces: list[int] = []
        self._resolution: list[int] = []
        self.count = 0
        options = self._option(4, application.encode()) + self._option(0, b"")
        body = struct.pack(endian + "IHHq", 0x1A2B3C4D, 1, 0, -1) + options
        self._block(0x0A0D0D0A, body)

    def _option(self, code: int, value: bytes) -> bytes:
        pad = b"\0" * (-len(value) % 4)
        return struct.pack(self.endian + "HH", code, len(value)) + value + pad

    def _block(self, btype: int, body: bytes) -> None:
        body += b"\0" * (-len(body) % 4)
        total = len(body) + 12
        self._f.write(struct.pack(self.endian + "II", btype, total) + body + struct.pack(self.endian + "I", total))

    def add_interface(self, linktype: int, snaplen: int = DEFAULT_SNAPLEN, tsresol: int = 9, name: str = "",
                      fcs_len: int | None = None) -> int:
        """Declare an interface; tsresol is the if_tsresol byte (9 = nanoseconds, 6 = microseconds)."""
        options = self._option(9, bytes([tsresol]))
        if name:
            options += self._option(2, name.encode())
        if fcs_len is not None:
            options += self._option(13, bytes([fcs_len]))
        self._block(1, struct.pack(self.endian + "HHI", linktype, 0, snaplen) + options + self._option(0, b""))
        self.interfaces.append(linktype)
        unit = 1 << (tsresol & 0x7F) if tsresol & 0x80 else 10 ** tsresol
        self._resolution.append(unit)
        return len(self.interfaces) - 1

    def write(self, frame: bytes, timestamp_ns: int = 0, interface: int = 0, orig_len: int | None = None) -> None:
        ticks = timestamp_ns * self._resolution[interface] // 1_000_000_000
        header = struct.pack(self.endian + "IIIII", interface, ticks >> 32, ticks & 0xFFFFFFFF, len(frame),
                             len(frame) if orig_len is None else orig_len)
        self._block(6, header + frame)
        self.count += 1
