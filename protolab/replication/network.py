"""The simulated network: per-link latency, jitter, loss, FIFO order, partitions (one-way too).

Theory of operation
-------------------
Every ordered pair of endpoints has one ``Link`` (created on first use). ``send`` draws the
link's delay (base + jitter, uniform or exponential), keeps the link FIFO as TCP does (a message
never overtakes an earlier one on the same link) and pushes ``(arrival, seq, handler, msg, link)``
straight onto the kernel's heap: delivery is a plain call of the destination's handler, with no
wrapper on the hot path. Faults therefore act on the messages where they are:
- a message sent over a blocked link (partition), a lossy draw, or to a process that is down is
  dropped at send time (a down process's host answers with a refusal where that matters);
- when a partition starts or a process crashes, ``purge`` removes the messages already in flight
  on the links concerned (a crashed process's own unsent output dies with it too);
- a pause (GC-style stall) moves the messages waiting for the paused process to the end of the
  pause, and links into it deliver no earlier than that, so order is kept: the links that exist
  when it starts get ``last`` = its end, a link created during it starts there (``link``).
A link whose state is plain (not blocked, no loss, uniform jitter, destination up, no tracing)
has ``fast`` set and takes the short path. Partitions are sets of blocked (source host,
destination host) pairs: endpoints on the same host always reach each other. When ``trace`` is
a list, every message whose type is not ladder noise is recorded as ``[sent, arrives, src, dst,
type name, status]`` for the ladder diagram.
"""

from __future__ import annotations

from heapq import heapify, heappush
from typing import TYPE_CHECKING

from protolab.replication.messages import NOISE

if TYPE_CHECKING:
    from protolab.sim.kernel import Kernel

TRACE_CAP = 50_000


class LinkSpec:
    """Latency model of a link, in seconds: ``base`` + a draw of ``jitter`` (``dist``), and ``loss``."""

    __slots__ = ("base", "jitter", "dist", "loss")

    def __init__(self, base: float = 0.0005, jitter: float = 0.0002, dist: str = "uniform", loss: float = 0.0):
        self.base, self.jitter, self.dist, self.loss = base, jitter, dist, loss

    def __repr__(self) -> str:
        return f"LinkSpec({self.base}, {self.jitter}, {self.dist!r}, {self.loss})"


LOOPBACK = LinkSpec(0.00005, 0.00002)


class Link:
    __slots__ = ("src", "dst", "base", "jitter", "exp", "loss", "blocked", "last", "fast")

    def __init__(self, src, dst, spec: LinkSpec) -> None:
        self.src, self.dst = src, dst
        self.blocked = False
        self.last = 0.0
        self.fast = False
        self.configure(spec)

    def configure(self, spec: LinkSpec) -> None:
        self.base, self.jitter, self.loss = spec.base, spec.jitter, spec.loss
        self.exp = spec.dist == "exp"


class Network:
    def __init__(self, kernel: Kernel, default: LinkSpec | None = None) -> None:
        self.kernel = kernel
        self._heap = kernel.heap
        self._seq = kernel._seq
        self._random = kernel.rng.random
        self.default = default or LinkSpec()
        self.specs: dict[tuple[str, str], LinkSpec] = {}  # (src host, dst host) -> spec
        self.links: dict[tuple[str, str], Link] = {}  # (src name, dst name) -> link
        self.blocked: set[tuple[str, str]] = set()
        self.overrides: dict[tuple[str, str], LinkSpec] = {}  # fault-time changes (delay, loss)
        self.trace: list | None = None
        self.send = self._make_send()

    # --- configuration -------------------------------------------------------------------
    def spec_for(self, src_host: str, dst_host: str) -> LinkSpec:
        if src_host == dst_host:
            return LOOPBACK
        key = (src_host, dst_host)
        return self.overrides.get(key) or self.specs.get(key) or self.default

    def link(self, src, dst) -> Link:
        key = (src.name, dst.name)
        link = self.links.get(key)
        if link is None:
            link = self.links[key] = Link(src, dst, self.spec_for(src.host, dst.host))
            link.blocked = (src.host, dst.host) in self.blocked
            # a link first used while its destination is paused delivers no earlier than the pause's end,
            # like the links that existed when the pause began (see ``paused``)
            link.last = dst.paused_until
            self._refresh(link)
        return link

    def _refresh(self, link: Link) -> None:
        link.fast = not (link.blocked or link.loss or link.exp or not link.dst.up or self.trace is not None)

    def refresh(self, node=None) -> None:
        """Recompute the fast flags (after a crash, restart, partition, override or tracing change)."""
        for link in self.links.values():
            if node is None or link.dst is node or link.src is node:
                self._refresh(link)

    def set_blocked(self, pairs: set[tuple[str, str]]) -> None:
        self.blocked = pairs
        for link in self.links.values():
            link.blocked = (link.src.host, link.dst.host) in pairs
            self._refresh(link)
        self.purge(lambda link: link.blocked)

    def set_override(self, src_host: str, dst_host: str, spec: LinkSpec | None) -> None:
        if spec is None:
            self.overrides.pop((src_host, dst_host), None)
        else:
            self.overrides[(src_host, dst_host)] = spec
        for link in self.links.values():
            if link.src.host == src_host and link.dst.host == dst_host:
                link.configure(self.spec_for(src_host, dst_host))
                self._refresh(link)

    # --- the hot path --------------------------------------------------------------------
    def _make_send(self):
        """``send(link, kind, msg)``: a closure, so the fast path reads locals instead of attributes."""
        heap, seq, rnd, kernel, slow = self._heap, self._seq, self._random, self.kernel, self._send_slow

        def send(link: Link, kind, msg) -> None:
            """Send ``msg``, a message of type ``kind`` (``messages.py``), over ``link``; at arrival the
            destination's handler for that type runs with ``msg``."""
            if link.fast:
                t = kernel.now + link.base + link.jitter * rnd()
                if t < link.last:
                    t = link.last
                link.last = t
                heappush(heap, (t, next(seq), getattr(link.dst, kind.handler), msg, link))
            else:
                slow(link, kind, msg)

        return send

    def _send_slow(self, link: Link, kind, msg) -> None:
        kernel = self.kernel
        if not link.dst.up:
            link.dst.refused(link, kind, msg)
            return
        if link.blocked or (link.loss and self._random() < link.loss):
            if self.trace is not None:
                self._record(link, kind, kernel.now, "dropped")
            return
        t = kernel.now + link.base
        if link.jitter:
            t += kernel.rng.expovariate(1.0 / link.jitter) if link.exp else link.jitter * self._random()
        if t < link.last:
            t = link.last
        link.last = t
        fn = getattr(link.dst, kind.handler)
        if self.trace is None:
            heappush(self._heap, (t, next(self._seq), fn, msg, link))
        else:
            idx = self._record(link, kind, t, "delivered")
            heappush(self._heap, (t, next(self._seq), self._traced, (fn, msg, idx), link))

    def _traced(self, arg) -> None:
        fn, msg, _idx = arg
        fn(msg)

    # --- faults acting on messages in flight ----------------------------------------------
    def purge(self, doomed) -> int:
        """Drop the in-flight messages whose link satisfies ``doomed(link)``."""
        heap = self._heap
        kept = [e for e in heap if e[4] is None or not doomed(e[4])]
        dropped = len(heap) - len(kept)
        if dropped:
            self.kernel.dropped += dropped
            if self.trace is not None:
                for e in heap:
                    if e[4] is not None and e[2] == self._traced and doomed(e[4]) and e[3][2] >= 0:
                        self.trace[e[3][2]][5] = "dropped"
            heapify(kept)
            heap[:] = kept
        return dropped

    def crashed(self, node) -> None:
        """A process died: what it had in flight and what was on its way to it are gone."""
        self.refresh(node)
        self.purge(lambda link: link.src is node or link.dst is node)
        for link in self.links.values():  # nothing is in flight to it now: a pause it was in is over
            if link.dst is node:
                link.last = 0.0

    def paused(self, node, until: float) -> None:
        """Messages for a paused process, and its own timers, wait until the pause ends, in their order
        (a timer is a tuple without a link whose callback is a method of the process)."""
        heap = self._heap
        waiting = sorted(e for e in heap if e[0] < until and (
            e[4].dst is node if e[4] is not None else getattr(e[2], "__self__", None) is node))
        if waiting:
            ids = {id(e) for e in waiting}
            kept = [e for e in heap if id(e) not in ids]
            heapify(kept)
            heap[:] = kept
            self.kernel.dropped += len(waiting)  # and pushed again, as new events
            for e in waiting:
                heappush(heap, (until, next(self._seq), e[2], e[3], e[4]))
        for link in self.links.values():
            if link.dst is node and link.last < until:
                link.last = until

    # --- tracing (the ladder diagram) ----------------------------------------------------
    def _record(self, link: Link, kind, arrives: float, status: str) -> int:
        trace = self.trace
        if kind.ladder == NOISE or len(trace) >= TRACE_CAP:
            return -1
        trace.append([self.kernel.now, arrives, link.src.name, link.dst.name, kind.name, status])
        return len(trace) - 1
