"""The scenario's faults, done for real on a local deployment (a registry: fault kind -> action).

    crash      SIGKILL; the proxy refuses connections and drops what the process had sent but
               the network had not delivered; ``for D``: the same process starts again after D
    restart    start the server again with its configuration (Sentinel's rewrites included)
    pause      SIGSTOP, then SIGCONT at the end (a client: it issues nothing meanwhile)
    partition / delay / loss   the proxies' state (``proxy.NetState``), from the same
               ``faults.blocked_pairs`` the simulator uses, undone at the end
    skew       not possible on a real process without a clock-faking library: skipped, said so
``primary`` is resolved when the fault fires: the node in the primary role that the Sentinels
name (the observer's latest view). The timeline gets the simulator's nemesis events.
"""

from __future__ import annotations

import asyncio

from protolab.replication.faults import Fault, blocked_pairs

SKIPPED = {"skew": "a real process's clock cannot be skewed without a clock-faking library"}


class LocalNemesis:
    def __init__(self, run, cluster) -> None:
        self.run = run
        self.cluster = cluster
        self.active: list[Fault] = []
        self.tasks: list[asyncio.Task] = []
        self.actions = {"crash": self.crash, "restart": self.restart, "pause": self.pause,
                        "partition": self.network, "delay": self.network, "loss": self.network}

    def start(self, faults: list[Fault], end: float) -> None:
        for fault in faults:
            if fault.at <= end:
                self.tasks.append(asyncio.ensure_future(self._at(fault.at, fault, "start")))

    async def _at(self, t: float, fault: Fault, phase: str) -> None:
        await self.run.sleep_until(t)
        await self.apply(fault, phase)

    def later(self, t: float, fault: Fault, phase: str) -> None:
        self.tasks.append(asyncio.ensure_future(self._at(t, fault, phase)))

    async def stop(self) -> None:
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for name in self.cluster.servers:  # nothing stays stopped
            self.cluster.cont(name)

    async def apply(self, fault: Fault, phase: str) -> None:
        if fault.kind in SKIPPED:
            self.run.event("nemesis", "fault-skipped", f"{fault.text}: {SKIPPED[fault.kind]}")
            return
        await self.actions[fault.kind](fault, phase)

    async def _targets(self, fault: Fault) -> list[str] | None:
        out = []
        for name in fault.targets:
            if name == "primary":
                name = await self.run.current_primary()
                if name is None:
                    self.run.event("nemesis", "fault-skipped", f"{fault.text}: there is no primary right now")
                    return None
            out.append(name)
        return out

    # --- processes -----------------------------------------------------------------------------
    async def crash(self, fault: Fault, phase: str) -> None:
        names = fault.targets if phase == "end" else await self._targets(fault)
        for name in names or []:
            if phase == "start":
                t = self.run.now()  # the fault's time is the kill's, before the role change it causes
                if name in self.run.clients:
                    self.run.clients[name].crashed = True
                elif self.cluster.alive(name):
                    await self.cluster.kill(name)
                    self.run.process_died(name)
                else:
                    continue
                self.run.event("nemesis", "crash", name, t)
                if fault.until is not None:
                    self.later(fault.until, Fault("crash", fault.text, fault.at, fault.until, [name]), "end")
            else:
                await self._restart(name)

    async def restart(self, fault: Fault, phase: str) -> None:
        for name in await self._targets(fault) or []:
            await self._restart(name)

    async def _restart(self, name: str) -> None:
        if name in self.run.clients:
            self.run.clients[name].crashed = False
        elif not self.cluster.alive(name):
            await self.cluster.restart(name)
        else:
            return
        self.run.event("nemesis", "restart", name)

    async def pause(self, fault: Fault, phase: str) -> None:
        if phase == "end":
            for name in fault.targets:
                if name not in self.run.clients:
                    self.cluster.cont(name)
            return
        names = await self._targets(fault)
        for name in names or []:
            if name in self.run.clients:
                self.run.clients[name].paused_until = fault.until
            else:
                self.cluster.stop(name)
            self.run.event("nemesis", "pause", f"{name} for {fault.until - fault.at:g}s")
        if names:
            self.later(fault.until, Fault("pause", fault.text, fault.at, fault.until, names), "end")

    # --- the network ---------------------------------------------------------------------------
    async def network(self, fault: Fault, phase: str) -> None:
        words = " ".join(fault.text.split()[1:])
        if phase == "start":
            self.active.append(fault)
            self.run.event("nemesis", fault.kind, words)
            self.later(fault.until, fault, "end")
        else:
            self.active.remove(fault)
            self.run.event("nemesis", "heal" if fault.kind == "partition" else f"end-{fault.kind}", words)
        blocked: set = set()
        delay: dict = {}
        loss: dict = {}
        for f in self.active:
            pairs = blocked_pairs(f, self.cluster.host_of)
            if f.kind == "partition":
                blocked |= pairs
            for pair in pairs:
                if f.kind == "delay":
                    delay[pair] = delay.get(pair, 0.0) + f.amount
                elif f.kind == "loss":
                    loss[pair] = max(loss.get(pair, 0.0), f.amount)
        self.cluster.net.set(blocked, delay, loss)
