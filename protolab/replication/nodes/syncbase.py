"""What the sync-channel nodes share (broker, webhook, leaderless, storage): a data store that keeps
its apply log, so duplicates and reordering are measured from the final node state.

A store holds three things that survive a crash (they model data on disk):
- ``items``: every write id the node holds (what ``final_items()`` returns; divergence compares it);
- ``registers``: key -> the write id the key holds now (a file's content, a row's value);
- ``applied``: the apply log, one ``(time, write id, key)`` per application, duplicates included.
``seen`` (the ids an idempotent receiver already applied) is stored with the data, in the same
write, so a redelivery after a crash is still recognised. With ``[replication] persistence =
"none"`` a crash wipes the disk: the node comes back empty.
"""

from __future__ import annotations

from protolab.replication.messages import READ, READ_REPLY, REFUSED, REPLY, WRITE
from protolab.replication.nodes.base import Endpoint
from protolab.sim.quantiles import Quantiles


class SyncNode(Endpoint):
    kind = "data"

    def __init__(self, sim, name: str, role: str, host: str | None = None) -> None:
        super().__init__(sim, name, host)
        self.role = role
        self.items: set[int] = set()
        self.registers: dict[int, int] = {}
        self.applied: list[tuple[float, int, int]] = []
        self.suppressed = 0  # deliveries recognised as already applied (idempotency)
        self.lag = Quantiles()  # origin apply -> this node's apply
        self.counts: dict[str, int] = {}

    def start(self) -> None:
        self.sim.role_change(self, self.role)

    # --- the store -------------------------------------------------------------------------------
    def apply(self, wid: int, key: int, born: float, dedupe: bool = False) -> bool:
        """Apply write ``wid`` to ``key``; with ``dedupe`` an id applied before is suppressed."""
        if dedupe and wid in self.items:
            self.suppressed += 1
            return False
        now = self.kernel.now
        self.items.add(wid)
        self.registers[key] = wid
        self.applied.append((now, wid, key))
        self.lag.add(max(0.0, now - born))
        return True

    def final_items(self) -> set[int]:
        return set(self.items)

    def conflicts(self) -> dict[str, int]:
        return dict(self.counts)

    def replace_empty(self) -> None:
        self.items, self.registers, self.applied = set(), {}, []

    # --- clients -----------------------------------------------------------------------------------
    def reply(self, client, wid: int, status: str = "ok") -> None:
        self.send(client, REPLY, (wid, status, None))

    def on_read(self, msg) -> None:
        client, opid, key, _direct = msg
        result = tuple(sorted(self.items)) if key is None else self.registers.get(key)
        self.send(client, READ_REPLY, (opid, "ok", result, None))

    def refused(self, link, kind, msg) -> None:
        """Connection refused: the caller learns at once (clients: fail; channel calls: the
        ``on_refused`` of the calling process, when it has one)."""
        src = link.src
        back = self.net.link(self, src)
        if kind is WRITE:
            self.net.send(back, REPLY, (msg[1], "refused", None))
        elif kind is READ:
            self.net.send(back, READ_REPLY, (msg[1], "refused", None, None))
        elif hasattr(src, REFUSED.handler):
            self.net.send(back, REFUSED, (kind, msg))

    # --- crash / restart -----------------------------------------------------------------------
    def on_crash(self) -> None:
        self.sim.role_change(self, "down")
        self.sim.connections_reset(self)
        if self.sim.scenario.replication.persistence == "none":
            self.replace_empty()
        self.forget()

    def on_restart(self) -> None:
        self.sim.role_change(self, self.role)
        self.resume()

    def forget(self) -> None:
        """Drop what lives only in memory (subclasses)."""

    def resume(self) -> None:
        """Start again after a restart (subclasses)."""
