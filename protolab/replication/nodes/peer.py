"""A multi-primary peer: every node takes writes for any key and replicates them to the others.

Theory of operation
-------------------
The workload adds a unique element (the write id) to a set stored at a key, like a shopping cart.
A write is applied locally, acknowledged at once, and the key's new state is pushed to every
peer; every second each peer also gossips all its keys (anti-entropy), so partitions heal. What a
peer does when a remote state meets its own is the conflict-resolution strategy:

- ``lww``  (last writer wins): a key holds one value stamped with the writer's wall clock (which a
  skewed clock distorts) and node name; the higher stamp replaces the lower one, whatever it
  contained. A later write stamped with a slow clock loses to an earlier one: a lost update.
- ``vv``   (version vectors, as Riak/Dynamo): a key holds one or more sibling versions, each with a
  vector of per-node counters. A version that descends from another replaces it; concurrent ones
  are kept side by side. A local write merges all siblings (their union) into one new version
  that descends from all of them.
- ``crdt`` (an OR-set): a key holds (element, tag) pairs; merging is set union, so nothing a
  client added is ever dropped.
Conflicts are counted by how they were resolved; losses are measured from the history.
"""

from __future__ import annotations

from protolab.replication.messages import GOSSIP, READ_REPLY, REPLY, UPDATE
from protolab.replication.nodes.base import Endpoint
from protolab.sim.quantiles import Quantiles

GOSSIP_PERIOD = 1.0


def _descends(a: dict, b: dict) -> bool:
    """Version vector a >= b (a has seen everything b has)."""
    return all(a.get(k, 0) >= v for k, v in b.items())


class Strategy:
    """How values are stored and merged; one small class per strategy."""

    name = ""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    def write(self, key: int, wid: int):  # returns the key's new state
        raise NotImplementedError

    def merge(self, key: int, state) -> None:
        raise NotImplementedError

    def elements(self, state) -> set[int]:
        raise NotImplementedError


class LWW(Strategy):
    name = "lww"

    def write(self, key, wid):
        data = self.peer.data
        old = data.get(key)
        elements = (old[2] if old else frozenset()) | {wid}
        data[key] = (self.peer.clock(), self.peer.name, elements)
        return data[key]

    @staticmethod
    def order(state) -> tuple:
        """The total order LWW needs: stamp, node, then the value itself (as Cassandra breaks timestamp
        ties by value), so two writes with one stamp (a node writing twice in one instant, e.g. the
        writes queued behind a pause) still converge everywhere."""
        return state[0], state[1], len(state[2]), sorted(state[2])

    def merge(self, key, state):
        data = self.peer.data
        mine = data.get(key)
        if mine is None or (state[0], state[1]) > (mine[0], mine[1]) or (
                (state[0], state[1]) == (mine[0], mine[1]) and self.order(state) > self.order(mine)):
            if mine is not None and not mine[2] <= state[2]:
                self.peer.count("lww-overwrote", f"k{key}: {len(mine[2] - state[2])} element(s) dropped")
            data[key] = state
        elif state[2] - mine[2] and (state[0], state[1]) < (mine[0], mine[1]):
            self.peer.count("lww-overwrote", f"k{key}: incoming older stamp, {len(state[2] - mine[2])} dropped")

    def elements(self, state):
        return set(state[2])


class VersionVectors(Strategy):
    name = "vv"

    def write(self, key, wid):
        data = self.peer.data
        siblings = data.get(key, [])
        vv: dict[str, int] = {}
        elements: set[int] = set()
        for v, els in siblings:
            for k, c in v.items():
                vv[k] = max(vv.get(k, 0), c)
            elements |= els
        vv[self.peer.name] = vv.get(self.peer.name, 0) + 1
        data[key] = [(vv, frozenset(elements | {wid}))]
        return data[key]

    def merge(self, key, state):
        data = self.peer.data
        siblings = list(data.get(key, []))
        for vv, els in state:
            if any(_descends(v, vv) for v, _e in siblings):
                continue  # already have it or something newer
            kept = [(v, e) for v, e in siblings if not _descends(vv, v)]
            if len(kept) < len(siblings):
                self.peer.count("vv-superseded")
            if kept:
                self.peer.count("vv-siblings", f"k{key}: {len(kept) + 1} concurrent versions kept")
            siblings = [*kept, (vv, els)]
        data[key] = siblings

    def elements(self, state):
        out: set[int] = set()
        for _v, els in state:
            out |= els
        return out


class ORSet(Strategy):
    name = "crdt"

    def write(self, key, wid):
        data = self.peer.data
        data[key] = data.get(key, frozenset()) | {(wid, self.peer.name)}
        return data[key]

    def merge(self, key, state):
        data = self.peer.data
        mine = data.get(key, frozenset())
        if state - mine and mine - state:
            self.peer.count("crdt-merged")
        data[key] = mine | state

    def elements(self, state):
        return {wid for wid, _tag in state}


STRATEGIES = {cls.name: cls for cls in (LWW, VersionVectors, ORSet)}


class Peer(Endpoint):
    kind = "data"
    role = "peer"

    def __init__(self, sim, name: str, names: list[str], strategy: str) -> None:
        super().__init__(sim, name)
        self.names = names
        self.strategy = STRATEGIES[strategy](self)
        self.data: dict[int, object] = {}
        self.lag = Quantiles()
        self.counts: dict[str, int] = {}

    def start(self) -> None:
        self.sim.role_change(self, "peer")
        self.others = [self.sim.nodes[n] for n in self.names if n != self.name]
        self.timer(GOSSIP_PERIOD * self.kernel.rng.random(), self.gossip)

    def count(self, resolution: str, detail: str = "") -> None:
        self.counts[resolution] = self.counts.get(resolution, 0) + 1
        if detail and self.counts[resolution] <= 3:
            self.event("conflict", f"{resolution} at {self.name}: {detail}")

    def on_write(self, msg) -> None:
        client, wid, key = msg
        state = self.strategy.write(key, wid)
        self.send(client, REPLY, (wid, "ok", None))
        now = self.kernel.now
        for p in self.others:
            self.send(p, UPDATE, (key, state, now))

    def on_update(self, msg) -> None:
        key, state, t = msg
        self.lag.add(self.kernel.now - t)
        self.strategy.merge(key, state)

    def gossip(self, _=None) -> None:
        for p in self.others:
            self.send(p, GOSSIP, dict(self.data))
        self.timer(GOSSIP_PERIOD, self.gossip)

    def on_gossip(self, data: dict) -> None:
        for key, state in sorted(data.items()):
            self.strategy.merge(key, state)

    refused = Endpoint.refuse_client_request

    def on_read(self, msg) -> None:
        """Every peer answers from its own state: the set at the key, or everything."""
        client, opid, key, _direct = msg
        items = self.final_items() if key is None else (
            self.strategy.elements(self.data[key]) if key in self.data else set())
        self.send(client, READ_REPLY, (opid, "ok", tuple(sorted(items)), None))

    def final_items(self) -> set[int]:
        out: set[int] = set()
        for state in self.data.values():
            out |= self.strategy.elements(state)
        return out

    def conflicts(self) -> dict[str, int]:
        return dict(self.counts)

    def replace_empty(self) -> None:
        self.data = {}  # a new peer starts empty; anti-entropy gossip fills it

    def on_crash(self) -> None:
        self.sim.role_change(self, "down")
        self.sim.connections_reset(self)

    def on_restart(self) -> None:
        self.sim.role_change(self, "peer")
        self.timer(0.0, self.gossip)
