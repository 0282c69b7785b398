"""What every simulated process shares: a name, a host (partitions cut hosts apart), up/paused
state, timers that die with the process, and a clock that may be skewed."""

from __future__ import annotations

from protolab.replication.messages import HEALTH_OK, READ, READ_REPLY, REPLY, WRITE


class Endpoint:
    kind = "process"

    def __init__(self, sim, name: str, host: str | None = None) -> None:
        # sim: the Simulation that builds this process (not imported: the nodes sit below sim.py)
        self.sim = sim
        self.kernel = sim.kernel
        self.net = sim.net
        self.name = name
        self.host = host or name
        self.up = True
        self.paused_until = 0.0
        self.incarnation = 0
        self.skew = 0.0  # seconds added to the simulated time by this process's wall clock

    # --- messaging and timers ------------------------------------------------------------
    def send(self, other: Endpoint, kind, msg) -> None:
        """Send ``msg``, a message of type ``kind`` (``messages.py``), to ``other``."""
        self.net.send(self.net.link(self, other), kind, msg)

    def timer(self, delay: float, fn, arg=None) -> None:
        """Call ``fn(arg)`` after ``delay`` unless this process crashes first; a pause defers it."""
        self.kernel.at(self.kernel.now + delay, self._fire, (self.incarnation, fn, arg))

    def _fire(self, item) -> None:
        incarnation, fn, arg = item
        if not self.up or incarnation != self.incarnation:
            return
        if self.paused_until > self.kernel.now:
            self.kernel.at(self.paused_until, self._fire, item)
            return
        fn(arg)

    def clock(self) -> float:
        """This process's wall clock (simulated time plus its skew)."""
        return self.kernel.now + self.skew

    def event(self, kind: str, detail: str = "") -> None:
        self.sim.event(self.name, kind, detail)

    # --- faults ------------------------------------------------------------------------------
    def crash(self) -> None:
        self.up = False
        self.incarnation += 1
        self.paused_until = 0.0  # a dead process is not stalled: the one that restarts runs at once
        self.net.crashed(self)
        self.on_crash()

    def restart(self) -> None:
        self.up = True
        self.incarnation += 1
        self.net.refresh(self)
        self.on_restart()

    def refused(self, link, kind, msg) -> None:
        """A message of type ``kind`` reached this host while the process was down (the host may
        answer RST)."""

    def refuse_client_request(self, link, kind, msg) -> None:
        """`refused` of a node that serves clients: the host is up, the port is closed, so a client's
        write or read is answered at once with "refused" (a failed op, definitely not applied)."""
        if kind is WRITE:
            self.net.send(self.net.link(self, msg[0]), REPLY, (msg[1], "refused", None))
        elif kind is READ:
            self.net.send(self.net.link(self, msg[0]), READ_REPLY, (msg[1], "refused", None, None))

    def on_health(self, supervisor) -> None:
        """A recovery supervisor's health check: a running process answers (a paused one late)."""
        self.send(supervisor, HEALTH_OK, self.name)

    def replace_empty(self) -> None:
        """Replaced by a fresh, empty node (the supervisor's ``replace``); kinds that allow it override."""

    def pausing(self, until: float) -> None:
        """A pause until ``until`` begins (the network then defers this process's messages and timers)."""

    def on_crash(self) -> None:
        pass

    def on_restart(self) -> None:
        pass

    def start(self) -> None:
        pass
