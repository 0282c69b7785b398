"""Health checks: how a failure detector decides a node is down, what it costs in detection time
and false suspicions, what a recovery supervisor does with its verdicts, and why the store that
records membership needs a quorum.

Theory of operation
-------------------
Nodes send a heartbeat every ``heartbeat`` seconds; each takes ``latency`` plus a jitter draw
(exponential with mean ``jitter``) to reach the monitor (seeded). Faults: a GC-style ``pause``
(no heartbeats, the node is alive: suspecting it is a *false* suspicion) and a ``crash`` (a real
failure: the time to suspect it is the *detection time*). Every detector setting reads the same
seeded heartbeats, so the sweep compares like with like:

- ``timeout``: suspect when nothing arrived for ``timeout`` seconds.
- ``phi-accrual`` (Hayashibara et al., as Akka and Cassandra use it): from the recent inter-arrival
  times (mean m, deviation s, at least ``min_std``), phi(t) = -log10(P(next gap > t)) under a
  normal law of mean m + ``acceptable_pause``; suspect when phi > ``threshold``. Irregular
  arrivals widen s and so delay suspicion on their own; steady ones make it quick.
The monitor evaluates its detector every 10 ms. A recovery supervisor acts on suspicions:
``restart`` (the process is restarted: ``restart_time``) or ``replace`` (a new node is provisioned
and resynced as a replica: ``replace_time``); a false suspicion acted on kills a healthy node
(the supervisor's own outage). Node, detector and supervisor run as one event sequence per node
(``run_node``): the new incarnation heartbeats again, the detector starts a fresh history for it
and the suspicion ends when its first heartbeat arrives, so the suspicion windows, outages,
availability and MTTR all come from the same events. Node availability = time up / run time;
MTTR = detection + repair. The sweep runs each detector setting without the supervisor on the
same raw heartbeats (each node's network jitter has its own seeded stream).
The membership store part is the replication lab's Raft peer under a partition: the caller runs it
(protolab.replication.membership) and hands its rows in, so this lab stays free of the simulator.
"""

from __future__ import annotations

import heapq
import math
import random
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from protolab.errors import BadInput
from protolab.sim.durations import parse_duration
from protolab.sim.openmetrics import Series, render_series

DETECTORS = ("timeout", "phi-accrual")
RECOVERY = ("none", "restart", "replace")
TICK = 0.01
WINDOW = 100  # inter-arrival samples the phi detector keeps
_PAUSE = re.compile(r"^(\S+) at (\S+) for (\S+)$")
_CRASH = re.compile(r"^(\S+) at (\S+)$")


def _finite(value, what: str) -> float:
    """NaN and infinity pass every ``<``/``>`` range check (NaN compares false): refuse them first."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadInput(f"{what} must be a finite number, got {value!r}")
    return float(value)


@dataclass
class HealthSpec:
    detector: str = "timeout"
    heartbeat: float = 1.0
    timeout: float = 3.0
    threshold: float = 8.0
    min_std: float = 0.1
    acceptable_pause: float = 0.0
    latency: float = 0.001
    jitter: float = 0.05
    nodes: int = 3
    duration: float = 60.0
    pauses: list[str] = field(default_factory=list)  # "n2 at 10s for 4s"
    crashes: list[str] = field(default_factory=list)  # "n3 at 30s"
    recover: str = "none"
    restart_time: float = 5.0
    replace_time: float = 30.0
    seed: int = 1

    def validate(self) -> HealthSpec:
        if self.detector not in DETECTORS:
            raise BadInput(f"unknown --detector {self.detector!r}; detectors: {', '.join(DETECTORS)}")
        if self.recover not in RECOVERY:
            raise BadInput(f"unknown --recover {self.recover!r}; choices: {', '.join(RECOVERY)}")
        numbers = {"--heartbeat": self.heartbeat, "--timeout": self.timeout, "--threshold": self.threshold,
                   "--jitter": self.jitter, "--duration": self.duration, "the phi deviation floor": self.min_std,
                   "the acceptable pause": self.acceptable_pause, "the latency": self.latency,
                   "the restart time": self.restart_time, "the replace time": self.replace_time}
        for what, value in numbers.items():
            _finite(value, what)
            if value < 0:
                raise BadInput(f"{what} must not be negative, got {value:g}")
        if self.heartbeat <= 0 or self.timeout <= 0 or self.threshold <= 0 or self.min_std <= 0:
            raise BadInput("--heartbeat, --timeout, --threshold and the phi deviation floor must be positive")
        if not 1 <= self.nodes <= 50 or not 0 < self.duration <= 3600:
            raise BadInput("--nodes must be 1..50 and --duration in (0, 3600] s")
        for p in self.pauses:
            self.parse_pause(p)
        for c in self.crashes:
            self.parse_crash(c)
        return self

    def _node(self, name: str, what: str) -> str:
        if name not in {f"n{i}" for i in range(1, self.nodes + 1)}:
            raise BadInput(f"{what}: no node {name!r} (nodes n1..n{self.nodes})")
        return name

    def parse_pause(self, text: str) -> tuple[str, float, float]:
        m = _PAUSE.match(" ".join(text.split()))
        if not m:
            raise BadInput(f"--pause {text!r}: write it as 'n2 at 10s for 4s'")
        return (self._node(m.group(1), f"--pause {text!r}"),
                parse_duration(m.group(2), "--pause time"), parse_duration(m.group(3), "--pause length"))

    def pause_spans(self) -> dict[str, list[tuple[float, float]]]:
        spans: dict[str, list[tuple[float, float]]] = {}
        for p in self.pauses:
            n, at, length = self.parse_pause(p)
            spans.setdefault(n, []).append((at, at + length))
        return spans

    def crash_times(self) -> dict[str, list[float]]:
        times: dict[str, list[float]] = {}
        for c in self.crashes:
            n, at = self.parse_crash(c)
            times.setdefault(n, []).append(at)
        return times

    def parse_crash(self, text: str) -> tuple[str, float]:
        m = _CRASH.match(" ".join(text.split()))
        if not m:
            raise BadInput(f"--crash {text!r}: write it as 'n3 at 30s'")
        return (self._node(m.group(1), f"--crash {text!r}"),
                parse_duration(m.group(2), "--crash time"))  # parse_duration refuses NaN and infinity


@dataclass
class Suspicion:
    node: str
    start: float
    end: float | None
    true: bool  # the node had really crashed
    after_s: float | None  # detection time (true suspicions): crash -> suspicion


@dataclass
class NodeHealth:
    name: str
    availability: float
    down_s: float
    false_suspicions: int
    detections: list[float]
    mttr_s: float | None


@dataclass
class SweepRow:
    setting: str
    detection_s: float | None
    false_suspicions: int
    false_suspicion_s: float


@dataclass
class HealthResult:
    detector: str
    setting: str
    heartbeat_s: float
    jitter_s: float
    seed: int
    duration_s: float
    suspicions: list[Suspicion]
    nodes: list[NodeHealth]
    detection_s: float | None
    false_suspicions: int
    sweep: list[SweepRow]
    quorum: list  # membership-store rows (protolab.replication.membership.QuorumRow)
    recover: str
    service_availability: float  # share of the run with a majority of nodes up
    outages: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # node -> down spans


def _phi(since: float, mean: float, std: float) -> float:
    z = (since - mean) / std
    p_later = 0.5 * math.erfc(z / math.sqrt(2))
    return -math.log10(p_later) if p_later > 1e-300 else 300.0


class _Detector:
    """One node's failure detector at the monitor: fed heartbeat arrivals, asked every tick."""

    def __init__(self, spec: HealthSpec, detector: str, param: float):
        self.spec, self.detector, self.param = spec, detector, param
        self.reset()

    def reset(self) -> None:
        """A new incarnation of the node (restarted or replaced): its history starts afresh, since the
        outage's silence is not an inter-arrival time of the node that now runs."""
        self.gaps: deque[float] = deque()
        self.total = self.total_sq = 0.0
        self.last: float | None = None

    def heard(self, at: float) -> None:
        if self.last is not None:
            gap = at - self.last
            self.gaps.append(gap)
            self.total += gap
            self.total_sq += gap * gap
            if len(self.gaps) > WINDOW:
                old = self.gaps.popleft()
                self.total -= old
                self.total_sq -= old * old
        self.last = at

    def suspects(self, now: float) -> bool | None:
        """None while nothing was heard from this incarnation yet (no verdict either way)."""
        if self.last is None:
            return None
        since = now - self.last
        if self.detector == "timeout":
            return since > self.param
        spec = self.spec
        if len(self.gaps) < 2:
            mean, std = spec.heartbeat, spec.heartbeat / 4
        else:
            mean = self.total / len(self.gaps)
            std = math.sqrt(max(0.0, self.total_sq / len(self.gaps) - mean * mean))
        return _phi(since, mean + spec.acceptable_pause, max(std, spec.min_std)) > self.param


@dataclass
class _Outage:
    start: float
    cause: str  # "crash" or "killed" (the supervisor acted on a false suspicion)
    back: float | None = None  # when the restarted/replaced node runs again (may lie past the run)


@dataclass
class NodeRun:
    """One node's run: what the monitor heard, what it suspected, and when the node was really down."""

    name: str
    arrivals: list[float]
    suspicions: list[Suspicion]
    outages: list[_Outage]


def run_node(spec: HealthSpec, name: str, detector: str, param: float, fix: float | None) -> NodeRun:
    """Simulate one node, its heartbeats, the monitor's detector and the supervisor as ONE event
    sequence, tick by tick: the supervisor's action (kill + restart/replace, ``fix`` seconds) changes
    the heartbeats the detector sees next, so suspicion ends once the new incarnation is heard.
    Heartbeats sent by a killed or replaced incarnation that are still in flight are dropped by the
    monitor (incarnation numbers, as SWIM/Serf use). A crash that falls while the node is already
    down has nothing left to kill; a pause stalls only the incarnation it fell on.
    ``fix=None``: no supervisor (the raw trace the sweep compares)."""
    rng = random.Random(f"health-{spec.seed}-{name}")
    pauses = spec.pause_spans().get(name, [])
    crashes = sorted(spec.crash_times().get(name, []))
    det = _Detector(spec, detector, param)
    next_send = spec.heartbeat * rng.random()
    inflight: list[float] = []
    heard: list[float] = []
    outages: list[_Outage] = []
    suspicions: list[Suspicion] = []
    crash_i = 0
    born = 0.0  # when the running incarnation started
    down: _Outage | None = None
    open_s: Suspicion | None = None
    for step in range(1, int(spec.duration / TICK) + 1):
        now = step * TICK
        if down is not None and down.back is not None and down.back <= now:
            next_send = born = down.back  # the new incarnation starts with a heartbeat
            down = None
            det.reset()
            while crash_i < len(crashes) and crashes[crash_i] < next_send:
                crash_i += 1
        while down is None:
            # a pause stalls the incarnation it fell on; it resumes when the pause ends
            send = next((e for s, e in pauses if born <= s <= next_send < e), next_send)
            crash = crashes[crash_i] if crash_i < len(crashes) else math.inf
            if min(send, crash) > now:
                next_send = send
                break
            if crash <= send:
                crash_i += 1
                down = _Outage(crash, "crash")
                outages.append(down)
            else:
                delay = spec.latency + (rng.expovariate(1 / spec.jitter) if spec.jitter > 0 else 0.0)
                heapq.heappush(inflight, send + delay)
                next_send = send + spec.heartbeat
        while inflight and inflight[0] <= now:
            at = heapq.heappop(inflight)
            heard.append(at)
            det.heard(at)
            if open_s is not None:
                open_s.end = round(at, 6)
                open_s = None
        if open_s is None and det.suspects(now):
            start = round(now, 6)
            true = down is not None and down.cause == "crash"
            open_s = Suspicion(name, start, None, true, round(start - down.start, 3) if true else None)
            suspicions.append(open_s)
            if fix is not None:
                if down is None:  # a false suspicion acted on: the supervisor kills a live node
                    down = _Outage(now, "killed")
                    outages.append(down)
                down.back = now + fix
                inflight.clear()
    return NodeRun(name, heard, suspicions, outages)


def _setting(detector: str, param: float) -> str:
    return f"timeout {param:g}s" if detector == "timeout" else f"phi > {param:g}"


def run_health(spec: HealthSpec, *, sweep: bool = True, quorum: Callable[[int], list] | None = None) -> HealthResult:
    """``quorum(seed)`` gives the membership-store rows (the replication lab's simulation, which this lab
    does not import: the caller passes protolab.replication.membership.quorum_demo); None gives none."""
    spec.validate()
    param = spec.timeout if spec.detector == "timeout" else spec.threshold
    fix = {"none": None, "restart": spec.restart_time, "replace": spec.replace_time}[spec.recover]
    names = [f"n{i}" for i in range(1, spec.nodes + 1)]
    runs = [run_node(spec, name, spec.detector, param, fix) for name in names]
    suspicions = [s for run in runs for s in run.suspicions]
    nodes, outages = [], []
    for run in runs:
        down = _merge([(round(o.start, 6), round(min(spec.duration, spec.duration if o.back is None else o.back), 6))
                       for o in run.outages])
        outages.append(down)
        lost = float(sum(b - a for a, b in down))
        repairs = [o.back - o.start for o in run.outages if o.cause == "crash" and o.back is not None]
        nodes.append(NodeHealth(run.name, round(1 - lost / spec.duration, 6), round(lost, 3),
                                sum(1 for s in run.suspicions if not s.true),
                                [s.after_s for s in run.suspicions if s.true],
                                round(sum(repairs) / len(repairs), 3) if repairs else None))
    rows = []
    if sweep:  # the detectors alone (no supervisor) on the same raw heartbeats
        for det, values in (("timeout", [1.5, 2, 3, 5, 8]), ("phi-accrual", [1, 3, 5, 8, 12])):
            for value in values:
                v = value * spec.heartbeat if det == "timeout" else value
                found = [s for name in names for s in run_node(spec, name, det, v, None).suspicions]
                true = [s.after_s for s in found if s.true]
                false = [s for s in found if not s.true]
                rows.append(SweepRow(_setting(det, v), round(sum(true) / len(true), 3) if true else None, len(false),
                                     round(sum((s.end or spec.duration) - s.start for s in false), 3)))
    true_all = [s.after_s for s in suspicions if s.true]
    return HealthResult(spec.detector, _setting(spec.detector, param), spec.heartbeat, spec.jitter, spec.seed,
                        spec.duration, suspicions, nodes, round(sum(true_all) / len(true_all), 3) if true_all else None,
                        sum(1 for s in suspicions if not s.true), rows, quorum(spec.seed) if quorum else [],
                        spec.recover, _majority_up(outages, spec.duration), dict(zip(names, outages, strict=True)))


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif b > a:
            out.append((a, b))
    return out


def _majority_up(outages: list[list[tuple[float, float]]], duration: float) -> float:
    """Share of the run with a majority of the nodes up (what a quorum service needs)."""
    edges = sorted({0.0, duration, *(t for down in outages for span in _merge(down) for t in span)})
    need = len(outages) // 2 + 1
    up_time = 0.0
    for a, b in zip(edges, edges[1:], strict=False):
        mid = (a + b) / 2
        up = sum(1 for down in outages if not any(x <= mid < y for x, y in down))
        up_time += (b - a) if up >= need else 0.0
    return round(up_time / duration, 6)


def series(result: HealthResult) -> Series:
    """Per-second time series for ``--metrics`` (OpenMetrics): suspected, up, detections."""
    seconds = max(1, math.ceil(result.duration_s))
    out: dict[str, list] = {"protolab_suspected": [], "protolab_node_up": [], "protolab_detections": []}
    for node in result.nodes:
        mine = [s for s in result.suspicions if s.node == node.name]
        for sec in range(seconds):
            t = sec + 1
            suspected = any(s.start <= t and (s.end is None or s.end > t) for s in mine)
            out["protolab_suspected"].append(({"node": node.name}, sec, int(suspected)))
    for sec in range(seconds):
        out["protolab_detections"].append(({}, sec, sum(1 for s in result.suspicions if sec <= s.start < sec + 1)))
    for node, spans in result.outages.items():
        for sec in range(seconds):
            t = sec + 1
            out["protolab_node_up"].append(({"node": node}, sec, 0 if any(a <= t < b for a, b in spans) else 1))
    return out


METRICS_HELP = {
    "protolab_suspected": "1 while the failure detector suspects the node.",
    "protolab_node_up": "1 while the node runs (crashed, or killed by the recovery supervisor: 0).",
    "protolab_detections": "Failure detections and elections in this second.",
}


def write_metrics(result: HealthResult, out) -> None:
    """The ``--metrics`` file: ``series(result)`` as OpenMetrics text on the text stream ``out``."""
    render_series(series(result), {"detector": result.detector, "seed": result.seed}, out, METRICS_HELP)
