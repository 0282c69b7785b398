"""The simulator held to real servers: the same scenario on both, repeated, medians side by side.

Each backend runs the scenario ``repeat`` times: the simulator with seeds seed, seed+1, ...
(it is deterministic, so repeats differ only by seed), the real servers with the same seeds for
the proxies' jitter and loss draws. For each measure (``MEASURES``) the row shows both medians,
the difference (measured - predicted) and the prediction's error relative to the measurement.
The judged measures - failover time, RTO, acknowledged writes lost, writes unknown, time with two
primaries - each get a verdict: the predicted median within ``tolerance`` of the measured one
("agree"), else "disagree"; where the measurement is 0 only 0 agrees (no relative error exists),
and a measure one backend saw happen and the other did not (a failover) disagrees. Counts are
judged as times are: a yes/no "both lost writes" verdict called a 62 % miss an agreement.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from dataclasses import dataclass, field

from protolab.errors import BadInput

BACKENDS = ("sim", "redis")
TOLERANCE = 0.30  # the default of --tolerance
MAX_TOLERANCE = 10.0  # 1000 %: past that nothing is being checked
# measure -> (unit, how to read it from a RunResult, judged: whether it gets a verdict)
MEASURES = {
    "failover time (fault -> +switch-master)": ("s", lambda r: r.failover_s, True),
    "RTO (longest unavailability)": ("s", lambda r: r.rto_s, True),
    "unavailability, total": ("s", lambda r: r.unavailable_s, False),
    "acknowledged writes lost": ("writes", lambda r: r.acked_lost, True),
    "time with two primaries": ("s", lambda r: r.two_primaries_s, True),
    "writes acknowledged": ("writes", lambda r: r.writes.ok, False),
    "writes failed": ("writes", lambda r: r.writes.fail, False),
    "writes unknown": ("writes", lambda r: r.writes.info, True),
    "write latency p50": ("ms", lambda r: r.latency_ms.p50, False),
    "write latency p99": ("ms", lambda r: r.latency_ms.p99, False),
    "replication lag p50": ("ms", lambda r: r.lag_ms.p50, False),
    "replication lag max": ("ms", lambda r: r.lag_ms.max, False),
}


@dataclass
class MeasureRow:
    measure: str
    unit: str
    medians: dict[str, float | None]  # backend -> median over the repeats
    runs: dict[str, list]  # backend -> every run's value
    difference: float | None  # redis - sim
    error_pct: float | None  # (sim - redis) / redis * 100
    verdict: str | None = None  # "agree" / "disagree" on a judged measure when both backends ran
    why: str | None = None  # the verdict's reason, in words


@dataclass
class BackendComparison:
    scenario: str
    mode: str
    seed: int
    repeat: int
    faults: list[str]
    backends: list[str]
    rows: list[MeasureRow]
    tolerance: float
    verdict: str | None  # "agree" when every judged measure agrees, else "disagree"; None without both
    notes: list[str] = field(default_factory=list)


def parse_backends(text: str) -> list[str]:
    names = [b.strip() for b in text.split(",") if b.strip()]
    unknown = [b for b in names if b not in BACKENDS]
    if not names or unknown or len(set(names)) != len(names):
        raise BadInput(f"--backends {text!r}: a comma-separated list of {', '.join(BACKENDS)}, each once")
    return names


def parse_tolerance(text: str) -> float:
    """``30%`` -> 0.3 (a percentage, so that 0.3 is never mistaken for 30 %)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", text)
    value = float(m.group(1)) / 100 if m else None
    if value is None or value > MAX_TOLERANCE:
        raise BadInput(f"--tolerance {text!r}: a percentage from 0% to {MAX_TOLERANCE * 100:g}%, such as 30%")
    return value


def judge(predicted, measured, tolerance: float) -> tuple[str, str]:
    """(verdict, why) for one measure's medians."""
    if predicted is None or measured is None:
        if predicted is None and measured is None:
            return "agree", "none on either backend"
        return "disagree", f"none on {'sim' if predicted is None else 'redis'}, one on the other"
    if measured == 0:
        return ("agree", "both 0") if predicted == 0 else ("disagree", "measured 0, so only 0 agrees")
    error = (predicted - measured) / measured
    ok = abs(error) <= tolerance + 1e-12  # 1e-12: a median exactly at the bound is within it
    return ("agree" if ok else "disagree"), f"{error * 100:+.1f}%, {'within' if ok else 'past'} ±{tolerance * 100:g}%"


def _median(values: list):
    present = [v for v in values if v is not None]
    if not present:
        return None
    m = statistics.median(present)
    return round(m, 6) if isinstance(m, float) else m


def compare_backends(scenario, backends: list[str], repeat: int, run_redis, advance=None,
                     tolerance: float = TOLERANCE) -> BackendComparison:
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
    return summarize(scenario, results, tolerance)


def summarize(scenario, results: dict[str, list], tolerance: float = TOLERANCE) -> BackendComparison:
    """The comparison of runs already made: backend -> its RunResults, one per repeat."""
    backends = list(results)
    repeat = max(len(runs) for runs in results.values())
    both = "sim" in backends and "redis" in backends
    rows = []
    for measure, (unit, read, judged) in MEASURES.items():
        runs = {b: [read(r) for r in results[b]] for b in backends}
        medians = {b: _median(v) for b, v in runs.items()}
        diff = err = verdict = why = None
        if both and None not in (medians["sim"], medians["redis"]):
            diff = round(medians["redis"] - medians["sim"], 6)
            if medians["redis"]:
                err = round((medians["sim"] - medians["redis"]) / medians["redis"] * 100, 1)
        if both and judged:
            verdict, why = judge(medians["sim"], medians["redis"], tolerance)
        rows.append(MeasureRow(measure, unit, medians, runs, diff, err, verdict, why))
    overall = None
    if both:
        overall = "agree" if all(r.verdict != "disagree" for r in rows) else "disagree"
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
                             backends, rows, tolerance, overall, notes)
