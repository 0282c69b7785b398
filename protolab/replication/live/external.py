"""An existing Sentinel-managed deployment: found through one Sentinel, disturbed only as its API allows.

Nothing is started and nothing goes through a proxy. ``ExternalDeployment`` asks the Sentinel for
the primary, its replicas and the other Sentinels (all must be on loopback: this lab never
touches another machine) and names them n1 (the primary), n2.. (replicas by port), s1 (the given
Sentinel), s2.. (the others by port). The load writes under a prefix of its own, checked unused
before and deleted after the run. Faults are limited to what the servers' commands can do:

    crash primary   -> SENTINEL FAILOVER (a forced failover: no process dies, no detection delay)
    pause NODE      -> DEBUG SLEEP (when the server has enable-debug-command), else CLIENT PAUSE ALL
Anything else (killing a process, partitions, delay, loss, skew) needs the local deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets

from protolab.errors import BadInput, CheckFailed
from protolab.replication.live.cluster import Server, pairs
from protolab.replication.live.conn import ask
from protolab.replication.live.owners import Owners

LOOPBACK_NAMES = {"127.0.0.1", "localhost"}  # this lab uses 127.0.0.1 only
ALLOWED = {"crash": "crash primary (done as SENTINEL FAILOVER)", "pause": "pause NODE (DEBUG SLEEP or CLIENT PAUSE)"}


def parse_addr(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise BadInput(f"--sentinel {text!r}: expected HOST:PORT, e.g. 127.0.0.1:26379")
    if host not in LOOPBACK_NAMES:
        raise BadInput(f"--sentinel {text!r}: only loopback deployments (127.0.0.1) are allowed")
    return "127.0.0.1", int(port)


def check_faults(scenario) -> None:
    for f in scenario.faults:
        ok = (f.kind == "crash" and f.targets == ["primary"] and f.until is None) or f.kind == "pause"
        if not ok:
            raise BadInput(f"fault {f.text!r} cannot be done on an existing deployment; possible there: "
                           f"{'; '.join(ALLOWED.values())}")


class ExternalDeployment:
    def __init__(self, scenario, sentinel: str, master: str) -> None:
        self.scenario = scenario
        self.sentinel_port = parse_addr(sentinel)[1]
        self.master_name = master
        self.owners = Owners()
        self.servers: dict[str, Server] = {}
        self.key_prefix = f"protolab:live:{secrets.token_hex(4)}:"

    # --- discovery -----------------------------------------------------------------------------
    async def start(self) -> None:
        port = self.sentinel_port
        try:
            addr = await ask(port, "SENTINEL", "get-master-addr-by-name", self.master_name, timeout=2.0)
        except (OSError, ConnectionError, asyncio.TimeoutError, Exception) as exc:  # noqa: BLE001
            raise BadInput(f"no Sentinel answers at 127.0.0.1:{port}: {exc}") from exc
        if not addr:
            raise BadInput(f"the Sentinel at 127.0.0.1:{port} monitors no master named {self.master_name!r}")
        replicas = [pairs(r) for r in await ask(port, "SENTINEL", "REPLICAS", self.master_name, timeout=2.0)]
        sentinels = [pairs(s) for s in await ask(port, "SENTINEL", "SENTINELS", self.master_name, timeout=2.0)]
        for what, ip in [("primary", addr[0])] + [("replica", r["ip"]) for r in replicas] + \
                [("Sentinel", s["ip"]) for s in sentinels]:
            if ip not in LOOPBACK_NAMES:
                raise BadInput(f"the deployment has a {what} at {ip}: only loopback deployments are allowed")
        data = [int(addr[1])] + sorted(int(r["port"]) for r in replicas if "s_down" not in r.get("flags", ""))
        sents = [port] + sorted(int(s["port"]) for s in sentinels)
        for i, p in enumerate(data):
            self.servers[f"n{i + 1}"] = Server(f"n{i + 1}", "data", "external", p, p, [])
        for i, p in enumerate(sents):
            self.servers[f"s{i + 1}"] = Server(f"s{i + 1}", "sentinel", "external", p, p, [])
        for f in self.scenario.faults:
            for name in f.targets:
                if name != "primary" and name not in self.servers:
                    raise BadInput(f"fault {f.text!r}: the deployment has {', '.join(self.servers)}")
        for k in range(max(c.keys for c in self.scenario.clients)):
            if await ask(data[0], "EXISTS", self.key_prefix + f"k{k}"):
                raise BadInput(f"key {self.key_prefix}k{k} exists already; not touching it")

    async def ready(self) -> None:
        try:
            await ask(self.servers["n1"].public, "PING", timeout=2.0)
        except Exception as exc:  # noqa: BLE001
            raise CheckFailed(f"the primary at 127.0.0.1:{self.servers['n1'].public} does not answer: {exc}") from exc

    async def close(self) -> None:
        """Delete the keys the load wrote (on whichever node is primary now)."""
        keys = [self.key_prefix + f"k{k}" for k in range(max(c.keys for c in self.scenario.clients))]
        for name in self.data_nodes():
            with contextlib.suppress(Exception):
                if (await ask(self.servers[name].public, "ROLE"))[0] == "master":
                    await ask(self.servers[name].public, "DEL", *keys)

    # --- the interface LiveRun uses ------------------------------------------------------------
    def data_nodes(self) -> list[str]:
        return [n for n, s in self.servers.items() if s.kind == "data"]

    def sentinels(self) -> list[str]:
        return [n for n, s in self.servers.items() if s.kind == "sentinel"]

    def public_port(self, name: str) -> int:
        return self.servers[name].public

    def port_for(self, client: str, name: str) -> int:
        return self.servers[name].public

    def name_of_port(self, port: int) -> str | None:
        return next((s.name for s in self.servers.values() if s.public == port), None)

    def alive(self, name: str) -> bool:
        return True  # not our processes: a node that does not answer is "unknown", never "down"

    def host_of(self, name: str | None) -> str:
        return "external"


class ExternalNemesis:
    def __init__(self, run, deployment: ExternalDeployment) -> None:
        self.run = run
        self.dep = deployment
        self.tasks: list[asyncio.Task] = []

    def start(self, faults, end: float) -> None:
        for fault in faults:
            if fault.at <= end:
                self.tasks.append(asyncio.ensure_future(self._at(fault)))

    async def stop(self) -> None:
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _at(self, fault) -> None:
        await self.run.sleep_until(fault.at)
        if fault.kind == "crash":
            primary = await self.run.current_primary()
            self.run.event("nemesis", "crash", f"{primary} (SENTINEL FAILOVER: the API kills nothing)")
            try:
                await ask(self.dep.sentinel_port, "SENTINEL", "FAILOVER", self.dep.master_name, timeout=2.0)
            except Exception as exc:  # noqa: BLE001
                self.run.event("nemesis", "fault-failed", f"SENTINEL FAILOVER: {exc}")
            return
        names = [await self.run.current_primary() if n == "primary" else n for n in fault.targets]
        seconds = fault.until - fault.at
        for name in names:
            if name is None:
                continue
            port = self.dep.public_port(name)
            self.tasks.append(asyncio.ensure_future(self._pause(name, port, seconds)))

    async def _pause(self, name: str, port: int, seconds: float) -> None:
        t = self.run.now()
        try:  # DEBUG SLEEP blocks the whole server, as SIGSTOP would; the reply comes when it wakes
            sleeper = asyncio.ensure_future(ask(port, "DEBUG", "SLEEP", f"{seconds:g}", timeout=seconds + 2))
            await asyncio.sleep(0.05)
            if sleeper.done() and sleeper.exception() is not None:
                raise sleeper.exception()
            self.run.event("nemesis", "pause", f"{name} for {seconds:g}s (DEBUG SLEEP)", t)
            with contextlib.suppress(Exception):
                await sleeper
        except Exception:  # noqa: BLE001 - DEBUG disabled: pause its clients instead
            await ask(port, "CLIENT", "PAUSE", round(seconds * 1000), "ALL")
            self.run.event("nemesis", "pause", f"{name} for {seconds:g}s (CLIENT PAUSE ALL)", t)
