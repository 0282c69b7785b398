"""TCP drivers for the sans-I/O engines: a client that connects to a real server, a server that accepts.

The drivers own the sockets and the clock and nothing else: they move bytes between a socket and an
engine (`data_to_send()` out, `receive()` in) until the handshake is done or failed, exchange one
request/reply of application data, then close with close_notify. Protocol failures stay in the engine's
steps; only what the engine cannot see (connection refused, timeouts, the peer hanging up) is handled
here, and turned into a failed step too (or BadInput when there was never a connection).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from protolab.errors import BadInput
from protolab.tls.engine import Config, Endpoint

DEFAULT_REPLY = (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                 b"hello from protolab tls serve\n")


@dataclass
class Session:
    """One connection as a driver saw it: the engine's steps and what came out of it."""

    role: str
    peer: str
    steps: list = field(default_factory=list)
    connected: bool = False
    error: str | None = None
    version: str = ""
    suite: str = ""
    ems: bool | None = None
    received: bytes = b""
    sent: bytes = b""
    keylog: str = ""
    secrets: dict = field(default_factory=dict)
    seed: int | None = None  # None: the OS CSPRNG
    etm: bool | None = field(default=None, metadata={"json_omit_none": True})  # None: not a CBC suite


def session_from(engine: Endpoint, peer: str, sent: bytes = b"") -> Session:
    version = {0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}.get(engine.version or 0, "")
    return Session(engine.role, peer, list(engine.steps), engine.handshake_done and engine.error is None,
                   engine.error, version,
                   engine.suite.name if engine.suite else "", engine.ems if engine.version == 0x0303 else None,
                   b"".join(engine.received), sent, engine.keylog.text(), dict(engine.secrets), engine.config.seed,
                   engine.etm_state)


def _flush(sock: socket.socket, engine: Endpoint) -> None:
    out = engine.data_to_send()
    if out:
        try:
            sock.sendall(out)
        except OSError:  # the peer is gone; the engine already knows or will learn at the next recv
            pass


def _pump(sock: socket.socket, engine: Endpoint, until: Callable[[], bool], timeout: float) -> None:
    """recv -> engine -> send until `until()` or the engine fails, the peer closes, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not until() and not engine.failed and engine.state != "CLOSED":
        left = deadline - time.monotonic()
        if left <= 0:
            if engine.state not in ("CONNECTED", "CLOSED"):
                engine.fail(f"no answer from the peer within {timeout:g} s (state {engine.state})", 40, "connection")
                _flush(sock, engine)
            return
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError as exc:
            data = b""
            engine.fail(f"connection error: {exc.strerror or exc}", 40, "connection")
        if not data:
            engine.eof()
            return
        engine.receive(data)
        _flush(sock, engine)


def connect(host: str, port: int, config: Config, request: bytes, timeout: float = 10.0,
            read_timeout: float = 2.0) -> Session:
    """Run the client engine against HOST:PORT: handshake, send `request`, read the reply, close."""
    from protolab.tls.client import TlsClient

    engine = TlsClient(config)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise BadInput(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None
    with sock:
        engine.start()
        _flush(sock, engine)
        _pump(sock, engine, lambda: engine.connected, timeout)
        if engine.connected:
            engine.send_data(request)
            _flush(sock, engine)
            # Read the reply until the server closes or stays quiet for read_timeout after answering.
            _read_reply(sock, engine, timeout, read_timeout)
            engine.close()
            _flush(sock, engine)
    return session_from(engine, f"{host}:{port}", request)


def _read_reply(sock: socket.socket, engine: Endpoint, timeout: float, quiet: float) -> None:
    deadline = time.monotonic() + timeout
    while engine.state == "CONNECTED" and time.monotonic() < deadline:
        got = sum(len(r) for r in engine.received)
        sock.settimeout(quiet if got else max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except TimeoutError:
            if got:
                return
            continue
        except OSError:
            return
        if not data:
            engine.eof()
            return
        engine.receive(data)
        _flush(sock, engine)


def listen(port: int = 0, host: str = "127.0.0.1") -> socket.socket:
    """A listening socket (port 0: a free one); BadInput when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OverflowError:
        sock.close()
        raise BadInput(f"port {port} is out of range (0-65535)") from None
    except OSError as exc:
        sock.close()
        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(4)
    return sock


def serve(sock: socket.socket, config: Config, count: int = 1, reply: bytes = DEFAULT_REPLY, timeout: float = 10.0,
          on_session: Callable[[Session], None] | None = None) -> list[Session]:
    """Accept `count` connections (0: until interrupted) on a listening socket, walking each handshake."""
    from dataclasses import replace

    from protolab.tls.server import TlsServer

    sessions: list[Session] = []
    n = 0
    with sock:
        while count == 0 or n < count:
            sock.settimeout(timeout if count else None)
            try:
                conn, addr = sock.accept()
            except TimeoutError:
                raise BadInput(f"no client connected within {timeout:g} s") from None
            engine = TlsServer(config if config.seed is None else replace(config, seed=config.seed + n))
            with conn:
                _pump(conn, engine, lambda e=engine: e.connected, timeout)
                sent = b""
                if engine.connected:
                    _pump(conn, engine, lambda e=engine: bool(e.received), timeout)
                    if engine.state == "CONNECTED":
                        engine.send_data(reply)
                        sent = reply
                        engine.close()
                        _flush(conn, engine)
            session = session_from(engine, f"{addr[0]}:{addr[1]}", sent)
            sessions.append(session)
            if on_session:
                on_session(session)
            n += 1
    return sessions
