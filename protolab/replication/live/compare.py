"""The simulator held to real servers: the same scenario on both, repeated, medians side by side.

Each backend runs the scenario ``repeat`` times: the simulator with seeds seed, seed+1, ...
(it is deterministic, so repeats differ only by seed), the real servers with the same seeds for
the proxies' jitter and loss draws. For each measure (``MEASURES``) the row shows both medians,
the difference (measured - predicted) and the prediction's error relative to the measurement.
Two verdicts: RTO predicted within ``RTO_TOLERANCE`` of the measured median,
and loss predicted exactly where it was measured (acknowledged writes lost > 0 in the median run
of both, or of neither).
"""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass, field

from protolab.errors import BadInput

BACKENDS = ("sim", "redis")
RTO_TOLERANCE = 0.30
# measure -> (unit, how to read it from a RunResult)
MEASURES = {
    "failover time (fault -> +switch-master)": ("s", lambda r: r.failover_s),
    "RTO (longest unavailability)": ("s", lambda r: r.rto_s),
    "unavailability, total": ("s", lambda r: r.unavailable_s),
    "acknowledged writes lost": ("writes", lambda r: r.acked_lost),
    "time with two primaries": ("s", lambda r: r.two_primaries_s),
    "writes acknowledged": ("writes", lambda r: r.writes.ok),
    "writes failed": ("writes", lambda r: r.writes.fail),
    "writes unknown": ("writes", lambda r: r.writes.info),
    "write latency p50": ("ms", lambda r: r.latency_ms.p50),
    "write latency p99": ("ms", lambda r: r.latency_ms.p99),
    "replication lag p50": ("ms", lambda r: r.lag_ms.p50),
    "replication lag max": ("ms", lambda r: r.lag_ms.max),
}


@dataclass
class MeasureRow:
    measure: str
    unit: str
    medians: dict[str, float | None]  # backend -> median over the repeats
    runs: dict[str, list]  # backend -> every run's value
    difference: float | None  # redis - sim
    error_pct: float | None  # (sim - redis) / redis * 100


@dataclass
class BackendComparison:
    scenario: str
    mode: str
    seed: int
    repeat: int
    faults: list[str]
    backends: list[str]
    rows: list[MeasureRow]
    rto_within_tolerance: bool | None
    loss_predicted: bool | None
    loss_measured: bool | None
    loss_agrees: bool | None
    notes: list[str] = field(default_factory=list)


def parse_backends(text: str) -> list[str]:
    names = [b.strip() for b in text.split(",") if b.strip()]
    unknown = [b for b in names if b not in BACKENDS]
    if not names or unknown or len(set(names)) != len(names):
        raise BadInput(f"--backends {text!r}: a comma-separated list of {', '.join(BACKENDS)}, each once")
    return names


def _median(values: list):
    present = [v for v in values if v is not None]
    if not present:
        return None
    m = statistics.median(present)
    return round(m, 6) if isinstance(m, float) else m


def compare_backends(scenario, backends: list[str], repeat: int, run_redis, advance=None) -> BackendComparison:
    """``run_redis(scenario) -> RunResult`` runs once on real servers (local or external)."""
    from protolab.replication.runner import simulate

    if repeat < 1:
        raise BadInput(f"--repeat must be 1 or more, got {repeat}")
    results: dict[str, list] = {b: [] for b in backends}
    for i in range(repeat):
        sc = dataclasses.replace(scenario, seed=scenario.seed + i)
        for b in backends:
            if b == "sim":
                results[b].append(simulate(sc)[1])
            else:
                results[b].append(run_redis(sc))
            if advance is not None:
                advance(1)
    rows = []
    for measure, (unit, read) in MEASURES.items():
        runs = {b: [read(r) for r in results[b]] for b in backends}
        medians = {b: _median(v) for b, v in runs.items()}
        diff = err = None
        if "sim" in medians and "redis" in medians and None not in (medians["sim"], medians["redis"]):
            diff = round(medians["redis"] - medians["sim"], 6)
            if medians["redis"]:
                err = round((medians["sim"] - medians["redis"]) / medians["redis"] * 100, 1)
        rows.append(MeasureRow(measure, unit, medians, runs, diff, err))
    by_name = {r.measure: r for r in rows}
    both = "sim" in backends and "redis" in backends
    rto = by_name["RTO (longest unavailability)"]
    rto_ok = None
    if both and rto.medians["redis"]:
        rto_ok = rto.medians["sim"] is not None and \
            abs(rto.medians["sim"] - rto.medians["redis"]) <= RTO_TOLERANCE * rto.medians["redis"]
    lost = by_name["acknowledged writes lost"].medians
    predicted = lost["sim"] > 0 if "sim" in lost else None
    measured = lost["redis"] > 0 if "redis" in lost else None
    notes = []
    for b in backends:
        still = sum(1 for r in results[b] if r.rto_open)
        if still:
            notes.append(f"{b}: in {still} of {repeat} run(s) the longest outage outlasted the load (no write "
                         "succeeded after it): its RTO is a lower bound, not a recovery time")
    if "redis" in backends:
        if any(f.kind == "skew" for f in scenario.faults):
            notes.append("clock skew cannot be applied to real processes: skipped there")
    return BackendComparison(scenario.name, scenario.mode, scenario.seed, repeat, [f.text for f in scenario.faults],
                             backends, rows, rto_ok, predicted, measured,
                             predicted == measured if both else None, notes)
