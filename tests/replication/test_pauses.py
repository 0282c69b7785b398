"""Pauses in the simulated network: a paused process runs nothing until its pause ends (every message and timer
held, links first used during the pause too), clients resume their rate after it, and a paused process that is
killed and restarted runs at once."""

from __future__ import annotations

import json

from protolab.replication.faults import parse_fault
from protolab.replication.messages import CONTROL, Message
from protolab.replication.network import LinkSpec, Network
from protolab.replication.runner import simulate
from protolab.replication.scenario import ClientSpec, Scenario
from protolab.sim.kernel import Kernel

from .runs import async_timeline

PAUSE_END = 30.05


def test_paused_sentinels_run_nothing_until_their_pause_ends(cli):
    # s2, s3 paused before they ever talked to s1: the links s1 -> s2/s3 are created during the pause
    tl = async_timeline(cli, "--quorum", "1", "--fault", "pause s2 at 0.05s for 30s",
                   "--fault", "pause s3 at 0.05s for 30s", "--fault", "crash primary at 3s")
    by = {(e["source"], e["kind"]): e["time"] for e in reversed(tl)}  # first occurrence wins
    assert ("s1", "+try-failover") in by and by["s1", "+try-failover"] < PAUSE_END  # s1 alone tries...
    assert by["s1", "+elected-leader"] >= PAUSE_END  # ...but needs a vote, only given after the pause
    for s in ("s2", "s3"):
        assert all(e["time"] >= PAUSE_END for e in tl if e["source"] == s)
        assert by[s, "+switch-master"] >= PAUSE_END


def test_five_sentinels_quorum_two_no_majority_while_three_are_paused(cli):
    faults = [a for s in ("s3", "s4", "s5") for a in ("--fault", f"pause {s} at 1s for 30s")]
    tl = async_timeline(cli, "--sentinels", "5", "--quorum", "2", *faults, "--fault", "crash primary at 3s")
    elected = [e["time"] for e in tl if e["kind"] == "+elected-leader"]
    assert elected and min(elected) >= 31.0
    assert not [e for e in tl if e["source"] in ("s3", "s4", "s5") and e["time"] < 31.0]


PROBE = Message("probe", ("value",), CONTROL)  # test-only: _Ep.on_probe records (arrival time, message)


class _Ep:
    def __init__(self, name, clock):
        self.name = self.host = name
        self.up, self.paused_until = True, 0.0
        self.got = []
        self.clock = clock

    def on_probe(self, msg):
        self.got.append((self.clock.now, msg))


def test_link_created_during_pause_delivers_at_its_end_in_order():
    k = Kernel(3)
    net = Network(k, LinkSpec(0.001, 0.004))
    a, b, c = _Ep("a", k), _Ep("b", k), _Ep("c", k)
    k.at(0.5, lambda _: (setattr(b, "paused_until", 2.0), net.paused(b, 2.0)))
    for i in range(50):  # a's link to b exists before the pause, c's is first used during it
        k.at(0.4 + i * 0.01, lambda i: net.send(net.link(a, b), PROBE, ("a", i)), i)
        k.at(0.6 + i * 0.01, lambda i: net.send(net.link(c, b), PROBE, ("c", i)), i)
    k.run(5)
    late = [(t, m) for t, m in b.got if m[1] >= 10 or m[0] == "c"]
    assert all(t >= 2.0 for t, _m in late)
    assert [m for _t, m in b.got if m[0] == "c"] == [("c", i) for i in range(50)]
    assert [m for _t, m in b.got if m[0] == "a"] == [("a", i) for i in range(50)]
    assert [t for t, _m in b.got] == sorted(t for t, _m in b.got)


def test_paused_client_issues_nothing_during_the_pause_then_resumes_its_rate():
    for reads in (0.0, 0.3):
        sc = Scenario("async", clients=[ClientSpec("c1", writes=300, reads=reads)],
                      faults=[parse_fault("pause c1 at 1s for 1s")]).validate()
        sim, r = simulate(sc)
        ops = sim.history.ops
        assert not [o for o in ops if 1.0 < o[0] < 2.0]  # neither invokes nor completions
        invokes = [o[0] for o in ops if o[2] == "invoke"]
        assert len(invokes) == 300 and invokes == sorted(invokes)
        assert [o[0] for o in ops] == sorted(o[0] for o in ops)  # the clock never ran backwards
        # 50 ticks before the pause (0.5 s .. 0.99 s), then the rest 10 ms apart from its end
        assert invokes[50] == 2.0 and abs(invokes[-1] - (2.0 + 249 * 0.01)) < 1e-6


def test_a_paused_process_killed_and_restarted_runs_at_once(cli):
    # the supervisor fences (kills) the stalled peers and restarts them at 11.8 s: the new processes are
    # not paused, so the majority is back and a leader is elected long before the old pauses would end
    res = cli("replicate", "run", "raft-supervised", "--fault", "pause n1 at 3s for 30s",
              "--fault", "pause n2 at 3.5s for 30s", "--json")
    assert res.exit_code == 0, res.stderr
    tl = json.loads(res.stdout)["timeline"]
    back = max(e["time"] for e in tl if e["kind"] == "restart")
    leaders = [e["time"] for e in tl if e["kind"] == "role" and e["detail"].startswith("leader")]
    assert back < 15.0 and leaders and back < min(leaders) < back + 3.0
