"""redis-py connections as the live backend uses them: no retries, ever, and a known owner.

``connection(port, ...)`` is a plain redis-py asyncio ``Connection`` whose retry policy is zero
retries (a write that timed out is recorded as unknown, never re-sent). With ``owner`` set the
socket is created here, and its inode registered as that endpoint's before it connects, so the
proxy it reaches knows which host it comes from.
"""

from __future__ import annotations

import asyncio
import inspect
import socket

from redis.asyncio.connection import AbstractConnection, Connection
from redis.asyncio.retry import Retry  # the asyncio one: redis-py converts a sync Retry, with a UserWarning
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError

try:
    from asyncio import timeout as async_timeout
except ImportError:  # Python 3.10
    from async_timeout import timeout as async_timeout  # type: ignore[no-redef]


class HostConnection(Connection):
    """A connection made from a given endpoint (its socket inode is registered with ``owners``)."""

    def __init__(self, *, owner: str, owners, **kwargs) -> None:
        super().__init__(**kwargs)
        self.owner, self.owners = owner, owners

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind(("127.0.0.1", 0))  # the local port is known (and registered) before connecting
            self.owners.register_socket(sock, self.owner)
            async with async_timeout(self.socket_connect_timeout):
                await loop.sock_connect(sock, (self.host, self.port))
            self._reader, self._writer = await asyncio.open_connection(sock=sock)
        except BaseException:
            sock.close()
            raise


def stop_if_cancelled() -> None:
    """Re-raise a cancellation that was lost on the way. redis-py can turn a CancelledError met inside a
    socket operation into a connection or timeout error, or swallow it (disconnect); a loop that
    catches errors and retries would then never end (a stop that waits for it hangs, Ctrl-C is
    ignored). Python 3.11+ counts pending cancellations on the task, so a retry loop that calls this
    on every turn ends anyway."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    if cancelling is not None and cancelling():
        raise asyncio.CancelledError


# Nothing is sent on connect: no CLIENT SETINFO (redis-py >= 7 calls the switch driver_info, older
# ones lib_name/lib_version) and RESP2 (no HELLO round trip).
_QUIET = ({"driver_info": None} if "driver_info" in inspect.signature(AbstractConnection.__init__).parameters
          else {"lib_name": None, "lib_version": None})


def connection(port: int, *, timeout: float, owner: str | None = None, owners=None) -> Connection:
    kwargs = dict(host="127.0.0.1", port=port, socket_timeout=timeout, socket_connect_timeout=timeout,
                  retry=Retry(NoBackoff(), 0), retry_on_timeout=False, retry_on_error=[], protocol=2,
                  decode_responses=True, **_QUIET)
    if owner is not None:
        return HostConnection(owner=owner, owners=owners, **kwargs)
    return Connection(**kwargs)


async def call(conn: Connection, *commands: tuple) -> list:
    """Send commands in one round trip; the replies in order (an error reply is its ResponseError)."""
    await conn.send_packed_command(conn.pack_commands(commands))
    replies = []
    for _ in commands:
        try:
            replies.append(await conn.read_response())
        except ResponseError as exc:
            replies.append(exc)
    return replies


async def ask(port: int, *command, timeout: float = 0.5):
    """One command on a short-lived direct connection (setup and observation, never through a proxy)."""
    conn = connection(port, timeout=timeout)
    try:
        await conn.connect()
        reply = (await call(conn, command))[0]
    finally:
        await conn.disconnect()
    if isinstance(reply, ResponseError):
        raise reply
    return reply
