"""A Redis-like data node: one primary takes writes, replicas follow its replication stream.

Theory of operation
-------------------
The primary appends each write to its log (the log length is the replication offset), streams
``(offset, id)`` to every attached replica and answers the client:
- at once (asynchronous replication: Redis's default), or
- once ``ack_replicas`` replicas have acknowledged that offset (``WAIT n timeout``: 1 is
  semi-synchronous, all is synchronous); when the wait times out the client gets an unknown
  outcome, since the write is applied on the primary but not confirmed on the replicas.
``min-replicas-to-write N`` / ``min-replicas-max-lag S``: the primary refuses writes (NOREPLICAS)
unless N replicas acknowledged within the last S seconds; replicas send ``REPLCONF ACK`` every
second. A replica that sees a gap in the stream, or (re)attaches to a primary, gets a full resync:
it replaces its log by the primary's, which is where a demoted primary's unreplicated writes
disappear. Roles only change by Sentinel's ``REPLICAOF`` commands (or stay fixed without Sentinel).
A crash keeps the log (``persistence = "aof"``: an fsync-always AOF) or loses it (``"none"``: a
primary that restarts empty before Sentinel notices is resynced from by its replicas, which then
lose everything too); the role last configured survives either way.
"""

from __future__ import annotations

from collections import deque
from heapq import heappush

from protolab.replication.idlog import IdLog, last_write_to
from protolab.replication.messages import (
    FULL_SYNC,
    INFO_REPLY,
    LINK_CLOSED,
    PONG,
    READ_REPLY,
    REPL_ACK,
    REPLY,
    STREAM,
    SYNC_REQUEST,
)
from protolab.replication.nodes.base import Endpoint
from protolab.sim.quantiles import FLUSH_EVERY, Quantiles

ACK_PERIOD = 1.0  # REPLCONF ACK period of a replica (Redis: every second)
RESYNC_PERIOD = 1.0  # a detached replica retries its connection every second


class ReplicaState:
    __slots__ = ("node", "link", "on_stream", "acked", "last_ack", "last_sent")

    def __init__(self, node, link, now: float) -> None:
        self.node, self.link, self.on_stream = node, link, getattr(node, STREAM.handler)
        self.acked = 0
        self.last_ack = now
        self.last_sent = now


class DataNode(Endpoint):
    kind = "data"

    def __init__(self, sim, name: str, *, primary: bool, opts) -> None:
        super().__init__(sim, name)
        self.opts = opts
        self.log = IdLog()
        self.role = "primary" if primary else "replica"
        self.master: DataNode | None = None
        self.link_up = False
        self.replicas: dict[str, ReplicaState] = {}
        self.stream: list[ReplicaState] = []  # attached replicas, in attach order (hot path)
        self.waiting: dict[int, tuple] = {}  # write id -> (offset, client)
        self.wait_order: deque = deque()
        self.ack_needed = opts.ack_replicas
        self.each_ack = self.ack_needed > 0
        self.priority = 100
        self.runid = sim.runid()
        self.replid = sim.runid()
        self.lag = Quantiles()
        self._lag_samples = self.lag.samples
        self.discarded = 0  # writes dropped by full resyncs (a demoted primary's extra writes)
        self.min_replicas = opts.min_replicas_to_write
        self.last_write = 0.0
        self._replies: dict = {}  # client -> (link, on_reply), bound once
        self._send = sim.net.send  # the network's closure
        self._rnd, self._heap, self._seq = sim.kernel.rng.random, sim.kernel.heap, sim.kernel._seq

    def start(self) -> None:
        self.sim.role_change(self, self.role)
        if self.master is not None:
            self.send(self.master, SYNC_REQUEST, self)
        self.timer(ACK_PERIOD * self.kernel.rng.random(), self._periodic)

    # --- client writes ---------------------------------------------------------------------------
    def on_write(self, msg) -> None:
        client, wid, _key = msg
        if self.role != "primary":
            self.send(client, REPLY, (wid, "readonly", self.master.name if self.master else None))
            return
        now = self.kernel.now
        if self.min_replicas:
            lag = self.opts.min_replicas_max_lag
            if sum(1 for r in self.stream if now - r.last_ack <= lag) < self.min_replicas:
                self.send(client, REPLY, (wid, "noreplicas", None))
                return
        log = self.log
        if wid == log.next_id:  # IdLog.append, inlined: this is the hot path of every run
            log.next_id = wid + 1
        else:
            log.start_run(wid)
        offset = log.length = log.length + 1
        # Network.send's fast path, inlined for the stream and the reply (the hot path of every run)
        msg = (self, offset, wid, now)
        rnd, heap, seq = self._rnd, self._heap, self._seq
        for r in self.stream:
            link = r.link
            if link.fast:
                t = now + link.base + link.jitter * rnd()
                if t < link.last:
                    t = link.last
                link.last = t
                heappush(heap, (t, next(seq), r.on_stream, msg, link))
            else:
                self._send(link, STREAM, msg)
        self.last_write = now
        if self.ack_needed:
            self.waiting[wid] = (offset, client)
            self.wait_order.append((offset, wid))
            self.timer(self.opts.wait_timeout, self._wait_expired, wid)
            return
        link, on_reply = self._replies.get(client) or self._reply_route(client)
        if link.fast:
            t = now + link.base + link.jitter * rnd()
            if t < link.last:
                t = link.last
            link.last = t
            heappush(heap, (t, next(seq), on_reply, (wid, "ok", None), link))
        else:
            self._send(link, REPLY, (wid, "ok", None))

    def _reply_route(self, client) -> tuple:
        route = self._replies[client] = (self.net.link(self, client), getattr(client, REPLY.handler))
        return route

    def _release(self) -> None:
        acked = sorted((r.acked for r in self.stream), reverse=True)
        if len(acked) < self.ack_needed:
            return
        upto = acked[self.ack_needed - 1]
        order = self.wait_order
        while order and order[0][0] <= upto:
            _offset, wid = order.popleft()
            entry = self.waiting.pop(wid, None)
            if entry is not None:
                self.send(entry[1], REPLY, (wid, "ok", None))

    def _wait_expired(self, wid: int) -> None:
        entry = self.waiting.pop(wid, None)
        if entry is not None:
            self.send(entry[1], REPLY, (wid, "wait-timeout", None))

    refused = Endpoint.refuse_client_request

    def on_read(self, msg) -> None:
        """GET on the primary (a replica answers READONLY unless read ``direct``ly: the final reads)."""
        client, opid, key, direct = msg
        if self.role != "primary" and not direct:
            self.send(client, READ_REPLY, (opid, "readonly", None, self.master.name if self.master else None))
            return
        result = (tuple(sorted(self.log)) if key is None
                  else last_write_to(self.log.reversed_ids(), key, self.sim.key_of))
        self.send(client, READ_REPLY, (opid, "ok", result, None))

    # --- the replication stream (replica side) ---------------------------------------------------
    def on_stream(self, msg) -> None:
        master, offset, wid, t = msg
        if master is not self.master or not self.link_up:
            return
        log = self.log
        if offset == log.length + 1:
            if wid == log.next_id:  # IdLog.append, inlined (hot path)
                log.next_id = wid + 1
            else:
                log.start_run(wid)
            log.length = offset
            self._lag_samples.append(self.kernel.now - t)  # bucketed in batches (Quantiles.flush)
            if not offset % FLUSH_EVERY:
                self.lag.flush()
            if self.each_ack:
                self.send(master, REPL_ACK, (self.name, offset))
        elif offset > log.length + 1:  # a gap: messages were lost, ask for a resync
            self.link_up = False
            self.send(master, SYNC_REQUEST, self)

    def on_full_sync(self, msg) -> None:
        master, log = msg
        if master is not self.master:
            return
        if self.log.length:
            kept = set(log)
            dropped = sum(1 for wid in self.log if wid not in kept)
            if dropped:
                self.discarded += dropped
                self.event("full-resync", f"from {master.name}: {dropped} local writes discarded")
        self.log = log
        self.lag.flush()  # the offsets jump here: flush, so the pending samples stay under FLUSH_EVERY
        self.link_up = True
        self.send(master, REPL_ACK, (self.name, log.length))

    def _periodic(self, _=None) -> None:
        if self.role == "replica" and self.master is not None:
            if self.link_up:
                self.send(self.master, REPL_ACK, (self.name, self.log.length))
            else:
                self.send(self.master, SYNC_REQUEST, self)
        self.timer(ACK_PERIOD, self._periodic)

    # --- the replication stream (primary side) ---------------------------------------------------
    def on_sync_request(self, replica) -> None:
        if self.role != "primary" or replica is self:
            return
        state = self.replicas.get(replica.name)
        if state is None:
            state = self.replicas[replica.name] = ReplicaState(replica, self.net.link(self, replica), self.kernel.now)
            self.stream.append(state)
        state.last_sent = self.kernel.now
        self.send(replica, FULL_SYNC, (self, self.log.copy()))

    def on_repl_ack(self, msg) -> None:
        name, offset = msg
        state = self.replicas.get(name)
        if state is None or self.role != "primary":
            # not (or no longer) this node's replica: its connection was closed on this side, so the
            # ACK meets a reset and the replica reconnects (a lost close must not leave it stranded)
            replica = self.sim.nodes.get(name)
            if replica is not None:
                self.send(replica, LINK_CLOSED, self)
            return
        now = self.kernel.now
        state.last_ack = now
        if offset > state.acked:
            state.acked = offset
        if self.waiting:
            self._release()
        # A replica that stays behind with nothing in flight lost part of the stream: resync it.
        if offset < self.log.length and now - max(state.last_sent, self.last_write) >= ACK_PERIOD:
            state.last_sent = now
            self.send(state.node, FULL_SYNC, (self, self.log.copy()))

    def on_link_closed(self, node) -> None:
        if node is self.master:  # the primary's process died: the replication link is gone
            self.link_up = False

    # --- commands from Sentinel ------------------------------------------------------------------
    def on_ping(self, sentinel) -> None:
        self.send(sentinel, PONG, self.name)

    def on_info(self, sentinel) -> None:
        info = (self.name, self.role, self.master.name if self.master else None, self.link_up,
                self.log.length, self.priority, self.runid)
        self.send(sentinel, INFO_REPLY, info)

    def on_slaveof(self, master_name: str | None) -> None:
        if master_name is None:
            if self.role != "primary":
                self.become_primary()
            return
        master = self.sim.nodes[master_name]
        if self.role == "replica" and self.master is master:
            return
        self.become_replica(master)

    def _drop_replicas(self) -> None:
        """A role change closes the replication links (Redis disconnects its replicas when it is
        reconfigured): each attached replica sees its link drop and asks for a sync again, instead
        of believing it is still attached to a primary that no longer streams to it."""
        for r in self.stream:
            self.send(r.node, LINK_CLOSED, self)

    def become_primary(self) -> None:
        self.role, self.master, self.link_up = "primary", None, False
        self.replid = self.sim.runid()
        self._drop_replicas()
        self.replicas.clear()
        self.stream.clear()
        self.sim.role_change(self, "primary")

    def become_replica(self, master: DataNode) -> None:
        was_primary = self.role == "primary"
        self.role, self.master, self.link_up = "replica", master, False
        self._drop_replicas()
        self.replicas.clear()
        self.stream.clear()
        for wid, (_offset, client) in list(self.waiting.items()):
            self.send(client, REPLY, (wid, "demoted", None))
        self.waiting.clear()
        self.wait_order.clear()
        if was_primary:
            self.sim.role_change(self, "replica")
        self.send(master, SYNC_REQUEST, self)

    # --- what the analysis reads ---------------------------------------------------------------
    def final_items(self) -> set[int]:
        return set(self.log)

    def conflicts(self) -> dict[str, int]:
        return {"resync-discarded": self.discarded} if self.discarded else {}

    # --- faults ----------------------------------------------------------------------------------
    def on_crash(self) -> None:
        self.waiting.clear()
        self.wait_order.clear()
        self.replicas.clear()
        self.stream.clear()
        self.link_up = False
        self.sim.role_change(self, "down")
        self.sim.connections_reset(self)

    def replace_empty(self) -> None:
        """A new, empty machine in this node's place, added as a replica of the current primary (the
        one the Sentinels name), from which it gets a full resync."""
        self.log = IdLog()
        self.replid = self.sim.runid()
        writer = self.sim.current_writer()
        if writer is not None and writer is not self:
            self.role, self.master, self.link_up = "replica", writer, False

    def on_restart(self) -> None:
        if self.opts.persistence == "none":  # no AOF, no RDB: the process comes back empty
            if self.log.length:
                self.event("restart-empty", f"{self.log.length} writes gone with the process")
            self.log = IdLog()
            self.replid = self.sim.runid()
        self.sim.role_change(self, self.role)
        self.timer(0.0, self._periodic)
