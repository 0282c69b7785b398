"""`--metrics FILE`: a run's time series in the OpenMetrics text format (what Prometheus scrapes and
``promtool tsdb create-blocks-from openmetrics`` imports), one sample per simulated second.

Series (all gauges, labelled with the scenario and seed):
    protolab_availability          ok / completed writes invoked in that second (1 = all succeeded)
    protolab_write_latency_seconds mean latency of the ok writes invoked in that second
    protolab_ops{outcome}    operations invoked in that second, by outcome
    protolab_leader{node}          1 for the node that held the writer role at the end of the second
    protolab_fault_active{kind}    faults in force at the end of the second
    protolab_detections            Sentinel SDOWN/ODOWN and Raft elections seen in that second
The text format and its timestamps (simulated time on a fixed Unix base) come from protolab.sim.openmetrics.
"""

from __future__ import annotations

import math

from protolab.replication.history import INVOKE, OK, WRITE_FS
from protolab.sim.openmetrics import Series, render_series

DETECTIONS = {"+sdown", "+odown", "+elected-leader"}


def series(sim) -> Series:
    """metric -> [(labels, second, value)]."""
    seconds = max(1, math.ceil(sim.end))
    done = {op[5]: op for op in sim.history.ops if op[2] != INVOKE}
    count = [dict(ok=0, fail=0, info=0) for _ in range(seconds)]
    lat = [[0.0, 0] for _ in range(seconds)]
    for op in sim.history.ops:
        if op[2] != INVOKE or op[3] not in WRITE_FS:
            continue
        s = min(int(op[0]), seconds - 1)
        d = done.get(op[5])
        outcome = d[2] if d is not None else "info"
        count[s][outcome] += 1
        if outcome == OK:
            lat[s][0] += d[0] - op[0]
            lat[s][1] += 1
    out: dict[str, list] = {k: [] for k in ("protolab_availability", "protolab_write_latency_seconds",
                                             "protolab_ops", "protolab_leader", "protolab_fault_active",
                                             "protolab_detections")}
    writer_roles = {"primary", "leader"}
    roles = sorted(sim.roles, key=lambda r: r[0])
    current: dict[str, str] = {}
    r = 0
    detections = [0] * seconds
    for t, _src, kind, detail in sim.events:
        if kind in DETECTIONS or (kind == "role" and detail.startswith("leader")):
            detections[min(int(t), seconds - 1)] += 1
    for s in range(seconds):
        c = count[s]
        completed = c["ok"] + c["fail"] + c["info"]
        if completed:
            out["protolab_availability"].append(({}, s, round(c["ok"] / completed, 6)))
        if lat[s][1]:
            out["protolab_write_latency_seconds"].append(({}, s, round(lat[s][0] / lat[s][1], 6)))
        for outcome in ("ok", "fail", "info"):
            out["protolab_ops"].append(({"outcome": outcome}, s, c[outcome]))
        while r < len(roles) and roles[r][0] <= s + 1:
            current[roles[r][1]] = roles[r][2]
            r += 1
        for node in sorted(current):
            out["protolab_leader"].append(({"node": node}, s, 1 if current[node] in writer_roles else 0))
        active: dict[str, int] = {}
        for kind, _what, start, stop in sim.fault_log:
            if start <= s + 1 and (stop is None or stop > s + 1):
                active[kind] = active.get(kind, 0) + 1
        for kind in sorted(active):
            out["protolab_fault_active"].append(({"kind": kind}, s, active[kind]))
        out["protolab_detections"].append(({}, s, detections[s]))
    return out


HELP = {
    "protolab_availability": "Share of the writes invoked in this second that succeeded.",
    "protolab_write_latency_seconds": "Mean latency of the successful writes invoked in this second.",
    "protolab_ops": "Writes invoked in this second, by outcome.",
    "protolab_leader": "1 when the node takes writes (primary or Raft leader).",
    "protolab_fault_active": "Faults in force.",
    "protolab_detections": "Failure detections and elections in this second.",
}


def write_openmetrics(sim, out, extra: dict | None = None) -> None:
    base = {"scenario": sim.scenario.name, "seed": sim.scenario.seed, **(extra or {})}
    render_series(series(sim), base, out, HELP)
