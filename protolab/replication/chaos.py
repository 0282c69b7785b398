"""Chaos runs: many seeded runs of one scenario under random fault schedules, each judged by the
history checkers; a failure comes back with its seed and a shrunk fault schedule.

Theory of operation
-------------------
Run ``i`` uses seed ``seed + i`` for both the nemesis (``nemesis.schedule``) and the simulation, so
one number replays it. The scenario's clients also read (``reads``, default half the operations)
and every run ends with final reads (``final_reads``): the checkers (``checkers/``) look only at
that history and the role changes the cluster reported. A run fails when a checker fails on a
property the mode promises (``Scenario.promises()``); failures of unpromised properties (async
losing acknowledged writes) are counted as findings, which is what those modes trade away.

A failing run's schedule is shrunk (``shrink.py``): the smallest schedule found that still fails
the same checker with the same seed. The replay is a plain scenario file (``to_toml``):
``protolab replicate run FILE`` (its seed is inside; ``--seed`` overrides it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from protolab.replication.checkers import CHECKERS, Record, Verdict, run_checkers
from protolab.replication.faults import parse_fault
from protolab.replication.nemesis import NemesisSpec, schedule
from protolab.replication.scenario import Scenario, to_toml
from protolab.replication.sim import Simulation

DEFAULT_READS = 0.5
CHAOS_SETTLE = 30.0  # Sentinel fixes a stale replica's config on a 10 s INFO cycle after an 8 s wait: 20 s is short


@dataclass
class CheckerTally:
    name: str
    meaning: str
    promised: bool
    passed: int = 0
    failed: int = 0
    unknown: int = 0
    not_applicable: int = 0
    first_failure_seed: int | None = None


@dataclass
class RunOutcome:
    seed: int
    faults: list[str]
    verdicts: list[Verdict]
    ok_writes: int
    failed: bool  # a promised checker failed


@dataclass
class Failure:
    seed: int
    checker: str
    detail: str
    faults: list[str]
    shrunk: list[str]
    shrink_runs: int
    replay_toml: str
    replay: str


@dataclass
class ChaosResult:
    scenario: str
    mode: str
    runs: int
    seed: int
    kinds: list[str]
    checkers: list[CheckerTally]
    failed_runs: int
    failures: list[Failure] = field(default_factory=list)
    outcomes: list[RunOutcome] = field(default_factory=list)


def chaos_scenario(base: Scenario, seed: int, faults: list[str], reads: float = DEFAULT_READS) -> Scenario:
    """The base scenario with this run's seed, faults, reads and final reads."""
    clients = [dataclasses.replace(c, reads=c.reads or reads) for c in base.clients]
    sc = dataclasses.replace(base, seed=seed, clients=clients, faults=[parse_fault(f) for f in faults],
                             final_reads=True, duration=None, settle=max(base.settle, CHAOS_SETTLE),
                             replication=dataclasses.replace(base.replication))
    return sc.validate()


def fault_window(base: Scenario) -> tuple[float, float]:
    start = min((c.start for c in base.clients), default=0.0)
    stop = max((c.start + c.writes / c.rate for c in base.clients), default=start + 10.0)
    return start + 0.5, stop


def schedule_for(base: Scenario, run_seed: int, spec: NemesisSpec) -> list[str]:
    """The fault schedule of run ``run_seed`` (the nemesis's draw over the client load)."""
    start, stop = fault_window(base)
    return schedule(run_seed, base.node_names(), start, stop, spec, [(z.name, z.region) for z in base.zones])


def run_once(sc: Scenario) -> tuple[Simulation, list[Verdict]]:
    sim = Simulation(sc).run()
    return sim, run_checkers(Record.from_sim(sim))


def still_fails(base: Scenario, seed: int, checker: str, reads: float):
    """The predicate the shrinker needs: does this schedule still fail ``checker``?"""

    def test(faults: list[str]) -> bool:
        _sim, verdicts = run_once(chaos_scenario(base, seed, faults, reads))
        return any(v.name == checker and v.violated for v in verdicts)

    return test


def chaos(base: Scenario, runs: int, seed: int, spec: NemesisSpec, *, reads: float = DEFAULT_READS,
          shrink_failures: int = 1, keep_outcomes: bool = False, advance=None) -> ChaosResult:
    from protolab.replication.shrink import shrink

    tallies = {name: CheckerTally(name, meaning, name in base.promises()) for name, (_f, meaning) in CHECKERS.items()}
    result = ChaosResult(base.name, base.mode, runs, seed, list(spec.kinds), list(tallies.values()), 0)
    for i in range(runs):
        run_seed = seed + i
        faults = schedule_for(base, run_seed, spec)
        sim, verdicts = run_once(chaos_scenario(base, run_seed, faults, reads))
        failed = False
        for v in verdicts:
            t = tallies[v.name]
            if v.status == "pass":
                t.passed += 1
            elif v.status == "fail":
                t.failed += 1
                if t.first_failure_seed is None:
                    t.first_failure_seed = run_seed
            elif v.status == "n/a":
                t.not_applicable += 1
            else:
                t.unknown += 1
            failed = failed or v.violated
        if failed:
            result.failed_runs += 1
            if len(result.failures) < shrink_failures:
                v = next(v for v in verdicts if v.violated)
                small, tries = shrink(faults, still_fails(base, run_seed, v.name, reads))
                replay = chaos_scenario(base, run_seed, small, reads)
                replay.name = f"{base.name}-chaos-{run_seed}"
                replay.description = (f"chaos run {run_seed} of {base.name}, shrunk from {len(faults)} to "
                                      f"{len(small)} faults; fails {v.name}")
                result.failures.append(Failure(run_seed, v.name, v.detail, faults, small, tries, to_toml(replay),
                                               f"protolab replicate run FILE.toml --seed {run_seed}"))
        if keep_outcomes or failed:
            ok = sum(1 for op in sim.history.ops if op[2] == "ok" and op[3] in ("write", "add"))
            if keep_outcomes or len(result.outcomes) < 20:
                result.outcomes.append(RunOutcome(run_seed, faults, verdicts, ok, failed))
        if advance is not None:
            advance(1)
    return result


@dataclass
class ShownRun:
    """The run that chaos's --svg and --metrics draw: the first failure, else the first run, re-run in full."""
    seed: int
    faults: list[str]
    sim: Simulation
    title: str  # of the latency plot


def shown_run(base: Scenario, result: ChaosResult, spec: NemesisSpec, reads: float = DEFAULT_READS) -> ShownRun:
    """Re-run that run (chaos keeps no simulation: a thousand runs would not fit in memory)."""
    first = result.failures[0] if result.failures else None
    seed = first.seed if first else result.seed
    faults = first.faults if first else schedule_for(base, result.seed, spec)
    sim = Simulation(chaos_scenario(base, seed, faults, reads)).run()
    return ShownRun(seed, faults, sim, f"{base.name} ({base.mode}), chaos run seed {seed}: {len(faults)} faults")
