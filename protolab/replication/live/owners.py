"""Who is on the other end of a connection a proxy accepted: the endpoint, hence its host.

Everything runs on 127.0.0.1, so an address says nothing. The proxy finds the socket's inode in
``/proc/net/tcp`` (local = the peer's port, remote = the proxy's port); our own clients register
the inode of each socket they open, and for a server the process whose ``/proc/PID/fd`` holds that
inode is looked up among the processes of this run. Linux only, as the rest of the
live backend.
"""

from __future__ import annotations

import os


def _hexport(port: int) -> str:
    return f"0100007F:{port:04X}"


def socket_inode(local_port: int, remote_port: int) -> str | None:
    want_local, want_remote = _hexport(local_port), _hexport(remote_port)
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[1] == want_local and parts[2] == want_remote:
                    return parts[9]
    except OSError:
        return None
    return None


class Owners:
    def __init__(self) -> None:
        self.inodes: dict[str, str] = {}  # our client sockets: inode -> endpoint name (inodes are unique)
        self.sockets: dict[int, tuple] = {}  # our client sockets: local port -> (socket, name)
        self.unknown = 0  # connections whose endpoint was not found (they are never partitioned)
        self.pids: dict[int, str] = {}  # server processes of this run: pid -> endpoint name

    def register_socket(self, sock, name: str) -> None:
        self.inodes[str(os.fstat(sock.fileno()).st_ino)] = name
        self.sockets[sock.getsockname()[1]] = (sock, name)

    def lookup_fast(self, peer_port: int) -> str | None:
        """Our own client sockets, without reading /proc (one lookup per socket: it connects once)."""
        entry = self.sockets.pop(peer_port, None)
        if entry is not None and entry[0].fileno() != -1 and entry[0].getsockname()[1] == peer_port:
            return entry[1]
        return None

    def lookup(self, peer_port: int, proxy_port: int) -> str | None:
        inode = socket_inode(peer_port, proxy_port)
        if inode is None or inode == "0":  # gone already (closed sockets show inode 0)
            return None
        name = self.inodes.get(inode)
        if name is not None:
            return name
        target = f"socket:[{inode}]"
        for pid, name in list(self.pids.items()):
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return name
                except OSError:
                    continue
        self.unknown += 1
        return None
