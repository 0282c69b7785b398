"""The simulated network: links are FIFO despite jitter, partitions drop both ways or one way, messages in flight
are dropped by a partition or a crash and deferred by a pause, endpoints on one host are never partitioned."""

from __future__ import annotations

from protolab.replication.faults import blocked_pairs, parse_fault
from protolab.replication.messages import CONTROL, Message
from protolab.replication.network import LinkSpec, Network
from protolab.sim.kernel import Kernel

PROBE = Message("probe", ("value",), CONTROL)  # test-only: _Ep.on_probe records what arrives


class _Ep:
    def __init__(self, name, host=None, clock=None):
        self.name, self.host = name, host or name
        self.up, self.paused_until = True, 0.0
        self.got = []
        self.clock = clock  # a kernel: record (message, arrival time)

    def on_probe(self, msg):
        self.got.append(msg if self.clock is None else (msg, self.clock.now))

    def refused(self, link, kind, msg):
        self.got.append(("refused", msg))


def _net(jitter=0.004):
    k = Kernel(3)
    return k, Network(k, LinkSpec(0.001, jitter))


def test_links_are_fifo_despite_jitter():
    k, net = _net()
    a, b = _Ep("a"), _Ep("b")
    link = net.link(a, b)
    for i in range(200):
        k.at(i * 0.0001, lambda i: net.send(link, PROBE, i), i)
    k.run(1)
    assert b.got == list(range(200))


def test_partition_drops_both_ways_and_one_way_only_one():
    k, net = _net(0)
    a, b = _Ep("a"), _Ep("b")
    f = parse_fault("partition a|b from 1s to 2s")
    net.set_blocked(blocked_pairs(f, lambda n: n))
    net.send(net.link(a, b), PROBE, "x")
    net.send(net.link(b, a), PROBE, "y")
    one_way = parse_fault("partition a -> b from 1s to 2s")
    net.set_blocked(blocked_pairs(one_way, lambda n: n))
    net.send(net.link(a, b), PROBE, "x2")
    net.send(net.link(b, a), PROBE, "y2")
    k.run(1)
    assert b.got == [] and a.got == ["y2"]


def test_message_in_flight_when_partition_starts_is_dropped_and_pause_defers():
    k, net = _net(0)
    a, b, c = _Ep("a"), _Ep("b"), _Ep("c", clock=k)
    net.send(net.link(a, b), PROBE, "lost")
    net.send(net.link(a, c), PROBE, "late")
    net.set_blocked({("a", "b")})
    net.paused(c, 0.5)
    net.send(net.link(a, c), PROBE, "later")
    k.run(1)
    assert b.got == [] and c.got == [("late", 0.5), ("later", 0.5)]


def test_crash_drops_what_was_in_flight_both_ways_and_refuses_new_messages():
    k, net = _net(0)
    a, b = _Ep("a"), _Ep("b")
    net.send(net.link(a, b), PROBE, "to-dead")
    net.send(net.link(b, a), PROBE, "from-dead")
    b.up = False
    net.crashed(b)
    net.send(net.link(a, b), PROBE, "after")
    k.run(1)
    assert a.got == [] and b.got == [("refused", "after")]


def test_same_host_endpoints_are_never_partitioned():
    f = parse_fault("partition n1,c1|n2 from 1s to 2s")
    pairs = blocked_pairs(f, {"n1": "n1", "c1": "n1", "n2": "n2"}.get)
    assert ("n1", "n2") in pairs and ("n1", "n1") not in pairs
