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
capture.linklayer.locate. Both caches are bounded (a capture has a handful of chains, and a receiver sees
a few frequencies and signal levels) and emptied when full.
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
MAX_RADIOS = 4096
_MISSING = object()


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
    chflags: int    # XChannel's flags are 32 bits: their low 16 bits are read, as parse_radiotap keeps


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
        freq, chflags = offsets["channel"], offsets["channel"] + 2
    elif "xchannel" in offsets:
        freq, chflags = offsets["xchannel"] + 4, offsets["xchannel"]
    else:
        freq, chflags = -1, -1
    return Layout(offsets.get("flags", -1), offsets.get("dbm_antsignal", -1), freq, chflags)


class RadioLayouts:
    """Per-capture state of the fast radiotap path: compiled layouts, and the Radio of each combination of
    values seen (frequency, channel flags, signal, FCS flag), so that a frame costs a few indexings."""

    def __init__(self) -> None:
        self.layouts: dict[bytes, Layout | None] = {}
        self.radios: dict[tuple, Radio] = {}  # decoded values -> Radio (not header bytes: TSFT varies)

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
        layout = self.layouts.get(key, _MISSING)
        if layout is _MISSING:
            layout = self._compile(data, length, key)
        if layout is None:
            return None
        flags_at, signal_at, freq_at, chflags_at = layout
        signal = None
        if signal_at >= 0:
            signal = data[signal_at]
            if signal > 127:
                signal -= 256
        if freq_at >= 0:
            freq = data[freq_at] | data[freq_at + 1] << 8
            chflags = data[chflags_at] | data[chflags_at + 1] << 8
        else:
            freq = chflags = None
        fcs = flags_at >= 0 and bool(data[flags_at] & FLAG_FCS)
        radio = self.radios.get((freq, chflags, signal, fcs))
        if radio is None:
            radio = self._radio(freq, chflags, signal, fcs)
        return length, radio

    def _compile(self, data: bytes, length: int, key: bytes) -> Layout | None:
        layout = compile_layout(data, length)
        if len(self.layouts) >= MAX_LAYOUTS:
            self.layouts.clear()
        self.layouts[key] = layout
        return layout

    def _radio(self, freq: int | None, chflags: int | None, signal: int | None, fcs: bool) -> Radio:
        """A Radio for these values, kept for the next frame that has them (a receiver sees a few dozen)."""
        band = channel = None
        if freq is not None:
            band, channel = band_of(freq, chflags), freq_to_channel(freq) if freq else None
        radio = Radio(freq, band, channel, signal, fcs)
        if len(self.radios) >= MAX_RADIOS:
            self.radios.clear()
        self.radios[(freq, chflags, signal, fcs)] = radio
        return radio
