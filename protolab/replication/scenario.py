"""The scenario model: what runs (mode, nodes, clients, network) and what goes wrong (faults).

A scenario says nothing about how it is executed: node names, client placement, link latencies
and faults in the shared grammar (``faults.py``) can drive the simulator or, later, real servers.
Sources: a TOML file, a named scenario shipped in ``protolab/replication/scenarios/``, or flags.

Every field is declared once below (``schema.field``: type, default, range, TOML key, flag, help);
TOML reading and writing, the checks of single fields and the `replicate run` options come from the
declarations, and the README's scenario table is made from them (``python -m protolab.reference``).
A file's keys are optional except ``mode``, e.g.::

    name = "async-crash"
    mode = "async"
    faults = ["crash primary at 3s"]
    [sentinel]  down_after = "1000ms"
    [[client]]  name = "c1"  near = "n1"  rate = 200  writes = 2000
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from protolab import schema, tomlfile
from protolab.errors import BadInput
from protolab.replication.families import FAMILIES
from protolab.replication.faults import Fault, parse_fault
from protolab.replication.network import LinkSpec
from protolab.sim.durations import parse_duration


@dataclass(frozen=True)
class Mode:
    name: str
    family: str  # a FAMILIES key (families.py): how the mode's nodes are built, run and measured
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


DURATION = schema.Kind("duration (2s, 1500ms)", parse_duration, show=lambda seconds: f"{seconds:g}s")


def _read_faults(value, what: str) -> list[Fault]:
    if not isinstance(value, list):
        raise BadInput(f"{what} must be a list of strings")
    return [parse_fault(f) for f in value]


FAULTS = schema.Kind("list of faults", _read_faults, write=lambda faults: [f.text for f in faults],
                     cli_type=list[str])
PROSE = schema.Kind("text", schema.TEXT.read, write=lambda text: " ".join(text.split()))  # saved on one line
_f = schema.field
_POSITIVE_SENTINEL = "{where}: sentinel down_after and failover_timeout must be positive"


@dataclass
class SentinelSpec:
    count: int = _f(3, schema.WHOLE, "Sentinels watching the primary (0: no automatic failover)", low=0, high=15,
                    message="{where}: sentinel count must be between 0 and 15, got {value}",
                    flag=schema.Flag("--sentinels", "Sentinels (0: no automatic failover)."))
    down_after: float = _f(1.0, DURATION, "down-after-milliseconds: silence before a Sentinel calls the primary down",
                           above=0, message=_POSITIVE_SENTINEL,
                           flag=schema.Flag("--down-after", "Sentinel down-after-milliseconds, e.g. 1000ms."))
    quorum: int = _f(2, schema.WHOLE, "Sentinels that must agree the primary is down (1..count)",
                     flag=schema.Flag("--quorum", "Sentinel quorum."))
    failover_timeout: float = _f(3.0, DURATION, "failover-timeout: how long a failover may take before a retry",
                                 above=0, message=_POSITIVE_SENTINEL,
                                 flag=schema.Flag("--failover-timeout", "Sentinel failover-timeout, e.g. 3000ms."))
    parallel_syncs: int = _f(1, schema.WHOLE, "replicas resynchronised at once after a failover")


@dataclass
class ReplicationSpec:
    wait: int | None = _f(None, schema.WHOLE, "WAIT n: replicas to confirm a write (default: from the mode)",
                          flag=schema.Flag("--wait", "WAIT n: replicas to confirm a write before the reply."))
    wait_timeout: float = _f(1.0, DURATION, "how long WAIT waits for the replicas",
                             flag=schema.Flag("--wait-timeout", "WAIT timeout, e.g. 1s."))
    min_replicas_to_write: int = _f(0, schema.WHOLE, "min-replicas-to-write: refuse writes with fewer replicas "
                                    "in reach", flag=schema.Flag("--min-replicas", "min-replicas-to-write."))
    min_replicas_max_lag: float = _f(10.0, DURATION, "min-replicas-max-lag: a replica silent longer is not counted",
                                     flag=schema.Flag("--min-replicas-max-lag", "min-replicas-max-lag, e.g. 10s."))
    persistence: str = _f("aof", schema.TEXT, "aof: the log survives a crash; none: a restarted node comes back "
                          "empty", choices=("aof", "none"),
                          message="{where}: persistence must be aof or none, got {value!r}")
    ack_replicas: int = 0  # resolved from mode / wait


@dataclass
class RaftSpec:
    heartbeat: float = _f(0.1, DURATION, "leader heartbeat (AppendEntries) period", above=0,
                          message="{where}: raft election_timeout must be longer than the heartbeat")
    election_timeout: float = _f(1.0, DURATION, "a follower without a heartbeat this long starts an election "
                                 "(randomised up to twice this)")


SUPERVISOR_ACTIONS = ("none", "restart", "replace")
_SUPERVISOR_TIMES = "{where}: supervisor interval must be positive and fall at least 1"


@dataclass
class SupervisorSpec:
    """A recovery supervisor (``nodes/supervisor.py``): health checks, then restart or replace."""

    action: str = _f("none", schema.TEXT, "what the supervisor does to a process that failed its checks",
                     choices=SUPERVISOR_ACTIONS,
                     message="{where}: supervisor action must be one of {choices}, got {value!r}")
    interval: float = _f(1.0, DURATION, "health check period", above=0, message=_SUPERVISOR_TIMES)
    fall: int = _f(3, schema.WHOLE, "failed checks in a row before it acts", low=1, message=_SUPERVISOR_TIMES)
    repair: float = _f(5.0, DURATION, "time a restart or replacement takes")


_BROKER_SIZES = "{where}: broker partitions must be 1..64 and batch at least 1"
_BROKER_TIMES = "{where}: broker poll, commit_interval and retry must be positive, apply_time >= 0"


@dataclass
class BrokerSpec:
    """Event-driven sync (``nodes/broker.py``)."""

    partitions: int = _f(4, schema.WHOLE, "topic partitions", low=1, high=64, message=_BROKER_SIZES)
    partition_by: str = _f("key", schema.TEXT, "key: one key's events stay in order; round-robin: they may not",
                           choices=("key", "round-robin"),
                           message="{where}: broker partition_by must be key or round-robin, got {value!r}")
    poll: float = _f(0.05, DURATION, "consumer fetch period when idle", above=0, message=_BROKER_TIMES)
    batch: int = _f(20, schema.WHOLE, "events per fetch", low=1, message=_BROKER_SIZES)
    apply_time: float = _f(0.002, DURATION, "a consumer applies one event in this long", low=0,
                           message=_BROKER_TIMES)
    commit_interval: float = _f(1.0, DURATION, "consumers commit their offsets this often (Kafka's auto-commit)",
                                above=0, message=_BROKER_TIMES)
    retry: float = _f(0.2, DURATION, "producer retry period while the broker does not answer", above=0,
                      message=_BROKER_TIMES)


_WEBHOOK = "{where}: webhook timeout and backoffs must be positive, attempts >= 1, jitter between 0 and 1"


@dataclass
class WebhookSpec:
    """API calls / webhooks (``nodes/webhook.py``)."""

    timeout: float = _f(0.5, DURATION, "a call without an answer this long has failed", above=0, message=_WEBHOOK)
    backoff: float = _f(0.1, DURATION, "first retry after this; doubles each attempt", above=0, message=_WEBHOOK)
    max_backoff: float = _f(5.0, DURATION, "the backoff stops doubling here", above=0, message=_WEBHOOK)
    jitter: float = _f(0.5, schema.NUMBER, "+- this fraction of the backoff, seeded (\"equal jitter\")", low=0,
                       high=1, message=_WEBHOOK)
    attempts: int = _f(8, schema.WHOLE, "then the call is given up (dead-lettered)", low=1, message=_WEBHOOK)
    apply_time: float = _f(0.002, DURATION, "a receiver applies one call in this long", low=0, message=_WEBHOOK)
    versioned: bool = _f(False, schema.BOOL, "calls carry the origin's sequence; receivers ignore one older than "
                         "the key's")


@dataclass
class QuorumSpec:
    """Leaderless quorums (``nodes/leaderless.py``); r/w None: from the mode (majorities by default)."""

    n: int | None = _f(None, schema.WHOLE, "replicas per key (default: 3, or every node when there are fewer)")
    w: int | None = _f(None, schema.WHOLE, "write quorum W (default: a majority of N)")
    r: int | None = _f(None, schema.WHOLE, "read quorum R (default: a majority of N)")
    read_repair: bool = _f(True, schema.BOOL, "a read that sees an old copy writes the newest back")
    hinted_handoff: bool = _f(True, schema.BOOL, "quorum-sloppy: fallback nodes hold hints for unreachable "
                              "replicas")
    timeout: float = _f(0.2, DURATION, "the coordinator waits this long for replicas", above=0,
                        message="{where}: quorum timeout must be positive")
    lagging: list[str] = _f([], schema.NAMES, "replicas that apply writes late (a slow disk)")
    lag: float = _f(0.0, DURATION, "how late the lagging replicas apply writes", low=0,
                    message="{where}: quorum lag must not be negative, got {value}")


_STORAGE_TIMES = "{where}: storage heal_interval and timeout must be positive"


@dataclass
class StorageSpec:
    """Shared storage (``nodes/storage.py``)."""

    replicas: int | None = _f(None, schema.WHOLE, "dfs: copies of each file (default: 3, or every node when fewer)")
    acks: int | None = _f(None, schema.WHOLE, "dfs: copies before the write is acknowledged (default: all)")
    heal_interval: float = _f(2.0, DURATION, "dfs: self-heal daemon period", above=0, message=_STORAGE_TIMES)
    timeout: float = _f(0.5, DURATION, "a storage request without an answer this long has failed", above=0,
                        message=_STORAGE_TIMES)


_CLIENT_LOAD = "{where}: client {item}: rate, keys and timeout must be positive, writes >= 0"


@dataclass
class ClientSpec:
    name: str = _f(schema.REQUIRED, schema.TEXT, "the client's name (default: c1, c2, ...)")
    near: str | None = _f(None, schema.TEXT, "the node it talks to first (and shares a host with)")
    rate: float = _f(100.0, schema.NUMBER, "operations per second", above=0, message=_CLIENT_LOAD,
                     flag=schema.Flag("--rate", "Writes per second per client."))
    writes: int = _f(1000, schema.WHOLE, "operations in all (reads and writes)", low=0, message=_CLIENT_LOAD,
                     flag=schema.Flag("--writes", "Writes per client."))
    keys: int = _f(16, schema.WHOLE, "distinct keys it writes", low=1, message=_CLIENT_LOAD)
    timeout: float = _f(1.0, DURATION, "an operation without an answer this long ends unknown", above=0,
                        message=_CLIENT_LOAD)
    start: float = _f(0.5, DURATION, "when its first operation starts")
    reads: float = _f(0.0, schema.NUMBER, "fraction of the operations that are reads of a key", low=0, high=1,
                      message="{where}: client {item}: reads is a fraction between 0 and 1, got {value}")
    w: int | None = _f(None, schema.WHOLE, "leaderless: this client's write quorum (default: the mode's)")
    r: int | None = _f(None, schema.WHOLE, "leaderless: this client's read quorum (default: the mode's)")


@dataclass
class Zone:
    """An availability zone: the hosts (nodes, clients) in it, and its region."""

    name: str = _f(schema.REQUIRED, schema.TEXT, "the zone's name (faults: zone-down NAME)")
    members: list[str] = _f(schema.REQUIRED, schema.NAMES, "the nodes and clients in it")
    region: str | None = _f(None, schema.TEXT, "its region (faults: cut REGION; [[region_link]] between regions)")


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


_LINK = LinkSpec()  # its defaults are the [network] table's
NETWORK_FIELDS = (
    schema.Field(DURATION, "one-way latency of every link", name="base", key="latency", default=_LINK.base,
                 flag=schema.Flag("--latency", "Default one-way link latency, e.g. 0.5ms.")),
    schema.Field(DURATION, "random extra latency, drawn from dist", name="jitter", default=_LINK.jitter),
    schema.Field(schema.TEXT, "jitter distribution", name="dist", default=_LINK.dist, choices=("uniform", "exp"),
                 message="{where}: {label} must be uniform or exp, got {value!r}"),
    schema.Field(schema.NUMBER, "fraction of messages lost", name="loss", default=_LINK.loss, low=0, high=1,
                 message="{where}: {label} is a fraction between 0 and 1, got {value}"),
)
# Shown by `--mode`'s help; the full list is MODES (an unknown mode's error lists it).
MODE_NAMES = ("async|semi-sync|sync|multi-primary|raft, or a sync channel such as broker-at-least-once, "
              "webhook-outbox, quorum, nfs (see `protolab replicate explain`)")


@dataclass
class Scenario:
    mode: str = _f(schema.REQUIRED, schema.TEXT, "the replication mode (`protolab replicate explain`)",
                   choices=MODES, message="{where}: unknown mode {value!r}; modes: {choices}",
                   flag=schema.Flag("--mode", f"Replication mode: {MODE_NAMES}."))
    name: str = _f("custom", schema.TEXT, "the scenario's name (default: the file's)", leads=True)
    description: str = _f("", PROSE, "what the scenario shows", leads=True)
    nodes: int = _f(3, schema.WHOLE, "nodes n1..nN; n1 starts as the primary / leader", low=1, high=15,
                    message="{where}: nodes must be between 1 and 15, got {value}",
                    flag=schema.Flag("--replicas", "Copies besides the first node (nodes = replicas + 1).",
                                     to_field=lambda replicas: replicas + 1, low=0,
                                     message="{flag} must be 0 or more, got {value}"))
    strategy: str = _f("lww", schema.TEXT, "multi-primary conflict resolution", choices=STRATEGIES,
                       message="{where}: unknown strategy {value!r}; strategies: {choices}",
                       flag=schema.Flag("--strategy", "multi-primary conflict resolution: lww|vv|crdt."))
    seed: int = _f(1, schema.WHOLE, "random seed (same seed, same run)",
                   flag=schema.Flag("--seed", "Random seed (same seed, same run)."))
    settle: float = _f(20.0, DURATION, "simulated time after the last write or fault")
    final_reads: bool = _f(False, schema.BOOL, "read every node's whole state 1 s before the end (the chaos "
                           "checkers' final reads)")
    faults: list[Fault] = _f([], FAULTS, "faults in the shared grammar, e.g. \"crash primary at 3s\"",
                             flag=schema.Flag("--fault", "A fault, e.g. 'crash primary at 2s' or "
                                              "'partition n1|n2,n3 from 3s to 9s' (repeatable; replaces the "
                                              "scenario's faults)."))
    duration: float | None = _f(None, DURATION, "simulated time to run (default: last write or fault + settle)",
                                above=0, message="{where}: duration must be positive",
                                flag=schema.Flag("--duration", "Simulated time to run (default: writes and "
                                                 "faults + settle)."))
    network: LinkSpec = schema.table(LinkSpec, "network", "the default link between any two hosts",
                                     fields=NETWORK_FIELDS)
    links: list[LinkOverride] = schema.table(LinkOverride, "link", "a link that differs from [network]", many=True)
    zones: list[Zone] = schema.table(Zone, "zone", "availability zones (geography for faults)", many=True)
    region_links: list[RegionLink] = schema.table(RegionLink, "region_link", "the link between two regions",
                                                  many=True)
    replication: ReplicationSpec = schema.table(ReplicationSpec, "replication", "primary/replica settings")
    sentinel: SentinelSpec = schema.table(SentinelSpec, "sentinel", "Redis Sentinel")
    raft: RaftSpec = schema.table(RaftSpec, "raft", "Raft timers")
    supervisor: SupervisorSpec = schema.table(SupervisorSpec, "supervisor", "the recovery supervisor")
    broker: BrokerSpec = schema.table(BrokerSpec, "broker", "event-driven sync channels")
    webhook: WebhookSpec = schema.table(WebhookSpec, "webhook", "webhook sync channels")
    quorum: QuorumSpec = schema.table(QuorumSpec, "quorum", "leaderless quorum modes")
    storage: StorageSpec = schema.table(StorageSpec, "storage", "shared storage modes")
    clients: list[ClientSpec] = schema.table(ClientSpec, "client", "the load: one table per client", many=True,
                                             item_defaults=lambda i: {"name": f"c{i}"})

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
        schema.check(self, where)  # every declared range and choice; what follows relates fields
        s = self.sentinel
        if s.count and not 1 <= s.quorum <= s.count:
            raise BadInput(f"{where}: sentinel quorum {s.quorum} must be between 1 and the {s.count} sentinels")
        r = self.replication
        replicas = self.nodes - 1
        if r.wait is not None and not 0 <= r.wait <= replicas:
            raise BadInput(f"{where}: wait {r.wait} is impossible with {replicas} replicas")
        if not 0 <= r.min_replicas_to_write <= replicas:
            raise BadInput(f"{where}: min_replicas_to_write {r.min_replicas_to_write} is impossible with "
                           f"{replicas} replicas")
        FAMILIES[self.family].check(self, where)
        r.ack_replicas = r.wait if r.wait is not None else {"none": 0, "one": 1, "all": replicas}.get(self.acks, 0)
        if self.raft.election_timeout <= self.raft.heartbeat:
            raise BadInput(f"{where}: raft election_timeout must be longer than the heartbeat")
        if not self.clients:
            raise BadInput(f"{where}: no clients, so no writes")
        names = set(self.node_names()) | {f"s{i}" for i in range(1, s.count + 1)} | {"primary"}
        names |= {p for f in FAMILIES.values() for p in f.processes}  # faults may name them in any mode
        self._validate_channels(where)
        seen = set()
        for c in self.clients:
            if c.name in seen or c.name in names:
                raise BadInput(f"{where}: client name {c.name!r} is used twice or clashes with a node")
            seen.add(c.name)
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
        if self.end_time() > 3600:
            raise BadInput(f"{where}: more than an hour of simulated time; shorten it")
        return self

    def _validate_channels(self, where: str) -> None:
        for n in self.quorum.lagging:
            if n not in self.node_names():
                raise BadInput(f"{where}: quorum lagging names unknown node {n!r}")


# --- TOML: reading and writing come from the declarations; links are read against [network] ------
def _link_spec(d: dict, where: str, base: LinkSpec) -> LinkSpec:
    """A link's latency model: the [network] fields it gives, the others as in [network]."""
    values = schema.read_values(NETWORK_FIELDS, d, f"{where}.")
    spec = LinkSpec(**{f.name: values.get(f.name, getattr(base, f.name)) for f in NETWORK_FIELDS})
    for f in NETWORK_FIELDS:
        problem = schema.field_error(f, getattr(spec, f.name), where, f.toml_key)
        if problem:
            raise BadInput(problem)
    return spec


_NETWORK_KEYS = {f.toml_key for f in NETWORK_FIELDS}


def _between(d: dict, where: str, what: str) -> tuple[str, str]:
    between = d.get("between")
    if not (isinstance(between, list) and len(between) == 2 and all(isinstance(x, str) for x in between)):
        raise BadInput(f"{where}: between must be two {what}")
    return between[0], between[1]


def _links(data, source: str, network: LinkSpec) -> list[LinkOverride]:
    out = []
    for i, d in enumerate(data, 1):
        where = f"{source}: [[link]] #{i}"
        schema.check_keys(d, _NETWORK_KEYS | {"between", "one_way"}, where)
        a, b = _between(d, where, "names, e.g. [\"n1\", \"n2\"]")
        out.append(LinkOverride(a, b, _link_spec(d, where, network),
                                schema.BOOL.read(d.get("one_way", False), f"{where}.one_way")))
    return out


def _region_links(data, source: str, network: LinkSpec) -> list[RegionLink]:
    out = []
    for i, d in enumerate(data, 1):
        where = f"{source}: [[region_link]] #{i}"
        schema.check_keys(d, _NETWORK_KEYS | {"between"}, where)
        a, b = _between(d, where, "region names")
        out.append(RegionLink(a, b, _link_spec(d, where, network)))
    return out


def _link_lines(table: str, a: str, b: str, spec: LinkSpec) -> list[str]:
    return ["", f"[[{table}]]", f"between = {schema.literal([a, b])}"] + [
        f"{f.toml_key} = {schema.literal(getattr(spec, f.name))}" for f in NETWORK_FIELDS]


# keys read by hand above, for the reference table: (key, type, default, allowed, meaning)
LINK_KEYS = (
    ("[[link]].between", "two names", "required", "-", "the two hosts this link joins"),
    ("[[link]].latency, jitter, dist, loss", "as in [network]", "[network]'s", "as in [network]",
     "this link's own latency model"),
    ("[[link]].one_way", "true/false", "false", "-", "only the direction from the first to the second"),
    ("[[region_link]].between", "two names", "required", "-", "the two regions this link joins"),
    ("[[region_link]].latency, jitter, dist, loss", "as in [network]", "[network]'s", "as in [network]",
     "the latency model between the regions"),
)


def from_dict(data: dict, source: str = "scenario") -> Scenario:
    schema.check_keys(data, schema.top_keys(Scenario), source)
    if "mode" not in data:
        raise BadInput(f"{source}: missing 'mode' (one of {', '.join(MODES)})")
    sc = schema.read(Scenario, data, source, defaults={"name": Path(source).stem}, skip=("link", "region_link"))
    sc.links = _links(_array(data, "link", source), source, sc.network)
    sc.region_links = _region_links(_array(data, "region_link", source), source, sc.network)
    return sc.validate()


def _array(data: dict, key: str, source: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise BadInput(f"{source}: [[{key}]] must be an array of tables")
    return value


def to_toml(sc: Scenario) -> str:
    """The scenario as a TOML file that ``load`` reads back into the same scenario (times in seconds)."""
    lines = schema.toml_lines(sc, custom={
        "link": lambda links: [line for x in links for line in _link_lines("link", x.a, x.b, x.spec)
                               + [f"one_way = {schema.literal(x.one_way)}"]],
        "region_link": lambda links: [line for x in links for line in _link_lines("region_link", x.a, x.b, x.spec)]})
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
