"""Turning flags into a scenario, and writing the files a run can produce (--svg, --history)."""

from __future__ import annotations

from pathlib import Path

from protolab.errors import BadInput
from protolab.replication.faults import parse_fault
from protolab.replication.scenario import MODES, ClientSpec, Scenario, load
from protolab.sim.durations import parse_duration


def build_scenario(name: str | None, *, mode=None, replicas=None, writes=None, rate=None, faults=None,
                   strategy=None, sentinels=None, quorum=None, down_after=None, failover_timeout=None, wait=None,
                   wait_timeout=None, min_replicas=None, min_replicas_max_lag=None, latency=None, duration=None,
                   seed=None) -> Scenario:
    """A shipped or file scenario with flags applied on top, or one made from flags alone."""
    if name is None:
        if mode is None:
            raise BadInput(f"give a SCENARIO (see 'protolab replicate scenarios') or --mode {'|'.join(MODES)}")
        sc = Scenario(mode=mode, name="flags", clients=[ClientSpec("c1", near="n1", rate=100.0, writes=1000)])
    else:
        sc = load(name)
        if mode is not None:
            sc.mode = mode
    if mode is not None and mode not in MODES:
        raise BadInput(f"unknown mode {mode!r}; modes: {', '.join(MODES)}")
    if replicas is not None:
        if replicas < 0:
            raise BadInput(f"--replicas must be 0 or more, got {replicas}")
        sc.nodes = replicas + 1
    for c in sc.clients:
        if writes is not None:
            c.writes = writes
        if rate is not None:
            c.rate = rate
    if faults is not None:
        sc.faults = [parse_fault(f) for f in faults]
    if strategy is not None:
        sc.strategy = strategy
    if sentinels is not None:
        sc.sentinel.count = sentinels
        if quorum is None and sentinels:
            sc.sentinel.quorum = min(sc.sentinel.quorum, sentinels)
    if quorum is not None:
        sc.sentinel.quorum = quorum
    if down_after is not None:
        sc.sentinel.down_after = parse_duration(down_after, "--down-after")
    if failover_timeout is not None:
        sc.sentinel.failover_timeout = parse_duration(failover_timeout, "--failover-timeout")
    if wait is not None:
        sc.replication.wait = wait
    if wait_timeout is not None:
        sc.replication.wait_timeout = parse_duration(wait_timeout, "--wait-timeout")
    if min_replicas is not None:
        sc.replication.min_replicas_to_write = min_replicas
    if min_replicas_max_lag is not None:
        sc.replication.min_replicas_max_lag = parse_duration(min_replicas_max_lag, "--min-replicas-max-lag")
    if latency is not None:
        sc.network.base = parse_duration(latency, "--latency")
    if duration is not None:
        sc.duration = parse_duration(duration, "--duration")
    if seed is not None:
        sc.seed = seed
    return sc.validate()


def write_outputs(sim, result, *, svg: Path | None, history: Path | None) -> None:
    if history is not None:
        with open(history, "w", encoding="utf-8") as out:
            sim.history.write_jsonl(out)
    if svg is not None:
        from protolab.replication.svg import ladder

        Path(svg).write_text(ladder(sim, result), encoding="utf-8")
