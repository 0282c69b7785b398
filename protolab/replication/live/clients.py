"""The load: clients writing at a fixed rate through redis-py, recording the simulator's history.

Theory of operation
-------------------
A client is open loop, as the simulator's: write ``i`` is invoked at ``start + i / rate`` whatever
happened to the earlier ones, each on an idle connection of the client's own (a new one when all
are busy). A write is ``RPUSH protolab:k<key> <write id>`` (plus ``WAIT n timeout`` in the same
round trip when the mode waits for replicas), sent to the node the client believes is the primary
(through that node's proxy, as coming from the client's host; directly when they share the host).
Its completion, by what the client can know:
- ok: RPUSH answered (and WAIT reached n replicas);
- fail (certainly not applied): the connection was refused or never established, or the server
  answered an error (READONLY, NOREPLICAS, ...);
- info (unknown): timeout, connection reset or closed after sending, WAIT short of n replicas.
Nothing is retried (redis-py with zero retries). After any trouble the client asks every Sentinel
(``SENTINEL get-master-addr-by-name``) and follows the first answer, as the simulator's client
does; one question at a time, forgotten after 0.5 s without an answer.
"""

from __future__ import annotations

import asyncio

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from protolab.replication.history import FAIL, INFO, INVOKE, OK
from protolab.replication.live.conn import call, connection

ASK_TIMEOUT = 0.5


class LiveClient:
    def __init__(self, run, spec) -> None:
        self.run = run
        self.spec = spec
        self.name = spec.name
        self.target: str | None = run.initial_writer()
        self.idle: dict[str, list] = {}
        self.asking = False
        self.crashed = False
        self.paused_until = 0.0
        self.tasks: set[asyncio.Task] = set()

    def _conn(self, port: int, timeout: float):
        return connection(port, timeout=timeout, owner=self.name, owners=self.run.owners)

    async def drive(self) -> None:
        spec, run = self.spec, self.run
        for i in range(spec.writes):
            await run.sleep_until(spec.start + i / spec.rate)
            if self.paused_until > run.now():
                await run.sleep_until(self.paused_until)
            if self.crashed:
                continue
            wid = run.next_wid()
            task = asyncio.ensure_future(self.write(wid, i % spec.keys))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        if self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def write(self, wid: int, key: int) -> None:
        run, record = self.run, self.run.history.add
        node = self.target
        if node is None:
            now = run.now()
            record(now, self.name, INVOKE, "write", key, wid, "-")
            record(now, self.name, FAIL, "write", key, wid, "-", "no-writer")
            self.trouble()
            return
        record(run.now(), self.name, INVOKE, "write", key, wid, node)
        commands = [("RPUSH", run.key(key), wid)]
        acks = run.scenario.replication.ack_replicas
        if acks:
            commands.append(("WAIT", acks, max(1, round(run.scenario.replication.wait_timeout * 1000))))
        pool = self.idle.setdefault(node, [])
        conn = pool.pop() if pool else None
        if conn is None:
            conn = self._conn(run.port_of(node, self.name), self.spec.timeout)
            try:
                await conn.connect()
            except asyncio.CancelledError:
                await conn.disconnect()
                raise
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                await conn.disconnect()
                kind = "timeout" if isinstance(exc, RedisTimeoutError) else "refused"
                record(run.now(), self.name, FAIL, "write", key, wid, node, kind)  # nothing was sent
                self.trouble()
                return
        try:
            replies = await call(conn, *commands)
        except asyncio.CancelledError:  # the run ended with this write in flight: close, not leak, its socket
            await conn.disconnect()
            raise
        except (RedisTimeoutError, asyncio.TimeoutError):
            await conn.disconnect()
            record(run.now(), self.name, INFO, "write", key, wid, node, "timeout")
            self.trouble()
            return
        except (RedisConnectionError, OSError):
            await conn.disconnect()
            record(run.now(), self.name, INFO, "write", key, wid, node, "reset")
            self.trouble()
            return
        pool.append(conn)
        if isinstance(replies[0], ResponseError):
            record(run.now(), self.name, FAIL, "write", key, wid, node, str(replies[0]).split()[0].lower())
            self.trouble()
        elif acks and (isinstance(replies[1], ResponseError) or replies[1] < acks):
            record(run.now(), self.name, INFO, "write", key, wid, node, "wait-timeout")
            self.trouble()
        else:
            record(run.now(), self.name, OK, "write", key, wid, node)

    # --- finding the primary -------------------------------------------------------------------
    def trouble(self) -> None:
        if self.asking or not self.run.sentinel_names():
            return
        self.asking = True
        task = asyncio.ensure_future(self._ask())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _ask(self) -> None:
        asks = [asyncio.ensure_future(self._ask_one(s)) for s in self.run.sentinel_names()]
        try:
            for fut in asyncio.as_completed(asks, timeout=ASK_TIMEOUT):
                name = await fut
                if name is not None:
                    self.target = name
                    return
        except asyncio.TimeoutError:
            pass
        finally:
            self.asking = False
            for a in asks:
                a.cancel()

    async def _ask_one(self, sentinel: str) -> str | None:
        """The primary ``sentinel`` names, None when it does not answer or names none."""
        run = self.run
        key = f"sentinel:{sentinel}"
        pool = self.idle.setdefault(key, [])
        conn = pool.pop() if pool else self._conn(run.port_of(sentinel, self.name), ASK_TIMEOUT)
        try:
            reply = (await call(conn, ("SENTINEL", "get-master-addr-by-name", run.master_name)))[0]
        except asyncio.CancelledError:
            await conn.disconnect()
            raise
        except Exception:  # noqa: BLE001 - timeout, reset, refused: this one does not answer
            await conn.disconnect()
            return None
        pool.append(conn)
        if isinstance(reply, ResponseError) or not reply:
            return None
        return run.name_of_addr(reply[0], int(reply[1]))

    async def close(self) -> None:
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # each closes its own connection on the way out
        for pool in self.idle.values():
            for conn in pool:
                await conn.disconnect()
        self.idle.clear()
