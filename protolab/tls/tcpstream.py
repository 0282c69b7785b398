"""TCP reassembly for capture replay: packets in, one ordered byte stream per direction per connection out.

Theory of operation: every TCP segment is keyed by its unordered endpoint pair. The side that sent the SYN
(without ACK) is the client; without a SYN in the capture, the sender of the first payload is. A fresh SYN
on a pair whose earlier connection carried data starts a new connection (port reuse). Each direction keeps
payload by relative sequence number (from the ISN, or from the first segment seen), so retransmissions and
overlaps collapse and out-of-order segments land in place. `Direction.chunks()` then yields the contiguous
stream as (frame number, bytes) pieces in sequence order; a hole in the sequence space ends the stream there
and is reported as a gap, since the bytes after it cannot be framed reliably.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from protolab.capture.ip import ACK, FIN, RST, SYN, parse_ip
from protolab.capture.linklayer import locate
from protolab.capture.reader import open_capture

Endpoint = tuple[str, int]


@dataclass
class Direction:
    """One direction of a TCP connection: segments by offset from the initial sequence number."""

    isn: int | None = None  # sequence number of the first payload byte - 1 (the SYN's)
    segments: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # offset -> (frame, payload)
    fin: bool = False

    def add(self, seq: int, frame: int, payload: bytes) -> None:
        if self.isn is None:
            self.isn = (seq - 1) & 0xFFFFFFFF
        offset = (seq - self.isn - 1) & 0xFFFFFFFF
        old = self.segments.get(offset)
        if old is None or len(payload) > len(old[1]):  # keep the longest copy of a retransmission
            self.segments[offset] = (frame, payload)

    def chunks(self) -> tuple[list[tuple[int, bytes]], int | None]:
        """Contiguous (frame, new bytes) pieces from offset 0, and the offset of the first gap (None if none)."""
        out, pos = [], 0
        for offset in sorted(self.segments):
            frame, data = self.segments[offset]
            if offset > pos:
                return out, pos
            if offset + len(data) > pos:
                out.append((frame, data[pos - offset:]))
                pos = offset + len(data)
        return out, None

    def data(self) -> bytes:
        return b"".join(d for _, d in self.chunks()[0])


@dataclass
class TcpConnection:
    """A TCP connection seen in a capture."""

    index: int
    client: Endpoint
    server: Endpoint
    first_frame: int
    saw_syn: bool = False
    to_server: Direction = field(default_factory=Direction)
    to_client: Direction = field(default_factory=Direction)
    frames: list[int] = field(default_factory=list)
    reset: bool = False
    not_tls: bool = False  # its first payload byte is no TLS record type: payload no longer kept

    def keep(self, direction: Direction, seq: int, frame: int, payload: bytes) -> None:
        """Store a payload segment, unless the stream already showed it is not TLS (saves memory on big captures)."""
        if self.not_tls:
            return
        direction.add(seq, frame, payload)
        if direction.segments.get(0, (0, b""))[1][:1] not in (b"", b"\x14", b"\x15", b"\x16", b"\x17"):
            self.not_tls = True
            self.to_server.segments.clear()
            self.to_client.segments.clear()

    def direction(self, src: Endpoint) -> Direction:
        return self.to_server if src == self.client else self.to_client

    def swap(self) -> None:
        """Exchange the roles (used when the capture starts mid-connection with the server's bytes)."""
        self.client, self.server = self.server, self.client
        self.to_server, self.to_client = self.to_client, self.to_server

    @property
    def has_payload(self) -> bool:
        return self.not_tls or bool(self.to_server.segments or self.to_client.segments)

    @property
    def label(self) -> str:
        return f"{self.client[0]}:{self.client[1]} -> {self.server[0]}:{self.server[1]}"


@dataclass
class Reassembly:
    """Every TCP connection of a capture plus counts of what was not TCP."""

    connections: list[TcpConnection]
    packets: int
    non_tcp: int
    warnings: list[str]


def reassemble(path: str | Path, progress: Callable[[int], None] | None = None) -> Reassembly:
    """Read a capture (BadInput when it is not one) and reassemble its TCP connections that may carry TLS."""
    live: dict[frozenset, TcpConnection] = {}
    conns: list[TcpConnection] = []
    packets = non_tcp = 0
    with open_capture(path, progress) as cap:
        for pkt in cap:
            packets += 1
            loc = locate(pkt.linktype, pkt.data, pkt.fcs_len)
            ip = parse_ip(pkt.data, loc.offset) if loc.kind in ("ipv4", "ipv6") else None
            if ip is None or ip.tcp is None:
                non_tcp += 1
                continue
            seg = ip.tcp
            src, dst = (ip.src, seg.sport), (ip.dst, seg.dport)
            key = frozenset((src, dst))
            conn = live.get(key)
            syn_only = seg.flags & SYN and not seg.flags & ACK
            if conn is None or (syn_only and conn.has_payload):
                client, server = (dst, src) if seg.flags & SYN and seg.flags & ACK else (src, dst)
                conn = TcpConnection(len(conns) + 1, client, server, pkt.number)
                live[key] = conn
                conns.append(conn)
            conn.frames.append(pkt.number)
            direction = conn.direction(src)
            if seg.flags & SYN:
                if syn_only:
                    conn.saw_syn = True
                direction.isn = seg.seq
            if seg.flags & RST:
                conn.reset = True
            if seg.payload:
                conn.keep(direction, seg.seq, pkt.number, seg.payload)
            if seg.flags & FIN:
                direction.fin = True
        warnings = list(cap.warnings)
    return Reassembly(conns, packets, non_tcp, warnings)
