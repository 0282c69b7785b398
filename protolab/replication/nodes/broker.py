"""Event-driven sync through a message broker (Kafka / RabbitMQ style).

Theory of operation
-------------------
n1 (the origin) takes the clients' writes: it applies each one to its own store, answers the
client, and publishes a change event ``(id, key, time)`` to the broker. The producer keeps the
events the broker has not acknowledged in memory and resends them every ``retry`` seconds (so a
broker outage delays events, and an origin crash loses the unacknowledged ones: the dual-write
problem an outbox solves); the broker drops an id it already has (an idempotent producer).

The broker (process ``broker``) appends each event to one of ``partitions`` logs, chosen by the
event's key (``partition_by = "key"``: a key's events stay in order) or in turn (``round-robin``:
they may not), and keeps each consumer's committed offset per partition. Its log survives a crash.

Every other node is a consumer in a group of its own (fan-out: each server sees every event).
It fetches up to ``batch`` events per partition from its position, applies them one at a time
(``apply_time`` each) and commits its offsets:
- at-most-once: the offset is committed as soon as the batch is fetched, before applying: a
  crash loses the fetched events not yet applied;
- at-least-once: the offsets of the events applied are committed every ``commit_interval``: a
  crash after applying, before committing, makes the broker redeliver those events: duplicates;
- idempotent: at-least-once, and the consumer keeps the ids it applied with its data, so a
  redelivered event is recognised and suppressed.
A restarted consumer asks the broker for its committed offsets and resumes from there. Events
of different partitions are consumed independently, so their relative order is not kept.
"""

from __future__ import annotations

from collections import deque

from protolab.replication.messages import COMMIT, FETCH, FETCHED, OFFSETS, OFFSETS_REPLY, PRODUCE, PRODUCE_ACK, REFUSED
from protolab.replication.nodes.base import Endpoint
from protolab.replication.nodes.client import Client
from protolab.replication.nodes.syncbase import SyncNode

FETCH_TIMEOUT = 1.0  # a fetch with no answer for this long is sent again
LAG_SAMPLE = 0.25  # consumer lag is sampled this often (the lag-over-time series)


class Origin(SyncNode):
    """The server that changes data, and its producer."""

    def __init__(self, sim, name: str) -> None:
        super().__init__(sim, name, "origin")
        self.unacked: dict[int, tuple] = {}  # id -> event, in publish order (memory only)
        self.published = 0
        self.lost_on_crash = 0

    def start(self) -> None:
        super().start()
        self.timer(self.sim.scenario.broker.retry, self._retry)

    def on_write(self, msg) -> None:
        client, wid, key = msg
        self.apply(wid, key, self.kernel.now)
        self.reply(client, wid)
        event = (wid, key, self.kernel.now)
        self.unacked[wid] = event
        self.published += 1
        broker = self.sim.broker
        self.send(broker, PRODUCE, (self, event))

    def on_produce_ack(self, wid: int) -> None:
        self.unacked.pop(wid, None)

    def _retry(self, _=None) -> None:
        broker = self.sim.broker
        for event in list(self.unacked.values()):
            self.send(broker, PRODUCE, (self, event))
        self.timer(self.sim.scenario.broker.retry, self._retry)

    def forget(self) -> None:
        self.lost_on_crash += len(self.unacked)
        if self.unacked:
            self.event("events-lost", f"{len(self.unacked)} unpublished event(s) died with the producer")
        self.unacked = {}

    def resume(self) -> None:
        self.timer(self.sim.scenario.broker.retry, self._retry)


class Broker(Endpoint):
    kind = "broker"
    role = "broker"

    def __init__(self, sim, name: str = "broker") -> None:
        super().__init__(sim, name)
        spec = sim.scenario.broker
        self.spec = spec
        self.logs: list[list[tuple]] = [[] for _ in range(spec.partitions)]
        self.ids: set[int] = set()
        self.committed: dict[str, list[int]] = {}  # consumer -> offset per partition
        self._rr = 0

    def on_produce(self, msg) -> None:
        producer, event = msg
        wid, key, _t = event
        if wid not in self.ids:
            self.ids.add(wid)
            if self.spec.partition_by == "key":
                p = key % self.spec.partitions
            else:
                p, self._rr = self._rr, (self._rr + 1) % self.spec.partitions
            self.logs[p].append(event)
        self.send(producer, PRODUCE_ACK, wid)

    def offsets(self, consumer: str) -> list[int]:
        return self.committed.setdefault(consumer, [0] * self.spec.partitions)

    def on_offsets(self, consumer) -> None:
        self.send(consumer, OFFSETS_REPLY, list(self.offsets(consumer.name)))

    def on_fetch(self, msg) -> None:
        consumer, p, offset = msg
        events = self.logs[p][offset:offset + self.spec.batch]
        self.send(consumer, FETCHED, (p, offset, events))

    def on_commit(self, msg) -> None:
        consumer, offsets = msg
        mine = self.offsets(consumer.name)
        for p, off in enumerate(offsets):
            if off > mine[p]:
                mine[p] = off

    def refused(self, link, kind, msg) -> None:
        src = link.src
        if hasattr(src, REFUSED.handler):
            self.net.send(self.net.link(self, src), REFUSED, (kind, msg))

    def on_crash(self) -> None:
        self.sim.role_change(self, "down")

    def on_restart(self) -> None:
        self.sim.role_change(self, "broker")

    def start(self) -> None:
        self.sim.role_change(self, "broker")


class Consumer(SyncNode):
    def __init__(self, sim, name: str) -> None:
        super().__init__(sim, name, "consumer")
        self.spec = sim.scenario.broker
        mode = sim.scenario.mode
        self.commit_first = mode == "broker-at-most-once"
        self.idempotent = mode == "broker-idempotent"
        self.forget()

    def forget(self) -> None:
        n = self.spec.partitions
        self.position: list[int] | None = None  # next offset to fetch (None: ask the broker first)
        self.done: list[int] = [0] * n  # offset after the last event applied, per partition
        self.fetching: dict[int, float] = {}  # partition -> time the fetch was sent
        self.queue: deque = deque()  # (partition, offset, event) fetched, not yet applied
        self.busy = False

    def on_crash(self) -> None:
        if self.queue:
            self.event("dropped-fetched", f"{len(self.queue)} fetched event(s) not applied"
                       + (" (offsets already committed)" if self.commit_first else ""))
        super().on_crash()

    def start(self) -> None:
        super().start()
        self.resume()

    def resume(self) -> None:
        broker = self.sim.broker
        self.send(broker, OFFSETS, self)
        self.timer(self.spec.poll, self._poll)
        self.timer(self.spec.commit_interval, self._commit_tick)

    def on_offsets_reply(self, offsets: list[int]) -> None:
        if self.position is None:
            self.position = list(offsets)
            self.done = list(offsets)
            self._poll_now()

    def on_refused(self, msg) -> None:
        kind, payload = msg
        if kind is FETCH:
            self.fetching.pop(payload[1], None)

    def _poll(self, _=None) -> None:
        self._poll_now()
        self.timer(self.spec.poll, self._poll)

    def _poll_now(self) -> None:
        broker = self.sim.broker
        now = self.kernel.now
        if self.position is None:
            self.send(broker, OFFSETS, self)
            return
        if len(self.queue) >= self.spec.batch:
            return
        for p in range(self.spec.partitions):
            sent = self.fetching.get(p)
            if sent is None or now - sent > FETCH_TIMEOUT:
                self.fetching[p] = now
                self.send(broker, FETCH, (self, p, self.position[p]))

    def on_fetched(self, msg) -> None:
        p, offset, events = msg
        self.fetching.pop(p, None)
        if self.position is None or offset != self.position[p] or not events:
            return
        self.position[p] = offset + len(events)
        for i, event in enumerate(events):
            self.queue.append((p, offset + i, event))
        if self.commit_first:  # at-most-once: commit what was fetched, before applying it
            broker = self.sim.broker
            self.send(broker, COMMIT, (self, list(self.position)))
        if not self.busy:
            self._next()
        self._poll_now()

    def _next(self) -> None:
        if not self.queue:
            self.busy = False
            return
        self.busy = True
        self.timer(self.spec.apply_time, self._apply_head)

    def _apply_head(self, _=None) -> None:
        p, offset, (wid, key, born) = self.queue.popleft()
        self.apply(wid, key, born, dedupe=self.idempotent)
        self.done[p] = offset + 1
        self._next()
        if len(self.queue) < self.spec.batch:
            self._poll_now()

    def _commit_tick(self, _=None) -> None:
        if self.position is not None and not self.commit_first:
            broker = self.sim.broker
            self.send(broker, COMMIT, (self, list(self.done)))
        self.timer(self.spec.commit_interval, self._commit_tick)

    def lag_events(self) -> int:
        """Events in the broker not yet applied here (the consumer lag)."""
        done = self.done if self.up and self.position is not None else self.sim.broker.offsets(self.name)
        return sum(len(log) - done[p] for p, log in enumerate(self.sim.broker.logs))


class OriginClient(Client):
    """Writes go to n1, the origin (the only node that changes data)."""


def build(sim):
    names = sim.scenario.node_names()
    sim.broker = Broker(sim)
    sim.extras.append(sim.broker)
    sim.nodes[names[0]] = Origin(sim, names[0])
    for name in names[1:]:
        sim.nodes[name] = Consumer(sim, name)
    sim.kernel.at(LAG_SAMPLE, _sample_lag, sim)
    return OriginClient


def _sample_lag(sim) -> None:
    """[time, consumer lag, end-to-end backlog] of the worst consumer: Kafka's lag counts only what the
    broker holds; the backlog also counts the events still waiting in the producer (a broker outage)."""
    consumers = [n for n in sim.nodes.values() if isinstance(n, Consumer)]
    origin = sim.nodes[sim.scenario.node_names()[0]]
    sim.channel_series.append([round(sim.kernel.now, 6), max((c.lag_events() for c in consumers), default=0),
                               max((max(0, len(origin.items) - len(c.items)) for c in consumers), default=0)])
    if sim.kernel.now + LAG_SAMPLE <= sim.scenario.end_time():
        sim.kernel.at(sim.kernel.now + LAG_SAMPLE, _sample_lag, sim)
