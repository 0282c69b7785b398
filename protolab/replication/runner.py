"""Entry points the CLI, the tour and the tests share: run a scenario, compare modes."""

from __future__ import annotations

from protolab.replication.metrics import analyze
from protolab.replication.result import CompareResult, CompareRow, RunResult
from protolab.replication.scenario import Scenario
from protolab.replication.sim import Simulation


def simulate(scenario: Scenario, *, trace: bool = False, advance=None) -> tuple[Simulation, RunResult]:
    sim = Simulation(scenario, trace=trace).run(advance)
    return sim, analyze(sim)


def compare(scenario: Scenario, modes: list[str], advance=None) -> CompareResult:
    """The same load and faults under each mode (database modes and sync channels alike)."""
    from protolab.replication.channel_metrics import stale_reads
    from protolab.replication.history import READ

    rows = []
    for mode in modes:
        sim, r = simulate(scenario.with_mode(mode), advance=advance)
        done = r.writes.ok + r.writes.fail + r.writes.info
        reads = any(op[3] == READ for op in sim.history.ops)
        channel = {m.name: m.value for m in r.channel.measures} if r.channel is not None else {}
        rows.append(CompareRow(mode, r.latency_ms.p50, r.latency_ms.p99, r.writes.ok, r.acked_lost, r.writes.info,
                               r.writes.fail, r.rto_s, r.two_primaries_s,
                               round(r.writes.ok / done, 4) if done else 0.0,
                               diverged_items=r.divergence.items_differing,
                               duplicates_applied=channel.get("duplicates applied"),
                               stale_reads=stale_reads(sim.history.ops)[0] if reads else None,
                               channel=channel, rto_open=r.rto_open))
    return CompareResult(scenario.name, scenario.seed, [f.text for f in scenario.faults], rows)
