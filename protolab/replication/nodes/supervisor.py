"""A recovery supervisor: health-checks the data nodes and restarts or replaces the ones it finds down.

Theory of operation
-------------------
Every ``interval`` the supervisor (its own host, which partitions leave alone unless they name it)
sends each data node a health check; a node that misses ``fall`` checks in a row is declared down.
It is then fenced (killed if it still runs: a paused or cut-off node is indistinguishable from a dead
one, so the supervisor's own false positives cost real restarts) and repaired ``repair`` seconds
later: ``restart`` brings the process back with its data (it rejoins as a replica: Sentinel converts
an old primary, a Raft peer follows the leader); ``replace`` brings up an empty node in its place,
which resyncs from the current primary (Redis-like nodes and multi-primary peers; a Raft peer cannot
be swapped for an empty one without a membership change, so scenarios refuse it). Each repair is
recorded with its detection time and MTTR (crash -> back), which the run's unavailability reflects.
"""

from __future__ import annotations

from protolab.replication.messages import HEALTH
from protolab.replication.nodes.base import Endpoint


class Supervisor(Endpoint):
    kind = "supervisor"

    def __init__(self, sim, spec) -> None:
        super().__init__(sim, "supervisor", host="supervisor")
        self.spec = spec
        self.missed: dict[str, int] = {}
        self.answered: dict[str, bool] = {}
        self.busy: set[str] = set()

    def start(self) -> None:
        for name in self.sim.nodes:
            self.missed[name], self.answered[name] = 0, True
        self.timer(self.spec.interval * self.kernel.rng.random(), self.tick)  # its own phase

    def tick(self, _=None) -> None:
        for name, node in self.sim.nodes.items():
            if name in self.busy:
                continue
            self.missed[name] = 0 if self.answered[name] else self.missed[name] + 1
            self.answered[name] = False
            if self.missed[name] >= self.spec.fall:
                self.declare_down(node)
            else:
                self.send(node, HEALTH, self)
        self.timer(self.spec.interval, self.tick)

    def on_health_ok(self, name: str) -> None:
        self.answered[name] = True

    def declare_down(self, node) -> None:
        now = self.kernel.now
        self.busy.add(node.name)
        crashed = self.sim.open_crash(node.name)
        self.event("detected", f"{node.name} down ({self.missed[node.name]} checks missed)"
                   + ("" if crashed is not None else ": it was alive, fenced (killed) anyway"))
        if node.up:
            node.crash()
            self.sim.fault_log.append(("crash", node.name, now, None))
            crashed = now
        self.kernel.at(now + self.spec.repair, self.repair, (node, crashed, now))

    def repair(self, item) -> None:
        node, crashed, detected = item
        now = self.kernel.now
        if self.spec.action == "replace":
            node.replace_empty()
        if not node.up:
            node.restart()
            self.sim._close_crash(node.name, now)
        self.event(self.spec.action, f"{node.name} back after {now - crashed:.3f} s (detected after "
                   f"{detected - crashed:.3f} s)")
        self.sim.recoveries.append((node.name, round(crashed, 6), round(detected, 6), round(now, 6)))
        self.missed[node.name], self.answered[node.name] = 0, True
        self.busy.discard(node.name)
