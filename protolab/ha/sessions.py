"""Sessions behind a load balancer: who loses their session when a server dies, what a shared
session store costs, load imbalance from stickiness, and DNS-based failover of the balancers.

Theory of operation
-------------------
A seeded discrete-event run on the shared kernel (protolab.sim). ``users`` users log in during the
first seconds and then send requests with exponential think times (a per-user rate drawn from a
lognormal, so some users are heavy); some users share one NAT address. Each request:

1. DNS: the user's cached answer (one balancer address) is used until its TTL expires; a share of
   resolvers ignores the TTL and keeps the first answer. The DNS provider health-checks the
   balancers (every 10 s, 3 failures) and stops handing out a dead one.
2. The balancer the user reached must be alive (else: failed, "dns-stale"). It picks an app server
   among those its health checks (every 2 s, 3 failures down, 2 successes up) believe up:
   round-robin, least-conn (fewest requests in flight), ip-hash (the address hashes to a server;
   when that one is down, the next one up, as nginx does), cookie (the server named in the
   user's cookie while it is up, else least-conn, and the cookie is rewritten).
3. The server must be alive (else: failed, "server-down", until the balancer notices). Sessions:
   ``sticky`` keeps them in the server's memory (a request landing elsewhere finds none: the user
   must log in again); ``shared-store`` keeps them in one store (two round trips per request; the
   store down fails every request, and it comes back empty); ``replicated-store`` keeps them in a
   store with a synchronous replica (the primary's death costs a failover pause, no session).
Every number is counted from these simulated requests.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from protolab.errors import BadInput
from protolab.sim.durations import parse_duration
from protolab.sim.kernel import Kernel
from protolab.sim.quantiles import Quantiles

STRATEGIES = {
    "sticky": "sessions live in the app server's memory; the balancer must keep each user on one server",
    "shared-store": "sessions live in one store (e.g. a single Redis) that every app server reads and writes",
    "replicated-store": "sessions live in a store with a synchronous replica and automatic failover",
}
BALANCERS = ("round-robin", "least-conn", "ip-hash", "cookie")
HC_INTERVAL, HC_FALL, HC_RISE = 2.0, 3, 2  # HAProxy-like defaults: check every 2 s, 3 down, 2 up
DNS_CHECK, DNS_FALL = 10.0, 3  # a DNS provider's health check
STORE_RTT = 0.0005
FAILOVER_PAUSE = 2.0  # replicated store: the replica is promoted after this
_FAIL = re.compile(r"^(\S+) at (\S+)(?: for (\S+))?$")


@dataclass
class SessionsSpec:
    strategy: str = "sticky"
    servers: int = 3
    users: int = 300
    lb: str | None = None  # default: cookie for sticky, round-robin otherwise
    balancers: int = 2
    fail: str | None = None  # "server-2 at 30s [for 20s]", "lb-1 at ...", "store at ..."
    dns_ttl: float = 60.0
    stale_resolvers: float = 0.05
    duration: float = 120.0
    think: float = 5.0  # mean seconds between a user's requests
    nat_share: float = 0.2  # users behind one shared NAT address (ip-hash sends them all to one server)
    seed: int = 1

    def validate(self) -> SessionsSpec:
        if self.strategy not in STRATEGIES:
            raise BadInput(f"unknown --strategy {self.strategy!r}; strategies: {', '.join(STRATEGIES)}")
        if self.lb is None:
            self.lb = "cookie" if self.strategy == "sticky" else "round-robin"
        if self.lb not in BALANCERS:
            raise BadInput(f"unknown --lb {self.lb!r}; balancers: {', '.join(BALANCERS)}")
        if not 1 <= self.servers <= 100 or not 1 <= self.balancers <= 10:
            raise BadInput("--servers must be 1..100 and --balancers 1..10")
        if not 1 <= self.users <= 100_000:
            raise BadInput(f"--users must be 1..100000, got {self.users}")
        if self.duration <= 0 or self.duration > 3600 or self.think <= 0:
            raise BadInput("--duration must be in (0, 3600] s and --think positive")
        if self.dns_ttl < 0 or not 0 <= self.stale_resolvers <= 1 or not 0 <= self.nat_share <= 1:
            raise BadInput("--dns-ttl must not be negative; --stale-resolvers and NAT share are fractions")
        if self.fail is not None:
            target, at, hold = parse_fail(self.fail)
            names = {f"server-{i}" for i in range(1, self.servers + 1)} | {
                f"lb-{i}" for i in range(1, self.balancers + 1)} | {"store"}
            if target not in names:
                raise BadInput(f"--fail {self.fail!r}: no {target!r}; targets: server-1..server-{self.servers}, "
                               f"lb-1..lb-{self.balancers}, store")
            if target == "store" and self.strategy == "sticky":
                raise BadInput("--fail store: the sticky strategy has no session store")
            if at >= self.duration:
                raise BadInput(f"--fail {self.fail!r}: after the end of the run ({self.duration:g} s)")
        return self


def parse_fail(text: str) -> tuple[str, float, float | None]:
    m = _FAIL.match(" ".join(text.split()))
    if not m:
        raise BadInput(f"--fail {text!r}: write it as 'server-2 at 30s' (optionally 'for 20s')")
    at = parse_duration(m.group(2), "--fail time")
    hold = parse_duration(m.group(3), "--fail duration") if m.group(3) else None
    return m.group(1), at, hold


@dataclass
class ServerLoad:
    name: str
    requests: int
    share: float
    sessions_at_end: int


@dataclass
class SessionsResult:
    strategy: str
    lb: str
    servers: int
    balancers: int
    users: int
    seed: int
    duration_s: float
    fail: str | None
    requests: int
    ok: int
    failed: dict[str, int]
    users_lost_session: int
    lost_users: list[int]
    sessions_on_failed_server: int | None
    users_on_failed_server: list[int]
    relogins: int
    detection_s: float | None
    dns_last_stale_s: float | None  # failure -> last request of a TTL-respecting client to the dead balancer
    dns_stuck_users: int  # users whose resolver ignores the TTL, still sent to the dead balancer
    latency_ms_p50: float | None
    latency_ms_p99: float | None
    store_ops: int
    store_ops_per_s: float
    imbalance: float  # busiest server's requests / the mean, while every server was up
    load: list[ServerLoad]
    timeline: list[tuple[float, str]] = field(default_factory=list)


class _Store:
    def __init__(self, replicated: bool) -> None:
        self.sessions: dict[int, int] = {}
        self.up = True
        self.replicated = replicated
        self.paused_until = 0.0


class SessionsSim:
    def __init__(self, spec: SessionsSpec) -> None:
        self.spec = spec
        self.k = Kernel(spec.seed)
        rng = self.k.rng
        self.servers = [f"server-{i}" for i in range(1, spec.servers + 1)]
        self.lbs = [f"lb-{i}" for i in range(1, spec.balancers + 1)]
        self.alive = {n: True for n in [*self.servers, *self.lbs]}
        self.lb_view = {s: True for s in self.servers}  # what the balancers' health checks believe
        self.hc_bad = {s: 0 for s in self.servers}
        self.hc_good = {s: 0 for s in self.servers}
        self.dns_records = list(self.lbs)
        self.dns_bad = {b: 0 for b in self.lbs}
        # sticky: the sessions (user, session id) each server holds in memory
        self.local: dict[str, dict[int, int]] = {s: {} for s in self.servers}
        self.store = _Store(spec.strategy == "replicated-store")
        self.inflight = {s: 0 for s in self.servers}
        self.rr = 0
        self.requests = {s: 0 for s in self.servers}
        self.before = {s: 0 for s in self.servers}  # requests while every server was up: the imbalance
        self.failed: dict[str, int] = {}
        self.ok = 0
        self.latency = Quantiles()
        self.store_ops = 0
        self.cookie: dict[int, str] = {}
        self.sid: dict[int, int] = {}  # user -> current session id (the cookie); a re-login makes a new one
        self.lost: set[int] = set()
        self.relogins = 0
        self.timeline: list[tuple[float, str]] = []
        self.fail_time: float | None = None
        self.fail_target: str | None = None
        self.on_failed: set[int] | None = None
        self.detected: float | None = None
        self.last_stale: float | None = None
        self.stuck: set[int] = set()  # users whose resolver ignores the TTL and who hit the dead balancer
        nat = 0 if spec.nat_share == 0 else max(1, int(spec.users * spec.nat_share))
        self.ip = [0 if u < nat else u for u in range(spec.users)]  # users 0..nat-1 share address 0
        self.rate = [math.exp(rng.gauss(0, 0.8)) / spec.think for _ in range(spec.users)]
        self.stale = [rng.random() < spec.stale_resolvers for _ in range(spec.users)]
        self.dns_cache: dict[int, tuple[str, float]] = {}

    def log(self, text: str) -> None:
        self.timeline.append((round(self.k.now, 3), text))

    # --- the run ---------------------------------------------------------------------------------
    def run(self) -> SessionsResult:
        spec, k = self.spec, self.k
        for u in range(spec.users):
            k.at(k.rng.uniform(0, 5.0), self.request, u)
        k.at(HC_INTERVAL * k.rng.random(), self.health_check)
        k.at(DNS_CHECK * k.rng.random(), self.dns_check)
        if spec.fail is not None:
            target, at, hold = parse_fail(spec.fail)
            k.at(at, self.kill, target)
            if hold is not None:
                k.at(at + hold, self.revive, target)
        k.run(spec.duration)
        return self.result()

    def kill(self, target: str) -> None:
        self.fail_time, self.fail_target = self.k.now, target
        self.log(f"{target} dies")
        if target == "store":
            self.store.up = False
            if self.store.replicated:  # the replica is promoted after a pause; nothing is lost
                self.store.paused_until = self.k.now + FAILOVER_PAUSE
                self.k.at(self.store.paused_until, self._promoted)
            return
        self.alive[target] = False
        if target in self.local:
            self.on_failed = set(self.local[target])
            self.local[target].clear()  # memory is gone with the process

    def _promoted(self, _=None) -> None:
        self.store.up = True
        self.log("store replica promoted: sessions intact")

    def revive(self, target: str) -> None:
        self.log(f"{target} is back")
        if target == "store":
            if not self.store.replicated:
                self.store.sessions.clear()  # an in-memory store restarts empty
            self.store.up = True
        else:
            self.alive[target] = True

    def health_check(self, _=None) -> None:
        for s in self.servers:
            if self.alive[s]:
                self.hc_good[s] += 1
                self.hc_bad[s] = 0
                if not self.lb_view[s] and self.hc_good[s] >= HC_RISE:
                    self.lb_view[s] = True
                    self.log(f"balancer: {s} back in rotation")
            else:
                self.hc_bad[s] += 1
                self.hc_good[s] = 0
                if self.lb_view[s] and self.hc_bad[s] >= HC_FALL:
                    self.lb_view[s] = False
                    if self.detected is None and self.fail_time is not None:
                        self.detected = self.k.now - self.fail_time
                    self.log(f"balancer: {s} marked down after {HC_FALL} failed checks")
        self.k.after(HC_INTERVAL, self.health_check)

    def dns_check(self, _=None) -> None:
        for b in self.lbs:
            self.dns_bad[b] = 0 if self.alive[b] else self.dns_bad[b] + 1
            if b in self.dns_records and self.dns_bad[b] >= DNS_FALL and len(self.dns_records) > 1:
                self.dns_records.remove(b)
                if self.detected is None:
                    self.detected = self.k.now - (self.fail_time or 0)
                self.log(f"DNS: {b} removed from the answer after {DNS_FALL} failed checks")
            elif b not in self.dns_records and self.alive[b]:
                self.dns_records.append(b)
                self.log(f"DNS: {b} back in the answer")
        self.k.after(DNS_CHECK, self.dns_check)

    # --- one request ------------------------------------------------------------------------------
    def resolve(self, u: int) -> str:
        now = self.k.now
        cached = self.dns_cache.get(u)
        if cached is not None and (self.stale[u] or now < cached[1]):
            return cached[0]
        answer = self.dns_records[self.k.rng.randrange(len(self.dns_records))]
        self.dns_cache[u] = (answer, now + self.spec.dns_ttl)
        return answer

    def pick(self, u: int) -> str | None:
        up = [s for s in self.servers if self.lb_view[s]]
        if not up:
            return None
        lb = self.spec.lb
        if lb == "round-robin":
            self.rr += 1
            return up[self.rr % len(up)]
        if lb == "ip-hash":
            start = (self.ip[u] * 2654435761) % (2**32) % len(self.servers)
            for i in range(len(self.servers)):  # the hashed server, or the next one up (keeps the others)
                s = self.servers[(start + i) % len(self.servers)]
                if self.lb_view[s]:
                    return s
        if lb == "cookie":
            s = self.cookie.get(u)
            if s is not None and self.lb_view[s]:
                return s
        self.rr += 1  # ties go round-robin, as HAProxy's leastconn does
        best = min(up, key=lambda s: (self.inflight[s], (self.servers.index(s) - self.rr) % len(self.servers)))
        if lb == "cookie":
            self.cookie[u] = best
        return best

    def fail(self, cause: str) -> None:
        self.failed[cause] = self.failed.get(cause, 0) + 1

    def request(self, u: int) -> None:
        k = self.k
        now = k.now
        k.after(k.rng.expovariate(self.rate[u]), self.request, u)
        entry = self.resolve(u)
        if not self.alive[entry]:
            if self.stale[u]:
                self.stuck.add(u)
                return self.fail("dns-stale (resolver ignores TTL)")
            self.last_stale = now
            return self.fail("dns-stale (within TTL)")
        server = self.pick(u)
        if server is None:
            return self.fail("no-server")
        self.requests[server] += 1
        if self.fail_time is None:
            self.before[server] += 1
        if not self.alive[server]:
            return self.fail("server-down")
        service = k.rng.expovariate(1 / 0.02)
        latency = 0.001 + service
        strategy = self.spec.strategy
        if strategy == "sticky":
            held = self.local[server]
        else:
            if not self.store.up:
                return self.fail("store-down" if not self.store.replicated else "store-failover")
            self.store_ops += 2  # read the session, write it back
            latency += 2 * STORE_RTT
            held = self.store.sessions
        sid = self.sid.get(u)
        if sid is None or held.get(u) != sid:  # no session here: log in (again), a new session id
            if sid is not None:
                self.lost.add(u)
                self.relogins += 1
            self.sid[u] = held[u] = (sid or 0) + 1
        self.inflight[server] += 1
        k.after(service, self._done, server)
        self.ok += 1
        self.latency.add(latency)

    def _done(self, server: str) -> None:
        self.inflight[server] -= 1

    def result(self) -> SessionsResult:
        spec = self.spec
        total = sum(self.requests.values())
        mean = sum(self.before.values()) / len(self.servers)
        load = [ServerLoad(s, self.requests[s], round(self.requests[s] / total, 4) if total else 0.0,
                           len(self.local[s]) if spec.strategy == "sticky" else 0) for s in self.servers]
        requests = self.ok + sum(self.failed.values())
        return SessionsResult(
            spec.strategy, spec.lb, spec.servers, spec.balancers, spec.users, spec.seed, spec.duration, spec.fail,
            requests, self.ok, dict(sorted(self.failed.items())), len(self.lost), sorted(self.lost),
            len(self.on_failed) if self.on_failed is not None else None, sorted(self.on_failed or ()), self.relogins,
            round(self.detected, 3) if self.detected is not None else None,
            round(self.last_stale - self.fail_time, 3) if self.last_stale is not None and self.fail_time else None,
            len(self.stuck),
            self.latency.quantile_ms(0.5), self.latency.quantile_ms(0.99), self.store_ops,
            round(self.store_ops / spec.duration, 1), round(max(self.before.values()) / mean, 3) if mean else 0.0,
            load, self.timeline)


def simulate_sessions(spec: SessionsSpec) -> SessionsResult:
    return SessionsSim(spec.validate()).run()
