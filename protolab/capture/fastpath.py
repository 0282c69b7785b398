"""The `pcap info` fast path for classic pcap: record headers only, as fast as CPython allows.

Theory of operation: `scan_window` is the one hot loop. It only visits records whose header starts at
least `margin` (= header + largest allowed caplen) bytes before the end of the window, so every record it
sees lies wholly inside the window and needs no bounds check; the last `margin` bytes of the file, and any
record with an absurd caplen, are left to the careful walker of protolab.capture.pcap (which reports
cut-short records and stray bytes). To keep the loop short it compares (seconds, fraction) only when the
seconds do not grow, adds lengths only for the rare records whose caplen differs from orig_len (the sum of
caplens follows from how far the walk went), and keeps min/max times from the decreases alone: the maximum
is the last value or one followed by a decrease, the minimum the first value or one lower than the value
before it.

On a big uncompressed file and a machine with a free core, `fast_tally` forks once: the child finds a
record boundary just after the middle of the file (the first offset where 8 consecutive plausible headers
chain up) and scans from there, while the parent scans the first half up to the first record that starts
at or after the middle. The halves are joined only when the parent's walk lands exactly on the child's
boundary, so a wrong guess costs time, never correctness: the parent then simply walks on.
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
from dataclasses import dataclass

from protolab.capture.reader import Tally

CHUNK_MIN = 1 << 20
PARALLEL_MIN_BYTES = 16 * 2**20   # below this, forking costs about what it saves
SYNC_RECORDS = 8            # consecutive plausible, chained headers that make a resync point
SYNC_SPAN = 1 << 20         # how far past the middle the child looks for one
SYNC_YEARS = 20 * 365 * 86400


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
                 "lo", "hi", "captured")

    def __init__(self) -> None:
        self.n = self.truncated = self.extra_wire = self.over_snap = self.longer = self.decreases = 0
        self.captured = 0   # sum of caplens, where it cannot be derived from how far the walk went
        self.first = self.lo = self.hi = None
        self.ps = self.pf = -1

    def state(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def join(self, later: Scan, per_sec: int) -> None:
        """Append the totals of the records that follow ours."""
        if later.n == 0:
            return
        if self.n and later.first < self.ps * per_sec + self.pf:
            self._decrease(self.ps * per_sec + self.pf, later.first)
        if later.decreases:
            self._decrease(later.hi, later.lo, later.decreases)
        self.n += later.n
        self.captured += later.captured
        self.truncated += later.truncated
        self.extra_wire += later.extra_wire
        self.over_snap += later.over_snap
        self.longer += later.longer
        if self.first is None:
            self.first = later.first
        self.ps, self.pf = later.ps, later.pf

    def add(self, value: int, caplen: int, orig_len: int) -> None:
        """One record, its time as a single number (ps holds it, pf stays 0)."""
        if self.first is None:
            self.first = value
        elif value < self.ps:
            self._decrease(self.ps, value)
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
        out.first = to_ns(self.first) if self.first is not None else None
        out.ps, out.pf = to_ns(self.ps * per_sec + self.pf), 0
        out.lo = to_ns(self.lo) if self.lo is not None else None
        out.hi = to_ns(self.hi) if self.hi is not None else None
        return out

    def to_tally(self) -> Tally:
        """The Tally of a scan whose times are nanoseconds (per_sec 1)."""
        tally = Tally(packets=self.n, truncated=self.truncated, in_order=self.decreases == 0,
                      data_bytes=self.captured, wire_bytes=self.captured + self.extra_wire)
        if self.n:
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
    hlen, per_sec, limit = lay.hlen, lay.per_sec, lay.limit
    snap = lay.snaplen or limit
    n, truncated, extra_wire, ps, pf = st.n, st.truncated, st.extra_wire, st.ps, st.pf
    if st.first is None and pos <= lim:
        s, f, _, _ = unpack(buf, pos)
        st.first = s * per_sec + f
    absurd = False
    while pos <= lim:
        s, f, c, o = unpack(buf, pos)
        if c != o or c > snap:
            if c > limit:   # not counted here: the careful walker stops on it and says why
                absurd = True
                break
            extra_wire += o - c
            if c < o:
                truncated += 1
            else:
                st.longer += c > o
            st.over_snap += c > snap
        if s <= ps and (s < ps or f < pf):
            st._decrease(ps * per_sec + pf, s * per_sec + f)
        ps, pf = s, f
        pos += hlen + c
        n += 1
    st.n, st.truncated, st.extra_wire, st.ps, st.pf = n, truncated, extra_wire, ps, pf
    return pos, absurd


def scan_stream(st: Scan, w, lay: Layout, stop_at: int | None = None) -> bool:
    """Scan while the window can hold a full margin ahead (or until a record starts at/after stop_at)."""
    while w.fill(lay.margin + CHUNK_MIN):
        lim = len(w.buf) - lay.margin
        if stop_at is not None:
            lim = min(lim, stop_at - 1 - w.base)
            if w.pos > lim:
                return False
        w.pos, absurd = scan_window(st, w.buf, w.pos, lim, lay)
        if absurd:
            return True
    return False


def fast_tally(cap, w, lay: Layout, careful_tail) -> tuple[Tally, list[int]]:
    """Tally the whole file; `careful_tail(start_number, odd)` walks what the hot loop leaves.

    Returns the Tally and the [over snaplen, caplen > orig_len] counts for the caller to report.
    """
    st = Scan()
    if _can_split(cap):
        _scan_in_two(cap, w, st, lay)
    scan_stream(st, w, lay)
    walked, fast_n = w.tell(), st.n
    odd = [st.over_snap, st.longer]
    tail = Scan()
    tail_wire = tail_caplen = 0
    for _iface, t_ns, caplen, orig_len, _ in careful_tail(st.n, odd):
        t = t_ns // lay.frac_ns
        s, f = divmod(t, lay.per_sec)
        if tail.first is None:
            tail.first = t
        if s <= tail.ps and (s < tail.ps or f < tail.pf):
            tail._decrease(tail.ps * lay.per_sec + tail.pf, t)
        tail.ps, tail.pf = s, f
        tail.n += 1
        tail.truncated += caplen < orig_len
        tail_wire += orig_len
        tail_caplen += caplen
    st.join(tail, lay.per_sec)
    fast_caplens = walked - lay.data_start - lay.hlen * fast_n
    tally = Tally(packets=st.n, truncated=st.truncated, in_order=st.decreases == 0,
                  data_bytes=fast_caplens + tail_caplen, wire_bytes=fast_caplens + st.extra_wire + tail_wire)
    if st.n:
        last = st.ps * lay.per_sec + st.pf
        values = [v for v in (st.first, last, st.lo, st.hi) if v is not None]
        tally.first_ns, tally.last_ns = min(values) * lay.frac_ns, max(values) * lay.frac_ns
    cap.interfaces[0].packets = st.n
    return tally, odd


# -- two processes ---------------------------------------------------------------------------------------
def _can_split(cap) -> bool:
    if cap.compressed or not getattr(cap, "_owns_file", False) or cap.size < PARALLEL_MIN_BYTES:
        return False
    if not hasattr(os, "fork") or threading.active_count() > 1:   # never fork a process with threads
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores >= 2


def _resync(buf, lay: Layout, first_second: int) -> int | None:
    """First offset in buf where SYNC_RECORDS plausible headers chain up, or None."""
    unpack = struct.Struct(lay.endian + "IIII").unpack_from
    end = len(buf) - lay.hlen
    for p in range(0, min(SYNC_SPAN, end)):
        q = p
        for _ in range(SYNC_RECORDS):
            if q > end:
                break
            s, f, c, o = unpack(buf, q)
            if f >= lay.per_sec or c > lay.limit or c > o or abs(s - first_second) > SYNC_YEARS:
                break
            q += lay.hlen + c
        else:
            return p
    return None


def _child_scan(path: str, middle: int, lay: Layout, first_second: int):
    """In the child: find a record boundary after `middle`, scan from it; (start, end, scan state) or None."""
    from protolab.capture.stream import Window

    with open(path, "rb", buffering=0) as f:
        w = Window(f, f)
        w.seek(middle)
        if not w.fill(SYNC_SPAN + lay.margin):
            return None
        p = _resync(w.buf, lay, first_second)
        if p is None:
            return None
        w.pos = p
        st = Scan()
        scan_stream(st, w, lay)
        return middle + p, w.tell(), st.state()


def _scan_in_two(cap, w, st: Scan, lay: Layout) -> None:
    if not w.fill(lay.hlen):
        return
    first_second = struct.unpack_from(lay.endian + "I", w.buf, w.pos)[0]
    middle = cap.size // 2
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into the caller's code, never flush the parent's buffers
        try:
            os.close(read_end)
            data = pickle.dumps(_child_scan(cap.path, middle, lay, first_second))
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
        finally:
            os._exit(0)
    os.close(write_end)
    pipe = os.fdopen(read_end, "rb")
    try:
        absurd = scan_stream(st, w, lay, stop_at=middle)
        data = pipe.read()
    finally:
        pipe.close()          # also when the parent's walk fails: the child then dies on a closed pipe
        os.waitpid(pid, 0)
    try:
        child = pickle.loads(data) if data else None
    except Exception:  # noqa: BLE001 - a child that died half-way: just walk on alone
        child = None
    if child is None or absurd or w.tell() != child[0]:
        return
    start, end, state = child
    later = Scan()
    for name, value in zip(Scan.__slots__, state, strict=True):
        setattr(later, name, value)
    st.join(later, lay.per_sec)
    w.seek(end)


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


def ng_tally(cap, w, walk) -> Tally:
    """Tally a pcapng: `walk(hot)` is the careful block walker, which hands runs of enhanced packet blocks
    of a one-interface section to `hot(w, endian, iface)` and yields the records it reads itself."""
    total = Scan()      # times in nanoseconds
    runs: list[Scan] = []

    def hot(w, endian: str, iface: int) -> int:
        st = Scan()
        while True:
            w.fill(CHUNK_MIN)
            start = w.pos
            w.pos = scan_ng_window(st, w.buf, start, endian)
            if w.pos == start:
                break
        if st.n:
            info = cap.interfaces[iface]
            mul, div, offset = info.ticks_to_ns
            runs.append(st.in_ns(NG_TICKS, lambda t: t * mul // div + offset))
            info.packets += st.n
        return st.n

    for iface, ts, caplen, orig_len, _ in walk(hot):
        for run in runs:
            total.join(run, 1)
        runs.clear()
        total.add(ts, caplen, orig_len)
        cap.interfaces[iface].packets += 1
    for run in runs:
        total.join(run, 1)
    return total.to_tally()
