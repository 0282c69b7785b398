"""The simulator's building blocks: kernel order, network model, fault grammar, history format."""

from __future__ import annotations

import io

import pytest

from protolab.errors import BadInput
from protolab.replication.faults import blocked_pairs, parse_fault
from protolab.replication.history import History, read_jsonl
from protolab.replication.idlog import IdLog
from protolab.replication.messages import CONTROL, Message
from protolab.replication.network import LinkSpec, Network
from protolab.sim.durations import parse_duration
from protolab.sim.kernel import Kernel


def test_kernel_runs_in_time_order_and_fifo_at_equal_times():
    k = Kernel(1)
    seen = []
    for t, tag in [(2.0, "c"), (1.0, "a"), (1.0, "b"), (3.0, "late")]:
        k.at(t, seen.append, tag)
    k.run(2.5)
    assert seen == ["a", "b", "c"]
    assert k.now == 2.5 and k.events == 3
    k.run(10)
    assert seen[-1] == "late"


def test_kernel_never_schedules_in_the_past():
    k = Kernel(1)
    k.at(5.0, lambda _: k.at(1.0, seen.append, "x"))
    seen = []
    k.run(10)
    assert seen == ["x"]


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


@pytest.mark.parametrize("text,kind,at,until", [
    ("crash primary at 2s", "crash", 2.0, None),
    ("crash n1 at 2s for 3s", "crash", 2.0, 5.0),
    ("pause n2 at 1500ms for 0.5s", "pause", 1.5, 2.0),
    ("partition n1|n2,n3 from 3s to 9s", "partition", 3.0, 9.0),
    ("delay n1|n2 200ms from 1s to 2s", "delay", 1.0, 2.0),
    ("loss n1|n2 30% from 1s to 2s", "loss", 1.0, 2.0),
    ("skew n2 -500ms", "skew", 0.0, None),
])
def test_fault_grammar(text, kind, at, until):
    f = parse_fault(text)
    assert (f.kind, f.at, f.until) == (kind, at, until)


@pytest.mark.parametrize("text", ["explode n1 at 2s", "crash n1 at soon", "partition n1 from 1s to 2s",
                                  "partition n1|n2 from 5s to 2s", "loss n1|n2 300% from 1s to 2s",
                                  "partition n1|n1 from 1s to 2s"])
def test_bad_faults_are_one_clear_error(text):
    with pytest.raises(BadInput) as err:
        parse_fault(text)
    assert "\n" not in str(err.value)


def test_durations():
    assert parse_duration("1500ms") == 1.5 and parse_duration("2s") == 2 and parse_duration(3) == 3.0
    with pytest.raises(BadInput):
        parse_duration("-1s")
    assert parse_duration("-500ms", signed=True) == -0.5


def test_history_jsonl_round_trip_and_pairs():
    h = History()
    h.add(0.1, "c1", "invoke", "write", 0, 1, "n1")
    h.add(0.2, "c1", "invoke", "write", 1, 2, "n1")
    h.add(0.3, "c1", "info", "write", 1, 2, "n1", "timeout")
    h.add(0.4, "c1", "ok", "write", 0, 1, "n1")
    out = io.StringIO()
    h.write_jsonl(out)
    lines = out.getvalue().splitlines()
    assert lines[2] == ('{"index":2,"time":0.3,"process":"c1","type":"info","f":"write","key":1,"value":2,'
                        '"node":"n1","error":"timeout"}')
    assert read_jsonl(lines) == h.ops
    assert [(i[5], d[2]) for i, d in h.pairs()] == [(1, "ok"), (2, "info")]
    counts_only = History(keep=False)
    counts_only.add(0.1, "c1", "invoke", "write", 0, 1, "n1")
    assert counts_only.ops == [] and counts_only.counts["invoke"] == 1


def test_idlog_runs_stay_compact_and_suffix():
    log = IdLog()
    for wid in [*range(1, 1001), 5000, 5001, 7]:
        log.append(wid)
    assert len(log) == 1003 and len(log.starts) == 3
    assert log.suffix(999) == [1000, 5000, 5001, 7]
    assert list(log.copy())[-3:] == [5000, 5001, 7]
