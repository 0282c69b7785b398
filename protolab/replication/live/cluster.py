"""A local deployment for one scenario: data nodes n1..nN and Sentinels s1..sK on 127.0.0.1.

``LocalCluster`` places endpoints on hosts as the simulator does (a Sentinel sI shares the host of
node n((I-1) mod N + 1), a client the host of the node it is ``near``), writes each server's
configuration (``config.py``), starts the servers through the ``ProcessManager`` and puts a proxy
(``proxy.py``) in front of each; a client reaches a server on its own host directly (as in the
simulator, a host is never cut from itself and its loopback adds no latency). ``ready()`` waits
until replication links are up and every Sentinel knows every replica and Sentinel; the run's
clock starts after that. The operations the faults need (kill, stop, continue, restart) live here.
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from protolab.errors import CheckFailed
from protolab.replication.live import config
from protolab.replication.live.conn import ask, stop_if_cancelled
from protolab.replication.live.owners import Owners
from protolab.replication.live.procs import ProcessManager, find_tool, free_ports
from protolab.replication.live.proxy import NetState, Proxy
from protolab.replication.network import LOOPBACK
from protolab.sim.quantiles import Quantiles

READY_TIMEOUT = 20.0


@dataclass
class Server:
    name: str
    kind: str  # "data" | "sentinel"
    host: str
    public: int
    private: int
    argv: list[str]


def link_latency(scenario, host: dict[str, str]):
    """(src host, dst host) -> LinkSpec, as the simulator resolves them (links name endpoints)."""
    specs = {}
    for link in scenario.links:
        a, b = host.get(link.a, link.a), host.get(link.b, link.b)
        specs[(a, b)] = link.spec
        if not link.one_way:
            specs[(b, a)] = link.spec
    return lambda a, b: LOOPBACK if a == b else specs.get((a, b), scenario.network)


def hosts(scenario) -> dict[str, str]:
    """endpoint name -> host name (the simulator's placement)."""
    names = scenario.node_names()
    out = {n: n for n in names}
    for i in range(scenario.sentinel.count):
        out[f"s{i + 1}"] = names[i % len(names)]
    for c in scenario.clients:
        out[c.name] = c.near or c.name
    return out


class LocalCluster:
    def __init__(self, scenario, procs: ProcessManager) -> None:
        self.scenario = scenario
        self.procs = procs
        self.owners = Owners()
        self.host = hosts(scenario)
        self.net = NetState(link_latency(scenario, self.host), scenario.seed)
        self.servers: dict[str, Server] = {}
        self.proxies: dict[str, Proxy] = {}
        self.master_name = config.MASTER_NAME
        self.key_prefix = "protolab:"
        self.lags: dict[str, Quantiles] = {}  # replica -> replication lag samples (the proxies fill them)

    def lag_of(self, server: str, client: str) -> Quantiles | None:
        """The replication lag samples of ``client`` when it is a data node reading ``server``'s stream."""
        nodes = self.data_nodes()
        if server in nodes and client in nodes:
            return self.lags.setdefault(client, Quantiles())
        return None

    def host_of(self, name: str | None) -> str:
        return self.host.get(name, name or "?")

    def public_port(self, name: str) -> int:
        return self.servers[name].public

    def port_for(self, client: str, name: str) -> int:
        """Where a client connects: the proxy, or the server itself when they share a host (a
        proxy there would only add its own delay: nothing cuts a host from itself)."""
        s = self.servers[name]
        return s.private if self.host_of(client) == s.host else s.public

    def name_of_port(self, port: int) -> str | None:
        for s in self.servers.values():
            if s.public == port or s.private == port:
                return s.name
        return None

    def data_nodes(self) -> list[str]:
        return self.scenario.node_names()

    def sentinels(self) -> list[str]:
        return [f"s{i + 1}" for i in range(self.scenario.sentinel.count)]

    # --- start / stop ------------------------------------------------------------------------
    async def start(self) -> None:
        sc = self.scenario
        server_bin = find_tool("redis-server")
        sentinel_bin = find_tool("redis-sentinel") if sc.sentinel.count else None
        names = self.data_nodes() + self.sentinels()
        ports = free_ports(2 * len(names))
        for i, name in enumerate(names):
            kind = "data" if name.startswith("n") else "sentinel"
            self.servers[name] = Server(name, kind, self.host[name], ports[2 * i], ports[2 * i + 1], [])
        root: Path = self.procs.root
        n1 = self.servers[self.data_nodes()[0]].public
        for name in names:
            s = self.servers[name]
            directory = root / name
            directory.mkdir()
            conf = directory / ("redis.conf" if s.kind == "data" else "sentinel.conf")
            if s.kind == "data":
                text = config.data_node(private=s.private, public=s.public, directory=str(directory), scenario=sc,
                                        master_public=None if name == self.data_nodes()[0] else n1)
                s.argv = [server_bin, str(conf)]
            else:
                text = config.sentinel(
                    name=name, private=s.private, public=s.public, directory=str(directory), scenario=sc,
                    master_public=n1, replicas_public=[self.servers[n].public for n in self.data_nodes()[1:]],
                    peers=[(p, self.servers[p].public) for p in self.sentinels() if p != name])
                s.argv = [sentinel_bin, str(conf)]
            conf.write_text(text)
        for name in names:
            s = self.servers[name]
            self.proxies[name] = Proxy(name, s.public, s.private, self.host_of, self.net, self.owners, self.lag_of)
            await self.proxies[name].listen()
        for name in self.data_nodes() + self.sentinels():  # data nodes first: Sentinels find them up
            self.spawn(name)

    def spawn(self, name: str) -> None:
        proc = self.procs.spawn(name, self.servers[name].argv)
        self.owners.pids = {p.pid: n for n, p in self.procs.procs.items()}
        return proc

    async def close(self) -> None:
        for proxy in self.proxies.values():
            await proxy.close()

    async def ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Wait until every replica is linked and every Sentinel knows the whole deployment."""
        deadline = time.monotonic() + timeout
        last = "servers did not start"
        while time.monotonic() < deadline:
            for name in list(self.servers):
                if not self.procs.alive(name):
                    log = (self.procs.root / f"{name}.log").read_text(errors="replace").strip().splitlines()
                    raise CheckFailed(f"{name} exited at start: {log[-1] if log else 'no log'}")
            try:
                last = await self._not_ready()
            except (OSError, ConnectionError, asyncio.TimeoutError, Exception) as exc:  # noqa: BLE001
                last = f"{type(exc).__name__}: {exc}"
            if last is None:
                return
            stop_if_cancelled()
            await asyncio.sleep(0.05)
        raise CheckFailed(f"the live deployment was not ready after {timeout:g} s: {last}")

    async def _not_ready(self) -> str | None:
        for name in self.data_nodes()[1:]:
            info = await ask(self.servers[name].private, "INFO", "replication")
            if "master_link_status:up" not in info:
                return f"{name} is not linked to its primary yet"
        want_replicas = len(self.data_nodes()) - 1
        for name in self.sentinels():
            port = self.servers[name].private
            m = pairs(await ask(port, "SENTINEL", "MASTER", self.master_name))
            if m.get("flags") != "master" or int(m.get("num-slaves", 0)) != want_replicas or \
                    int(m.get("num-other-sentinels", 0)) != len(self.sentinels()) - 1:
                return f"{name} does not know the deployment yet: {m.get('flags')}, {m.get('num-slaves')} replicas"
            for r in await ask(port, "SENTINEL", "REPLICAS", self.master_name):
                flags = pairs(r).get("flags", "")
                if flags != "slave":
                    return f"{name} sees a replica as {flags}"
            for r in await ask(port, "SENTINEL", "SENTINELS", self.master_name):
                flags = pairs(r).get("flags", "")
                if flags != "sentinel":
                    return f"{name} sees a Sentinel as {flags}"
        return None

    # --- what faults do to processes ---------------------------------------------------------
    async def kill(self, name: str) -> None:
        self.procs.kill(name)
        await self.proxies[name].refuse()
        for proxy in self.proxies.values():
            proxy.purge_from(name)

    async def restart(self, name: str) -> None:
        self.spawn(name)
        await self.proxies[name].listen()

    def stop(self, name: str) -> None:
        self.procs.signal(name, signal.SIGSTOP)

    def cont(self, name: str) -> None:
        self.procs.signal(name, signal.SIGCONT)

    def alive(self, name: str) -> bool:
        return self.procs.alive(name)


def pairs(flat) -> dict:
    """A Sentinel reply as a dict (redis-py hands over flat [k, v, ...] lists or dicts)."""
    return dict(zip(flat[::2], flat[1::2], strict=False)) if isinstance(flat, list) else dict(flat)
