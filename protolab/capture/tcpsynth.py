"""Frame a TCP conversation as Ethernet/IPv4/TCP with valid checksums (for labs that write captures).

Theory of operation: a TcpFlow keeps each side's next sequence number and IP id. `handshake()`,
`send()` and `close()` return the frames of that step in wire order and advance the state, so
concatenating their results gives a consistent conversation that tshark follows as one stream. Initial
sequence numbers come from `random.Random(seed)`: same seed, byte-identical frames.
"""

from __future__ import annotations

import random
import socket
import struct

from protolab.capture.ip import ACK, FIN, PSH, SYN

ETHERTYPE_IPV4 = 0x0800


def internet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _mac(text: str) -> bytes:
    return bytes.fromhex(text.replace(":", ""))


class _Side:
    def __init__(self, addr: tuple[str, int], mac: str, isn: int):
        self.ip, self.port = addr
        self.ip_bytes = socket.inet_aton(self.ip)
        self.mac = _mac(mac)
        self.seq = isn
        self.ip_id = isn & 0xFFFF


class TcpFlow:
    def __init__(self, client: tuple[str, int], server: tuple[str, int], seed: int = 0, mss: int = 1460,
                 client_mac: str = "02:00:00:00:00:01", server_mac: str = "02:00:00:00:00:02", ttl: int = 64,
                 window: int = 64240):
        rng = random.Random(seed)
        self.client = _Side(client, client_mac, rng.getrandbits(32))
        self.server = _Side(server, server_mac, rng.getrandbits(32))
        self.mss, self.ttl, self.window = mss, ttl, window

    def _peers(self, from_client: bool) -> tuple[_Side, _Side]:
        return (self.client, self.server) if from_client else (self.server, self.client)

    def _frame(self, src: _Side, dst: _Side, flags: int, payload: bytes = b"", options: bytes = b"") -> bytes:
        ack = dst.seq if flags & ACK else 0
        hlen = 20 + len(options)
        tcp = struct.pack(">HHIIBBHHH", src.port, dst.port, src.seq, ack, (hlen // 4) << 4, flags, self.window,
                          0, 0) + options
        pseudo = src.ip_bytes + dst.ip_bytes + struct.pack(">BBH", 0, 6, len(tcp) + len(payload))
        checksum = internet_checksum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack(">H", checksum) + tcp[18:]
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), src.ip_id, 0x4000, self.ttl, 6,
                         0, src.ip_bytes, dst.ip_bytes)
        ip = ip[:10] + struct.pack(">H", internet_checksum(ip)) + ip[12:]
        src.ip_id = (src.ip_id + 1) & 0xFFFF
        src.seq = (src.seq + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
        return dst.mac + src.mac + struct.pack(">H", ETHERTYPE_IPV4) + ip + tcp + payload

    def handshake(self) -> list[bytes]:
        """SYN, SYN-ACK, ACK (the SYNs carry an MSS option)."""
        mss_option = struct.pack(">BBH", 2, 4, self.mss)
        c, s = self.client, self.server
        return [self._frame(c, s, SYN, options=mss_option), self._frame(s, c, SYN | ACK, options=mss_option),
                self._frame(c, s, ACK)]

    def send(self, from_client: bool, payload: bytes, ack: bool = False) -> list[bytes]:
        """Data segments of at most `mss` bytes (PSH on the last); `ack=True` adds the peer's pure ACK."""
        src, dst = self._peers(from_client)
        frames = []
        for start in range(0, len(payload), self.mss):
            piece = payload[start:start + self.mss]
            last = start + self.mss >= len(payload)
            frames.append(self._frame(src, dst, ACK | (PSH if last else 0), piece))
        if ack and frames:
            frames.append(self._frame(dst, src, ACK))
        return frames

    def close(self) -> list[bytes]:
        """FIN-ACK from the client, FIN-ACK from the server, last ACK from the client."""
        c, s = self.client, self.server
        return [self._frame(c, s, FIN | ACK), self._frame(s, c, FIN | ACK), self._frame(c, s, ACK)]
