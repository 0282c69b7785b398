"""A Raft peer (the consensus log behind etcd, Consul, distributed SQL), as a small state machine.

Theory of operation
-------------------
Persistent state: ``term``, ``voted_for`` and ``log`` (a list of ``(term, write id, append
time)``; index 1 is ``log[0]``) survive a crash; ``commit_index`` and leadership do not.
- Followers wait ``election_timeout`` x [1, 2) (randomised, as etcd does) without hearing from
  a leader, then become candidates: term + 1, vote for themselves, ask for votes. A vote is given
  once per term, only to a candidate whose log is at least as up to date (last term, then length).
- A candidate with a majority of votes leads; it appends a no-op entry of its term (so earlier
  entries can commit) and sends AppendEntries at once and every ``heartbeat``.
- The leader appends client writes and streams them (pipelined: each follower's ``sent`` index
  moves ahead of its ``match``). A follower accepts entries only when its entry at ``prev`` has
  ``prev_term``; it drops conflicting entries after that point. On refusal the leader backs up.
- An entry commits once a majority stores it and it is of the leader's current term (Raft's
  figure-8 rule); committed entries are applied in order and only then is the client answered.
- Any message with a higher term turns a node into a follower of that term.
- Reads go through the log too (as etcd's quorum reads do): a read entry (its id negated) commits
  like a write and the leader answers it from the applied state, so reads are linearizable.
The model is safe by construction; the checks in ``metrics`` verify it from the run, not from this
comment: at most one leader per term, no acknowledged (committed) write lost.

Mode ``raft-unsafe`` (for teaching) removes one line of safety: a peer accepts AppendEntries from
a leader of an older term (the term check is skipped) and answers in that leader's term, so a
deposed leader that comes back from a partition still overwrites and "commits". Chaos runs with the
history checkers catch it (lost acknowledged writes, stale reads); the safe mode passes them.
"""

from __future__ import annotations

from protolab.replication.idlog import last_write_to
from protolab.replication.messages import APPEND, APPEND_REPLY, READ_REPLY, REPLY, REQUEST_VOTE, VOTE
from protolab.replication.nodes.base import Endpoint
from protolab.sim.quantiles import Quantiles

BATCH = 256  # entries per AppendEntries at most


class RaftPeer(Endpoint):
    kind = "data"

    def __init__(self, sim, name: str, names: list[str], opts) -> None:
        super().__init__(sim, name)
        self.opts = opts
        self.names = names
        self.term = 0
        self.voted_for: str | None = None
        self.log: list[tuple] = []
        self.commit_index = 0
        self.applied: list[int] = []  # write ids applied, in order (the state machine)
        self.role = "follower"
        self.leader: str | None = None
        self.votes: set[str] = set()
        self.next_sent: dict[str, int] = {}
        self.match: dict[str, int] = {}
        self.waiting: dict[int, tuple] = {}  # log index -> (client, wid)
        self.heard = 0.0
        self.election_deadline = 0.0
        self.lag = Quantiles()
        self.truncated = 0
        self.reads: dict[int, tuple] = {}  # log index -> (client, op id, key): reads waiting to commit
        self.unsafe = sim.scenario.mode == "raft-unsafe"

    @property
    def peers(self):
        return [self.sim.nodes[n] for n in self.names if n != self.name]

    def majority(self) -> int:
        return len(self.names) // 2 + 1

    def start(self) -> None:
        # A settled cluster: n1 leads term 1 when the experiment starts.
        self.term = 1
        if self.name == self.names[0]:
            self.voted_for = self.name
            self.become_leader()
        else:
            self.voted_for, self.leader = self.names[0], self.names[0]
            self.sim.role_change(self, "follower", self.term)
            self.reset_election()
        self.timer(self.opts.heartbeat * self.kernel.rng.random(), self.tick)

    # --- timers ----------------------------------------------------------------------------------
    def reset_election(self) -> None:
        et = self.opts.election_timeout
        self.election_deadline = self.kernel.now + et * (1 + self.kernel.rng.random())

    def tick(self, _=None) -> None:
        if self.role == "leader":
            self.broadcast()
        elif self.kernel.now >= self.election_deadline:
            self.campaign()
        self.timer(self.opts.heartbeat if self.role == "leader" else self.opts.heartbeat / 2, self.tick)

    def campaign(self) -> None:
        self.term += 1
        self.role, self.voted_for, self.leader = "candidate", self.name, None
        self.votes = {self.name}
        self.sim.role_change(self, "candidate", self.term)
        self.reset_election()
        last_term = self.log[-1][0] if self.log else 0
        for p in self.peers:
            self.send(p, REQUEST_VOTE, (self, self.term, len(self.log), last_term))
        if len(self.votes) >= self.majority():
            self.become_leader()

    # --- votes -----------------------------------------------------------------------------------
    def observe_term(self, term: int, leader: str | None = None) -> None:
        if term > self.term:
            self.term, self.voted_for = term, None
            self.step_down(leader)

    def step_down(self, leader: str | None) -> None:
        was = self.role
        self.role, self.leader = "follower", leader
        if was != "follower":
            for wid_client in self.waiting.values():  # the outcome of these writes is unknown now
                client, wid = wid_client
                self.send(client, REPLY, (wid, "demoted", None))
            self.waiting.clear()
            self._drop_reads("demoted")
            self.sim.role_change(self, "follower", self.term)
        self.reset_election()

    def _drop_reads(self, status: str | None) -> None:
        if status is not None:
            for client, opid, _key in self.reads.values():
                self.send(client, READ_REPLY, (opid, status, None, None))
        self.reads.clear()

    def on_request_vote(self, msg) -> None:
        cand, term, last_index, last_term = msg
        self.observe_term(term)
        my_last_term = self.log[-1][0] if self.log else 0
        up_to_date = (last_term, last_index) >= (my_last_term, len(self.log))
        granted = term == self.term and self.voted_for in (None, cand.name) and up_to_date
        if granted:
            self.voted_for = cand.name
            self.reset_election()
        self.send(cand, VOTE, (self.name, self.term, granted))

    def on_vote(self, msg) -> None:
        name, term, granted = msg
        self.observe_term(term)
        if self.role != "candidate" or term != self.term or not granted:
            return
        self.votes.add(name)
        if len(self.votes) >= self.majority():
            self.become_leader()

    def become_leader(self) -> None:
        self.role, self.leader = "leader", self.name
        self.sim.role_change(self, "leader", self.term)
        n = len(self.log)
        self.next_sent = {p: n for p in self.names if p != self.name}
        self.match = {p: 0 for p in self.names if p != self.name}
        self.log.append((self.term, None, self.kernel.now))  # no-op: lets earlier entries commit
        self.broadcast()

    # --- replication -----------------------------------------------------------------------------
    def on_write(self, msg) -> None:
        client, wid, _key = msg
        if self.role != "leader":
            self.send(client, REPLY, (wid, "not-leader", self.leader))
            return
        self.log.append((self.term, wid, self.kernel.now))
        self.waiting[len(self.log)] = (client, wid)
        if len(self.names) == 1:
            self.advance_commit()
        self.broadcast()

    def broadcast(self) -> None:
        last = len(self.log)
        for p in self.peers:
            sent = self.next_sent[p.name]
            upto = min(last, sent + BATCH)
            prev_term = self.log[sent - 1][0] if sent else 0
            self.send(p, APPEND, (self, self.term, sent, prev_term, self.log[sent:upto], self.commit_index))
            self.next_sent[p.name] = upto

    def on_append(self, msg) -> None:
        leader, term, prev, prev_term, entries, leader_commit = msg
        self.observe_term(term, leader.name)
        if term < self.term and not self.unsafe:  # raft-unsafe skips this check
            self.send(leader, APPEND_REPLY, (self.name, self.term, False, len(self.log)))
            return
        reply_term = term if self.unsafe else self.term
        if self.role != "follower":
            self.step_down(leader.name)
        self.leader = leader.name
        self.reset_election()
        if prev > len(self.log) or (prev and self.log[prev - 1][0] != prev_term):
            # Refuse, and say where to resume: our length, or the start of the conflicting term.
            hint = len(self.log)
            if prev <= len(self.log):
                conflict = self.log[prev - 1][0]
                hint = prev - 1
                while hint > 0 and self.log[hint - 1][0] == conflict:
                    hint -= 1
            self.send(leader, APPEND_REPLY, (self.name, reply_term, False, hint))
            return
        for i, entry in enumerate(entries):
            index = prev + i  # 0-based position
            if index < len(self.log):
                if self.log[index][0] == entry[0]:
                    continue
                self.truncated += sum(1 for e in self.log[index:] if e[1] is not None and e[1] > 0)
                del self.log[index:]
            self.log.append(entry)
        match = prev + len(entries)
        if leader_commit > self.commit_index:
            self.apply(min(leader_commit, match))
        self.send(leader, APPEND_REPLY, (self.name, reply_term, True, match))

    def on_append_reply(self, msg) -> None:
        name, term, ok, index = msg
        self.observe_term(term)
        if self.role != "leader" or term != self.term:
            return
        if ok:
            if index > self.match[name]:
                self.match[name] = index
                self.advance_commit()
        else:  # back up and resend from what the follower has
            self.next_sent[name] = max(self.match[name], min(self.next_sent[name], index))

    def advance_commit(self) -> None:
        matches = sorted([len(self.log), *self.match.values()], reverse=True)
        n = matches[self.majority() - 1]
        if n > self.commit_index and self.log[n - 1][0] == self.term:
            self.apply(n)

    def apply(self, upto: int) -> None:
        now = self.kernel.now
        for index in range(self.commit_index + 1, upto + 1):
            _term, wid, t = self.log[index - 1]
            if wid is not None and wid < 0:  # a read entry: answer it from the state applied so far
                read = self.reads.pop(index, None)
                if read is not None:
                    client, opid, key = read
                    self.send(client, READ_REPLY, (opid, "ok", self._value(key), None))
                continue
            if wid is not None:
                self.applied.append(wid)
                if self.role != "leader":
                    self.lag.add(now - t)
            waiting = self.waiting.pop(index, None)
            if waiting is not None:
                client, wid = waiting
                self.send(client, REPLY, (wid, "ok", None))
        self.commit_index = max(self.commit_index, upto)

    refused = Endpoint.refuse_client_request

    # --- reads -------------------------------------------------------------------------------------
    def on_read(self, msg) -> None:
        client, opid, key, direct = msg
        if direct:  # the final per-node reads: this node's applied state, whatever its role
            self.send(client, READ_REPLY, (opid, "ok", self._value(key), None))
            return
        if self.role != "leader":
            self.send(client, READ_REPLY, (opid, "not-leader", None, self.leader))
            return
        self.log.append((self.term, -opid, self.kernel.now))
        self.reads[len(self.log)] = (client, opid, key)
        if len(self.names) == 1:
            self.advance_commit()
        self.broadcast()

    def _value(self, key):
        if key is None:
            return tuple(sorted(self.applied))
        return last_write_to(reversed(self.applied), key, self.sim.key_of)

    # --- what the analysis reads -----------------------------------------------------------------
    def final_items(self) -> set[int]:
        return set(self.applied)

    def conflicts(self) -> dict[str, int]:
        return {"raft-truncated": self.truncated} if self.truncated else {}

    # --- faults ----------------------------------------------------------------------------------
    def on_crash(self) -> None:
        self.waiting.clear()
        self._drop_reads(None)
        self.role, self.leader = "follower", None
        self.sim.role_change(self, "down", self.term)
        self.sim.connections_reset(self)

    def on_restart(self) -> None:
        self.commit_index = 0  # volatile: relearned from the leader, then re-applied
        self.applied = []
        self.sim.role_change(self, "follower", self.term)
        self.reset_election()
        self.timer(0.0, self.tick)
