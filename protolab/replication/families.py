"""The replication families: one record each says everything a family-specific part of the lab needs.

A mode (``scenario.MODES``) names its family; every place that behaves differently per family asks
the family's record instead of testing the name:

- ``check(scenario, where)``: the family's own scenario rules (``Scenario.validate`` calls it);
- ``promises(scenario, mode_promises)``: what the chaos checkers hold a run to;
- ``build(sim)``: puts the nodes (and extra processes) into the simulation, returns the client class;
- ``first_writer(sim, client)``: where a client sends its first operation;
- ``writer(sim)``: the node that takes writes now (None: there is none);
- ``reference(backend)``: (node name or None, items) acknowledged writes must be in at the end; it
  asks ``backend.current_writer()``, so a live backend answers with what its Sentinels say;
- ``measure(backend, result)``: a family's own numbers and checks added to the result;
- ``writer_roles``: the roles that take writes (two at once is a split brain);
- ``per_term``: leaders are counted per term (Raft); ``strategy``: the scenario's conflict strategy
  applies (multi-primary); ``live``: the redis backend can run it; ``unsafe``: the mode of this family
  that ``chaos --unsafe`` switches to (a deliberately broken variant the checkers must catch);
  ``processes``: fixed-name processes the family adds beside n1..nN (faults may name them in any
  scenario; a mode that has none skips such a fault).

Node modules are imported only when a run of that family is built or measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from protolab.errors import BadInput


def _nothing(*_args) -> None:
    return None


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    build: Callable
    first_writer: Callable
    writer: Callable
    reference: Callable
    check: Callable = _nothing
    promises: Callable = lambda _sc, mode_promises: mode_promises
    measure: Callable = _nothing
    writer_roles: frozenset[str] = frozenset({"primary"})
    per_term: bool = False
    strategy: bool = False
    live: bool = False
    unsafe: str | None = None
    processes: tuple[str, ...] = ()


# --- primary / replica + Sentinel ------------------------------------------------------------------
def _build_primary(sim):
    from protolab.replication.nodes.client import SentinelClient
    from protolab.replication.nodes.primary import DataNode
    from protolab.replication.nodes.sentinel import Sentinel

    sc = sim.scenario
    names = sc.node_names()
    for i, name in enumerate(names):
        sim.nodes[name] = DataNode(sim, name, primary=i == 0, opts=sc.replication)
    for node in list(sim.nodes.values())[1:]:
        node.master = sim.nodes[names[0]]
    for i in range(sc.sentinel.count):
        host = names[i % len(names)]
        sim.sentinels.append(Sentinel(sim, f"s{i + 1}", host, master=names[0], opts=sc.sentinel))
    return SentinelClient


def _first_node(sim, _client=None):
    return sim.nodes[sim.scenario.node_names()[0]]


def _primary_writer(sim):
    """The Redis primary; the one most Sentinels name when several claim it."""
    primaries = [n for n in sim.nodes.values() if n.up and n.role == "primary"]
    if len(primaries) > 1 and sim.sentinels:
        named = [s.master for s in sim.sentinels if s.up]
        primaries.sort(key=lambda n: (-named.count(n.name), n.name))
    return primaries[0] if primaries else None


def _writer_or_most(progress: Callable) -> Callable:
    """Reference: the current writer's data, or (none now) the live node furthest on by ``progress``."""
    def reference(backend):
        ref = backend.current_writer()
        if ref is None:
            nodes = list(backend.nodes.values())
            candidates = [n for n in nodes if n.up] or nodes
            ref = max(candidates, key=lambda n: (progress(n), n.name))
        return ref.name, ref.final_items()

    return reference


def _check_primary(sc, where: str) -> None:
    if sc.acks != "none" and sc.nodes - 1 == 0 and sc.replication.wait is None:
        raise BadInput(f"{where}: mode {sc.mode} needs at least one replica (nodes >= 2)")


def _primary_promises(sc, mode_promises: frozenset[str]) -> frozenset[str]:
    # one elected Sentinel leader per epoch
    return mode_promises | {"one-leader-per-term"} if sc.sentinel.count else mode_promises


# --- Raft ----------------------------------------------------------------------------------------
def _build_raft(sim):
    from protolab.replication.nodes.client import RaftClient
    from protolab.replication.nodes.raft import RaftPeer

    names = sim.scenario.node_names()
    for name in names:
        sim.nodes[name] = RaftPeer(sim, name, names, sim.scenario.raft)
    return RaftClient


def _raft_writer(sim):
    """The leader of the highest term."""
    leaders = [n for n in sim.nodes.values() if n.up and n.role == "leader"]
    return max(leaders, key=lambda n: (n.term, n.name)) if leaders else None


def _check_raft(sc, where: str) -> None:
    if sc.nodes < 1:
        raise BadInput(f"{where}: raft needs nodes")
    if sc.supervisor.action == "replace":
        raise BadInput(f"{where}: a Raft peer cannot be replaced by an empty one without a membership "
                       "change; use action = \"restart\"")


# --- multi-primary peers -------------------------------------------------------------------------
def _build_peer(sim):
    from protolab.replication.nodes.client import PeerClient
    from protolab.replication.nodes.peer import Peer

    names = sim.scenario.node_names()
    for name in names:
        sim.nodes[name] = Peer(sim, name, names, sim.scenario.strategy)
    return PeerClient


def _near_or_spread(sim, client):
    """The client's ``near`` node; clients not placed are spread one per node."""
    names = sim.scenario.node_names()
    return sim.nodes[client.spec.near or names[sim.clients.index(client) % len(names)]]


def _union_reference(backend):
    items: set[int] = set()
    for n in backend.nodes.values():
        items |= n.final_items()
    return None, items


def _peer_promises(sc, _mode_promises: frozenset[str]) -> frozenset[str]:
    # lww overwrites concurrent writes; version vectors and the CRDT keep them
    return frozenset({"durability", "convergence"}) if sc.strategy in ("vv", "crdt") else frozenset({"convergence"})


# --- sync channels: n1 changes data, the others learn it through the channel ------------------------
def _channel_build(module: str) -> Callable:
    return lambda sim: import_module(module).build(sim)


def _channel_target(module: str) -> Callable:
    return lambda sim, client: import_module(module).target(sim, client)


def _cm(name: str, fan_out: bool = False) -> Callable:
    """A measure of ``channel_metrics``, imported on first use: loading a scenario needs none of it
    (``protolab --help`` imports this module)."""
    def call(*args):
        from protolab.replication import channel_metrics

        fn = getattr(channel_metrics, name)
        return (channel_metrics.fanout(fn) if fan_out else fn)(*args)

    return call


def _origin_writer(sim):
    """The node that changes data (n1), while it is up."""
    node = _first_node(sim)
    return node if node.up else None


def _check_leaderless(sc, where: str) -> None:
    n = sc.quorum_n()
    if not 1 <= n <= sc.nodes:
        raise BadInput(f"{where}: quorum n {n} must be between 1 and the {sc.nodes} nodes")
    w, r = sc.quorum_rw()
    for what, v in (("W", w), ("R", r)):
        if not 1 <= v <= n:
            raise BadInput(f"{where}: quorum {what} = {v} is impossible with N = {n} replicas "
                           f"(1 <= {what} <= N)")


def _check_storage(sc, where: str) -> None:
    if sc.mode != "dfs":
        return
    copies = sc.file_copies()
    if not 1 <= copies <= sc.nodes:
        raise BadInput(f"{where}: storage replicas {copies} must be between 1 and the {sc.nodes} nodes")
    if sc.storage.acks is not None and not 1 <= sc.storage.acks <= copies:
        raise BadInput(f"{where}: storage acks {sc.storage.acks} is impossible with {copies} replicas")


def _channel(name: str, title: str, module: str, reference: Callable, measure: Callable, **extra) -> Family:
    extra.setdefault("first_writer", _first_node)
    return Family(name, title, build=_channel_build(module), writer=_origin_writer, reference=reference,
                  measure=measure, **extra,
                  # the sync channels promise nothing the checkers hold them to: what they lose is the lesson
                  promises=lambda _sc, _mode_promises: frozenset())


FAMILIES = {f.name: f for f in [
    Family("primary", "primary/replica with Sentinel failover (Redis-like)", build=_build_primary,
           first_writer=_first_node, writer=_primary_writer, reference=_writer_or_most(lambda n: len(n.final_items())),
           check=_check_primary, promises=_primary_promises, live=True),
    Family("raft", "Raft consensus", build=_build_raft, first_writer=_first_node, writer=_raft_writer,
           reference=_writer_or_most(lambda n: n.commit_index), check=_check_raft,
           writer_roles=frozenset({"leader"}), per_term=True, unsafe="raft-unsafe"),
    Family("peer", "multi-primary peers", build=_build_peer, first_writer=_near_or_spread, writer=_first_node,
           reference=_union_reference, promises=_peer_promises, strategy=True),
    _channel("broker", "event-driven sync through a message broker", "protolab.replication.nodes.broker",
             _cm("origin_reference"), _cm("measure_broker", fan_out=True), processes=("broker",)),
    _channel("webhook", "API calls and webhooks between servers", "protolab.replication.nodes.webhook",
             _cm("origin_reference"), _cm("measure_webhook", fan_out=True)),
    _channel("leaderless", "leaderless quorum replication", "protolab.replication.nodes.leaderless",
             _cm("leaderless_reference"), _cm("measure_leaderless"), first_writer=_near_or_spread,
             check=_check_leaderless),
    _channel("storage", "shared file and object storage", "protolab.replication.nodes.storage",
             _cm("storage_reference"), _cm("measure_storage"),
             first_writer=_channel_target("protolab.replication.nodes.storage"), check=_check_storage,
             processes=("gateway",)),  # object-store only
]}
