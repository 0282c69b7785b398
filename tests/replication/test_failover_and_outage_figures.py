"""The failover and unavailability figures of a replication result: failover timed from the fault that hits
the writer, an outage no write ends flagged as a lower bound (and said so in the views)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from protolab.replication.history import FAIL, INVOKE, OK, History
from protolab.replication.metrics import _failover, _unavailability

from .runs import run_json


def first(result: dict, kind: str) -> float:
    return next(e["time"] for e in result["timeline"] if e["kind"] == kind)


def test_failover_is_timed_from_the_primary_crash_not_an_earlier_replica_pause(cli):
    res = run_json(cli, "async-crash", "--seed", "1", "--fault", "pause n2 at 1s for 0.5s",
                   "--fault", "crash primary at 5s")
    crash = next(e["time"] for e in res["timeline"] if e["kind"] == "crash")
    assert crash == 5.0
    assert res["failover_s"] == pytest.approx(first(res, "+switch-master") - crash, abs=1e-6)
    assert 1.0 < res["failover_s"] < 3.5  # timed from the pause of n2 at 1 s it would be 6.19


def test_zone_down_with_the_leader_starts_a_failover(cli):
    res = run_json(cli, "multi-region-raft")
    zone = next(e for e in res["timeline"] if e["kind"] == "zone-down")
    assert "n1" in zone["detail"]  # the leader's zone
    assert res["failover_s"] is not None and res["failover_s"] > 0  # zone-down counts as a fault on the writer


def test_failover_needs_a_fault_on_the_writer():
    sim = SimpleNamespace(
        roles=[(0.0, "n1", "primary", None), (0.0, "n2", "replica", None), (3.0, "n2", "primary", None)],
        events=[(1.0, "nemesis", "pause", "n2 for 0.5s"), (2.0, "nemesis", "crash", "n1"),
                (3.0, "s1", "+switch-master", "n1 -> n2 (epoch 1)")])
    assert _failover(sim, {"primary"}) == 1.0
    sim.events = [(1.0, "nemesis", "pause", "n2 for 0.5s"), (3.0, "s1", "+switch-master", "n1 -> n2")]
    assert _failover(sim, {"primary"}) is None  # nothing hit the primary
    sim.events = [(2.0, "nemesis", "isolate", "primary from 2s to 9s"), (3.0, "s1", "+switch-master", "n1 -> n2")]
    assert _failover(sim, {"primary"}) == 1.0


def _history(outcomes: list[tuple[float, bool]]) -> SimpleNamespace:
    h = History()
    for wid, (t, ok) in enumerate(outcomes, 1):
        h.add(t, "c1", INVOKE, "write", 0, wid, "n1")
        h.add(t + 0.001, "c1", OK if ok else FAIL, "write", 0, wid, "n1")
    return SimpleNamespace(history=h)


def test_an_outage_no_write_ends_is_flagged_as_a_lower_bound():
    rto, windows, still_open = _unavailability(_history([(0, True), (1, False), (2, False), (3, True)]))
    assert (rto, still_open) == (2.0, False)
    rto, windows, still_open = _unavailability(_history([(0, True), (1, False), (2, False), (4, False)]))
    assert (rto, still_open) == (pytest.approx(3.001), True)
    # a longer closed outage before a short open one: the RTO is the closed one, a real recovery time
    rto, _w, still_open = _unavailability(_history([(0, False), (5, True), (6, False)]))
    assert (rto, still_open) == (5.0, False)


def test_sync_crash_that_never_recovers_says_so(cli, tmp_path):
    history = tmp_path / "h.jsonl"
    res = run_json(cli, "sync-crash", "--seed", "11", "--history", str(history))
    crash = next(e["time"] for e in res["timeline"] if e["kind"] == "crash")
    ops = [json.loads(line) for line in history.read_text().splitlines()]
    assert ops and not [op for op in ops if op["type"] == "ok" and op["time"] > crash]  # WAIT 2 with one replica left
    assert res["rto_open"] is True and res["rto_s"] > 4.0
    assert run_json(cli, "async-crash")["rto_open"] is False
    r = cli("replicate", "run", "sync-crash", "--seed", "11")
    assert "not recovered by the end of the load" in r.stdout
    r = cli("replicate", "compare", "sync-crash", "--seed", "11", "--modes", "async,sync")
    assert r.exit_code == 0 and f">={res['rto_s']:.4g}" in r.stdout.replace(" ", "")
