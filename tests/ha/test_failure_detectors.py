"""Failure detectors: detection time vs false suspicions; recovery supervisor; quorum store."""

from __future__ import annotations

import json

from protolab.ha.health import HealthSpec, run_health
from protolab.replication.membership import quorum_demo


def test_timeout_detector_detects_a_crash_after_the_timeout_and_suspects_a_long_pause():
    r = run_health(HealthSpec(detector="timeout", timeout=3, jitter=0.01, pauses=["n2 at 10s for 5s"],
                              crashes=["n3 at 30s"]), sweep=False, quorum=False)
    true = [s for s in r.suspicions if s.true]
    # silence is counted from the last heartbeat, which came up to one period before the crash
    assert [s.node for s in true] == ["n3"] and 3.0 - 1.0 <= true[0].after_s <= 3.1
    false = [s for s in r.suspicions if not s.true]
    assert [s.node for s in false] == ["n2"] and 12.0 < false[0].start < 14.0  # alive but silent: a false one


def test_shorter_timeouts_detect_faster_but_suspect_more_under_jitter():
    r = run_health(HealthSpec(jitter=0.3, crashes=["n3 at 30s"]), quorum=False)
    rows = [row for row in r.sweep if row.setting.startswith("timeout")]
    detections = [row.detection_s for row in rows]
    assert detections == sorted(detections)  # longer timeout, slower detection
    assert rows[0].false_suspicions > rows[-1].false_suspicions == 0


def test_phi_accrual_adapts_and_supervisor_turns_false_suspicions_into_outages():
    calm = run_health(HealthSpec(detector="phi-accrual", jitter=0.01, crashes=["n1 at 20s"]), sweep=False,
                      quorum=False)
    assert calm.detection_s < 3.0  # steady heartbeats: phi rises fast after the last one
    paused = HealthSpec(detector="timeout", timeout=2, jitter=0.01, pauses=["n2 at 10s for 4s"], recover="restart")
    r = run_health(paused, sweep=False, quorum=False)
    n2 = next(n for n in r.nodes if n.name == "n2")
    assert n2.false_suspicions == 1 and n2.down_s == 5.0  # the supervisor restarted a live node
    crash = run_health(HealthSpec(timeout=3, jitter=0.01, crashes=["n3 at 30s"], recover="replace"), sweep=False,
                       quorum=False)
    n3 = next(n for n in crash.nodes if n.name == "n3")
    assert n3.mttr_s == n3.detections[0] + 30.0 and 2.0 <= n3.detections[0] <= 3.1 and n3.availability == 0.5


def test_quorum_store_lets_only_the_majority_record_verdicts():
    rows = {q.store.split()[0]: q for q in run_health(HealthSpec(), sweep=False, quorum=quorum_demo).quorum}
    assert rows["raft"].minority_acked == 0 and rows["raft"].majority_acked > 0
    assert rows["no"].minority_acked > 0 and rows["no"].majority_acked > 0


def test_cli_health_json_metrics_and_bad_input(cli, tmp_path):
    m = tmp_path / "h.txt"
    r = cli("ha", "health", "--detector", "phi-accrual", "--pause", "n2 at 10s for 4s", "--crash", "n3 at 30s",
            "--metrics", str(m), "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["detector"] == "phi-accrual" and any(s["true"] for s in data["suspicions"])
    text = m.read_text()
    assert text.endswith("# EOF\n") and 'protolab_suspected{detector="phi-accrual",seed="1",node="n3"} 1' in text
    for bad, message in ((("--detector", "psychic"), "--detector"), (("--pause", "n9 at 1s for 1s"), "no node 'n9'"),
                         (("--crash", "n1 at -5s"), "negative"), (("--heartbeat", "0s"), "positive")):
        res = cli("ha", "health", *bad)
        assert res.exit_code == 2 and message in res.stderr and len(res.stderr.strip().splitlines()) == 1
