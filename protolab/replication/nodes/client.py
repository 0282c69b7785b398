"""Clients: they issue writes at a fixed rate (open loop, never retried) and record the history.

A write is invoked, sent to the node the client currently believes is the writer, and completed
by the reply: ok, fail (an error that proves it was not applied: READONLY, NOREPLICAS, refused,
not leader) or info (a timeout, a reset connection, a WAIT that timed out: it may have been
applied). With ``reads`` > 0 a seeded share of the operations are reads of a key (the register's
last write id), which the linearizability checker needs; with the scenario's ``final_reads`` each
client reads the whole data set through its usual route (``read-all``) and the first client also
reads every data node's own state directly (``read-local``) 1 s before the end: the durability and
convergence checkers work from those reads, not from the nodes' memory.
How a client finds the writer differs per family: asking Sentinels, following Raft
leader hints, or writing to the nearest peer (multi-primary).
"""

from __future__ import annotations

from heapq import heappush

from protolab.replication import messages
from protolab.replication.history import FAIL, INFO, INVOKE, OK, READ, READ_ALL
from protolab.replication.nodes.base import Endpoint

FINAL_READ_LEAD = 1.0  # final reads start this long before the end of the run
FINAL_READ_TRIES = 5
READ_LOCAL = "read-local"
# Reply status -> history type. Anything that may have been applied is "info".
OUTCOME = {"ok": OK, "readonly": FAIL, "noreplicas": FAIL, "refused": FAIL, "not-leader": FAIL,
           "wait-timeout": INFO, "demoted": INFO, "reset": INFO, "timeout": INFO}


class Client(Endpoint):
    kind = "client"
    f = "write"

    def __init__(self, sim, spec, host: str | None = None) -> None:
        super().__init__(sim, spec.name, host)
        self.spec = spec
        self.interval = 1.0 / spec.rate
        self.issued = 0
        self.pending: dict[int, tuple[float, Endpoint, int]] = {}  # write id -> (invoked, node, key)
        self.target: Endpoint | None = None
        self._link = self._on_write = None
        self.history = sim.history
        # bound once: the tick and the reply are the hot path of every run
        self._record = sim.history.add
        self._counts, self._keep, self._ops = sim.history.counts, sim.history.keep, sim.history.ops
        self._send = sim.net.send
        self._heap, self._seq, self._wids, self._rnd = sim.kernel.heap, sim.kernel._seq, sim.wids, sim.kernel.rng.random
        self._keys, self._writes, self._start = spec.keys, spec.writes, spec.start
        self.reading: dict[int, tuple] = {}  # op id -> (invoked, node, key, f)
        self.final_tries = 0
        self._next_tick = self.tick_mixed if spec.reads > 0 else self.tick

    def start(self) -> None:
        self.retarget(self.initial_target())
        if self.spec.writes > 0:
            self.kernel.at(self.spec.start, self._next_tick)
        self.kernel.at(self.spec.start + self.spec.timeout / 4, self.sweep)
        if self.sim.scenario.final_reads:
            self.kernel.at(self.sim.scenario.end_time() - FINAL_READ_LEAD, self.final_reads)

    def pausing(self, until: float) -> None:
        """A stalled client issues nothing; afterwards it resumes its rate from the pause's end (the
        due tick is deferred to ``until`` with the other timers, so the schedule shifts to match)."""
        due = self._start + self.issued * self.interval
        if self.issued < self._writes and due < until:
            self._start += until - due

    def retarget(self, node: Endpoint | None) -> None:
        self.target = node
        self._link = self.net.link(self, node) if node is not None else None
        self._on_write = getattr(node, messages.WRITE.handler) if node is not None else None

    # --- issuing writes (the hot path) ---------------------------------------------------------
    def tick(self, _=None) -> None:
        now = self.kernel.now
        wid = next(self._wids)
        issued = self.issued
        key = issued % self._keys  # every client cycles over the same keys
        node = self.target
        if node is None:  # nobody to write to: the write fails at once
            self._record(now, self.name, INVOKE, self.f, key, wid, "-")
            self._record(now, self.name, FAIL, self.f, key, wid, "-", "no-writer")
            self.trouble(None)
        else:
            self._counts[INVOKE] += 1  # History.add, inlined
            if self._keep:
                self._ops.append((now, self.name, INVOKE, self.f, key, wid, node.name, None, None))
            self.pending[wid] = (now, node, key)
            link = self._link
            if link.fast:  # Network.send's fast path, inlined
                t = now + link.base + link.jitter * self._rnd()
                if t < link.last:
                    t = link.last
                link.last = t
                heappush(self._heap, (t, next(self._seq), self._on_write, (self, wid, key), link))
            else:
                self._send(link, messages.WRITE, (self, wid, key))
        self.issued = issued = issued + 1
        if issued < self._writes:  # from the start time, so float errors do not add up
            heappush(self._heap, (self._start + issued * self.interval, next(self._seq), self._next_tick, None, None))

    def tick_mixed(self, _=None) -> None:
        """A tick of a client that also reads: a seeded share of the operations are reads."""
        if self.kernel.rng.random() >= self.spec.reads:
            before = len(self.pending)
            self.tick()
            if len(self.pending) > before:  # reads look a write's key up by its id
                self.sim.key_of[next(reversed(self.pending))] = (self.issued - 1) % self._keys
            return
        node = self.target
        if node is not None:
            self.read(node, self.issued % self._keys, READ)
        else:
            self._no_target(READ)
        self.issued += 1
        if self.issued < self._writes:
            heappush(self._heap, (self._start + self.issued * self.interval, next(self._seq), self.tick_mixed,
                                  None, None))

    def _no_target(self, f: str) -> None:
        now, opid = self.kernel.now, next(self._wids)
        self._record(now, self.name, INVOKE, f, None, opid, "-")
        self._record(now, self.name, FAIL, f, None, opid, "-", "no-writer")
        self.trouble(None)

    def read(self, node, key, f: str, direct: bool = False) -> None:
        """Read ``key`` (None: everything) at ``node``; ``direct`` reads the node's own state whatever
        its role (the final per-node reads), otherwise only the writer answers."""
        now, opid = self.kernel.now, next(self._wids)
        self._record(now, self.name, INVOKE, f, key, opid, node.name)
        self.reading[opid] = (now, node, key, f)
        self.send(node, messages.READ, (self, opid, key, direct))

    def on_read_reply(self, msg) -> None:
        opid, status, result, hint = msg
        entry = self.reading.pop(opid, None)
        if entry is None:
            return
        _t, node, key, f = entry
        if status == "ok":
            self._record(self.kernel.now, self.name, OK, f, key, opid, node.name, None, result)
            return
        self._record(self.kernel.now, self.name, OUTCOME[status], f, key, opid, node.name, status)
        if f != READ_LOCAL:
            self.trouble(node, hint)
        if f == READ_ALL:
            self._retry_final()

    def _retry_final(self) -> None:
        """A final read that failed is tried again (through the new route) a few times."""
        self.final_tries += 1
        if self.final_tries < FINAL_READ_TRIES:
            self.kernel.at(self.kernel.now + FINAL_READ_LEAD / FINAL_READ_TRIES, self._read_all_again)

    def _read_all_again(self, _=None) -> None:
        if self.target is not None:
            self.read(self.target, None, READ_ALL)
        else:
            self._retry_final()

    def final_reads(self, _=None) -> None:
        if self.target is not None:
            self.read(self.target, None, READ_ALL)
        if self is self.sim.clients[0]:
            for node in self.sim.nodes.values():
                self.read(node, None, READ_LOCAL, direct=True)

    def on_reply(self, msg) -> None:
        wid, status, hint = msg
        entry = self.pending.pop(wid, None)
        if entry is None:
            return  # already timed out
        if status == "ok":
            self._counts[OK] += 1  # History.add, inlined
            if self._keep:
                self._ops.append((self.kernel.now, self.name, OK, self.f, entry[2], wid, entry[1].name, None, None))
            return
        self._record(self.kernel.now, self.name, OUTCOME[status], self.f, entry[2], wid, entry[1].name, status)
        self.trouble(entry[1], hint)

    def sweep(self, _=None) -> None:
        """Writes without a reply for ``timeout`` become info (unknown), as a socket timeout does."""
        now = self.kernel.now
        limit = now - self.spec.timeout
        expired = [wid for wid, entry in self.pending.items() if entry[0] <= limit]
        for wid in expired:
            _t, node, key = self.pending.pop(wid)
            self.history.add(now, self.name, INFO, self.f, key, wid, node.name, "timeout")
        for opid in [o for o, entry in self.reading.items() if entry[0] <= limit]:
            _t, node, key, f = self.reading.pop(opid)
            self.history.add(now, self.name, INFO, f, key, opid, node.name, "timeout")
            if f == READ_ALL:
                self._retry_final()
        if expired:
            self.trouble(self.target)
        if self.pending or self.reading or self.issued < self.spec.writes:
            self.kernel.at(now + self.spec.timeout / 4, self.sweep)

    def on_link_closed(self, node) -> None:
        """The node's process died: its connections reset, so in-flight writes are unknown."""
        lost = [wid for wid, entry in self.pending.items() if entry[1] is node]
        for wid in lost:
            _t, _node, key = self.pending.pop(wid)
            self.history.add(self.kernel.now, self.name, INFO, self.f, key, wid, node.name, "reset")
        for opid in [o for o, entry in self.reading.items() if entry[1] is node]:
            _t, _node, key, f = self.reading.pop(opid)
            self.history.add(self.kernel.now, self.name, INFO, f, key, opid, node.name, "reset")
        if node is self.target:
            self.trouble(node)

    # --- finding the writer: per family ---------------------------------------------------------
    def initial_target(self) -> Endpoint | None:
        return self.sim.initial_writer(self)

    def trouble(self, node, hint=None) -> None:
        """A write to ``node`` failed or timed out: look for the writer again."""


class SentinelClient(Client):
    """Asks the Sentinels where the primary is (as redis-py's Sentinel client does): the first
    Sentinel that answers wins, so a client cut off with a minority Sentinel keeps its old view."""

    asking = False

    def trouble(self, node, hint=None) -> None:
        sentinels = self.sim.sentinels
        if not sentinels or self.asking:
            return
        self.asking = True
        for s in sentinels:
            self.send(s, messages.GET_MASTER, self)
        self.kernel.at(self.kernel.now + 0.5, self._ask_expired)

    def _ask_expired(self, _=None) -> None:
        self.asking = False

    def on_master_addr(self, name) -> None:
        if not self.asking:
            return
        self.asking = False
        node = self.sim.nodes.get(name)
        if node is not None and node is not self.target:
            self.retarget(node)


class RaftClient(Client):
    """Follows the leader hint a follower returns; after a timeout tries the next node in turn."""

    def trouble(self, node, hint=None) -> None:
        if hint and hint in self.sim.nodes:
            self.retarget(self.sim.nodes[hint])
            return
        names = sorted(self.sim.nodes)
        current = self.target.name if self.target is not None else names[-1]
        self.retarget(self.sim.nodes[names[(names.index(current) + 1) % len(names)]])


class PeerClient(Client):
    """Multi-primary: writes go to the client's own peer; it adds its write id to a set at a key."""

    f = "add"
