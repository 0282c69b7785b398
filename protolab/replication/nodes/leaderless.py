"""Leaderless quorum replication (Dynamo / Cassandra style).

Theory of operation
-------------------
Every node can coordinate any request. A key lives on N replicas, its preference list: the N nodes
after the key's position on the ring (``key % nodes``). The quorums are tunable per request: a
client's own ``w`` / ``r`` (Cassandra's consistency level per statement) override the mode's.
The coordinator a client talks to:
- write: stamps the value with a version (its wall clock, then the write id: last-writer-wins),
  sends it to the N replicas and answers ok once W of them acknowledged. If W acks do not come
  within ``timeout`` the client gets an unknown outcome (some replicas may hold it) - unless the
  quorum is sloppy (``quorum-sloppy``): then each silent replica is replaced by the next node on
  the ring beyond the preference list, which stores the write as a hint for that replica and
  acknowledges; those acks count toward W. A hint holder hands its hints to the intended replica
  once it answers again (hinted handoff, tried every second).
- read: asks the N replicas, answers with the newest version among the first R replies; read
  repair then sends that version to the replies that were older.
R + W > N makes every read quorum overlap every write quorum, so a read sees the last completed
write. With R + W <= N, or with a sloppy quorum whose acks came from fallback nodes outside the
preference list, a read quorum can miss it: a stale read. ``lagging`` replicas apply writes
``lag`` late (a slow disk, a backed-up mutation stage) but answer reads at once.
"""

from __future__ import annotations

from protolab.replication.messages import (
    HANDOFF,
    HANDOFF_DONE,
    READ_REPLY,
    REPAIR,
    REPLICA_ACK,
    REPLICA_READ,
    REPLICA_VALUE,
    REPLICA_WRITE,
)
from protolab.replication.nodes.client import Client
from protolab.replication.nodes.syncbase import SyncNode

HANDOFF_PERIOD = 1.0
NO_VERSION = (float("-inf"), 0)


def ring(sc) -> list[str]:
    return sc.node_names()


def preference(sc, key: int) -> list[str]:
    names = ring(sc)
    start = key % len(names)
    return [names[(start + i) % len(names)] for i in range(sc.quorum_n())]


def fallbacks(sc, key: int) -> list[str]:
    names = ring(sc)
    start = key % len(names)
    return [names[(start + i) % len(names)] for i in range(sc.quorum_n(), len(names))]


class Replica(SyncNode):
    def __init__(self, sim, name: str) -> None:
        super().__init__(sim, name, "replica")
        sc = sim.scenario
        self.q = sc.quorum
        self.w, self.r = sc.quorum_rw()
        self.sloppy = sc.mode == "quorum-sloppy"
        self.delay = self.q.lag if name in self.q.lagging else 0.0
        self.versions: dict[int, tuple] = {}  # key -> version of the value held
        self.hints: list[tuple] = []  # (intended replica, key, version, wid, born)
        self.repairs = self.hinted = self.handed_off = 0
        self.ops: dict[int, dict] = {}  # coordinated requests in progress
        self.op_ids = 0

    def start(self) -> None:
        super().start()
        self.timer(HANDOFF_PERIOD, self._handoff)

    def resume(self) -> None:
        self.timer(HANDOFF_PERIOD, self._handoff)

    def forget(self) -> None:
        self.ops = {}

    def hinted_items(self) -> set[int]:
        return {h[3] for h in self.hints}

    # --- replica side ---------------------------------------------------------------------------
    def store(self, key: int, version: tuple, wid: int, born: float) -> None:
        if version > self.versions.get(key, NO_VERSION):
            self.versions[key] = version
            self.apply(wid, key, born)
        elif wid not in self.items:
            self.items.add(wid)  # an older version arriving late: kept in the log, not the value

    def on_replica_write(self, msg) -> None:
        coord, op, key, version, wid, born, hint_for = msg
        if self.delay:
            self.timer(self.delay, self._write_late, msg)
        else:
            self._write_late(msg)

    def _write_late(self, msg) -> None:
        coord, op, key, version, wid, born, hint_for = msg
        if hint_for is not None:
            self.hints.append((hint_for, key, version, wid, born))
            self.hinted += 1
        else:
            self.store(key, version, wid, born)
        if coord is not None:
            self.send(coord, REPLICA_ACK, (op, self.name))

    def on_replica_read(self, msg) -> None:
        coord, op, key = msg
        version = self.versions.get(key, NO_VERSION)
        value = self.registers.get(key) if key in self.versions else None
        self.send(coord, REPLICA_VALUE, (op, self.name, version, value))

    def on_repair(self, msg) -> None:
        key, version, wid, born = msg
        if version > self.versions.get(key, NO_VERSION):
            self.repairs += 1
            self.store(key, version, wid, born)

    def _handoff(self, _=None) -> None:
        if not self.q.hinted_handoff:  # hints stay on the fallback node: the home replica never gets them
            return
        for hint in list(self.hints):
            target = self.sim.nodes[hint[0]]
            self.send(target, HANDOFF, (self, hint))
        self.timer(HANDOFF_PERIOD, self._handoff)

    def on_handoff(self, msg) -> None:
        holder, (intended, key, version, wid, born) = msg
        self.store(key, version, wid, born)
        self.send(holder, HANDOFF_DONE, (intended, key, version, wid, born))

    def on_handoff_done(self, hint) -> None:
        if hint in self.hints:
            self.hints.remove(hint)
            self.handed_off += 1

    # --- coordinator side -------------------------------------------------------------------------
    def _new_op(self, **fields) -> int:
        self.op_ids += 1
        self.ops[self.op_ids] = fields
        return self.op_ids

    def on_write(self, msg) -> None:
        client, wid, key = msg
        sc = self.sim.scenario
        version = (self.clock(), wid)
        born = self.kernel.now
        home = preference(sc, key)
        op = self._new_op(kind="w", client=client, wid=wid, key=key, version=version, born=born,
                          acked=set(), home=home, done=False, sloppy_tried=False, need=client.spec.w or self.w)
        for name in home:
            node = self.sim.nodes[name]
            self.send(node, REPLICA_WRITE, (self, op, key, version, wid, born, None))
        self.timer(self.q.timeout, self._write_timeout, op)

    def on_replica_ack(self, msg) -> None:
        op_id, name = msg
        op = self.ops.get(op_id)
        if op is None:
            return
        op["acked"].add(name)
        if not op["done"] and len(op["acked"]) >= op["need"]:
            op["done"] = True
            self.reply(op["client"], op["wid"])

    def _write_timeout(self, op_id) -> None:
        op = self.ops.get(op_id)
        if op is None or op["done"]:
            self.ops.pop(op_id, None)
            return
        silent = [n for n in op["home"] if n not in op["acked"]]
        if self.sloppy and not op["sloppy_tried"] and silent:
            op["sloppy_tried"] = True
            spare = fallbacks(self.sim.scenario, op["key"])
            for intended, name in zip(silent, spare, strict=False):
                node = self.sim.nodes[name]
                self.send(node, REPLICA_WRITE, (self, op_id, op["key"], op["version"], op["wid"],
                                                        op["born"], intended))
            self.timer(self.q.timeout, self._write_timeout, op_id)
            return
        op["done"] = True
        self.reply(op["client"], op["wid"], "wait-timeout")
        self.ops.pop(op_id, None)

    def on_read(self, msg) -> None:
        client, opid, key, direct = msg
        if key is None or direct:
            return super().on_read(msg)
        home = preference(self.sim.scenario, key)
        op = self._new_op(kind="r", client=client, opid=opid, key=key, replies={}, done=False, home=home,
                          need=client.spec.r or self.r)
        for name in home:
            node = self.sim.nodes[name]
            self.send(node, REPLICA_READ, (self, op, key))
        self.timer(self.q.timeout, self._read_timeout, op)

    def on_replica_value(self, msg) -> None:
        op_id, name, version, value = msg
        op = self.ops.get(op_id)
        if op is None:
            return
        op["replies"][name] = (version, value)
        if not op["done"] and len(op["replies"]) >= op["need"]:
            op["done"] = True
            version, value = max(op["replies"].values(), key=lambda v: v[0])
            client = op["client"]
            self.send(client, READ_REPLY, (op["opid"], "ok", value, None))
        if len(op["replies"]) == len(op["home"]):
            self._repair(op_id)

    def _read_timeout(self, op_id) -> None:
        op = self.ops.get(op_id)
        if op is None:
            return
        if not op["done"]:
            client = op["client"]
            self.send(client, READ_REPLY, (op["opid"], "timeout", None, None))
        self._repair(op_id)

    def _repair(self, op_id) -> None:
        op = self.ops.pop(op_id, None)
        if op is None or not self.q.read_repair or not op["replies"]:
            return
        version, value = max(op["replies"].values(), key=lambda v: v[0])
        if value is None:
            return
        for name, (v, _value) in sorted(op["replies"].items()):
            if v < version:
                node = self.sim.nodes[name]
                self.send(node, REPAIR, (op["key"], version, value, self.kernel.now))


class CoordinatorClient(Client):
    """Talks to its ``near`` node (or one in turn); after a failure, tries the next node."""

    def trouble(self, node, hint=None) -> None:
        names = sorted(self.sim.nodes)
        current = self.target.name if self.target is not None else names[-1]
        self.retarget(self.sim.nodes[names[(names.index(current) + 1) % len(names)]])


def build(sim):
    for name in sim.scenario.node_names():
        sim.nodes[name] = Replica(sim, name)
    return CoordinatorClient


def target(sim, client):
    names = sim.scenario.node_names()
    return sim.nodes[client.spec.near or names[sim.clients.index(client) % len(names)]]
