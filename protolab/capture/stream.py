"""A forward-only byte window over a (possibly gzipped) file: the one place the readers touch the file.

Theory of operation: readers walk records with struct.unpack_from over `buf` starting at `pos`. When the
next record does not fit in what is left of the window, they call `fill(n)`, which keeps the unread tail,
appends at least one chunk from the file and resets `pos` to 0. The window therefore never holds more than
one chunk plus one record, and every record length is checked against a limit BEFORE `fill` is asked for
it, so a lying length field cannot make us allocate gigabytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import BinaryIO

CHUNK = 1 << 20  # 1 MiB: big enough to amortise the Python loop, small enough for constant memory
GZIP_MAGIC = b"\x1f\x8b"


class Gunzip:
    """A gzip file as a stream of bytes, keeping everything a cut-short or corrupt stream still yields.

    zlib's decompressobj with a bound on each output (a small compressed chunk may inflate a thousandfold),
    members one after another as gzip allows; a problem ends the stream and is kept in `error`.
    """

    IN_CHUNK = 1 << 16
    FEED = 1 << 13   # compressed bytes per zlib call: an error loses at most the output of one feed

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""      # compressed bytes not yet given to zlib
        self._done = False
        self.error: str | None = None

    def read(self, n: int) -> bytes:
        parts, have = [], 0
        while have < n and not self._done:
            if self._inflate.eof:                      # a member ended: another may follow
                self._pending = self._inflate.unused_data + self._pending or self._raw.read(self.IN_CHUNK)
                if not self._pending.strip(b"\0"):     # the end (some writers pad with zeros)
                    self._done = True
                    break
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            if not self._pending:
                self._pending = self._raw.read(self.IN_CHUNK)
                if not self._pending:
                    self.error = "the gzip stream is cut short (kept what it held)"
                    self._done = True
                    break
            feed, rest = self._pending[:self.FEED], self._pending[self.FEED:]
            try:
                out = self._inflate.decompress(feed, n - have)
            except zlib.error:
                self.error = "the gzip stream is corrupt (kept what came before)"
                self._done = True
                break
            self._pending = self._inflate.unconsumed_tail + rest
            parts.append(out)
            have += len(out)
        return b"".join(parts)

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)


class Window:
    """`buf` (a bytearray holding exactly the bytes read) and `view` (a memoryview of it, for slicing out
    packet bytes with a single copy) are replaced, never resized, by `fill`."""

    __slots__ = ("buf", "view", "pos", "_f", "_raw", "_base", "eof", "error", "_progress", "_raw_seen")

    def __init__(self, f: BinaryIO, raw: BinaryIO, progress: Callable[[int], None] | None = None):
        self.buf = bytearray()
        self.view = memoryview(self.buf)
        self.pos = 0
        self._f = f            # what we read bytes from (the gzip stream or the file itself)
        self._raw = raw        # the file on disk, for progress in bytes of the file
        self._base = 0         # stream offset of buf[0]
        self.eof = False
        self.error: str | None = None  # a decompression problem met at the end of the stream
        self._progress = progress
        self._raw_seen = 0

    def remaining(self) -> int:
        return len(self.buf) - self.pos

    def tell(self) -> int:
        """Offset in the (decompressed) stream of the next unread byte."""
        return self._base + self.pos

    def fill(self, need: int) -> bool:
        """Make `need` bytes available from `pos`; False when the stream ends first (the tail stays)."""
        have = len(self.buf) - self.pos
        if have >= need:
            return True
        if self.eof:
            return False
        # One copy per byte: the file reads straight into the new buffer, after the unread tail.
        buf = bytearray(have + max(need - have, CHUNK))
        buf[:have] = self.view[self.pos:]
        target = memoryview(buf)
        while have < len(buf):
            got = self._f.readinto(target[have:])
            if not got:
                self.eof = True
                self.error = getattr(self._f, "error", None)
                break
            have += got
        target.release()
        if have < len(buf):
            del buf[have:]
        self._base += self.pos
        self.buf, self.view, self.pos = buf, memoryview(buf), 0
        self._report()
        return have >= need

    def _report(self) -> None:
        if self._progress is None:
            return
        try:
            now = self._raw.tell()
        except (OSError, ValueError):
            return
        if now > self._raw_seen:
            self._progress(now - self._raw_seen)
            self._raw_seen = now


class Replay:
    """A stream that cannot seek back (a pipe, stdin) with the bytes read to sniff it put back in front.
    `tell` counts the bytes handed out: the size of the stream once it has been read to the end."""

    def __init__(self, raw: BinaryIO, head: bytes):
        self._raw, self._head, self._seen = raw, head, 0

    def read(self, n: int) -> bytes:
        if self._head:
            data, self._head = self._head[:n], self._head[n:]
        else:
            data = self._raw.read(n) or b""
        self._seen += len(data)
        return data

    def readinto(self, target) -> int:
        if self._head:
            data = self.read(len(target))
            target[:len(data)] = data
            return len(data)
        got = self._raw.readinto(target) or 0
        self._seen += got
        return got

    def tell(self) -> int:
        return self._seen

    def close(self) -> None:
        self._raw.close()


def seekable(f) -> bool:
    try:
        return bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def open_stream(path, progress: Callable[[int], None] | None = None) -> tuple[Window, BinaryIO, bool]:
    """Open a file (a path, `-` for stdin, or a binary file object, seekable or not) for reading,
    transparently gunzipping it (told by its first bytes, not its name). Returns (window, raw file,
    compressed)."""
    from protolab.fileio import open_input

    raw = path if hasattr(path, "read") else open_input(path, "capture")[0]
    if seekable(raw):
        start = raw.tell()
        head = raw.read(2)
        raw.seek(start)
    else:  # a pipe: what the sniff read is replayed in front of the rest
        head = raw.read(2) or b""
        if len(head) == 1:
            head += raw.read(1) or b""
        raw = Replay(raw, head)
    if head == GZIP_MAGIC:
        return Window(Gunzip(raw), raw, progress), raw, True
    return Window(raw, raw, progress), raw, False
