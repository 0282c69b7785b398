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
class Measure:
    """One number a sync channel reports, with what it means."""

    name: str
    value: object
    meaning: str = ""


@dataclass
class ChannelReport:
    """What a sync channel (broker, webhook, leaderless quorum, storage) did, from the history and the
    final node states; ``series`` is a time series (e.g. [time, consumer lag, backlog]), its columns
    named by ``series_name``."""

    channel: str
    design: str
    measures: list[Measure]
    series_name: str = ""
    series: list[list[float]] = field(default_factory=list)

    def value(self, name: str):
        return next(m.value for m in self.measures if m.name == name)

    @property
    def rows(self) -> list[tuple[str, str]]:
        """(measure, value) pairs for a table view."""
        return [(m.name, str(m.value)) for m in self.measures]


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
    rto_open: bool  # the longest outage had not ended when the load did: rto_s is a lower bound
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
    channel: ChannelReport | None = None  # sync channels only


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
    diverged_items: int = 0  # final divergence (items), every mode
    duplicates_applied: int | None = None  # sync channels: from the nodes' apply logs
    stale_reads: int | None = None  # modes whose clients read: from the history
    channel: dict = field(default_factory=dict)  # the channel's other measures, name -> value
    rto_open: bool = False  # the longest outage outlasted the load: rto_s is a lower bound


@dataclass
class CompareResult:
    scenario: str
    seed: int
    faults: list[str]
    rows: list[CompareRow]
