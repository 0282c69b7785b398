"""What each database mode promises, each claim checked from the recorded history and the final node states.

The helpers here recompute losses straight from the history (ok writes whose id is missing from
the node the clients would now write to) instead of trusting the result object alone.
"""

from __future__ import annotations

import json

import pytest

from protolab.render.jsonout import dumps
from protolab.replication.faults import parse_fault
from protolab.replication.runner import simulate
from protolab.replication.scenario import load


def _run(name, mode=None, **changes):
    sc = load(name)
    if mode is not None:
        sc = sc.with_mode(mode)
    for key, value in changes.items():
        obj = sc
        *path, last = key.split("__")
        for p in path:
            obj = getattr(obj, p)
        setattr(obj, last, value)
    sc.validate()
    return simulate(sc)


def _acked(sim):
    return {inv[5]: (inv, done) for inv, done in sim.history.pairs() if done is not None and done[2] == "ok"}


def _lost_from_history(sim):
    writer = sim.current_writer()
    final = writer.final_items()
    return {wid: pair for wid, pair in _acked(sim).items() if wid not in final}


@pytest.fixture(scope="module")
def crash_runs():
    return {mode: _run("async-crash", mode) for mode in ("async", "semi-sync", "sync", "raft")}


def test_async_primary_crash_loses_acknowledged_writes_when_lag_is_positive(crash_runs):
    sim, r = crash_runs["async"]
    assert r.lag_ms.max > 0
    lost = _lost_from_history(sim)
    assert len(lost) == r.acked_lost > 0
    crash = next(e.time for e in r.timeline if e.kind == "crash")
    for inv, done in lost.values():  # acknowledged by the old primary just before it died
        assert inv[6] == "n1" and crash - 0.1 < done[0] <= crash
    assert sim.nodes["n1"].up is False and sim.current_writer().name != "n1"


@pytest.mark.parametrize("mode", ["semi-sync", "sync", "raft"])
def test_waiting_modes_lose_no_acknowledged_write_on_the_same_crash(crash_runs, mode):
    sim, r = crash_runs[mode]
    assert r.writes.ok > 300
    assert _lost_from_history(sim) == {} and r.acked_lost == 0
    assert all(c.ok for c in r.checks)


def test_sync_is_slower_than_async(crash_runs):
    assert crash_runs["sync"][1].latency_ms.p50 > 20 * crash_runs["async"][1].latency_ms.p50


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_sentinel_failover_with_redis_defaults_takes_2_to_3_seconds(seed):
    sim, r = _run("async-crash", seed=seed)
    s = sim.scenario.sentinel
    assert (s.down_after, s.quorum, s.count, s.failover_timeout) == (1.0, 2, 3, 3.0)
    crash = next(e.time for e in r.timeline if e.kind == "crash")
    kinds = [e.kind for e in r.timeline if e.time > crash]
    for step in ("+sdown", "+odown", "+try-failover", "+elected-leader", "+selected-slave", "+promoted-slave",
                 "+switch-master"):
        assert step in kinds
    assert 2.0 <= r.failover_s <= 3.0
    sdown = next(e.time for e in r.timeline if e.kind == "+sdown") - crash
    assert 1.0 <= sdown <= 1.2  # down-after 1000 ms from the connection reset, as real Sentinel shows


def test_sentinel_promotes_the_replica_with_the_largest_offset():
    sim, r = _run("async-crash", faults=[], duration=3.0)
    sentinel = sim.sentinels[0]
    for name, offset in (("n2", 10), ("n3", 12)):
        inst = sentinel.inst[name]
        inst.info = (name, "replica", "n1", True, offset, 100, sim.nodes[name].runid)
        inst.info_time = sim.kernel.now
    assert sentinel.select_replica(sim.kernel.now) == "n3"
    sentinel.inst["n3"].info = ("n3", "replica", "n1", True, 12, 200, "0")  # worse priority wins nothing
    assert sentinel.select_replica(sim.kernel.now) == "n2"


@pytest.fixture(scope="module")
def split_runs():
    return {
        "plain": _run("sentinel-split-brain"),
        "min1": _run("sentinel-split-brain", replication__min_replicas_to_write=1),
        "min1-2s": _run("sentinel-split-brain", replication__min_replicas_to_write=1,
                        replication__min_replicas_max_lag=2.0),
    }


def test_split_brain_runs_two_primaries_and_loses_the_minority_sides_writes(split_runs):
    sim, r = split_runs["plain"]
    assert r.two_primaries_s > 5
    lost = _lost_from_history(sim)
    assert len(lost) == r.acked_lost > 100
    # every lost write was acknowledged by the isolated old primary, to the client on its side
    assert {inv[1] for inv, _ in lost.values()} == {"c1"}
    assert {inv[6] for inv, _ in lost.values()} == {"n1"}
    assert any(e.kind == "+convert-to-slave" for e in r.timeline)
    assert r.divergence.converged  # after the heal the old primary resynced: one history again


def test_min_replicas_to_write_shrinks_the_split_brain_loss(split_runs):
    plain, min1, min1_2s = (split_runs[k][1].acked_lost for k in ("plain", "min1", "min1-2s"))
    assert plain > min1 > min1_2s > 0
    noreplicas = [d for _i, d in split_runs["min1-2s"][0].history.pairs() if d and d[7] == "noreplicas"]
    assert noreplicas  # the isolated primary refused writes once its replicas went quiet


def _leaders_per_term(sim):
    terms = {}
    for _t, node, role, term in sim.roles:
        if role == "leader":
            terms.setdefault(term, set()).add(node)
    return terms


def test_raft_partition_one_leader_per_term_and_no_committed_write_lost():
    sim, r = _run("raft-partition")
    terms = _leaders_per_term(sim)
    assert len(terms) >= 2 and all(len(nodes) == 1 for nodes in terms.values())
    assert r.max_leaders_per_term == 1
    assert _lost_from_history(sim) == {} and r.acked_lost == 0
    assert r.two_primaries_s > 0  # the deposed leader still believed it led, but could not commit
    assert dict((c.resolution, c.count) for c in r.conflicts).get("raft-truncated", 0) > 0
    c1 = [d for i, d in sim.history.pairs() if i[1] == "c1" and 4 < i[0] < 9]
    assert c1 and all(d is None or d[2] != "ok" for d in c1)  # the minority side committed nothing
    assert r.divergence.converged


def test_lww_loses_under_skew_what_version_vectors_keep_and_the_crdt_merges():
    runs = {s: _run("multi-primary-skew", strategy=s) for s in ("lww", "vv", "crdt")}
    lww_sim, lww = runs["lww"]
    lost = set(_lost_union(lww_sim))
    assert lost and lww.acked_lost == len(lost)
    assert all(inv[6] == "n2" for inv, _d in (_acked(lww_sim)[w] for w in lost))  # the slow clock's writes
    for strategy in ("vv", "crdt"):
        sim, r = runs[strategy]
        finals = [n.final_items() for n in sim.nodes.values()]
        assert all(lost <= f for f in finals) and r.acked_lost == 0
    vv = dict((c.resolution, c.count) for c in runs["vv"][1].conflicts)
    assert vv.get("vv-siblings", 0) > 0
    assert dict((c.resolution, c.count) for c in runs["crdt"][1].conflicts).get("crdt-merged", 0) > 0
    assert dict((c.resolution, c.count) for c in lww.conflicts).get("lww-overwrote", 0) > 0


def _lost_union(sim):
    final = set().union(*(n.final_items() for n in sim.nodes.values()))
    return [w for w in _acked(sim) if w not in final]


def test_same_seed_same_json_and_different_seeds_differ():
    a = dumps(_run("sentinel-split-brain")[1])
    b = dumps(_run("sentinel-split-brain")[1])
    c = dumps(_run("sentinel-split-brain", seed=2)[1])
    assert a == b and a != c
    assert json.loads(a)["latency_ms"] != json.loads(c)["latency_ms"]


def test_a_paused_primary_is_replaced_and_its_late_writes_are_unknown_not_acknowledged():
    sim, r = _run("async-crash", faults=[parse_fault("pause primary at 3s for 4s")])
    kinds = {e.kind for e in r.timeline}
    assert {"+switch-master", "+convert-to-slave"} <= kinds
    late = [(i, d) for i, d in sim.history.pairs() if i[6] == "n1" and d is not None and d[0] > 3.0]
    assert late and all(d[2] == "info" for _i, d in late)  # timed out while n1 stood still
    assert r.acked_lost == 0 and r.unknown_lost == len(late)
    assert r.two_primaries_s > 4 and r.divergence.converged


def test_toml_links_one_way_and_exponential_latency(tmp_path):
    from protolab.replication.scenario import load_file

    path = tmp_path / "s.toml"
    path.write_text('mode = "async"\nseed = 3\n[[link]]\nbetween = ["n1", "n2"]\nlatency = "30ms"\n'
                    'jitter = "10ms"\ndist = "exp"\none_way = true\n[[client]]\nname = "c1"\nnear = "n1"\n'
                    'writes = 200\nrate = 100\n')
    sc = load_file(path)
    link = sc.links[0]
    assert (link.a, link.b, link.one_way, link.spec.dist, link.spec.base) == ("n1", "n2", True, "exp", 0.03)
    sim, r = simulate(sc)
    lags = {name: node.lag.max_ms() for name, node in sim.nodes.items() if name != "n1"}
    assert lags["n2"] > 30 > lags["n3"]  # only n1 -> n2 is slow, with an exponential tail


def test_a_primary_restarting_empty_before_sentinel_notices_takes_its_replicas_data_with_it():
    sim, r = _run("restart-without-persistence")
    crash = 3.0
    before = {w for w, (_inv, done) in _acked(sim).items() if done[0] < crash}
    assert before and set(_lost_from_history(sim)) == before and r.acked_lost == len(before)
    assert r.failover_s is None and not any(e.kind == "+sdown" for e in r.timeline)  # back within down-after
    assert all(before.isdisjoint(n.final_items()) for n in sim.nodes.values())  # gone from every node
