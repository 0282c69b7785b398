"""The replication lab's tour stop: async vs sync replication under the same primary crash."""

from __future__ import annotations

from protolab.tourstop import StopReport, TourStop


def run() -> StopReport:
    from protolab.replication.runner import simulate
    from protolab.replication.scenario import load

    base = load("async-crash")
    lines = [f"Same load (200 writes/s), same fault ({base.faults[0].text}), replicas 20 ms away, seed {base.seed}:"]
    results = {}
    for mode in ("async", "sync"):
        _sim, r = simulate(base.with_mode(mode))
        results[mode] = r
        lines.append(f"  {mode:<5} p50 {r.latency_ms.p50:>6.2f} ms  acked {r.writes.ok:>4}  lost {r.acked_lost:>2} "
                     f"(RPO {(r.rpo_s or 0) * 1000:.0f} ms)  unknown {r.writes.info:>3}  failover {r.failover_s:.2f} s")
    a, s = results["async"], results["sync"]
    lines.append(f"Async answers at once, but its last {a.acked_lost} acknowledged writes never reached a replica.")
    lines.append(f"Sync waits a round trip ({s.latency_ms.p50:.0f} ms) and loses none; with one replica left after the")
    lines.append("failover, 'wait for all' times out: those writes end unknown. Numbers come from the history.")
    lines.append("Try: protolab replicate compare async-crash --modes async,semi-sync,sync,raft")
    ok = a.acked_lost > 0 and a.lag_ms.max and s.acked_lost == 0 and 2.0 <= (a.failover_s or 0) <= 3.0
    return StopReport("replicate", "Replication: async vs sync when the primary crashes", lines, bool(ok))


STOP = TourStop("replicate", "Replication: async vs sync when the primary crashes", run)
