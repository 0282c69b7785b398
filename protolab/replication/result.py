"""The result of a run: plain dataclasses, the same object feeds the table and ``--json``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Window:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return round(self.end - self.start, 6)

    def to_json(self) -> dict:
        return {"start": round(self.start, 6), "end": round(self.end, 6), "seconds": self.seconds}


@dataclass
class Writes:
    invoked: int
    ok: int
    fail: int
    info: int
    pending: int  # invoked but not completed when the run ended


@dataclass
class Percentiles:
    p50: float | None
    p99: float | None
    max: float | None


@dataclass
class Conflict:
    resolution: str
    count: int
    meaning: str


@dataclass
class Divergence:
    converged: bool
    nodes_differing: int
    items_differing: int
    reference: str | None


@dataclass
class NodeState:
    name: str
    up: bool
    role: str
    items: int
    term: int | None = None


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Event:
    time: float
    source: str
    kind: str
    detail: str


@dataclass
class Recovery:
    """One repair by the recovery supervisor."""

    node: str
    crashed: float
    detected_after_s: float
    mttr_s: float  # crash -> back


@dataclass
class RunResult:
    scenario: str
    mode: str
    strategy: str | None
    seed: int
    simulated_s: float
    kernel_events: int
    writes: Writes
    acked_lost: int
    lost_write_ids: list[int]
    rpo_writes: int
    rpo_s: float | None
    unknown_survived: int
    unknown_lost: int
    rto_s: float | None
    unavailable_s: float
    unavailable: list[Window]
    failover_s: float | None
    two_primaries_s: float
    two_primaries: list[Window]
    max_leaders_per_term: int | None
    latency_ms: Percentiles
    lag_ms: Percentiles
    conflicts: list[Conflict]
    divergence: Divergence
    nodes: list[NodeState]
    checks: list[Check]
    timeline: list[Event] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    recoveries: list[Recovery] = field(default_factory=list)


@dataclass
class CompareRow:
    mode: str
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    acked: int
    acked_lost: int
    unknown: int
    failed: int
    rto_s: float | None
    two_primaries_s: float
    ok_fraction: float


@dataclass
class CompareResult:
    scenario: str
    seed: int
    faults: list[str]
    rows: list[CompareRow]
