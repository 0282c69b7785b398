"""Open a capture file (pcap or pcapng, either byte order, gzipped or not) and stream its packets.

Theory of operation: `open_capture` sniffs the first bytes (gzip magic, then the pcap or pcapng magic) and
builds a `Capture` around the `Walker` the format returns (protolab.capture.pcap / .pcapng; the record types
are in protolab.capture.records, below both): the file's `Header` and a generator over the records of the
file that yields `(interface, timestamp_ns, caplen, orig_len, data)` tuples (timestamp None when the record
has none); it reads through a `Window` (protolab.capture.stream), so memory stays at one chunk plus one
record whatever the file size. Problems met on the way (a cut-short last record, trailing bytes, absurd
lengths) end or skip what they must, are recorded once in the header's warnings (`Capture.warnings`), and
never raise: what was read is kept. Only a file that is not a capture at all raises `BadInput`.

Two ways to walk: iterating the Capture yields `Packet` objects (with the bytes); `tally()` is the fast
path for `pcap info` that only reads the record headers and skips the bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from protolab.capture import pcap, pcapng
from protolab.capture.records import Packet, Tally, Walker
from protolab.capture.stream import open_stream, seekable
from protolab.errors import BadInput
from protolab.fileio import is_stdio, open_input

FORMATS = (pcap.open_walker, pcapng.open_walker)   # each sniffs the first bytes: a Walker, or None when not its own


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
        self._used = False
        try:
            self._walker = self._detect()
        except BadInput:
            self.close()
            raise
        self.header = self._walker.header

    def _detect(self) -> Walker:
        w = self._window
        w.fill(64)
        head = w.buf[:4]
        for open_walker in FORMATS:
            walker = open_walker(self.path, w)
            if walker is not None:
                return walker
        if w.error and len(head) < 4:
            raise BadInput(f"{self.path}: no capture could be read: {w.error.split(' (')[0]}")
        what = "a gzip stream that holds no" if self.compressed else "not a"
        shown = head.hex() if head else "empty file"
        raise BadInput(f"{self.path}: {what} pcap or pcapng capture (starts with {shown})")

    # -- what the format read (the walk adds to it: later pcapng sections' interfaces, warnings) -------
    format = property(lambda self: self.header.format)
    byte_order = property(lambda self: self.header.byte_order)
    version = property(lambda self: self.header.version)
    precision = property(lambda self: self.header.precision)
    snaplen = property(lambda self: self.header.snaplen)
    application = property(lambda self: self.header.application)
    interfaces = property(lambda self: self.header.interfaces)
    warnings = property(lambda self: self.header.warnings)
    stopped_early = property(lambda self: self.header.stopped_early)

    # -- walking -------------------------------------------------------------------------------------
    def _records(self, with_data: bool):
        if self._used:
            raise RuntimeError("a Capture can be walked once; open it again")  # programming error
        self._used = True
        yield from self._walker.walk(with_data)
        self._stream_warning()

    def _stream_warning(self) -> None:
        # A gzip stream that ends badly matters only if the walk ran into that end, not if it stopped before.
        if self._window.error and not self.header.stopped_early:
            self.header.warn(self._window.error)

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
        if fast and not self._used:
            self._used = True
            t = self._walker.tally()
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
