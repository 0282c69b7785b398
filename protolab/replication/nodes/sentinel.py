"""A Sentinel, modelled on Redis Sentinel's algorithm (sentinel.c), with its timing constants.

Theory of operation
-------------------
Each Sentinel runs a timer 10-20 times a second (Redis randomises its hz so Sentinels desync).
On each tick it:
1. PINGs every data node once a second (on every tick while reconnecting to a node whose
   connection was reset: Sentinel pings right after reconnecting) and sends INFO every 10 s
   (every second while the primary is objectively down or a failover runs). A node is SDOWN (subjectively down) when its
   oldest unanswered PING, or the moment its connection was reset, is older than
   ``down-after-milliseconds``.
2. While the primary is SDOWN it asks the other Sentinels once a second whether they see it down
   (``is-master-down-by-addr``); counting itself, ``quorum`` yes answers (younger than 5 s) make it
   ODOWN (objectively down).
3. On ODOWN, unless it tried less than 2 x ``failover-timeout`` ago, it starts a failover: a new
   epoch, a vote for itself, and vote requests to the others. A Sentinel votes once per epoch, for
   the first requester; having voted for another it will not start its own failover for a random
   0-1 s (SENTINEL_MAX_DESYNC). A leader needs max(quorum, majority of Sentinels) votes, and gives
   up after min(10 s, failover-timeout) without them.
4. The leader selects a replica: not down, fresh INFO, priority != 0, then lowest priority,
   largest replication offset, smallest run id; sends it ``REPLICAOF NO ONE`` and waits for INFO to
   show it as primary (up to ``failover-timeout``): +promoted-slave. From then on it names the new
   primary to clients and tells the other Sentinels through hello messages (forced at once, then
   every 2 s); a Sentinel that hears a newer config epoch switches (+switch-master).
5. The leader reconfigures the other replicas (``parallel-syncs`` at a time) and ends the failover
   when they all follow the new primary, or after ``failover-timeout``.
6. A node that reports itself primary while the config says replica (the old primary back after
   a crash or a partition) is converted with ``REPLICAOF`` once that has lasted 8 s (4 x the hello
   period) and the current primary looks sane; a replica following the wrong primary is fixed the
   same way.
Calibration: on this lab's machine real Redis 7 with down-after 1000 ms, quorum 2 of 3 and
failover-timeout 3000 ms reported +sdown ~1.05 s, +promoted-slave ~2.3 s and +switch-master on the
other Sentinels ~2.25-2.45 s after the primary was SIGKILLed; this model aims at those numbers.
"""

from __future__ import annotations

from protolab.replication.messages import HELLO, INFO, IS_MASTER_DOWN, IS_MASTER_DOWN_REPLY, MASTER_ADDR, PING, SLAVEOF
from protolab.replication.nodes.base import Endpoint

PING_PERIOD = 1.0
INFO_PERIOD = 10.0
FAST_INFO_PERIOD = 1.0
ASK_PERIOD = 1.0
HELLO_PERIOD = 2.0
ELECTION_TIMEOUT = 10.0
MAX_DESYNC = 1.0
CONVERT_WAIT = 4 * HELLO_PERIOD

NONE, WAIT_START, SELECT, WAIT_PROMOTION, RECONF = "none", "wait-start", "select", "wait-promotion", "reconf"


class Instance:
    """What one Sentinel knows about one data node."""

    __slots__ = ("name", "act_ping", "last_ping", "last_ok", "last_info_sent", "info", "info_time", "sdown",
                 "sdown_change", "role", "role_time", "reconf", "disconnected")

    def __init__(self, name: str, now: float) -> None:
        self.name = name
        self.act_ping = 0.0  # send time of the oldest unanswered PING (0: none pending)
        self.last_ping = -PING_PERIOD
        self.last_ok = now
        self.last_info_sent = -INFO_PERIOD
        self.info: tuple | None = None
        self.info_time = -1e9
        self.sdown = False
        self.sdown_change = now
        self.role = None
        self.role_time = now
        self.reconf = None  # None, "sent", "done" during a failover
        self.disconnected = False  # connection reset: reconnect (and PING) on every tick


class Sentinel(Endpoint):
    kind = "sentinel"

    def __init__(self, sim, name: str, host: str, *, master: str, opts) -> None:
        super().__init__(sim, name, host)
        self.opts = opts
        self.runid = sim.runid()
        self.master = master
        self.config_epoch = 0
        self.current_epoch = 0
        self.inst: dict[str, Instance] = {}
        self.odown = False
        self.leader: str | None = None
        self.leader_epoch = 0
        self.replies: dict[str, tuple] = {}  # sentinel name -> (time, isdown, leader, leader_epoch)
        self.last_ask: dict[str, float] = {}
        self.fo_state = NONE
        self.fo_epoch = 0
        self.fo_start = -1e9
        self.fo_change = 0.0
        self.promoted: str | None = None
        self.last_hello = 0.0

    def start(self) -> None:
        now = self.kernel.now
        self.inst = {name: Instance(name, now) for name in self.sim.nodes}
        # A real Sentinel pings each node a second after the last PONG, counted from when it connected
        # to it: where a fault falls in that cycle is chance. Without a random phase every Sentinel
        # here would ping just after each whole second, and a partition at a whole second would be
        # detected a systematic half second early.
        for inst in self.inst.values():
            inst.last_ping = now - self.kernel.rng.random() * PING_PERIOD
        self.peers = [s for s in self.sim.sentinels if s is not self]
        self.last_hello = -self.kernel.rng.random() * HELLO_PERIOD
        self.timer(self.kernel.rng.random() * 0.1, self.tick)

    # --- the timer -------------------------------------------------------------------------------
    def tick(self, _=None) -> None:
        now = self.kernel.now
        fast = self.odown or self.fo_state != NONE
        for inst in self.inst.values():
            node = self.sim.nodes[inst.name]
            if now - inst.last_ping >= PING_PERIOD or inst.disconnected:
                inst.last_ping = now
                if not inst.act_ping:
                    inst.act_ping = now
                self.send(node, PING, self)
            period = FAST_INFO_PERIOD if fast and inst.name != self.master else INFO_PERIOD
            if now - inst.last_info_sent >= period:
                inst.last_info_sent = now
                self.send(node, INFO, self)
            down = bool(inst.act_ping) and now - inst.act_ping > self.opts.down_after
            if down != inst.sdown:
                inst.sdown, inst.sdown_change = down, now
                if inst.name == self.master:
                    self.event("+sdown" if down else "-sdown", f"primary {inst.name}")
        self.check_odown(now)
        if self.inst[self.master].sdown:
            self.ask_others(now, force=False)
        self.failover_step(now)
        if now - self.last_hello >= HELLO_PERIOD:
            self.hello()
        self.timer(1.0 / (10 + self.kernel.rng.randrange(10)), self.tick)

    def check_odown(self, now: float) -> None:
        votes = 1 + sum(1 for t, isdown, _l, _e in self.replies.values() if isdown and now - t < 5 * ASK_PERIOD)
        odown = self.inst[self.master].sdown and votes >= self.opts.quorum
        if odown != self.odown:
            self.odown = odown
            self.event("+odown" if odown else "-odown", f"primary {self.master} #quorum {votes}/{self.opts.quorum}"
                       if odown else f"primary {self.master}")
        if odown and self.fo_state == NONE and now - self.fo_start >= 2 * self.opts.failover_timeout:
            self.start_failover(now)

    def ask_others(self, now: float, force: bool) -> None:
        vote_for = self.runid if self.fo_state != NONE else None
        for peer in self.peers:
            if force or now - self.last_ask.get(peer.name, -1e9) >= ASK_PERIOD:
                self.last_ask[peer.name] = now
                self.send(peer, IS_MASTER_DOWN, (self, self.master, self.current_epoch, vote_for))

    # --- Sentinel to Sentinel ----------------------------------------------------------------
    def on_is_master_down(self, msg) -> None:
        asker, master, epoch, runid = msg
        inst = self.inst.get(master)
        isdown = master == self.master and inst is not None and inst.sdown
        if runid is not None and master == self.master:
            self.vote(epoch, runid)
        self.send(asker, IS_MASTER_DOWN_REPLY, (self.name, isdown, self.leader, self.leader_epoch))

    def on_is_master_down_reply(self, msg) -> None:
        name, isdown, leader, leader_epoch = msg
        self.replies[name] = (self.kernel.now, isdown, leader, leader_epoch)

    def vote(self, epoch: int, runid: str) -> None:
        if epoch > self.current_epoch:
            self.current_epoch = epoch
            self.event("+new-epoch", str(epoch))
        if self.leader_epoch < epoch and self.current_epoch <= epoch:
            self.leader, self.leader_epoch = runid, epoch
            if runid != self.runid:  # voted for another: do not start a competing failover at once
                self.fo_start = self.kernel.now + self.kernel.rng.random() * MAX_DESYNC

    def address(self) -> str:
        """The primary this Sentinel names: the promoted replica once promotion is confirmed."""
        return self.promoted if self.fo_state == RECONF and self.promoted else self.master

    def hello(self) -> None:
        self.last_hello = self.kernel.now
        for peer in self.peers:
            self.send(peer, HELLO, (self.name, self.address(), self.config_epoch))

    def on_hello(self, msg) -> None:
        _name, master, epoch = msg
        if epoch > self.config_epoch:
            self.current_epoch = max(self.current_epoch, epoch)
            if master != self.master:
                self.switch_master(master, epoch)
            self.config_epoch = epoch

    def switch_master(self, master: str, epoch: int) -> None:
        old = self.master
        self.master, self.config_epoch = master, epoch
        now = self.kernel.now
        self.inst = {name: Instance(name, now) for name in self.sim.nodes}
        # A real Sentinel pings each node a second after the last PONG, counted from when it connected
        # to it: where a fault falls in that cycle is chance. Without a random phase every Sentinel
        # here would ping just after each whole second, and a partition at a whole second would be
        # detected a systematic half second early.
        for inst in self.inst.values():
            inst.last_ping = now - self.kernel.rng.random() * PING_PERIOD
        self.odown = False
        self.replies.clear()
        self.fo_state, self.promoted = NONE, None
        self.event("+switch-master", f"{old} -> {master} (epoch {epoch})")
        self.sim.switch_master(self, master)

    # --- replies from data nodes ---------------------------------------------------------------
    def on_pong(self, name: str) -> None:
        inst = self.inst.get(name)
        if inst is not None:
            inst.act_ping = 0.0
            inst.last_ok = self.kernel.now
            inst.disconnected = False

    def on_link_closed(self, node) -> None:
        inst = self.inst.get(node.name)
        if inst is not None:
            inst.disconnected = True
            if not inst.act_ping:
                inst.act_ping = self.kernel.now

    def on_info_reply(self, info: tuple) -> None:
        name, role, master, link_up, offset, priority, runid = info
        inst = self.inst.get(name)
        if inst is None:
            return
        now = self.kernel.now
        inst.info, inst.info_time = info, now
        if role != inst.role:
            inst.role, inst.role_time = role, now
        if self.fo_state == WAIT_PROMOTION and name == self.promoted and role == "primary":
            self.event("+promoted-slave", f"{name} (epoch {self.fo_epoch})")
            self.config_epoch = self.fo_epoch
            self.fo_state, self.fo_change = RECONF, now
            self.sim.promoted(self, name)
            self.hello()
            return
        if self.fo_state != NONE or name == self.master:
            if self.fo_state == RECONF and inst.reconf == "sent" and master == self.promoted and link_up:
                inst.reconf = "done"
            return
        # A node out of line with the configuration: convert or fix it once that has lasted.
        master_inst = self.inst[self.master]
        sane = not master_inst.sdown and master_inst.role == "primary"
        settled = now - inst.role_time > CONVERT_WAIT and not inst.sdown and now - inst.sdown_change > CONVERT_WAIT
        if sane and settled and (role == "primary" or (role == "replica" and master != self.master)):
            self.event("+convert-to-slave" if role == "primary" else "+fix-slave-config", f"{name} -> {self.master}")
            inst.role_time = now  # do not resend before the next report
            node = self.sim.nodes[name]
            self.send(node, SLAVEOF, self.master)

    # --- the failover state machine --------------------------------------------------------------
    def start_failover(self, now: float) -> None:
        self.current_epoch += 1
        self.fo_epoch = self.current_epoch
        self.fo_state, self.fo_change = WAIT_START, now
        self.fo_start = now + self.kernel.rng.random() * MAX_DESYNC
        self.event("+try-failover", f"primary {self.master} epoch {self.fo_epoch}")
        self.vote(self.fo_epoch, self.runid)
        self.ask_others(now, force=True)

    def failover_step(self, now: float) -> None:
        state = self.fo_state
        if state == WAIT_START:
            if self.get_leader() == self.runid:
                self.event("+elected-leader", f"epoch {self.fo_epoch}")
                self.fo_state, self.fo_change = SELECT, now
            elif now - self.fo_start > min(ELECTION_TIMEOUT, self.opts.failover_timeout):
                self.abort("-failover-abort-not-elected")
        elif state == SELECT:
            chosen = self.select_replica(now)
            if chosen is None:
                self.abort("-failover-abort-no-good-slave")
                return
            self.promoted = chosen
            self.event("+selected-slave", chosen)
            node = self.sim.nodes[chosen]
            self.send(node, SLAVEOF, None)
            self.fo_state, self.fo_change = WAIT_PROMOTION, now
        elif state == WAIT_PROMOTION:
            if now - self.fo_change > self.opts.failover_timeout:
                self.abort("-failover-abort-slave-timeout")
        elif state == RECONF:
            self.reconfigure_replicas(now)

    def get_leader(self) -> str | None:
        epoch = self.fo_epoch
        votes: dict[str, int] = {}
        for _t, _isdown, leader, leader_epoch in self.replies.values():
            if leader is not None and leader_epoch == epoch:
                votes[leader] = votes.get(leader, 0) + 1
        winner = max(sorted(votes), key=lambda r: votes[r]) if votes else None
        self.vote(epoch, winner or self.runid)
        if self.leader_epoch == epoch:
            votes[self.leader] = votes.get(self.leader, 0) + 1
        voters = len(self.peers) + 1
        needed = max(self.opts.quorum, voters // 2 + 1)
        best = max(sorted(votes), key=lambda r: votes[r]) if votes else None
        return best if best is not None and votes[best] >= needed else None

    def select_replica(self, now: float) -> str | None:
        candidates = []
        for inst in self.inst.values():
            info = inst.info
            if inst.name == self.master or inst.sdown or info is None or info[1] != "replica":
                continue
            if now - inst.info_time > 5 * FAST_INFO_PERIOD or info[5] == 0:
                continue
            candidates.append((info[5], -info[4], info[6], inst.name))
        return min(candidates)[3] if candidates else None

    def reconfigure_replicas(self, now: float) -> None:
        others = [i for i in self.inst.values() if i.name not in (self.master, self.promoted) and not i.sdown]
        in_progress = sum(1 for i in others if i.reconf == "sent")
        for inst in others:
            if inst.reconf is None and in_progress < self.opts.parallel_syncs:
                inst.reconf = "sent"
                in_progress += 1
                node = self.sim.nodes[inst.name]
                self.send(node, SLAVEOF, self.promoted)
        timed_out = now - self.fo_change > self.opts.failover_timeout
        if timed_out or all(i.reconf == "done" for i in others):
            self.event("+failover-end", "timeout" if timed_out else "all replicas reconfigured")
            if timed_out:  # send REPLICAOF to whoever was not done, as Redis does at the end
                for inst in others:
                    if inst.reconf != "done":
                        node = self.sim.nodes[inst.name]
                        self.send(node, SLAVEOF, self.promoted)
            self.switch_master(self.promoted, self.fo_epoch)

    def abort(self, kind: str) -> None:
        self.event(kind, f"epoch {self.fo_epoch}")
        self.fo_state, self.promoted = NONE, None
        for inst in self.inst.values():
            inst.reconf = None

    # --- clients ---------------------------------------------------------------------------------
    def on_get_master(self, client) -> None:
        self.send(client, MASTER_ADDR, self.address())
