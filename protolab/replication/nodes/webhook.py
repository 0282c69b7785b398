"""API calls and webhooks: the server that changed data calls each peer over HTTP.

Theory of operation
-------------------
n1 (the sender) applies a client's write, answers the client, and creates one delivery per peer:
a POST of ``(id, key)`` with a ``timeout``. A 200 reply completes it. A timeout or a refused
connection schedules a retry after ``backoff * 2^(attempt-1)`` (capped at ``max_backoff``) times a
seeded jitter factor in ``[1 - jitter, 1 + jitter]``; after ``attempts`` tries the delivery is
given up (dead-lettered). Deliveries run concurrently, so a retried call lands after calls made
later: out-of-order delivery.
- ``webhook-retry``: the pending deliveries live in an in-memory retry queue, gone when the sender
  crashes; calls carry no idempotency key, so a call that was applied but whose reply came too late
  (a receiver paused past the timeout, a lost reply) is applied again by the retry: a duplicate.
- ``webhook-outbox``: each delivery is written to an outbox table in the same transaction as the
  change; a relay sends from it and resumes after a restart, so nothing is lost with the sender.
  Calls carry the event id as an idempotency key; receivers store the keys they processed with
  their data and answer 200 to a repeat without applying it.
Receivers apply a call in ``apply_time``; a down receiver's host refuses the connection. With
``versioned = true`` each call carries the origin's sequence number and a receiver ignores a call
not newer than the key's value (a conditional write: it records the id, the value stays), which
fixes out-of-order delivery and makes repeats harmless, in either design.
"""

from __future__ import annotations

from protolab.replication.messages import HOOK, HOOK_REPLY
from protolab.replication.nodes.client import Client
from protolab.replication.nodes.syncbase import SyncNode


class Sender(SyncNode):
    def __init__(self, sim, name: str) -> None:
        super().__init__(sim, name, "origin")
        self.spec = sim.scenario.webhook
        self.durable = sim.scenario.mode == "webhook-outbox"
        self.pending: dict[int, list] = {}  # delivery id -> [wid, key, born, peer, attempt, call id]
        self.ids = 0
        self.calls = self.retries = self.given_up = self.lost_on_crash = 0

    def on_write(self, msg) -> None:
        client, wid, key = msg
        now = self.kernel.now
        self.apply(wid, key, now)
        self.reply(client, wid)
        for peer in self.sim.scenario.node_names()[1:]:
            self.ids += 1
            self.pending[self.ids] = [wid, key, now, peer, 0, 0, len(self.applied)]
            self._call(self.ids)

    def _call(self, did: int) -> None:
        d = self.pending.get(did)
        if d is None:
            return
        d[4] += 1
        d[5] += 1  # a new call id: a late reply to an older attempt is ignored
        self.calls += 1
        if d[4] > 1:
            self.retries += 1
        peer = self.sim.nodes[d[3]]
        key = d[0] if self.durable else None  # the idempotency key
        self.send(peer, HOOK, (self, did, d[5], d[0], d[1], d[2], key, d[6]))
        self.timer(self.spec.timeout, self._timed_out, (did, d[5]))

    def on_hook_reply(self, msg) -> None:
        did, call = msg
        d = self.pending.get(did)
        if d is not None and d[5] == call:
            del self.pending[did]

    def on_refused(self, msg) -> None:
        _name, payload = msg
        self._failed(payload[1], payload[2])

    def _timed_out(self, item) -> None:
        self._failed(*item)

    def _failed(self, did: int, call: int) -> None:
        d = self.pending.get(did)
        if d is None or d[5] != call:
            return
        d[5] += 1  # this attempt is over: its timer or a late reply must not count twice
        if d[4] >= self.spec.attempts:
            del self.pending[did]
            self.given_up += 1
            if self.given_up <= 3:
                self.event("given-up", f"call to {d[3]} for write {d[0]} after {d[4]} attempts")
            return
        s = self.spec
        delay = min(s.max_backoff, s.backoff * 2 ** (d[4] - 1))
        delay *= 1 + s.jitter * (2 * self.kernel.rng.random() - 1)
        self.timer(delay, self._call, did)

    def forget(self) -> None:
        if self.durable:
            return  # the outbox is on disk
        self.lost_on_crash += len(self.pending)
        if self.pending:
            self.event("queue-lost", f"{len(self.pending)} pending deliveries died with the sender")
        self.pending = {}

    def resume(self) -> None:
        for did in sorted(self.pending):  # the relay starts again from the outbox
            self.pending[did][4] = 0
            self._call(did)


class Receiver(SyncNode):
    def __init__(self, sim, name: str) -> None:
        super().__init__(sim, name, "receiver")
        self.spec = sim.scenario.webhook
        self.seqs: dict[int, int] = {}  # key -> origin sequence of the value held (versioned calls)

    def on_hook(self, msg) -> None:
        self.timer(self.spec.apply_time, self._handle, msg)

    def _handle(self, msg) -> None:
        sender, did, call, wid, key, born, idem, seq = msg
        if self.spec.versioned and seq <= self.seqs.get(key, -1):
            self.items.add(wid)  # known, but not newer than the value held (late or repeated): the value stays
            self.counts["versioned-call-ignored"] = self.counts.get("versioned-call-ignored", 0) + 1
        elif self.apply(wid, key, born, dedupe=idem is not None) and self.spec.versioned:
            self.seqs[key] = seq
        self.send(sender, HOOK_REPLY, (did, call))


class OriginClient(Client):
    """Writes go to n1, the sender."""


def build(sim):
    names = sim.scenario.node_names()
    sim.nodes[names[0]] = Sender(sim, names[0])
    for name in names[1:]:
        sim.nodes[name] = Receiver(sim, name)
    return OriginClient
