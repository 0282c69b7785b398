"""Radiotap for the survey's fast path: a field layout compiled once per chain of present words.

Theory of operation: where each radiotap field sits depends only on the chain of present words (every
field is aligned to its natural size, counted from the start of the header), never on the field values.
A receiver writes the same chain on every frame while TSFT and signal change on every frame, so caching
decoded headers by their bytes would miss on every frame of a real capture. `RadioLayouts` compiles, for
each distinct (length, present chain), the offsets of the few fields the survey needs (flags, channel or
XChannel, antenna signal) from capture.radiotap.FIELDS, following the same rules as parse_radiotap (first
occurrence of a field wins, an unknown field or one past the length stops the walk), then reads them per
frame with plain indexing. A chain that opens a vendor namespace (its skip length is data, not layout)
or a header that does not fit is not compiled: `read` returns None and the caller falls back to
capture.linklayer.locate. Both caches are bounded (a capture has a handful of chains and frequencies).
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from protolab.capture.radiotap import (
    BIT_EXT,
    BIT_RADIOTAP_NS,
    BIT_VENDOR_NS,
    FIELDS,
    FLAG_FCS,
    band_of,
    freq_to_channel,
)

MAX_LAYOUTS = 256
MAX_CHANNELS = 1024


class Radio(NamedTuple):
    """What the survey uses of a radio header (same names as capture.radiotap.Radiotap)."""

    freq_mhz: int | None
    band: str | None
    channel: int | None
    signal_dbm: int | None
    fcs_at_end: bool

    @classmethod
    def of(cls, rt) -> Radio | None:
        if rt is None:
            return None
        return cls(rt.freq_mhz, rt.band, rt.channel, rt.signal_dbm, rt.fcs_at_end)


class Layout(NamedTuple):
    flags: int      # offsets in the header, -1 when the field is absent
    signal: int
    freq: int
    chflags: int
    chflags_wide: bool  # XChannel: 32-bit flags before the frequency (only the low 16 bits are kept)


def compile_layout(header: bytes, length: int) -> Layout | None:
    """The field offsets for this header's present chain; None when it cannot be compiled (see above)."""
    words, pos, index = [], 4, 0
    while True:
        if pos + 4 > length:
            return None
        (word,) = struct.unpack_from("<I", header, pos)
        pos += 4
        words.append((index, word))
        if not word & (1 << BIT_EXT):
            break
        if word & (1 << BIT_VENDOR_NS):
            return None
        index = 0 if word & (1 << BIT_RADIOTAP_NS) else index + 1
    offsets: dict[str, int] = {}
    for index, word in words:
        for bit in range(29):
            if not word >> bit & 1:
                continue
            spec = FIELDS.get(32 * index + bit)
            if spec is None:
                return _layout(offsets)
            pos = (pos + spec.align - 1) & ~(spec.align - 1)
            if pos + spec.size > length:
                return _layout(offsets)
            offsets.setdefault(spec.name, pos)
            pos += spec.size
    return _layout(offsets)


def _layout(offsets: dict[str, int]) -> Layout:
    if "channel" in offsets:  # the Channel field wins over XChannel, as in parse_radiotap
        freq, chflags, wide = offsets["channel"], offsets["channel"] + 2, False
    elif "xchannel" in offsets:
        freq, chflags, wide = offsets["xchannel"] + 4, offsets["xchannel"], True
    else:
        freq, chflags, wide = -1, -1, False
    return Layout(offsets.get("flags", -1), offsets.get("dbm_antsignal", -1), freq, chflags, wide)


class RadioLayouts:
    """Per-capture state of the fast radiotap path: compiled layouts and frequency -> (band, channel)."""

    def __init__(self) -> None:
        self.layouts: dict[bytes, Layout | None] = {}
        self.channels: dict[tuple[int, int], tuple[str | None, int | None]] = {}

    def read(self, data: bytes) -> tuple[int, Radio] | None:
        """(radiotap length, Radio) of a radiotap record, or None: use linklayer.locate for this one."""
        n = len(data)
        if n < 8:
            return None
        length = data[2] | data[3] << 8
        if length < 8 or length > n:
            return None
        end = 8
        while data[end - 1] & 0x80:  # bit 31 of the last present word read: another word follows
            if end + 4 > length:
                return None
            end += 4
        key = data[2:end]
        layouts = self.layouts
        if key in layouts:
            layout = layouts[key]
        else:
            layout = compile_layout(data, length)
            if len(layouts) >= MAX_LAYOUTS:
                layouts.pop(next(iter(layouts)))
            layouts[key] = layout
        if layout is None:
            return None
        flags = data[layout.flags] if layout.flags >= 0 else 0
        signal = None
        if layout.signal >= 0:
            signal = data[layout.signal]
            if signal > 127:
                signal -= 256
        freq = band = channel = None
        if layout.freq >= 0:
            freq = data[layout.freq] | data[layout.freq + 1] << 8
            chflags = data[layout.chflags] | data[layout.chflags + 1] << 8
            known = self.channels.get((freq, chflags))
            if known is None:
                known = (band_of(freq, chflags), freq_to_channel(freq) if freq else None)
                if len(self.channels) >= MAX_CHANNELS:
                    self.channels.clear()
                self.channels[(freq, chflags)] = known
            band, channel = known
        return length, Radio(freq, band, channel, signal, bool(flags & FLAG_FCS))
