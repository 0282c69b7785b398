"""The scenario model: what runs (mode, nodes, clients, network) and what goes wrong (faults).

A scenario says nothing about how it is executed: node names, client placement, link latencies
and faults in the shared grammar (``faults.py``) can drive the simulator or, later, real servers.
Sources: a TOML file, a named scenario shipped in ``protolab/replication/scenarios/``, or flags.

TOML layout (every key optional except ``mode``)::

    name = "async-crash"
    description = "..."
    mode = "async"            # async | semi-sync | sync | multi-primary | raft
    nodes = 3                 # n1..nN; n1 starts as the primary / leader
    strategy = "lww"          # multi-primary: lww | vv | crdt
    duration = "20s"          # default: last write or fault + settle
    settle = "20s"
    seed = 1
    faults = ["crash primary at 3s"]
    [network]   latency = "0.5ms"  jitter = "0.2ms"  dist = "uniform"  loss = 0.0
    [[link]]    between = ["n1", "n2"]  latency = "40ms"  jitter = "5ms"  one_way = false
    [replication]  wait = 1  wait_timeout = "1s"  min_replicas_to_write = 1  min_replicas_max_lag = "10s"
                   persistence = "aof"  # or "none": a restarted node comes back empty
    [sentinel]  count = 3  down_after = "1000ms"  quorum = 2  failover_timeout = "3000ms"  parallel_syncs = 1
    [raft]      heartbeat = "100ms"  election_timeout = "1000ms"
    [[client]]  name = "c1"  near = "n1"  rate = 200  writes = 2000  keys = 16  timeout = "1s"  start = "0.5s"
                reads = 0.5           # fraction of the operations that are reads (``writes`` counts both)
    final_reads = true        # every node's whole state is read 1 s before the end (chaos checkers)
    [[zone]]    name = "eu-a"  region = "eu"  members = ["n1", "c1"]     # geography: faults
    [[region_link]]  between = ["eu", "us"]  latency = "40ms"           #   zone-down / cut act on it
    [supervisor]  action = "restart"  interval = "1s"  fall = 3  repair = "5s"   # or "replace", "none"
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

from protolab import tomlfile
from protolab.errors import BadInput
from protolab.replication.families import FAMILIES
from protolab.replication.faults import Fault, parse_fault
from protolab.replication.network import LinkSpec
from protolab.sim.durations import parse_duration


@dataclass(frozen=True)
class Mode:
    name: str
    family: str  # "primary" (Redis-like + Sentinel), "peer" (multi-primary), "raft"
    acks: str  # replica acknowledgements before the client's ok: none | one | all | majority | local
    summary: str


MODES = {m.name: m for m in [
    Mode("async", "primary", "none", "the primary answers at once and streams writes to replicas (Redis default)"),
    Mode("semi-sync", "primary", "one", "the primary answers once one replica acknowledged (WAIT 1)"),
    Mode("sync", "primary", "all", "the primary answers once every replica acknowledged (WAIT all)"),
    Mode("multi-primary", "peer", "local", "every node takes writes and replicates to the others"),
    Mode("raft", "raft", "majority", "a leader commits log entries once a majority stored them"),
    Mode("raft-unsafe", "raft", "majority", "for teaching: Raft whose peers skip the term check on AppendEntries "
         "(a deposed leader's entries are still accepted); chaos runs catch it"),
    # --- sync channels: n1 changes data, the others learn it through the channel -------------------
    Mode("broker-at-most-once", "broker", "local", "change events through a broker; consumers commit the offset "
         "before applying (a consumer crash loses the events it had fetched)"),
    Mode("broker-at-least-once", "broker", "local", "change events through a broker; consumers apply, then commit "
         "(a consumer crash re-applies the events since the last commit: duplicates)"),
    Mode("broker-idempotent", "broker", "local", "at-least-once with idempotent consumers: redelivered events are "
         "recognised by id and suppressed"),
    Mode("webhook-retry", "webhook", "local", "HTTP calls to each peer, retried with exponential backoff and jitter "
         "from an in-memory queue (lost when the sender crashes), no idempotency keys"),
    Mode("webhook-outbox", "webhook", "local", "the same calls relayed from a durable outbox written with the "
         "change (survives a sender crash), with idempotency keys"),
    Mode("quorum", "leaderless", "quorum", "leaderless (Dynamo/Cassandra): N replicas, writes wait for W, reads for "
         "R (defaults: majorities), read repair"),
    Mode("quorum-one", "leaderless", "quorum", "leaderless with W = 1 and R = 1: fast, R + W <= N, stale reads"),
    Mode("quorum-sloppy", "leaderless", "quorum", "leaderless with a sloppy quorum: unreachable replicas are "
         "replaced by fallback nodes holding hints (hinted handoff)"),
    Mode("nfs", "storage", "local", "one NFS-style file server every app server mounts: simple, immediately "
         "consistent, a single point of failure"),
    Mode("dfs", "storage", "copies", "a replicated distributed file system (GlusterFS/Ceph style): each file on "
         "`replicas` servers, acknowledged after `acks` copies, self-heal when a server returns"),
    Mode("object-store", "storage", "majority", "an object store (S3 style) as the central source: a gateway stores "
         "each object on a majority of the storage nodes before it answers"),
]}
# Extra processes some channels add beside n1..nN (faults may name them; modes without them skip the fault).
CHANNEL_PROCESSES = {"broker": "broker", "gateway": "storage"}
# What each mode promises, and so what the chaos checkers hold it to (protolab.replication.checkers).
PROMISES = {
    "async": frozenset({"convergence"}),  # replicas resync once the faults heal: they end with the primary's data
    "semi-sync": frozenset({"convergence"}),
    "sync": frozenset({"durability", "convergence"}),
    "multi-primary": frozenset({"convergence"}),  # lww; vv and crdt also promise durability (see promises())
    "raft": frozenset({"durability", "one-leader-per-term", "linearizable", "convergence"}),
    "raft-unsafe": frozenset({"durability", "one-leader-per-term", "linearizable", "convergence"}),
    # the sync channels promise nothing the checkers hold them to: what they lose is the lesson
}
STRATEGIES = {
    "lww": "last-writer-wins by wall-clock timestamp: the older value is overwritten",
    "vv": "version vectors: concurrent versions are kept as siblings and merged by the next writer",
    "crdt": "an OR-set CRDT: concurrent adds merge by union, nothing is overwritten",
}


@dataclass
class SentinelSpec:
    count: int = 3
    down_after: float = 1.0
    quorum: int = 2
    failover_timeout: float = 3.0
    parallel_syncs: int = 1


@dataclass
class ReplicationSpec:
    wait: int | None = None  # replicas to wait for; None: from the mode
    wait_timeout: float = 1.0
    min_replicas_to_write: int = 0
    min_replicas_max_lag: float = 10.0
    persistence: str = "aof"  # aof: the log survives a crash; none: a restarted node is empty
    ack_replicas: int = 0  # resolved from mode / wait


@dataclass
class RaftSpec:
    heartbeat: float = 0.1
    election_timeout: float = 1.0


SUPERVISOR_ACTIONS = ("none", "restart", "replace")


@dataclass
class SupervisorSpec:
    """A recovery supervisor (``nodes/supervisor.py``): health checks, then restart or replace."""

    action: str = "none"
    interval: float = 1.0
    fall: int = 3
    repair: float = 5.0


@dataclass
class BrokerSpec:
    """Event-driven sync (``nodes/broker.py``)."""

    partitions: int = 4
    partition_by: str = "key"  # key: one key's events stay in order; round-robin: they may not
    poll: float = 0.05  # consumer fetch period when idle
    batch: int = 20  # events per fetch
    apply_time: float = 0.002  # a consumer applies one event in this long
    commit_interval: float = 1.0  # consumers commit their offsets this often (Kafka's auto-commit)
    retry: float = 0.2  # producer retry period while the broker does not answer


@dataclass
class WebhookSpec:
    """API calls / webhooks (``nodes/webhook.py``)."""

    timeout: float = 0.5
    backoff: float = 0.1  # first retry after this; doubles each attempt
    max_backoff: float = 5.0
    jitter: float = 0.5  # +- this fraction of the backoff, seeded ("equal jitter")
    attempts: int = 8  # then the call is given up (dead-lettered)
    apply_time: float = 0.002
    versioned: bool = False  # calls carry the origin's sequence; receivers ignore one older than the key's


@dataclass
class QuorumSpec:
    """Leaderless quorums (``nodes/leaderless.py``); r/w None: from the mode (majorities by default)."""

    n: int | None = None  # replicas per key; None: 3, or every node when there are fewer
    w: int | None = None
    r: int | None = None
    read_repair: bool = True
    hinted_handoff: bool = True
    timeout: float = 0.2  # the coordinator waits this long for replicas
    lagging: list[str] = field(default_factory=list)  # replicas that apply writes late (a slow disk)
    lag: float = 0.0


@dataclass
class StorageSpec:
    """Shared storage (``nodes/storage.py``)."""

    replicas: int | None = None  # dfs: copies of each file (None: 3, or every node when fewer)
    acks: int | None = None  # dfs: copies before the write is acknowledged (None: all)
    heal_interval: float = 2.0  # dfs: self-heal daemon period
    timeout: float = 0.5


@dataclass
class ClientSpec:
    name: str
    near: str | None = None
    rate: float = 100.0
    writes: int = 1000
    keys: int = 16
    timeout: float = 1.0
    start: float = 0.5
    reads: float = 0.0  # fraction of operations that are reads of a key (the rest are writes)
    w: int | None = None  # leaderless: this client's write quorum (consistency per request); None: the mode's
    r: int | None = None  # leaderless: this client's read quorum


@dataclass
class Zone:
    """An availability zone: the hosts (nodes, clients) in it, and its region."""

    name: str
    members: list[str]
    region: str | None = None


@dataclass
class RegionLink:
    a: str
    b: str
    spec: LinkSpec


@dataclass
class LinkOverride:
    a: str
    b: str
    spec: LinkSpec
    one_way: bool = False


@dataclass
class Scenario:
    mode: str
    name: str = "custom"
    description: str = ""
    nodes: int = 3
    strategy: str = "lww"
    seed: int = 1
    duration: float | None = None
    settle: float = 20.0
    network: LinkSpec = field(default_factory=LinkSpec)
    links: list[LinkOverride] = field(default_factory=list)
    replication: ReplicationSpec = field(default_factory=ReplicationSpec)
    sentinel: SentinelSpec = field(default_factory=SentinelSpec)
    raft: RaftSpec = field(default_factory=RaftSpec)
    clients: list[ClientSpec] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    final_reads: bool = False  # read every node's whole state 1 s before the end (the checkers' final reads)
    zones: list[Zone] = field(default_factory=list)
    region_links: list[RegionLink] = field(default_factory=list)
    supervisor: SupervisorSpec = field(default_factory=SupervisorSpec)
    broker: BrokerSpec = field(default_factory=BrokerSpec)
    webhook: WebhookSpec = field(default_factory=WebhookSpec)
    quorum: QuorumSpec = field(default_factory=QuorumSpec)
    storage: StorageSpec = field(default_factory=StorageSpec)

    def region_of(self) -> dict[str, str]:
        """Member name -> region, for members of zones that name one."""
        return {m: z.region for z in self.zones if z.region for m in z.members}

    @property
    def family(self) -> str:
        return MODES[self.mode].family

    @property
    def acks(self) -> str:
        return MODES[self.mode].acks

    def promises(self) -> frozenset[str]:
        """The properties this mode promises (the chaos checkers fail a run only on these)."""
        return FAMILIES[self.family].promises(self, PROMISES.get(self.mode, frozenset()))

    def node_names(self) -> list[str]:
        return [f"n{i}" for i in range(1, self.nodes + 1)]

    def end_time(self) -> float:
        if self.duration is not None:
            return self.duration
        last_write = max((c.start + c.writes / c.rate for c in self.clients), default=0.0)
        last_fault = max((f.until if f.until is not None else f.at for f in self.faults), default=0.0)
        return max(last_write, last_fault) + self.settle

    def quorum_n(self) -> int:
        """N, the replicas of each key in a leaderless mode."""
        return self.quorum.n if self.quorum.n is not None else min(3, self.nodes)

    def file_copies(self) -> int:
        """The copies of each file in the dfs mode."""
        return self.storage.replicas if self.storage.replicas is not None else min(3, self.nodes)

    def quorum_rw(self) -> tuple[int, int]:
        """(W, R) of a leaderless mode: fixed by quorum-one, else the [quorum] table or majorities."""
        q = self.quorum
        if self.mode == "quorum-one":
            return 1, 1
        majority = self.quorum_n() // 2 + 1
        return (q.w if q.w is not None else majority), (q.r if q.r is not None else majority)

    def with_mode(self, mode: str) -> Scenario:
        other = dataclasses.replace(self, mode=mode, replication=dataclasses.replace(self.replication))
        other.validate()
        return other

    # --- validation: one clear line per problem ----------------------------------------------
    def validate(self) -> Scenario:
        where = f"scenario {self.name!r}"
        # NaN passes every "<= 0" test below and inf never ends a run: refuse both up front, by name
        bad = _non_finite(self)
        if bad is not None:
            raise BadInput(f"{where}: {bad[0]} must be a finite number, got {bad[1]!r}")
        total = sum(c.writes for c in self.clients)
        if total > MAX_OPERATIONS:
            raise BadInput(f"{where}: {total:,} client operations in all; at most {MAX_OPERATIONS:,} per run "
                           "(about a minute of simulation)")
        if self.mode not in MODES:
            raise BadInput(f"{where}: unknown mode {self.mode!r}; modes: {', '.join(MODES)}")
        if not 1 <= self.nodes <= 15:
            raise BadInput(f"{where}: nodes must be between 1 and 15, got {self.nodes}")
        if self.strategy not in STRATEGIES:
            raise BadInput(f"{where}: unknown strategy {self.strategy!r}; strategies: {', '.join(STRATEGIES)}")
        s = self.sentinel
        if s.count < 0 or s.count > 15:
            raise BadInput(f"{where}: sentinel count must be between 0 and 15, got {s.count}")
        if s.count and not 1 <= s.quorum <= s.count:
            raise BadInput(f"{where}: sentinel quorum {s.quorum} must be between 1 and the {s.count} sentinels")
        if s.down_after <= 0 or s.failover_timeout <= 0:
            raise BadInput(f"{where}: sentinel down_after and failover_timeout must be positive")
        r = self.replication
        replicas = self.nodes - 1
        if r.persistence not in ("aof", "none"):
            raise BadInput(f"{where}: persistence must be aof or none, got {r.persistence!r}")
        if r.wait is not None and not 0 <= r.wait <= replicas:
            raise BadInput(f"{where}: wait {r.wait} is impossible with {replicas} replicas")
        if not 0 <= r.min_replicas_to_write <= replicas:
            raise BadInput(f"{where}: min_replicas_to_write {r.min_replicas_to_write} is impossible with "
                           f"{replicas} replicas")
        FAMILIES[self.family].check(self, where)
        r.ack_replicas = r.wait if r.wait is not None else {"none": 0, "one": 1, "all": replicas}.get(self.acks, 0)
        if self.raft.heartbeat <= 0 or self.raft.election_timeout <= self.raft.heartbeat:
            raise BadInput(f"{where}: raft election_timeout must be longer than the heartbeat")
        if not self.clients:
            raise BadInput(f"{where}: no clients, so no writes")
        names = set(self.node_names()) | {f"s{i}" for i in range(1, s.count + 1)} | {"primary"}
        names |= set(CHANNEL_PROCESSES)
        self._validate_channels(where)
        seen = set()
        for c in self.clients:
            if c.name in seen or c.name in names:
                raise BadInput(f"{where}: client name {c.name!r} is used twice or clashes with a node")
            seen.add(c.name)
            if c.rate <= 0 or c.writes < 0 or c.keys < 1 or c.timeout <= 0:
                raise BadInput(f"{where}: client {c.name}: rate, keys and timeout must be positive, writes >= 0")
            if not 0 <= c.reads <= 1:
                raise BadInput(f"{where}: client {c.name}: reads is a fraction between 0 and 1, got {c.reads}")
            n = self.quorum_n()
            for what, v in (("W", c.w), ("R", c.r)):
                if v is not None and not 1 <= v <= n:
                    raise BadInput(f"{where}: client {c.name}: {what} = {v} is impossible with N = {n} replicas "
                                   f"(1 <= {what} <= N)")
            if c.near is not None and c.near not in self.node_names():
                raise BadInput(f"{where}: client {c.name} is near unknown node {c.near!r}")
        names |= seen
        for link in self.links:
            for n in (link.a, link.b):
                if n not in names:
                    raise BadInput(f"{where}: a [[link]] names {n!r}, but the nodes are "
                                   f"{', '.join(self.node_names())} (fewer nodes or replicas than the links need?)")
        zones, regions, placed = {z.name for z in self.zones}, {z.region for z in self.zones if z.region}, set()
        for z in self.zones:
            for m in z.members:
                if m not in names - {"primary"}:
                    raise BadInput(f"{where}: zone {z.name} lists unknown member {m!r}")
                if m in placed:
                    raise BadInput(f"{where}: {m} is in two zones")
                placed.add(m)
        if len(zones) != len(self.zones):
            raise BadInput(f"{where}: a zone name is used twice")
        for rl in self.region_links:
            for r in (rl.a, rl.b):
                if r not in regions:
                    raise BadInput(f"{where}: region link names unknown region {r!r} (regions: "
                                   f"{', '.join(sorted(regions)) or 'none: give zones a region'})")
        for f in self.faults:
            if f.kind in ("zone-down", "cut"):
                known, what = (zones, "zone") if f.kind == "zone-down" else (regions, "region")
                if f.targets[0] not in known:
                    raise BadInput(f"{where}: fault {f.text!r}: no {what} {f.targets[0]!r} "
                                   f"({what}s: {', '.join(sorted(known)) or 'none defined'})")
                continue
            unknown = sorted(f.names() - names)
            if unknown:
                raise BadInput(f"{where}: fault {f.text!r} names unknown {', '.join(unknown)} "
                               f"(nodes n1..n{self.nodes}, clients {', '.join(sorted(seen))})")
            if f.kind == "partition" and "primary" in f.names():
                raise BadInput(f"{where}: fault {f.text!r}: partitions take node names, not 'primary'")
        sup = self.supervisor
        if sup.action not in SUPERVISOR_ACTIONS:
            raise BadInput(f"{where}: supervisor action must be one of {', '.join(SUPERVISOR_ACTIONS)}, "
                           f"got {sup.action!r}")
        if sup.interval <= 0 or sup.fall < 1:
            raise BadInput(f"{where}: supervisor interval must be positive and fall at least 1")
        if self.duration is not None and self.duration <= 0:
            raise BadInput(f"{where}: duration must be positive")
        if self.end_time() > 3600:
            raise BadInput(f"{where}: more than an hour of simulated time; shorten it")
        return self

    def _validate_channels(self, where: str) -> None:
        b, h, q, st = self.broker, self.webhook, self.quorum, self.storage
        if not 1 <= b.partitions <= 64 or b.batch < 1:
            raise BadInput(f"{where}: broker partitions must be 1..64 and batch at least 1")
        if b.partition_by not in ("key", "round-robin"):
            raise BadInput(f"{where}: broker partition_by must be key or round-robin, got {b.partition_by!r}")
        if min(b.poll, b.commit_interval, b.retry) <= 0 or b.apply_time < 0:
            raise BadInput(f"{where}: broker poll, commit_interval and retry must be positive, apply_time >= 0")
        if min(h.timeout, h.backoff, h.max_backoff) <= 0 or h.attempts < 1 or not 0 <= h.jitter <= 1 \
                or h.apply_time < 0:
            raise BadInput(f"{where}: webhook timeout and backoffs must be positive, attempts >= 1, "
                           f"jitter between 0 and 1")
        if q.lag < 0:
            raise BadInput(f"{where}: quorum lag must not be negative, got {q.lag}")
        if q.timeout <= 0:
            raise BadInput(f"{where}: quorum timeout must be positive")
        for n in q.lagging:
            if n not in self.node_names():
                raise BadInput(f"{where}: quorum lagging names unknown node {n!r}")
        if st.heal_interval <= 0 or st.timeout <= 0:
            raise BadInput(f"{where}: storage heal_interval and timeout must be positive")


# --- TOML --------------------------------------------------------------------------------------
_TOP = {"name", "description", "mode", "nodes", "strategy", "duration", "settle", "seed", "faults", "network",
        "link", "replication", "sentinel", "raft", "client", "final_reads", "zone", "region_link", "supervisor",
        "broker", "webhook", "quorum", "storage"}
# [table] -> (Scenario attribute, {key: kind}); kinds: int, dur, num, str, bool, names, int?
_CHANNEL_TABLES = {
    "broker": {"partitions": "int", "partition_by": "str", "poll": "dur", "batch": "int", "apply_time": "dur",
               "commit_interval": "dur", "retry": "dur"},
    "webhook": {"timeout": "dur", "backoff": "dur", "max_backoff": "dur", "jitter": "num", "attempts": "int",
                "apply_time": "dur", "versioned": "bool"},
    "quorum": {"n": "int?", "w": "int?", "r": "int?", "read_repair": "bool", "hinted_handoff": "bool",
               "timeout": "dur", "lagging": "names", "lag": "dur"},
    "storage": {"replicas": "int?", "acks": "int?", "heal_interval": "dur", "timeout": "dur"},
}


def _channel_tables(sc: Scenario, data: dict, source: str) -> None:
    for table, keys in _CHANNEL_TABLES.items():
        d = _table(data.get(table, {}), set(keys), f"{source}: [{table}]")
        spec = getattr(sc, table)
        for key, value in d.items():
            what, kind = f"{source}: {table}.{key}", keys[key]
            if kind in ("int", "int?"):
                value = _int(value, what)
            elif kind == "dur":
                value = parse_duration(value, what, signed=True)
                if value < 0:
                    raise BadInput(f"{what}: must not be negative, got {d[key]!r}")
            elif kind == "num":
                value = _num(value, what)
            elif kind == "bool":
                if not isinstance(value, bool):
                    raise BadInput(f"{what}: expected true or false, got {value!r}")
            elif kind == "names":
                if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    raise BadInput(f"{what}: expected a list of node names")
                value = list(value)
            else:
                value = str(value)
            setattr(spec, key, value)


def _table(data: dict, allowed: set[str], where: str) -> dict:
    if not isinstance(data, dict):
        raise BadInput(f"{where}: expected a table")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BadInput(f"{where}: unknown key {unknown[0]!r}; keys: {', '.join(sorted(allowed))}")
    return data


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{what}: expected a whole number, got {value!r}")
    return value


def _num(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"{what}: expected a number, got {value!r}")
    return float(value)


def _link_spec(d: dict, where: str, base: LinkSpec) -> LinkSpec:
    dist = d.get("dist", base.dist)
    if dist not in ("uniform", "exp"):
        raise BadInput(f"{where}: dist must be uniform or exp, got {dist!r}")
    loss = _num(d.get("loss", base.loss), f"{where}.loss")
    if not 0 <= loss <= 1:
        raise BadInput(f"{where}.loss: a fraction between 0 and 1, got {loss}")
    return LinkSpec(parse_duration(d.get("latency", base.base), f"{where}.latency"),
                    parse_duration(d.get("jitter", base.jitter), f"{where}.jitter"), dist, loss)


def from_dict(data: dict, source: str = "scenario") -> Scenario:
    _table(data, _TOP, source)
    if "mode" not in data:
        raise BadInput(f"{source}: missing 'mode' (one of {', '.join(MODES)})")
    sc = Scenario(mode=str(data["mode"]), name=str(data.get("name", Path(source).stem)),
                  description=str(data.get("description", "")))
    if "nodes" in data:
        sc.nodes = _int(data["nodes"], f"{source}: nodes")
    sc.strategy = str(data.get("strategy", sc.strategy))
    if "seed" in data:
        sc.seed = _int(data["seed"], f"{source}: seed")
    if "duration" in data:
        sc.duration = parse_duration(data["duration"], f"{source}: duration")
    if "settle" in data:
        sc.settle = parse_duration(data["settle"], f"{source}: settle")
    net = _table(data.get("network", {}), {"latency", "jitter", "dist", "loss"}, f"{source}: [network]")
    sc.network = _link_spec(net, f"{source}: [network]", LinkSpec())
    for i, d in enumerate(data.get("link", [])):
        where = f"{source}: [[link]] #{i + 1}"
        _table(d, {"between", "latency", "jitter", "dist", "loss", "one_way"}, where)
        between = d.get("between")
        if not (isinstance(between, list) and len(between) == 2 and all(isinstance(x, str) for x in between)):
            raise BadInput(f"{where}: between must be two names, e.g. [\"n1\", \"n2\"]")
        sc.links.append(LinkOverride(between[0], between[1], _link_spec(d, where, sc.network),
                                     bool(d.get("one_way", False))))
    r = _table(data.get("replication", {}), {"wait", "wait_timeout", "min_replicas_to_write", "min_replicas_max_lag",
                                             "persistence"}, f"{source}: [replication]")
    rep = sc.replication
    if "wait" in r:
        rep.wait = _int(r["wait"], f"{source}: replication.wait")
    rep.wait_timeout = parse_duration(r.get("wait_timeout", rep.wait_timeout), f"{source}: wait_timeout")
    rep.min_replicas_to_write = _int(r.get("min_replicas_to_write", 0), f"{source}: min_replicas_to_write")
    rep.persistence = str(r.get("persistence", rep.persistence))
    rep.min_replicas_max_lag = parse_duration(r.get("min_replicas_max_lag", rep.min_replicas_max_lag),
                                              f"{source}: min_replicas_max_lag")
    s = _table(data.get("sentinel", {}), {"count", "down_after", "quorum", "failover_timeout", "parallel_syncs"},
               f"{source}: [sentinel]")
    sen = sc.sentinel
    sen.count = _int(s.get("count", sen.count), f"{source}: sentinel.count")
    sen.quorum = _int(s.get("quorum", sen.quorum), f"{source}: sentinel.quorum")
    sen.parallel_syncs = _int(s.get("parallel_syncs", sen.parallel_syncs), f"{source}: sentinel.parallel_syncs")
    sen.down_after = parse_duration(s.get("down_after", sen.down_after), f"{source}: sentinel.down_after")
    sen.failover_timeout = parse_duration(s.get("failover_timeout", sen.failover_timeout),
                                          f"{source}: sentinel.failover_timeout")
    rf = _table(data.get("raft", {}), {"heartbeat", "election_timeout"}, f"{source}: [raft]")
    sc.raft.heartbeat = parse_duration(rf.get("heartbeat", sc.raft.heartbeat), f"{source}: raft.heartbeat")
    sc.raft.election_timeout = parse_duration(rf.get("election_timeout", sc.raft.election_timeout),
                                              f"{source}: raft.election_timeout")
    for i, c in enumerate(data.get("client", [])):
        where = f"{source}: [[client]] #{i + 1}"
        _table(c, {"name", "near", "rate", "writes", "keys", "timeout", "start", "reads", "w", "r"}, where)
        sc.clients.append(ClientSpec(
            name=str(c.get("name", f"c{i + 1}")), near=c.get("near"),
            rate=_num(c.get("rate", 100), f"{where}.rate"), writes=_int(c.get("writes", 1000), f"{where}.writes"),
            keys=_int(c.get("keys", 16), f"{where}.keys"),
            timeout=parse_duration(c.get("timeout", 1.0), f"{where}.timeout"),
            start=parse_duration(c.get("start", 0.5), f"{where}.start"),
            reads=_num(c.get("reads", 0.0), f"{where}.reads"),
            w=_int(c["w"], f"{where}.w") if "w" in c else None, r=_int(c["r"], f"{where}.r") if "r" in c else None))
    sc.final_reads = bool(data.get("final_reads", False))
    _channel_tables(sc, data, source)
    su = _table(data.get("supervisor", {}), {"action", "interval", "fall", "repair"}, f"{source}: [supervisor]")
    sc.supervisor = SupervisorSpec(str(su.get("action", "none")),
                                   parse_duration(su.get("interval", 1.0), f"{source}: supervisor.interval"),
                                   _int(su.get("fall", 3), f"{source}: supervisor.fall"),
                                   parse_duration(su.get("repair", 5.0), f"{source}: supervisor.repair"))
    for i, z in enumerate(data.get("zone", [])):
        where = f"{source}: [[zone]] #{i + 1}"
        _table(z, {"name", "region", "members"}, where)
        members = z.get("members")
        if not isinstance(z.get("name"), str) or not (isinstance(members, list)
                                                       and all(isinstance(m, str) for m in members)):
            raise BadInput(f"{where}: needs name = \"az-a\" and members = [\"n1\", ...]")
        sc.zones.append(Zone(z["name"], list(members), str(z["region"]) if "region" in z else None))
    for i, d in enumerate(data.get("region_link", [])):
        where = f"{source}: [[region_link]] #{i + 1}"
        _table(d, {"between", "latency", "jitter", "dist", "loss"}, where)
        between = d.get("between")
        if not (isinstance(between, list) and len(between) == 2 and all(isinstance(x, str) for x in between)):
            raise BadInput(f"{where}: between must be two region names")
        sc.region_links.append(RegionLink(between[0], between[1], _link_spec(d, where, sc.network)))
    faults = data.get("faults", [])
    if not isinstance(faults, list):
        raise BadInput(f"{source}: faults must be a list of strings")
    sc.faults = [parse_fault(f) for f in faults]
    return sc.validate()


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)  # repr round-trips floats exactly: the file replays the same run
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_toml(sc: Scenario) -> str:
    """The scenario as a TOML file that ``load`` reads back into the same scenario (times in seconds)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in [
        ("name", sc.name), ("description", " ".join(sc.description.split())), ("mode", sc.mode),
        ("nodes", sc.nodes), ("strategy", sc.strategy), ("seed", sc.seed), ("settle", sc.settle),
        ("final_reads", sc.final_reads), ("faults", [f.text for f in sc.faults])]]
    if sc.duration is not None:
        lines.append(f"duration = {sc.duration!r}")
    net = sc.network
    lines += ["", "[network]", f"latency = {net.base!r}", f"jitter = {net.jitter!r}", f'dist = "{net.dist}"',
              f"loss = {net.loss!r}"]
    for link in sc.links:
        s = link.spec
        lines += ["", "[[link]]", f'between = ["{link.a}", "{link.b}"]', f"latency = {s.base!r}",
                  f"jitter = {s.jitter!r}", f'dist = "{s.dist}"', f"loss = {s.loss!r}",
                  f"one_way = {_toml_value(link.one_way)}"]
    for z in sc.zones:
        lines += ["", "[[zone]]", f'name = "{z.name}"', f"members = {_toml_value(z.members)}"] + (
            [f'region = "{z.region}"'] if z.region else [])
    for rl in sc.region_links:
        s = rl.spec
        lines += ["", "[[region_link]]", f'between = ["{rl.a}", "{rl.b}"]', f"latency = {s.base!r}",
                  f"jitter = {s.jitter!r}", f'dist = "{s.dist}"', f"loss = {s.loss!r}"]
    r = sc.replication
    lines += ["", "[replication]"] + ([f"wait = {r.wait}"] if r.wait is not None else []) + [
        f"wait_timeout = {r.wait_timeout!r}", f"min_replicas_to_write = {r.min_replicas_to_write}",
        f"min_replicas_max_lag = {r.min_replicas_max_lag!r}", f'persistence = "{r.persistence}"']
    s = sc.sentinel
    lines += ["", "[sentinel]", f"count = {s.count}", f"down_after = {s.down_after!r}", f"quorum = {s.quorum}",
              f"failover_timeout = {s.failover_timeout!r}", f"parallel_syncs = {s.parallel_syncs}"]
    lines += ["", "[raft]", f"heartbeat = {sc.raft.heartbeat!r}", f"election_timeout = {sc.raft.election_timeout!r}"]
    su = sc.supervisor
    lines += ["", "[supervisor]", f'action = "{su.action}"', f"interval = {su.interval!r}", f"fall = {su.fall}",
              f"repair = {su.repair!r}"]
    for table, keys in _CHANNEL_TABLES.items():
        spec = getattr(sc, table)
        lines += ["", f"[{table}]"] + [f"{k} = {_toml_value(getattr(spec, k))}" for k in keys
                                       if getattr(spec, k) is not None]
    for c in sc.clients:
        lines += ["", "[[client]]", f'name = "{c.name}"'] + ([f'near = "{c.near}"'] if c.near else []) + [
            f"rate = {c.rate!r}", f"writes = {c.writes}", f"keys = {c.keys}", f"timeout = {c.timeout!r}",
            f"start = {c.start!r}", f"reads = {c.reads!r}"] + [f"{k} = {getattr(c, k)}" for k in ("w", "r")
                                                                if getattr(c, k) is not None]
    return "\n".join(lines) + "\n"


def load_file(path: Path) -> Scenario:
    return from_dict(tomlfile.read(path, "scenario"), str(path))


def shipped() -> dict[str, str]:
    """Named scenarios shipped with the package: name -> TOML text."""
    return tomlfile.shipped("protolab.replication.scenarios")


def load(name_or_path: str) -> Scenario:
    """A shipped scenario by name, or a TOML file by path."""
    named = shipped()
    if name_or_path in named:
        return from_dict(tomlfile.parse(named[name_or_path], name_or_path), name_or_path)
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.exists():
            raise BadInput(f"no scenario file {name_or_path}")
        return load_file(path)
    raise BadInput(f"no scenario named {name_or_path!r}; shipped: {', '.join(named)} (or give a .toml file)")


MAX_OPERATIONS = 10_000_000  # client operations per run: benchmarks/replicate_bench.py runs 1,000,000 in ~8 s


def _non_finite(obj, path: str = "") -> tuple[str, float] | None:
    """The first NaN or infinite float anywhere in a scenario (dataclasses, lists), as (path, value)."""
    if isinstance(obj, float):
        return None if math.isfinite(obj) else (path or "value", obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            found = _non_finite(getattr(obj, f.name), f"{path}.{f.name}" if path else f.name)
            if found is not None:
                return found
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            found = _non_finite(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None
