"""TCP proxies on 127.0.0.1: the network between the hosts of a live run, where faults happen.

Theory of operation
-------------------
Each server (data node or Sentinel) listens on a private port; its proxy listens on the public
port every other process uses. On accept the proxy learns which endpoint connected (``owners``),
hence its host, and opens a connection to the server. Two pipes then carry the bytes, one per
direction, each a FIFO of ``(deliver at, chunk)``:
- latency: a chunk is delivered ``base + jitter`` after it was read, the link's latency from the
  scenario (``[network]`` / ``[[link]]``), never before the chunk ahead of it (TCP keeps order);
- partition: a chunk from host A to host B waits while (A, B) is blocked and crosses at the first
  TCP retransmission after the heal (200 ms, doubling, from when it was due: after a 4 s cut the
  next try may be seconds away, as on a real network); a close waits the same way;
  one difference: the proxy accepts a connection opened during the cut at once (a real network
  would leave the handshake hanging), so a write on it ends unknown (timeout) rather than failed;
- delay: extra latency for the pairs the fault names;
- loss: TCP never loses bytes, it retransmits them: each lost draw adds a retransmission timeout
  (200 ms, doubling) to the chunk, with the fault's probability per draw;
- replication lag: on a replica's connection to its primary, each RPUSH the stream carries is
  timed from when the proxy read it (the primary had applied it) to when the replica got it,
  unless the replica had closed its end by then (bytes it never read are no lag);
- crash: the proxy stops listening (new connections are refused, as by a host whose port is
  closed) and drops what the killed process had sent but the proxies had not delivered yet (the
  simulator's model: a crashed process's unsent output dies with it); restart listens again.
The random draws (jitter, loss) come from one seeded ``random.Random``. Timing is real, so runs
are not byte-identical: that is the point of measuring.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque

from protolab.replication.live.owners import Owners

CHUNK = 65536
RTO = 0.2  # Linux's minimum TCP retransmission timeout
RTO_MAX = 120.0  # Linux's TCP_RTO_MAX


def retransmit_at(first: float, now: float) -> float:
    """The first retransmission at or after ``now`` of a segment first due at ``first``."""
    t, rto = first, RTO
    while t < now:
        t += rto
        rto = min(2 * rto, RTO_MAX)
    return t


class NetState:
    """What the faults currently do to each (source host, destination host) pair."""

    def __init__(self, latency, seed: int) -> None:
        self.latency = latency  # (src host, dst host) -> LinkSpec from the scenario
        self.rng = random.Random(seed)
        self.blocked: set[tuple[str, str]] = set()
        self.delay: dict[tuple[str, str], float] = {}
        self.loss: dict[tuple[str, str], float] = {}
        self.changed = asyncio.Event()

    def set(self, blocked, delay, loss) -> None:
        self.blocked, self.delay, self.loss = set(blocked), dict(delay), dict(loss)
        old, self.changed = self.changed, asyncio.Event()
        old.set()  # wake every pipe waiting on the old state

    def transit(self, pair: tuple[str, str]) -> float:
        spec = self.latency(*pair)
        d = spec.base + spec.jitter * (self.rng.expovariate(1.0) if spec.dist == "exp" else self.rng.random())
        d += self.delay.get(pair, 0.0)
        p = max(spec.loss, self.loss.get(pair, 0.0))
        rto = RTO
        while p and self.rng.random() < p:
            d += rto
            rto = min(2 * rto, RTO_MAX)
        return d


class Pipe:
    """One direction of one proxied connection."""

    def __init__(self, net: NetState, src: str, dst: str, origin: str | None, reader, writer, conn,
                 lag=None) -> None:
        self.net, self.pair, self.origin = net, (src, dst), origin
        self.lag = lag  # a replication stream: Quantiles of each write's transit (see Proxy)
        self.reader, self.writer, self.conn = reader, writer, conn
        self.queue: deque = deque()
        self.ready = asyncio.Event()
        self.last = 0.0
        self.ended = False  # our source closed its end (EOF read)

    async def read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                data = await self.reader.read(CHUNK)
            except (ConnectionError, OSError):
                data = b""
            now = loop.time()
            self.last = max(self.last, now + self.net.transit(self.pair))
            self.queue.append((self.last, data or None, now))
            self.ready.set()
            if not data:
                self.ended = True
                return

    async def write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self.queue:
                self.ready.clear()
                await self.ready.wait()
            held = False
            while self.pair in self.net.blocked:
                held = True
                await self.net.changed.wait()
            if not self.queue:
                continue
            at, data, sent = self.queue[0]
            if held:  # TCP retransmits with exponential backoff: the bytes cross at the next try
                self.queue[0] = (at := retransmit_at(at, loop.time()), data, sent)
            wait = at - loop.time()
            if wait > 0.0005:
                await asyncio.sleep(wait)
                continue  # the state may have changed meanwhile
            self.queue.popleft()
            if data is None:
                self.conn.close()
                return
            try:
                self.writer.write(data)
                await self.writer.drain()
            except (ConnectionError, OSError):
                self.conn.close()
                return
            # Bytes handed over after the replica closed its end (it was promoted or moved to
            # another primary while they were held by a partition) are never applied: no lag.
            if self.lag is not None and not any(p.ended for p in self.conn.pipes if p is not self):
                for _ in range(data.count(b"RPUSH")):
                    self.lag.add(loop.time() - sent)

    def purge(self) -> None:
        """Drop the data waiting here (a close waiting here still happens)."""
        closing = any(item[1] is None for item in self.queue)
        self.queue.clear()
        if closing:
            self.queue.append((0.0, None, 0.0))
            self.ready.set()


class Conn:
    def __init__(self) -> None:
        self.writers: list = []
        self.pipes: list[Pipe] = []
        self.tasks: list[asyncio.Task] = []
        self.closed = False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for w in self.writers:
            with contextlib.suppress(Exception):
                w.transport.abort()
        for t in self.tasks:
            if t is not asyncio.current_task():
                t.cancel()


class Proxy:
    """The public port of one server."""

    def __init__(self, name: str, public: int, private: int, host_of, net: NetState, owners: Owners,
                 lag_of=None) -> None:
        self.name, self.public, self.private = name, public, private
        self.lag_of = lag_of  # replica name -> Quantiles, for connections between data nodes
        self.host_of, self.net, self.owners = host_of, net, owners
        self.server: asyncio.base_events.Server | None = None
        self.conns: set[Conn] = set()
        self.handlers: set[asyncio.Task] = set()  # one per accepted connection

    async def listen(self) -> None:
        if self.server is None:
            self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.public, reuse_address=True)

    async def refuse(self) -> None:
        """Stop listening: new connections are refused (the server's process is down)."""
        if self.server is not None:
            self.server.close()
            self.server = None

    def purge_from(self, name: str) -> None:
        for conn in self.conns:
            for pipe in conn.pipes:
                if pipe.origin == name:
                    pipe.purge()

    async def close(self) -> None:
        await self.refuse()
        for conn in list(self.conns):
            conn.close()
        handlers = list(self.handlers)
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        self.conns.clear()

    def _accept(self, reader, writer) -> None:
        """A plain callback, not a coroutine: the handler task is listed the moment the connection is
        made, so ``close`` cancels it even before its first step. (For a coroutine handler asyncio makes
        the task itself, and Python 3.11's done-callback on it prints "Exception in callback ...
        CancelledError" when it is cancelled that early - a SIGTERM while replicas connect.)"""
        task = asyncio.ensure_future(self._handle(reader, writer))
        self.handlers.add(task)

        def done(t: asyncio.Task) -> None:
            self.handlers.discard(t)
            if t.cancelled():
                writer.transport.abort()  # shutting down: nothing more to do for this connection

        task.add_done_callback(done)

    async def _handle(self, reader, writer) -> None:
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            writer.transport.abort()

    async def _serve(self, reader, writer) -> None:
        conn = Conn()
        conn.writers.append(writer)
        peer_port = writer.get_extra_info("peername")[1]
        who = self.owners.lookup_fast(peer_port)
        if who is None:  # a server process: /proc, off the event loop
            loop = asyncio.get_running_loop()
            who = await loop.run_in_executor(None, self.owners.lookup, peer_port, self.public)
        src = self.host_of(who) if who else "?"
        dst = self.host_of(self.name)
        try:
            b_reader, b_writer = await asyncio.open_connection("127.0.0.1", self.private)
        except OSError:
            writer.transport.abort()  # the server is down: reset
            return
        conn.writers.append(b_writer)
        up = Pipe(self.net, src, dst, who, reader, b_writer, conn)
        # A data node connecting to a data node is a replica reading its primary's stream: each
        # write it carries is timed from when the primary sent it to when the replica got it.
        lag = self.lag_of(self.name, who) if self.lag_of is not None and who else None
        down = Pipe(self.net, dst, src, self.name, b_reader, writer, conn, lag)
        conn.pipes = [up, down]
        self.conns.add(conn)
        conn.tasks = [asyncio.ensure_future(f()) for f in (up.read_loop, up.write_loop, down.read_loop,
                                                           down.write_loop)]
        try:
            await asyncio.gather(*conn.tasks, return_exceptions=True)
        finally:
            conn.close()
            self.conns.discard(conn)
