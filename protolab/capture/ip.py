"""IPv4/IPv6 with TCP/UDP header decoding: no reassembly, no checksum verification.

`parse_ip(buf, offset)` reads the IP header at `offset`, follows IPv6 extension headers, and decodes the
TCP or UDP header of a first (or only) fragment. Payloads are trimmed to the IP length, so Ethernet
padding never leaks into a TCP payload. Returns None when the bytes cannot be an IP packet.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

PROTO_TCP, PROTO_UDP = 6, 17
IPV6_EXTENSION_HEADERS = {0, 43, 60, 51, 44}  # hop-by-hop, routing, destination options, AH, fragment
TCP_FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS"]
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


@dataclass
class TcpSegment:
    sport: int
    dport: int
    seq: int
    ack: int
    flags: int
    window: int
    header_len: int
    payload: bytes

    @property
    def flag_names(self) -> list[str]:
        return [name for bit, name in enumerate(TCP_FLAG_NAMES) if self.flags & (1 << bit)]


@dataclass
class UdpDatagram:
    sport: int
    dport: int
    payload: bytes


@dataclass
class IpPacket:
    version: int
    src: str
    dst: str
    proto: int
    ttl: int
    header_len: int          # bytes up to the transport header (IPv6: including extension headers)
    total_len: int           # bytes of the IP packet as it claims (clipped to what was captured)
    fragment: bool = False   # a fragment other than the first: no transport header decoded
    tcp: TcpSegment | None = None
    udp: UdpDatagram | None = None


def _transport(ip: IpPacket, buf: bytes, start: int, end: int) -> IpPacket:
    if ip.fragment:
        return ip
    if ip.proto == PROTO_TCP and start + 20 <= end:
        sport, dport, seq, ack, off_flags, window = struct.unpack_from(">HHIIHH", buf, start)
        hlen = (off_flags >> 12) * 4
        if 20 <= hlen and start + hlen <= end:
            ip.tcp = TcpSegment(sport, dport, seq, ack, off_flags & 0x01FF, window, hlen,
                                bytes(buf[start + hlen:end]))
    elif ip.proto == PROTO_UDP and start + 8 <= end:
        sport, dport, length = struct.unpack_from(">HHH", buf, start)
        stop = min(end, start + length) if length >= 8 else end
        ip.udp = UdpDatagram(sport, dport, bytes(buf[start + 8:stop]))
    return ip


def parse_ip(buf: bytes, offset: int = 0) -> IpPacket | None:
    """Decode the IP packet at buf[offset:]; None on garbage."""
    if offset < 0 or offset >= len(buf):
        return None
    version = buf[offset] >> 4
    if version == 4:
        if offset + 20 > len(buf):
            return None
        vihl, _tos, total, _ident, frag, ttl, proto = struct.unpack_from(">BBHHHBB", buf, offset)
        hlen = (vihl & 0x0F) * 4
        if hlen < 20 or total < hlen or offset + hlen > len(buf):
            return None
        end = min(len(buf), offset + total)
        ip = IpPacket(4, socket.inet_ntoa(buf[offset + 12:offset + 16]), socket.inet_ntoa(buf[offset + 16:offset + 20]),
                      proto, ttl, hlen, end - offset, fragment=bool(frag & 0x1FFF))
        return _transport(ip, buf, offset + hlen, end)
    if version == 6:
        if offset + 40 > len(buf):
            return None
        payload_len, nxt, hop = struct.unpack_from(">HBB", buf, offset + 4)
        end = min(len(buf), offset + 40 + payload_len)
        ip = IpPacket(6, socket.inet_ntop(socket.AF_INET6, bytes(buf[offset + 8:offset + 24])),
                      socket.inet_ntop(socket.AF_INET6, bytes(buf[offset + 24:offset + 40])), nxt, hop, 40,
                      end - offset)
        pos = offset + 40
        while ip.proto in IPV6_EXTENSION_HEADERS and pos + 8 <= end:
            nxt, ext_len = buf[pos], buf[pos + 1]
            if ip.proto == 44:
                if struct.unpack_from(">H", buf, pos + 2)[0] & 0xFFF8:
                    ip.fragment = True
                size = 8
            elif ip.proto == 51:
                size = (ext_len + 2) * 4
            else:
                size = (ext_len + 1) * 8
            ip.proto, pos = nxt, pos + size
        ip.header_len = pos - offset
        return _transport(ip, buf, pos, end)
    return None
