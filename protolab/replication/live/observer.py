"""Watching a live deployment from outside its network: roles and Sentinel events, with times.

The observer talks to the servers' private ports directly (never through a proxy: a partition
cuts the deployment, not the lab's view of it). It polls ``ROLE`` on every data node every 50 ms
and records each change as the simulator does (``roles``: time, node, role, term; plus a
``role`` event after time 0), and subscribes to every Sentinel's event channels, keeping the
events the simulator's timeline shows (``SENTINEL_EVENTS``), with addresses turned into names.
"""

from __future__ import annotations

import asyncio
import contextlib
import re

from protolab.replication.live.conn import call, connection, stop_if_cancelled

ROLE_PERIOD = 0.05
ROLE_NAMES = {"master": "primary", "slave": "replica", "sentinel": "sentinel"}
# Sentinel's event channels -> the simulator's event kinds (the rest, e.g. +slave, +sentinel, is noise)
SENTINEL_EVENTS = {
    "+sdown": "+sdown", "-sdown": "-sdown", "+odown": "+odown", "-odown": "-odown",
    "+new-epoch": "+new-epoch", "+try-failover": "+try-failover", "+elected-leader": "+elected-leader",
    "+selected-slave": "+selected-slave", "+promoted-slave": "+promoted-slave",
    "+failover-end": "+failover-end", "+failover-end-for-timeout": "+failover-end",
    "+switch-master": "+switch-master", "+convert-to-slave": "+convert-to-slave",
    "+fix-slave-config": "+fix-slave-config",
    "-failover-abort-not-elected": "-failover-abort-not-elected",
    "-failover-abort-no-good-slave": "-failover-abort-no-good-slave",
    "-failover-abort-slave-timeout": "-failover-abort-slave-timeout",
}
MASTER_ONLY = {"+sdown", "-sdown"}  # the simulator reports these for the primary only
_ADDR = re.compile(r"(\d+\.\d+\.\d+\.\d+)[: ](\d+)")


class Observer:
    def __init__(self, run) -> None:
        self.run = run
        self.current: dict[str, str] = {}
        self.conns: dict = {}
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        for name in self.run.data_names():
            self.tasks.append(asyncio.ensure_future(self._poll_role(name)))
        for name in self.run.sentinel_names():
            self.tasks.append(asyncio.ensure_future(self._events(name)))

    async def stop(self) -> None:
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for conn in self.conns.values():
            await conn.disconnect()
        self.conns.clear()

    def set_role(self, name: str, role: str) -> None:
        if self.current.get(name) == role:
            return
        self.current[name] = role
        t = self.run.now()
        self.run.roles.append((t, name, role, None))
        if t > 0 and role != "down":
            self.run.event(name, "role", role, t)

    async def role_of(self, name: str) -> str | None:
        """The node's role now; "down" when its process is gone, None when it does not answer."""
        conn = self.conns.get(name)
        if conn is None:
            conn = self.conns[name] = connection(self.run.private_port(name), timeout=0.3)
        try:
            reply = (await call(conn, ("ROLE",)))[0]
        except (OSError, ConnectionError, asyncio.TimeoutError, Exception):  # noqa: BLE001
            stop_if_cancelled()
            await conn.disconnect()
            return None if self.run.process_alive(name) else "down"
        if isinstance(reply, Exception):
            return None
        return ROLE_NAMES.get(reply[0], reply[0])

    async def _poll_role(self, name: str) -> None:
        while True:
            role = await self.role_of(name)
            if role is not None:
                self.set_role(name, role)
            stop_if_cancelled()  # a cancellation redis-py swallowed (e.g. in disconnect) still counts
            await asyncio.sleep(ROLE_PERIOD)

    async def _events(self, sentinel: str) -> None:
        from redis.asyncio import Redis

        while True:
            stop_if_cancelled()
            client = Redis(host="127.0.0.1", port=self.run.private_port(sentinel), decode_responses=True,
                           socket_connect_timeout=0.5)
            pubsub = client.pubsub()
            try:
                await pubsub.psubscribe("*")
                async for msg in pubsub.listen():
                    if msg.get("type") == "pmessage":
                        self._sentinel_event(sentinel, msg["channel"], msg["data"])
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - killed or paused Sentinel: reconnect (checked at the loop head)
                await asyncio.sleep(0.1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()

    def _sentinel_event(self, sentinel: str, channel: str, data: str) -> None:
        kind = SENTINEL_EVENTS.get(channel)
        if kind is None:
            return
        if kind in MASTER_ONLY and not data.startswith("master "):
            return
        self.run.event(sentinel, kind, self.describe(kind, data))

    def describe(self, kind: str, data: str) -> str:
        """Sentinel's event text with addresses as node names, in the simulator's words."""
        data = data.split(" @ ")[0]

        def name(m) -> str:
            return self.run.name_of_addr(m.group(1), int(m.group(2))) or m.group(0)

        text = _ADDR.sub(name, data)
        words = [w for w in text.split() if w != self.run.master_name]
        if kind == "+switch-master" and len(words) == 2:
            return f"{words[0]} -> {words[1]}"
        out = []
        for w in words:  # "slave n2 n2" (name and address) -> "n2"
            w = {"master": "primary", "slave": "replica"}.get(w, w)
            if not out or out[-1] != w:
                out.append(w)
        return " ".join(out)
