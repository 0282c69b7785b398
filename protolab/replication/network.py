"""The simulated network: per-link latency, jitter, loss, FIFO order, partitions (one-way too).

Theory of operation
-------------------
Every ordered pair of endpoints has one ``Link`` (created on first use). ``send`` draws the
link's delay (base + jitter, uniform or exponential), keeps the link FIFO as TCP does (a message
never overtakes an earlier one on the same link) and pushes the delivery straight onto the
kernel's heap. A message is dropped when the link is blocked at send time or at delivery time
(a partition that starts while it is in flight), or when the destination process is down; a
destination that is paused (a GC-style stall) gets it when the pause ends, in order.
Partitions are sets of blocked (source host, destination host) pairs: endpoints on the same host
always reach each other. Links are per endpoint pair, so faults such as extra delay or loss can
target one direction. When ``trace`` is a list, every message not listed as quiet is recorded
as ``[sent, arrives, src, dst, label, status]`` for the ladder diagram; off, it costs one check.
"""

from __future__ import annotations

from heapq import heapify, heappush
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from protolab.replication.kernel import Kernel

# Handlers whose messages are periodic noise; the ladder diagram leaves them out.
QUIET = frozenset({"on_ping", "on_pong", "on_info", "on_info_reply", "on_hello", "on_repl_ack",
                   "on_heartbeat", "on_append_reply", "on_gossip", "on_link_closed"})
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
    __slots__ = ("src", "dst", "base", "jitter", "exp", "loss", "blocked", "last")

    def __init__(self, src, dst, spec: LinkSpec) -> None:
        self.src, self.dst = src, dst
        self.blocked = False
        self.last = 0.0
        self.configure(spec)

    def configure(self, spec: LinkSpec) -> None:
        self.base, self.jitter, self.loss = spec.base, spec.jitter, spec.loss
        self.exp = spec.dist == "exp"


class Network:
    def __init__(self, kernel: Kernel, default: LinkSpec | None = None) -> None:
        self.kernel = kernel
        self.default = default or LinkSpec()
        self.specs: dict[tuple[str, str], LinkSpec] = {}  # (src host, dst host) -> spec
        self.links: dict[tuple[str, str], Link] = {}  # (src name, dst name) -> link
        self.blocked: set[tuple[str, str]] = set()
        self.overrides: dict[tuple[str, str], LinkSpec] = {}  # fault-time changes (delay, loss)
        self.trace: list | None = None

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
        return link

    def set_blocked(self, pairs: set[tuple[str, str]]) -> None:
        self.blocked = pairs
        for link in self.links.values():
            link.blocked = (link.src.host, link.dst.host) in pairs

    def set_override(self, src_host: str, dst_host: str, spec: LinkSpec | None) -> None:
        if spec is None:
            self.overrides.pop((src_host, dst_host), None)
        else:
            self.overrides[(src_host, dst_host)] = spec
        for link in self.links.values():
            if link.src.host == src_host and link.dst.host == dst_host:
                link.configure(self.spec_for(src_host, dst_host))

    # --- the hot path --------------------------------------------------------------------
    def send(self, link: Link, fn, msg) -> None:
        """Send ``msg`` over ``link``; at arrival the destination runs ``fn(msg)``."""
        kernel = self.kernel
        if link.blocked or (link.loss and kernel.rng.random() < link.loss):
            if self.trace is not None:
                self._record(link, fn, kernel.now, "dropped")
            return
        t = kernel.now + link.base
        if link.jitter:
            t += kernel.rng.expovariate(1.0 / link.jitter) if link.exp else link.jitter * kernel.rng.random()
        if t < link.last:
            t = link.last
        link.last = t
        if self.trace is None:
            heappush(kernel.heap, (t, next(kernel._seq), self._deliver, (link, fn, msg)))
        else:
            idx = self._record(link, fn, t, "delivered")
            heappush(kernel.heap, (t, next(kernel._seq), self._deliver_traced, (link, fn, msg, idx)))

    def _deliver(self, arg) -> None:
        link, fn, msg = arg
        dst = link.dst
        if link.blocked:
            return
        if not dst.up:
            dst.refused(link, fn, msg)
            return
        if dst.paused_until > self.kernel.now:
            self.kernel.at(dst.paused_until, self._deliver, arg)
            return
        fn(msg)

    def drop_in_flight(self, src) -> int:
        """A crashed process's output dies with it: drop its messages not yet delivered."""
        kernel = self.kernel
        mine = (self._deliver, self._deliver_traced)
        before = len(kernel.heap)
        kept = [e for e in kernel.heap if not (e[2] in mine and e[3][0].src is src)]
        if len(kept) != before:
            if self.trace is not None:
                for e in kernel.heap:
                    if e[2] == self._deliver_traced and e[3][0].src is src and e[3][3] >= 0:
                        self.trace[e[3][3]][5] = "dropped"
            heapify(kept)
            kernel.heap[:] = kept
        return before - len(kept)

    # --- tracing (the ladder diagram) ----------------------------------------------------
    def _record(self, link: Link, fn, arrives: float, status: str) -> int:
        trace = self.trace
        name = fn.__name__
        if name in QUIET or len(trace) >= TRACE_CAP:
            return -1
        trace.append([self.kernel.now, arrives, link.src.name, link.dst.name, name.removeprefix("on_"), status])
        return len(trace) - 1

    def _deliver_traced(self, arg) -> None:
        link, fn, msg, idx = arg
        dst = link.dst
        dropped = link.blocked or not dst.up
        if idx >= 0 and dropped:
            self.trace[idx][5] = "dropped"
        if dst.up and not link.blocked and dst.paused_until > self.kernel.now:
            if idx >= 0:
                self.trace[idx][1] = dst.paused_until
            self.kernel.at(dst.paused_until, self._deliver_traced, arg)
            return
        if link.blocked:
            return
        if not dst.up:
            dst.refused(link, fn, msg)
            return
        fn(msg)
