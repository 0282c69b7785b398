"""The `pcap info` fast path: record headers only, as fast as CPython allows.

Theory of operation: `scan_window` is the one hot loop for classic pcap. It only visits records whose
header starts at least `margin` (= header + largest allowed caplen) bytes before the end of the window, so
every record it sees lies wholly inside the window and needs no bounds check; the last `margin` bytes of
the file, and any record with an absurd caplen, are left to the careful walker of protolab.capture.pcap
(which reports cut-short records and stray bytes). To keep the loop short it compares (seconds, fraction)
only when the seconds do not grow, adds lengths only for the rare records whose caplen differs from
orig_len or whose fraction is out of range (the sum of caplens follows from how far the walk went), and
keeps min/max times from the decreases alone: the maximum is the last value or one followed by a
decrease, the minimum the first value or one lower than the value before it.

For pcapng, `scan_ng_window` does the same over runs of enhanced packet blocks of a one-interface
section; the block walker of protolab.capture.pcapng hands those runs over and reads everything else.

One process, one pass: a split of big files between two processes was tried and dropped, as it saved
nothing measurable on a shared two-core machine and needed a resynchronisation guess in the middle of
the file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from protolab.capture.records import Header, Tally

CHUNK_MIN = 1 << 20


@dataclass(frozen=True)
class Layout:
    endian: str
    hlen: int           # record header length
    per_sec: int        # timestamp ticks per second (10**6 or 10**9)
    frac_ns: int        # nanoseconds per tick
    snaplen: int
    limit: int          # largest caplen accepted
    data_start: int     # offset of the first record

    @property
    def margin(self) -> int:
        return self.hlen + self.limit


class Scan:
    """Running totals of the hot loop (times in file ticks)."""

    __slots__ = ("n", "truncated", "extra_wire", "over_snap", "longer", "first", "ps", "pf", "decreases",
                 "lo", "hi", "captured", "untimed")

    def __init__(self) -> None:
        self.n = self.truncated = self.extra_wire = self.over_snap = self.longer = self.decreases = 0
        self.captured = 0   # sum of caplens, where it cannot be derived from how far the walk went
        self.untimed = 0    # records without a timestamp (pcapng simple packet blocks): in no time figure
        self.first = self.lo = self.hi = None
        self.ps = self.pf = -1

    def join(self, later: Scan, per_sec: int) -> None:
        """Append the totals of the records that follow ours."""
        if later.n == 0:
            return
        if later.first is not None:
            if self.first is None:
                self.first = later.first
            elif later.first < self.ps * per_sec + self.pf:
                self._decrease(self.ps * per_sec + self.pf, later.first)
            if later.decreases:
                self._decrease(later.hi, later.lo, later.decreases)
            self.ps, self.pf = later.ps, later.pf
        self.n += later.n
        self.untimed += later.untimed
        self.captured += later.captured
        self.truncated += later.truncated
        self.extra_wire += later.extra_wire
        self.over_snap += later.over_snap
        self.longer += later.longer

    def add(self, value: int | None, caplen: int, orig_len: int) -> None:
        """One record, its time as a single number (ps holds it, pf stays 0) or None when it has none."""
        if value is None:
            self.untimed += 1
        elif self.first is None:
            self.first = value
        elif value < self.ps:
            self._decrease(self.ps, value)
        if value is not None:
            self.ps, self.pf = value, 0
        self.n += 1
        self.captured += caplen
        self.truncated += caplen < orig_len
        self.extra_wire += orig_len - caplen

    def in_ns(self, per_sec: int, to_ns) -> Scan:
        """This scan with its times (ps * per_sec + pf ticks) turned into nanoseconds by to_ns(ticks)."""
        out = Scan()
        for name in self.__slots__:
            setattr(out, name, getattr(self, name))
        if self.first is None:
            return out
        out.first = to_ns(self.first)
        out.ps, out.pf = to_ns(self.ps * per_sec + self.pf), 0
        out.lo = to_ns(self.lo) if self.lo is not None else None
        out.hi = to_ns(self.hi) if self.hi is not None else None
        return out

    def to_tally(self) -> Tally:
        """The Tally of a scan whose times are nanoseconds (per_sec 1)."""
        tally = Tally(packets=self.n, truncated=self.truncated, in_order=self.decreases == 0,
                      data_bytes=self.captured, wire_bytes=self.captured + self.extra_wire, untimed=self.untimed)
        if self.first is not None:
            values = [v for v in (self.first, self.ps, self.lo, self.hi) if v is not None]
            tally.first_ns, tally.last_ns = min(values), max(values)
        return tally

    def _decrease(self, before: int, after: int, count: int = 1) -> None:
        self.decreases += count
        self.hi = before if self.hi is None or before > self.hi else self.hi
        self.lo = after if self.lo is None or after < self.lo else self.lo


def scan_window(st: Scan, buf, pos: int, lim: int, lay: Layout) -> tuple[int, bool]:
    """Walk the records whose header starts in buf[pos:lim + 1]; (next position, stopped on an absurd caplen)."""
    unpack = struct.Struct(lay.endian + "IIII").unpack_from
    hlen, per_sec, limit, snaplen = lay.hlen, lay.per_sec, lay.limit, lay.snaplen
    snap = min(snaplen, limit) if snaplen else limit   # a caplen over this is looked at closely
    n, truncated, extra_wire, ps, pf = st.n, st.truncated, st.extra_wire, st.ps, st.pf
    if st.first is None and pos <= lim:
        s, f, _, _ = unpack(buf, pos)
        st.first = s * per_sec + f
    absurd = False
    while pos <= lim:
        s, f, c, o = unpack(buf, pos)
        if not (o == c <= snap and f < per_sec):   # the rare record (one chained test for the usual one)
            if c > limit:   # not counted here: the careful walker stops on it and says why
                absurd = True
                break
            extra_wire += o - c
            if c < o:
                truncated += 1
            else:
                st.longer += c > o
            st.over_snap += bool(snaplen) and c > snaplen
            s, f = s + f // per_sec, f % per_sec   # a fraction of a second or more: carried, as in ns
        pos += hlen + c
        n += 1
        if s > ps:
            ps, pf = s, f
            continue
        if s < ps or f < pf:
            st._decrease(ps * per_sec + pf, s * per_sec + f)
        ps, pf = s, f
    st.n, st.truncated, st.extra_wire, st.ps, st.pf = n, truncated, extra_wire, ps, pf
    return pos, absurd


def scan_stream(st: Scan, w, lay: Layout) -> bool:
    """Scan while the window can hold a full margin ahead; True when it stopped on an absurd caplen."""
    while w.fill(lay.margin + CHUNK_MIN):
        w.pos, absurd = scan_window(st, w.buf, w.pos, len(w.buf) - lay.margin, lay)
        if absurd:
            return True
    return False


def fast_tally(header: Header, w, lay: Layout, careful_tail) -> tuple[Tally, list[int]]:
    """Tally the whole file; `careful_tail(start_number, odd)` walks what the hot loop leaves.

    Returns the Tally and the [over snaplen, caplen > orig_len] counts for the caller to report.
    """
    st = Scan()
    scan_stream(st, w, lay)
    st.captured = w.tell() - lay.data_start - lay.hlen * st.n
    odd = [st.over_snap, st.longer]
    total = st.in_ns(lay.per_sec, lambda ticks: ticks * lay.frac_ns)
    tail = Scan()
    for _iface, ts, caplen, orig_len, _ in careful_tail(st.n, odd):
        tail.add(ts, caplen, orig_len)
    total.join(tail, 1)
    header.interfaces[0].packets = total.n
    return total.to_tally(), odd


# -- pcapng ------------------------------------------------------------------------------------------------
EPB = 6
NG_TICKS = 1 << 32     # a pcapng timestamp is (high, low) 32-bit words: value = high * 2**32 + low


def scan_ng_window(st: Scan, buf, pos: int, endian: str) -> int:
    """Walk the enhanced packet blocks of interface 0 that lie wholly in buf from pos; the next position.

    Stops at anything else (another block type or interface, an odd length, a block not wholly in the
    window): the careful walker of protolab.capture.pcapng takes it from there.
    """
    unpack = struct.Struct(endian + "IIIIIII").unpack_from
    end = len(buf)
    n, captured, truncated, extra_wire, phi, plo = st.n, st.captured, st.truncated, st.extra_wire, st.ps, st.pf
    if st.first is None and pos + 28 <= end:
        _, _, _, hi, lo, _, _ = unpack(buf, pos)
        st.first = hi * NG_TICKS + lo
    while pos + 28 <= end:
        btype, blen, iface, hi, lo, c, o = unpack(buf, pos)
        if btype != EPB or iface or c + 32 > blen or blen & 3 or pos + blen > end:
            break
        if c != o:
            extra_wire += o - c
            truncated += c < o
        if hi <= phi and (hi < phi or lo < plo):
            st._decrease(phi * NG_TICKS + plo, hi * NG_TICKS + lo)
        phi, plo = hi, lo
        captured += c
        pos += blen
        n += 1
    st.n, st.captured, st.truncated, st.extra_wire, st.ps, st.pf = n, captured, truncated, extra_wire, phi, plo
    return pos


def ng_tally(header: Header, w, walk) -> Tally:
    """Tally a pcapng: `walk(hot)` is the careful block walker, which hands runs of enhanced packet blocks
    of a one-interface section to `hot(w, endian, iface)` and yields the records it reads itself."""
    total = Scan()      # times in nanoseconds
    runs: list[Scan] = []

    def hot(w, endian: str, iface: int) -> int:
        info = header.interfaces[iface]
        if info.ticks_per_second > 10**9:   # finer than ns: distinct ticks may share a ns, so the order
            return 0                        # of the ns values is the careful walker's to judge
        st = Scan()
        while True:
            w.fill(CHUNK_MIN)
            start = w.pos
            w.pos = scan_ng_window(st, w.buf, start, endian)
            if w.pos == start:
                break
        if st.n:
            mul, div, offset = info.ticks_to_ns
            runs.append(st.in_ns(NG_TICKS, lambda t: t * mul // div + offset))
            info.packets += st.n
        return st.n

    for iface, ts, caplen, orig_len, _ in walk(hot):
        for run in runs:
            total.join(run, 1)
        runs.clear()
        total.add(ts, caplen, orig_len)
        header.interfaces[iface].packets += 1
    for run in runs:
        total.join(run, 1)
    return total.to_tally()
