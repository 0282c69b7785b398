"""Open a capture file (pcap or pcapng, either byte order, gzipped or not) and stream its packets.

Theory of operation: `open_capture` sniffs the first bytes (gzip magic, then the pcap or pcapng magic) and
builds a `Capture` around a format walker (protolab.capture.pcap / .pcapng). A walker is a generator over
the records of the file that yields `(interface, timestamp_ns, caplen, orig_len, data)` tuples (timestamp
None when the record has none); it reads through a `Window` (protolab.capture.stream), so memory stays at
one chunk plus one record whatever the file size. Problems met on the way (a cut-short last record,
trailing bytes, absurd lengths) end or skip what they must, are recorded once in `Capture.warnings`, and
never raise: what was read is kept. Only a file that is not a capture at all raises `BadInput`.

Two ways to walk: iterating the Capture yields `Packet` objects (with the bytes); `tally()` is the fast
path for `pcap info` that only reads the record headers and skips the bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from protolab.capture.linktypes import linktype_name
from protolab.capture.stream import open_stream, seekable
from protolab.errors import BadInput
from protolab.fileio import is_stdio, open_input

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


class Capture:
    """An open capture file. Iterate for packets; `tally()` for counts; use as a context manager."""

    def __init__(self, path, progress: Callable[[int], None] | None = None):
        given_file = hasattr(path, "read")
        self._owns_file = not given_file and not is_stdio(path)   # stdin (`-`) is read, never closed
        self.path = str(getattr(path, "name", "<memory>")) if given_file else str(path)
        if given_file:
            source, self._size = path, _remaining_size(path) if seekable(path) else None
        else:
            source, self._size = open_input(path, "capture")       # BadInput: missing, a directory...
        try:
            self._window, self._raw, self.compressed = open_stream(source, progress)
        except OSError as exc:
            if self._owns_file:
                source.close()
            raise BadInput(f"{path}: cannot be read ({exc.strerror or exc})") from None
        self.warnings: list[str] = []
        self.interfaces: list[Interface] = []
        self.format = ""
        self.byte_order = ""          # "little" | "big" | "mixed" (pcapng sections of both orders)
        self.version = ""
        self.precision = ""           # pcap: "microseconds" | "nanoseconds"; pcapng: per interface
        self.snaplen = 0
        self.application = ""         # pcapng shb_userappl
        self._used = False
        self.stopped_early = False    # a walker stopped on a record it refused, before the data ran out
        try:
            self._walker = self._detect()
        except BadInput:
            self.close()
            raise

    def _detect(self):
        from protolab.capture import pcap, pcapng

        w = self._window
        w.fill(64)
        head = w.buf[:4]
        for module in (pcap, pcapng):
            walker = module.open_walker(self, w)
            if walker is not None:
                return walker
        if w.error and len(head) < 4:
            raise BadInput(f"{self.path}: no capture could be read: {w.error.split(' (')[0]}")
        what = "a gzip stream that holds no" if self.compressed else "not a"
        shown = head.hex() if head else "empty file"
        raise BadInput(f"{self.path}: {what} pcap or pcapng capture (starts with {shown})")

    # -- walking -------------------------------------------------------------------------------------
    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _records(self, with_data: bool):
        if self._used:
            raise RuntimeError("a Capture can be walked once; open it again")  # programming error
        self._used = True
        yield from self._walker(with_data)
        self._stream_warning()

    def _stream_warning(self) -> None:
        # A gzip stream that ends badly matters only if the walk ran into that end, not if it stopped before.
        if self._window.error and not self.stopped_early:
            self.warn(self._window.error)

    def __iter__(self) -> Iterator[Packet]:
        number = 0
        interfaces = self.interfaces
        for iface, ts, _caplen, orig_len, data in self._records(True):
            number += 1
            info = interfaces[iface]
            info.packets += 1
            yield Packet(number, 0 if ts is None else ts, info.linktype, info.fcs_len, data, orig_len, iface)

    def tally(self, fast: bool = True) -> Tally:
        """Walk the whole file reading record headers only: the format's fast path, or (fast=False, for
        checking it) the plain record walk."""
        fast = getattr(self._walker, "tally", None) if fast else None
        if fast is not None and not self._used:
            self._used = True
            t = fast()
            self._stream_warning()
            return t
        t = Tally()
        per_iface: dict[int, int] = {}
        prev = None
        for iface, ts, caplen, orig_len, _ in self._records(False):
            t.packets += 1
            t.data_bytes += caplen
            t.wire_bytes += orig_len
            t.truncated += caplen < orig_len
            per_iface[iface] = per_iface.get(iface, 0) + 1
            if ts is None:
                t.untimed += 1
                continue
            if prev is None:
                t.first_ns = t.last_ns = ts
            else:
                t.in_order = t.in_order and ts >= prev
                t.first_ns = min(t.first_ns, ts)
                t.last_ns = max(t.last_ns, ts)
            prev = ts
        for iface, n in per_iface.items():
            self.interfaces[iface].packets = n
        return t

    @property
    def size(self) -> int:
        """Bytes of the file; of a pipe or stdin, the bytes read so far (all of it once walked)."""
        return self._size if self._size is not None else self._window_source_bytes()

    def _window_source_bytes(self) -> int:
        try:
            return self._raw.tell() if self._raw is not None else 0
        except (OSError, ValueError):
            return 0

    # -- lifetime -------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._raw is not None and self._owns_file:
            self._raw.close()
        self._raw = None

    def __enter__(self) -> Capture:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _remaining_size(f) -> int:
    here = f.tell()
    size = f.seek(0, os.SEEK_END) - here
    f.seek(here)
    return size


def open_capture(path, progress: Callable[[int], None] | None = None) -> Capture:
    """Open `path` (pcap/pcapng, .gz transparently; a path or a seekable binary file object).
    BadInput when it is not a capture.

    `progress(nbytes)` is called as the file is read, with the number of bytes of the file (compressed
    bytes for .gz) consumed since the last call.
    """
    return Capture(path, progress)
