"""`ha health` with a supervisor: its recovery feeds back into the heartbeats the detector sees (one event
sequence), so a recovered node ends its suspicion, a node killed on a false suspicion stays silent until its
restart, and every figure (outages, MTTR, availability) agrees with the suspicions."""

from __future__ import annotations

import json

import pytest

from protolab.ha.health import HealthSpec, run_health

FIX = {"restart": 5.0, "replace": 30.0}


def _n(result, name):
    return next(n for n in result.nodes if n.name == name)


@pytest.mark.parametrize("detector", ["timeout", "phi-accrual"])
@pytest.mark.parametrize("recover", ["restart", "replace"])
def test_recovered_crash_ends_its_suspicion_and_every_figure_agrees(detector, recover):
    r = run_health(HealthSpec(detector=detector, crashes=["n3 at 30s"], recover=recover, duration=90),
                   sweep=False, quorum=False)
    [sus] = [s for s in r.suspicions if s.node == "n3"]
    [(down_from, back)] = r.outages["n3"]
    n3 = _n(r, "n3")
    assert sus.true and down_from == 30.0 and back == pytest.approx(sus.start + FIX[recover])
    # the new incarnation's first heartbeat ends the suspicion: after the node is back, within a heartbeat
    assert sus.end is not None and back < sus.end < back + 1.0
    assert n3.mttr_s == pytest.approx(back - 30.0) == pytest.approx(sus.after_s + FIX[recover])
    assert n3.down_s == pytest.approx(back - 30.0) and n3.availability == pytest.approx(1 - n3.down_s / 90)
    assert n3.detections == [sus.after_s] and n3.false_suspicions == 0 and r.false_suspicions == 0


def test_health_json_suspicion_ends_just_after_the_recovery(cli):
    res = cli("ha", "health", "--crash", "n3 at 30s", "--recover", "restart", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    [sus] = data["suspicions"]
    n3 = next(n for n in data["nodes"] if n["name"] == "n3")
    back = 30.0 + n3["mttr_s"]
    assert sus["end"] is not None and back < sus["end"] < back + 1.0
    assert data["outages"]["n3"] == [[30.0, pytest.approx(back)]]
    again = cli("ha", "health", "--crash", "n3 at 30s", "--recover", "restart", "--json")
    assert again.stdout == res.stdout  # same seed, byte-identical


@pytest.mark.parametrize("detector", ["timeout", "phi-accrual"])
def test_node_killed_on_a_false_suspicion_stays_silent_until_restarted(detector):
    from protolab.ha.health import run_node

    spec = HealthSpec(detector=detector, timeout=2, jitter=0.01, pauses=["n2 at 10s for 4s"], recover="restart")
    r = run_health(spec, sweep=False, quorum=False)
    [sus] = [s for s in r.suspicions if s.node == "n2"]
    [(killed, back)] = r.outages["n2"]
    assert not sus.true and killed == sus.start < 14.0 and back == pytest.approx(killed + 5.0)
    # the pause ended at 14 s, but the killed node cannot heartbeat before its restart completes
    assert back < sus.end < back + 1.0 and _n(r, "n2").down_s == 5.0
    param = spec.timeout if detector == "timeout" else spec.threshold
    heard = run_node(spec.validate(), "n2", detector, param, 5.0).arrivals
    assert not [t for t in heard if killed < t < back]


def test_without_a_supervisor_a_crashed_node_stays_suspected_and_down():
    r = run_health(HealthSpec(crashes=["n3 at 30s"], recover="none"), sweep=False, quorum=False)
    [sus] = r.suspicions
    assert sus.true and sus.end is None and r.outages["n3"] == [(30.0, 60.0)] and _n(r, "n3").mttr_s is None


def test_a_restarted_node_can_crash_again_and_is_detected_again():
    r = run_health(HealthSpec(detector="phi-accrual", crashes=["n3 at 10s", "n3 at 40s"], recover="restart"),
                   sweep=False, quorum=False)
    sus = [s for s in r.suspicions if s.node == "n3"]
    spans = r.outages["n3"]
    assert [s.true for s in sus] == [True, True] and all(s.end is not None for s in sus)
    assert [a for a, _ in spans] == [10.0, 40.0]
    for s, (_a, b) in zip(sus, spans, strict=True):
        assert b == pytest.approx(s.start + 5.0) and b < s.end < b + 1.0
    n3 = _n(r, "n3")
    assert n3.detections == [s.after_s for s in sus]
    assert n3.mttr_s == pytest.approx(sum(b - a for a, b in spans) / 2, abs=1e-3)
