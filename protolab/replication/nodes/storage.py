"""Shared storage: one NFS-style server, a replicated distributed file system, an object store.

Theory of operation
-------------------
The clients are app servers that write files (a key is a path, the value a write id that also
serves as the file's version) and read them back. The data nodes n1..nN are storage servers.
- ``nfs``: every app server mounts n1, which applies each write to its disk and answers; reads come
  from the same copy, so they are immediately consistent. n2..nN stay idle: n1 is the single point
  of failure (down: nothing is readable or writable; its disk lost: everything is gone).
- ``dfs`` (GlusterFS / Ceph style): each file lives on ``replicas`` servers (from ``key % nodes``
  on); the client-side mount writes to all of them and answers once ``acks`` copies are stored
  (default: a majority of the replicas, as Gluster's client quorum and Ceph's min_size). Reads go
  to every copy and take the first answer (a server that just came back may answer with an old
  copy). A self-heal daemon on each server pushes its newer copies to the other holders every
  ``heal_interval``, which is how a returning server catches up.
- ``object-store`` (S3 style, the central source): every app server talks to one service endpoint,
  ``gateway``, which stores each object on a majority of the storage nodes before answering and
  reads a majority, newest version wins: strongly consistent while a majority is up. The gateway
  stands for the provider's front end; a fault that names it models the provider's outage.
With ``[replication] persistence = "none"`` a crashed storage server comes back with an empty disk.
"""

from __future__ import annotations

from protolab.replication.messages import HEAL, LOAD, LOADED, READ_REPLY, REPLY, STORE, STORED
from protolab.replication.nodes.base import Endpoint
from protolab.replication.nodes.client import Client
from protolab.replication.nodes.syncbase import SyncNode


def holders(sc, key: int) -> list[str]:
    names = sc.node_names()
    if sc.mode == "nfs":
        return names[:1]
    if sc.mode == "object-store":
        return list(names)
    start = key % len(names)
    return [names[(start + i) % len(names)] for i in range(sc.file_copies())]


class StorageServer(SyncNode):
    def __init__(self, sim, name: str, role: str) -> None:
        super().__init__(sim, name, role)
        self.heals = 0

    def start(self) -> None:
        super().start()
        self.resume()

    def resume(self) -> None:
        if self.sim.scenario.mode != "nfs":
            self.timer(self.sim.scenario.storage.heal_interval * (0.5 + self.kernel.rng.random()), self._heal)

    def store(self, key: int, wid: int) -> None:
        if wid > self.registers.get(key, 0):
            self.apply(wid, key, self.kernel.now)
        else:
            self.items.add(wid)

    def on_write(self, msg) -> None:  # nfs: the clients write here directly
        client, wid, key = msg
        self.store(key, wid)
        self.reply(client, wid)

    def on_store(self, msg) -> None:
        front, op, key, wid = msg
        self.store(key, wid)
        self.send(front, STORED, (op, self.name))

    def on_load(self, msg) -> None:
        front, op, key = msg
        value = tuple(sorted(self.items)) if key is None else self.registers.get(key)
        self.send(front, LOADED, (op, self.name, value))

    def _heal(self, _=None) -> None:
        sc = self.sim.scenario
        for key, wid in sorted(self.registers.items()):
            for name in holders(sc, key):
                if name != self.name:
                    node = self.sim.nodes[name]
                    self.send(node, HEAL, (key, wid))
        self.timer(sc.storage.heal_interval, self._heal)

    def on_heal(self, msg) -> None:
        key, wid = msg
        if wid > self.registers.get(key, 0):
            self.heals += 1
            self.store(key, wid)


class Front(Endpoint):
    """A dfs client mount (on the app server's host) or the object store's gateway: it replicates."""

    kind = "front"
    role = "front"

    def __init__(self, sim, name: str, host: str | None, acks: int, read_quorum: int) -> None:
        super().__init__(sim, name, host)
        self.acks, self.read_quorum = acks, read_quorum
        self.ops: dict[int, dict] = {}
        self.op_ids = 0
        self.timeout = sim.scenario.storage.timeout

    def on_write(self, msg) -> None:
        client, wid, key = msg
        self.op_ids += 1
        copies = holders(self.sim.scenario, key)
        self.ops[self.op_ids] = {"client": client, "id": wid, "write": True, "got": set(), "refused": 0,
                                 "n": len(copies), "done": False}
        for name in copies:
            node = self.sim.nodes[name]
            self.send(node, STORE, (self, self.op_ids, key, wid))
        self.timer(self.timeout, self._timeout, self.op_ids)

    def on_read(self, msg) -> None:
        client, opid, key, _direct = msg
        self.op_ids += 1
        # key None: everything (the chaos checkers' final read): every server, the union of the answers
        copies = self.sim.scenario.node_names() if key is None else holders(self.sim.scenario, key)
        self.ops[self.op_ids] = {"client": client, "id": opid, "write": False, "got": {}, "refused": 0,
                                 "n": len(copies), "done": False, "all": key is None}
        for name in copies:
            node = self.sim.nodes[name]
            self.send(node, LOAD, (self, self.op_ids, key))
        self.timer(self.timeout, self._timeout, self.op_ids)

    def on_stored(self, msg) -> None:
        op = self.ops.get(msg[0])
        if op is None or op["done"]:
            return
        op["got"].add(msg[1])
        if len(op["got"]) >= self.acks:
            self._finish(msg[0], "ok")

    def on_loaded(self, msg) -> None:
        op_id, name, value = msg
        op = self.ops.get(op_id)
        if op is None or op["done"]:
            return
        op["got"][name] = value
        if len(op["got"]) >= self.read_quorum:
            if op["all"]:
                newest = tuple(sorted(set().union(*op["got"].values())))
            else:
                newest = max(op["got"].values(), key=lambda v: -1 if v is None else v)
            self._finish(op_id, "ok", newest)

    def on_refused(self, msg) -> None:
        _name, payload = msg
        op = self.ops.get(payload[1])
        if op is None or op["done"]:
            return
        op["refused"] += 1
        need = self.acks if op["write"] else self.read_quorum
        if op["n"] - op["refused"] < need:  # not enough servers left to answer: certainly not done
            self._finish(payload[1], "refused" if not op["got"] else ("wait-timeout" if op["write"] else
                                                                      "timeout"))

    def _timeout(self, op_id) -> None:
        op = self.ops.get(op_id)
        if op is not None and not op["done"]:
            self._finish(op_id, "wait-timeout" if op["write"] else "timeout")
        self.ops.pop(op_id, None)

    def _finish(self, op_id, status: str, value=None) -> None:
        op = self.ops[op_id]
        op["done"] = True
        client = op["client"]
        if op["write"]:
            self.send(client, REPLY, (op["id"], status, None))
        else:
            self.send(client, READ_REPLY, (op["id"], status, value, None))

    refused = Endpoint.refuse_client_request

    def on_crash(self) -> None:
        self.ops = {}
        self.sim.connections_reset(self)


class AppClient(Client):
    """An app server: writes and reads files through its mount, the NFS server or the gateway."""


def build(sim):
    sc = sim.scenario
    names = sc.node_names()
    role = {"nfs": "server", "dfs": "brick", "object-store": "store"}[sc.mode]
    for i, name in enumerate(names):
        sim.nodes[name] = StorageServer(sim, name, "idle" if sc.mode == "nfs" and i else role)
    sim.fronts = {}
    if sc.mode == "object-store":
        majority = len(names) // 2 + 1
        sim.fronts["gateway"] = Front(sim, "gateway", None, majority, majority)
        sim.extras.append(sim.fronts["gateway"])
    elif sc.mode == "dfs":
        acks = sc.storage.acks or sc.file_copies() // 2 + 1
        for spec in sc.clients:
            front = Front(sim, f"{spec.name}-mount", spec.near or spec.name, acks, 1)
            sim.fronts[spec.name] = front
            sim.extras.append(front)
    return AppClient


def target(sim, client):
    mode = sim.scenario.mode
    if mode == "object-store":
        return sim.fronts["gateway"]
    if mode == "dfs":
        return sim.fronts[client.name]
    return sim.nodes[sim.scenario.node_names()[0]]
