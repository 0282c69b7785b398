"""A loopback TCP relay for interop tests: it forwards one connection between a real client and a real server on
127.0.0.1 and records both directions' bytes in the order they crossed, so a test can make a capture of a
real peer's connection without tcpdump (no privileges) and replay it through `tls decode` and tshark."""

from __future__ import annotations

import select
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Relay:
    port: int  # where the client connects
    chunks: list[tuple[bool, bytes]] = field(default_factory=list)  # (from_client, bytes), in crossing order
    thread: threading.Thread | None = None

    def join(self, timeout: float = 10) -> None:
        if self.thread is not None:
            self.thread.join(timeout)

    def write_pcap(self, path: Path) -> Path:
        """The recorded bytes as an Ethernet/IPv4/TCP capture (each chunk one or more segments)."""
        from protolab.capture.tcpsynth import TcpFlow
        from protolab.capture.writer import LINKTYPE_ETHERNET, PcapWriter

        flow = TcpFlow(client=("10.0.0.1", 50123), server=("10.0.0.2", 443), seed=0)
        frames = flow.handshake()
        for from_client, data in self.chunks:
            frames += flow.send(from_client=from_client, payload=data, ack=True)
        frames += flow.close()
        with open(path, "wb") as f, PcapWriter(f, linktype=LINKTYPE_ETHERNET) as w:
            for i, frame in enumerate(frames):
                w.write(frame, 1_767_225_600 * 10**9 + i * 1_000_000)
        return path


def start_relay(upstream_port: int, timeout: float = 10) -> Relay:
    """Listen on a free 127.0.0.1 port; relay the first connection to 127.0.0.1:upstream_port until both close."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    relay = Relay(listener.getsockname()[1])

    def run() -> None:
        with listener:
            listener.settimeout(timeout)
            try:
                down, _ = listener.accept()
            except OSError:
                return
            with down, socket.create_connection(("127.0.0.1", upstream_port), timeout=timeout) as up:
                peer = {down: up, up: down}
                open_ends = {down, up}
                while open_ends:
                    ready, _, _ = select.select(list(open_ends), [], [], timeout)
                    if not ready:
                        return
                    for sock in ready:
                        try:
                            data = sock.recv(65536)
                        except OSError:
                            data = b""
                        if not data:
                            open_ends.discard(sock)
                            try:
                                peer[sock].shutdown(socket.SHUT_WR)
                            except OSError:
                                pass
                            continue
                        relay.chunks.append((sock is down, data))
                        try:
                            peer[sock].sendall(data)
                        except OSError:
                            open_ends.discard(sock)

    relay.thread = threading.Thread(target=run, daemon=True)
    relay.thread.start()
    return relay
