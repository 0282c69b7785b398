"""Build a cluster from a scenario, apply its faults on schedule, run it on the kernel.

The simulation records only observations: the client history (``history``), the timeline of
notable events (``events``: faults, Sentinel decisions, elections, resyncs, conflicts) and each
node's role changes (``roles``). ``metrics.analyze`` turns those and the final node states into
the result; nothing here decides what a mode "should" lose.
"""

from __future__ import annotations

from itertools import count

from protolab.errors import BadInput
from protolab.replication.families import FAMILIES
from protolab.replication.faults import Fault, blocked_pairs
from protolab.replication.history import History
from protolab.replication.messages import LINK_CLOSED
from protolab.replication.network import LinkSpec, Network
from protolab.replication.scenario import Scenario
from protolab.sim.kernel import Kernel

EVENT_CAP = 5000  # timeline entries kept; conflicts beyond this are only counted
STEPS = 50  # slices of a run, for the progress bar


class Simulation:
    def __init__(self, scenario: Scenario, *, keep_history: bool = True, trace: bool = False) -> None:
        self.scenario = scenario
        self.family = FAMILIES[scenario.family]
        self.kernel = Kernel(scenario.seed)
        self.net = Network(self.kernel, scenario.network)
        if trace:
            self.net.trace = []
        self.wids = count(1)
        self.key_of: dict[int, int] = {}  # write id -> key, kept when clients also read
        self.history = History(keep_history)
        self.events: list[tuple] = []
        self.roles: list[tuple] = []  # (time, node, role, term)
        self.nodes: dict = {}
        self.sentinels: list = []
        self.clients: list = []
        self.endpoints: dict = {}
        self.active_faults: list[Fault] = []
        self.fault_log: list[tuple] = []  # (kind, targets/groups, start, end)
        self.recoveries: list[tuple] = []  # supervisor repairs: (node, crashed, detected, back)
        self.supervisor = None
        self.extras: list = []  # processes a sync channel adds beside the nodes (the broker, a gateway, mounts)
        self.channel_series: list[list[float]] = []  # a channel's sampled time series (consumer lag)
        self._build()
        self._check_hosts()

    # --- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        sc = self.scenario
        client_cls = self.family.build(self)
        for spec in sc.clients:
            self.clients.append(client_cls(self, spec, host=spec.near))
        if sc.supervisor.action != "none":
            from protolab.replication.nodes.supervisor import Supervisor

            self.supervisor = Supervisor(self, sc.supervisor)
            self.endpoints[self.supervisor.name] = self.supervisor
        for ep in [*self.nodes.values(), *self.sentinels, *self.clients, *self.extras]:
            self.endpoints[ep.name] = ep
        region = {self.host_of(m): r for m, r in sc.region_of().items()}
        for rl in sc.region_links:  # every pair of hosts across two regions gets the inter-region latency
            for a, ra in region.items():
                for b, rb in region.items():
                    if {ra, rb} == {rl.a, rl.b} and ra != rb:
                        self.net.specs[(a, b)] = rl.spec
        for link in sc.links:  # explicit links win over region latencies
            a, b = self.host_of(link.a), self.host_of(link.b)
            self.net.specs[(a, b)] = link.spec
            if not link.one_way:
                self.net.specs[(b, a)] = link.spec

    def _check_hosts(self) -> None:
        """Partitions, delays, losses and zones act on hosts, so a Sentinel (s_i runs on the host of
        node n((i-1) % N + 1)) or a client (on its ``near`` node's host) cannot be put on another side
        than a process it shares its host with: that would cut the whole host off from both sides."""
        for fault in self.scenario.faults:
            if fault.kind in ("partition", "delay", "loss"):
                self._one_side_per_host(f"fault {fault.text!r}", fault.groups, "on the other side")
        if self.scenario.zones:
            self._one_side_per_host(f"scenario {self.scenario.name!r}: zones",
                                    [z.members for z in self.scenario.zones], "in another zone")

    def _one_side_per_host(self, where: str, groups: list[list[str]], elsewhere: str) -> None:
        side: dict[str, tuple[int, str]] = {}  # host -> (group, the member that put it there)
        for i, group in enumerate(groups):
            for name in group:
                host = self.host_of(name)
                j, other = side.setdefault(host, (i, name))
                if j != i:
                    if host in (name, other):  # one of the two is the node that gives the host its name
                        who = f"{other if host == name else name} runs on {host}'s host, which is {elsewhere}"
                    else:
                        who = f"{other} and {name} both run on {host}'s host, yet are on different sides"
                    raise BadInput(f"{where}: {who}; processes on one host cannot be split")

    def host_of(self, name: str) -> str:
        ep = self.endpoints.get(name)
        return ep.host if ep is not None else name

    # --- services the nodes use ----------------------------------------------------------------
    def next_wid(self) -> int:
        return next(self.wids)

    def runid(self) -> str:
        return f"{self.kernel.rng.getrandbits(160):040x}"

    def event(self, source: str, kind: str, detail: str = "") -> None:
        if len(self.events) < EVENT_CAP:
            self.events.append((round(self.kernel.now, 6), source, kind, detail))

    def role_change(self, node, role: str, term: int | None = None) -> None:
        self.roles.append((self.kernel.now, node.name, role, term))
        if self.kernel.now > 0 and role != "down":
            self.event(node.name, "role", role if term is None else f"{role} (term {term})")

    def connections_reset(self, node) -> None:
        """A process died: its host resets its TCP connections (Sentinels, clients, replicas see it)."""
        for other in [*self.sentinels, *self.clients, *self.nodes.values()]:
            if other is not node and hasattr(other, LINK_CLOSED.handler):
                self.net.send(self.net.link(node, other), LINK_CLOSED, node)

    def switch_master(self, sentinel, master: str) -> None:
        pass

    def promoted(self, sentinel, name: str) -> None:
        pass

    def initial_writer(self, client):
        return self.family.first_writer(self, client)

    def current_writer(self):
        """The node that takes writes now (None when there is none), as the family says
        (``families.py``: the Redis primary most Sentinels name, the Raft leader of the highest term...)."""
        return self.family.writer(self)

    # --- faults --------------------------------------------------------------------------------
    def _resolve(self, name: str):
        if name == "primary":
            node = self.current_writer()
            if node is None:
                raise LookupError("there is no primary right now")
            return node
        if name not in self.endpoints:
            raise LookupError(f"no process {name} in mode {self.scenario.mode}")
        return self.endpoints[name]

    def zone_hosts(self, zone: str) -> set[str]:
        members = next(z.members for z in self.scenario.zones if z.name == zone)
        return {self.host_of(m) for m in members}

    def region_hosts(self, region: str) -> set[str]:
        return {self.host_of(m) for z in self.scenario.zones if z.region == region for m in z.members}

    def _zone_down(self, fault, phase: str) -> None:
        """A whole zone fails: every process on its hosts (Sentinels too) crashes, and comes back."""
        now = self.kernel.now
        hosts = self.zone_hosts(fault.targets[0])
        if phase == "start":  # the end is _zone_up, scheduled here
            down = [ep for ep in self.endpoints.values() if ep.host in hosts and ep.up]
            self.event("nemesis", "zone-down", f"{fault.targets[0]}: {', '.join(ep.name for ep in down)}")
            for ep in down:
                ep.crash()
                self.fault_log.append(("crash", ep.name, now, fault.until))
            if fault.until is not None:
                self.kernel.at(fault.until, self._zone_up, [ep.name for ep in down])

    def _zone_up(self, names: list[str]) -> None:
        for name in names:
            ep = self.endpoints[name]
            if not ep.up:
                ep.restart()
                self.event("nemesis", "restart", name)
                self._close_crash(name, self.kernel.now)

    def _apply(self, item) -> None:
        fault, phase = item
        now = self.kernel.now
        kind = fault.kind
        if kind == "zone-down":
            return self._zone_down(fault, phase)
        if kind == "cut" and phase == "start":  # resolved now: the region's hosts against all others
            inside = sorted(self.region_hosts(fault.targets[0]))
            fault.groups = [inside, sorted({ep.host for ep in self.endpoints.values()} - set(inside))]
        try:
            targets = [] if kind == "cut" else [self._resolve(n) for n in fault.targets]
        except LookupError as exc:
            self.event("nemesis", "fault-skipped", f"{fault.text}: {exc.args[0] if exc.args else exc}")
            return
        if kind in ("crash", "restart", "pause", "skew"):
            for ep in targets:
                if kind == "crash" and phase == "start" and ep.up:
                    ep.crash()
                    self.event("nemesis", "crash", ep.name)
                    self.fault_log.append(("crash", ep.name, now, fault.until))
                    if fault.until is not None:
                        fault.targets = [ep.name]  # restart the same process, whatever its role now
                        self.kernel.at(fault.until, self._apply, (fault, "end"))
                elif (kind == "restart" or (kind == "crash" and phase == "end")) and not ep.up:
                    ep.restart()
                    self.event("nemesis", "restart", ep.name)
                    self._close_crash(ep.name, now)
                elif kind == "pause":
                    ep.paused_until = max(ep.paused_until, fault.until)  # overlapping pauses: the later end
                    ep.pausing(ep.paused_until)
                    self.net.paused(ep, ep.paused_until)
                    self.event("nemesis", "pause", f"{ep.name} for {fault.until - now:g}s")
                    self.fault_log.append(("pause", ep.name, now, fault.until))
                elif kind == "skew":
                    ep.skew = fault.amount
                    self.event("nemesis", "skew", f"{ep.name} clock {fault.amount * 1000:+g} ms")
            return
        # network faults
        if kind == "isolate" and phase == "start":  # resolved now: the host of whoever the target is
            host = targets[0].host
            others = sorted({ep.host for ep in self.endpoints.values()} - {host})
            fault.groups = [[host], others]
        if phase == "start":
            self.active_faults.append(fault)
            self.event("nemesis", kind, " ".join(fault.text.split()[1:]))
            self.fault_log.append((kind, "|".join(",".join(g) for g in fault.groups), now, fault.until))
            self.kernel.at(fault.until, self._apply, (fault, "end"))
        else:
            self.active_faults.remove(fault)
            self.event("nemesis", "heal" if kind in ("partition", "isolate", "cut") else f"end-{kind}",
                       " ".join(fault.text.split()[1:]))
        self._network_state()

    def open_crash(self, name: str) -> float | None:
        """When the process's current crash began (None: it is not crashed)."""
        for kind, what, start, end in reversed(self.fault_log):
            if kind == "crash" and what == name and (end is None or end > self.kernel.now):
                return start
        return None

    def _close_crash(self, name: str, now: float) -> None:
        for i, entry in enumerate(self.fault_log):
            if entry[0] == "crash" and entry[1] == name and (entry[3] is None or entry[3] > now):
                self.fault_log[i] = (entry[0], entry[1], entry[2], now)

    def _network_state(self) -> None:
        blocked: set = set()
        for fault in self.active_faults:
            if fault.kind in ("partition", "isolate", "cut"):
                blocked |= blocked_pairs(fault, self.host_of)
        self.net.set_blocked(blocked)
        for (a, b) in list(self.net.overrides):
            self.net.set_override(a, b, None)
        for fault in self.active_faults:
            if fault.kind in ("delay", "loss"):
                for a, b in blocked_pairs(fault, self.host_of):
                    base = self.net.spec_for(a, b)
                    spec = LinkSpec(base.base + (fault.amount if fault.kind == "delay" else 0), base.jitter, base.dist,
                                    max(base.loss, fault.amount) if fault.kind == "loss" else base.loss)
                    self.net.set_override(a, b, spec)

    # --- running ---------------------------------------------------------------------------------
    def run(self, advance=None) -> Simulation:
        """Run to the scenario's end, in STEPS slices; ``advance(1)`` is called after each (progress)."""
        end = self.scenario.end_time()
        for fault in self.scenario.faults:
            fault = Fault(**{f: getattr(fault, f) for f in fault.__dataclass_fields__})  # a copy per run
            if fault.at <= end:
                self.kernel.at(fault.at, self._apply, (fault, "start"))
        for ep in [*self.nodes.values(), *self.sentinels, *self.clients, *self.extras]:
            ep.start()
        if self.supervisor is not None:
            self.supervisor.start()
        for step in range(1, STEPS + 1):  # slicing does not change the order of events
            self.kernel.run(end * step / STEPS)
            if advance is not None:
                advance(1)
        self.end = end
        return self
