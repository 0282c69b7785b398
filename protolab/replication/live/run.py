"""One live run: deployment up, clock at zero, load + faults + observation, final state, analysis.

``LiveRun`` is what ``metrics.analyze`` reads from a simulation, filled from real servers:
``history`` (the clients' ops), ``events`` (faults, Sentinel events, role changes), ``roles``,
``nodes`` (final data per node), ``current_writer()`` (the primary a majority of the Sentinels
name at the end), ``end`` and ``kernel.events``. Times are seconds since the deployment was ready (the
scenario's time 0), on the event loop's monotonic clock. Everything stops on the way out -
normal end, error, Ctrl-C or SIGTERM - and a SIGKILL leaves the record ``state.clean_stale`` reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from itertools import count
from types import SimpleNamespace

from protolab.replication.history import History
from protolab.replication.live.clients import LiveClient
from protolab.replication.live.conn import ask, stop_if_cancelled
from protolab.replication.live.observer import Observer
from protolab.sim.quantiles import Quantiles

TICK = 0.25  # progress granularity, seconds
SETTLE_S = 5.0  # at the end: how long the final reads and the Sentinels' agreement may take
PHASE = 1.0  # Sentinel's PING period: time 0 falls at a seeded random point within it (see execute)


class LiveNode:
    """A data node's state at the end of the run, as ``metrics.analyze`` reads it."""

    def __init__(self, name: str, up: bool, role: str, items: set[int], lag: Quantiles | None = None) -> None:
        self.name, self.up, self.role, self.items = name, up, role, items
        self.lag = lag or Quantiles()  # measured by the proxies; none on an existing deployment

    def final_items(self) -> set[int]:
        return self.items

    def conflicts(self) -> dict[str, int]:
        return {}


class LiveRun:
    def __init__(self, scenario, deployment) -> None:
        self.scenario = scenario
        self.dep = deployment
        self.history = History()
        self.events: list[tuple] = []
        self.roles: list[tuple] = []
        self.nodes: dict[str, LiveNode] = {}
        self.clients: dict[str, LiveClient] = {}
        self.end = 0.0
        self.kernel = SimpleNamespace(events=0)
        self.master_name = deployment.master_name
        self.owners = deployment.owners
        self.writer: str | None = None
        self._wids = count(1)
        self._t0 = 0.0
        self.observer = Observer(self)

    # --- time and records ---------------------------------------------------------------------
    def now(self) -> float:
        return asyncio.get_running_loop().time() - self._t0

    async def sleep_until(self, t: float) -> None:
        delay = t - self.now()
        if delay > 0:
            await asyncio.sleep(delay)

    def next_wid(self) -> int:
        return next(self._wids)

    def event(self, source: str, kind: str, detail: str = "", t: float | None = None) -> None:
        self.events.append((round(self.now() if t is None else t, 6), source, kind, detail))

    def key(self, k: int) -> str:
        """The list a write to key ``k`` appends its id to."""
        return f"{self.dep.key_prefix}k{k}"

    def process_died(self, name: str) -> None:
        if name in self.dep.data_nodes():
            self.observer.set_role(name, "down")

    # --- the deployment, as clients and the observer see it -------------------------------------
    def data_names(self) -> list[str]:
        return self.dep.data_nodes()

    def sentinel_names(self) -> list[str]:
        return self.dep.sentinels()

    def port_of(self, name: str, client: str | None = None) -> int:
        return self.dep.port_for(client, name) if client else self.dep.public_port(name)

    def private_port(self, name: str) -> int:
        return self.dep.servers[name].private

    def name_of_addr(self, ip: str, port: int) -> str | None:
        return self.dep.name_of_port(port) if ip in ("127.0.0.1", "localhost") else None

    def process_alive(self, name: str) -> bool:
        return self.dep.alive(name)

    def initial_writer(self) -> str:
        return self.dep.data_nodes()[0]

    async def _votes(self, timeout: float) -> dict[str, int]:
        """primary name -> how many Sentinels name it (those that answer within ``timeout``)."""

        async def one(s: str) -> str | None:
            with contextlib.suppress(Exception):
                reply = await ask(self.private_port(s), "SENTINEL", "get-master-addr-by-name", self.master_name,
                                  timeout=timeout)
                return self.name_of_addr(reply[0], int(reply[1]))
            return None

        votes: dict[str, int] = {}
        for name in await asyncio.gather(*(one(s) for s in self.sentinel_names())):
            if name is not None:
                votes[name] = votes.get(name, 0) + 1
        return votes

    async def named_primary(self, timeout: float = 0.3) -> str | None:
        """The primary most live Sentinels name (ties: the lower name), None without Sentinels."""
        votes = await self._votes(timeout)
        return min(votes, key=lambda n: (-votes[n], n)) if votes else None

    async def agreed_primary(self) -> str | None:
        """The primary a majority of the Sentinels name, asked again until they agree or SETTLE_S pass;
        None if they never do. Right after a heal the cut-off Sentinel still names the old primary, and
        on a loaded machine the others may answer late: a minority must not decide what counts as lost."""
        need = len(self.sentinel_names()) // 2 + 1
        deadline = asyncio.get_running_loop().time() + SETTLE_S
        while True:
            votes = await self._votes(timeout=2.0)
            best = min(votes, key=lambda n: (-votes[n], n)) if votes else None
            if best is not None and votes[best] >= need:
                return best
            if asyncio.get_running_loop().time() >= deadline:
                return None
            await asyncio.sleep(0.2)

    async def current_primary(self) -> str | None:
        primaries = sorted(n for n, r in self.observer.current.items() if r == "primary")
        if len(primaries) <= 1:
            return primaries[0] if primaries else None
        named = await self.named_primary()
        return named if named in primaries else primaries[0]

    def current_writer(self) -> LiveNode | None:
        return self.nodes.get(self.writer) if self.writer else None

    # --- the run -------------------------------------------------------------------------------
    async def execute(self, nemesis_factory, advance=None) -> None:
        sc = self.scenario
        end = sc.end_time()
        await self.dep.start()
        await self.dep.ready()
        # Sentinels ping each node once a second from when they started; how long after a fault the
        # first unanswered PING goes out depends on where the fault falls in that cycle. Starting
        # the clock at a random point of the cycle makes repeats sample it instead of one phase.
        await asyncio.sleep(random.Random(sc.seed).uniform(0, PHASE))
        self._t0 = asyncio.get_running_loop().time()
        for name in self.data_names():  # the roles at time 0 (no timeline event, as in the simulator)
            role = await self.observer.role_of(name)
            self.observer.current[name] = role or "down"
            self.roles.append((0.0, name, role or "down", None))
        self.observer.start()
        nemesis = nemesis_factory(self)
        nemesis.start(sc.faults, end)
        self.clients = {c.name: LiveClient(self, c) for c in sc.clients}
        drivers = [asyncio.ensure_future(c.drive()) for c in self.clients.values()]
        try:
            t = 0.0
            while t < end:
                t = min(end, t + TICK)
                await self.sleep_until(t)
                if advance is not None:
                    advance(TICK)
        finally:
            for d in drivers:
                d.cancel()
            await asyncio.gather(*drivers, return_exceptions=True)
            for c in self.clients.values():
                await c.close()
            await nemesis.stop()
        self.end = end
        await self.collect()
        await self.observer.stop()
        self.events.sort(key=lambda e: e[0])

    async def _final_role(self, name: str) -> str | None:
        """The node's role, asked again for up to SETTLE_S while a live process does not answer: a node
        taken for down has no data, and if it is the primary the Sentinels name, every write it
        acknowledged would look lost."""
        deadline = asyncio.get_running_loop().time() + SETTLE_S
        while (role := await self.observer.role_of(name)) is None and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.2)
        return role

    async def _final_items(self, name: str, keys: int) -> set[int] | None:
        """Every item of the node's lists; None when they cannot be read within SETTLE_S (a node that
        is loading a full resync answers LOADING; a loaded machine answers late). A key that failed
        to read must never count as empty: its writes would look lost."""
        deadline = asyncio.get_running_loop().time() + SETTLE_S
        while True:
            try:
                items: set[int] = set()
                for k in range(keys):
                    items |= {int(v) for v in await ask(self.private_port(name), "LRANGE", self.key(k), 0, -1,
                                                        timeout=2.0)}
                return items
            except Exception:  # noqa: BLE001 - LOADING, timeout, reset: ask again
                stop_if_cancelled()
                if asyncio.get_running_loop().time() >= deadline:
                    return None
                await asyncio.sleep(0.2)

    async def collect(self) -> None:
        """The final data of every node (read directly), and the primary the Sentinels name."""
        keys = max((c.keys for c in self.scenario.clients), default=1)
        for name in self.data_names():
            role = await self._final_role(name)
            items = await self._final_items(name, keys) if role not in (None, "down") else None
            if items is None and role not in (None, "down"):
                self.event("lab", "unreadable", f"{name}'s final data could not be read: counted as down")
            self.nodes[name] = LiveNode(name, items is not None, role or "down", items or set(),
                                        getattr(self.dep, "lags", {}).get(name))
        # The reference state decides what counts as lost, so the Sentinels get time to agree here.
        named = await self.agreed_primary() if self.sentinel_names() else None
        primaries = [n for n, node in self.nodes.items() if node.up and node.role == "primary"]
        self.writer = named if named in primaries else self.newest_primary(primaries)

    def newest_primary(self, primaries: list[str]) -> str | None:
        """Of several primaries, the one promoted last: the one Sentinel has moved the clients to."""
        became = {name: t for t, name, role, _term in self.roles if role == "primary" and name in primaries}
        return max(sorted(primaries), key=lambda n: became.get(n, 0.0)) if primaries else None
