"""Everything the result reports, computed from the history and the final node states.

- writes: counts of the history's completions (ok / fail / info; pending = no completion).
- acknowledged writes lost: ok writes whose id is absent from the reference state at the end
  (the primary the Sentinels name, the Raft leader's committed log, or the union of the
  multi-primary peers). RPO is their number and the time span they cover (first invoke to last ok).
- unknown writes (info) that survived or not: the same test on info writes.
- unavailability (RTO): per client, a window opens at the invoke of a write that did not succeed
  after one that did, and closes at the next write that succeeds; RTO is the longest window. A window
  no success closes (the outage outlasted the load) ends at the last failed write and is flagged
  (``rto_open``): the RTO is then a lower bound, not a recovery time.
- time with two primaries: from the nodes' role changes, the time two or more live nodes claimed
  the writer role at once. Leaders per term (Raft): distinct nodes that led the same term.
- failover time: from the first fault that hits the writer of its moment (crash, pause, partition,
  isolate naming it or ``primary``) to the first +switch-master (Sentinel) or new leader (Raft).
- latency: ok writes, completion - invoke. Lag: each replica's apply time - primary apply time.
- divergence: live nodes whose final data differs from the reference, and by how many items.
"""

from __future__ import annotations

import re

from protolab.replication.families import FAMILIES
from protolab.replication.history import INVOKE, OK, WRITE_FS
from protolab.replication.result import (
    Check,
    Conflict,
    Divergence,
    Event,
    NodeState,
    Percentiles,
    Recovery,
    RunResult,
    Window,
    Writes,
)
from protolab.sim.quantiles import Quantiles

CONFLICT_MEANING = {  # counts are per node: one conflict is resolved on every node it reaches
    "lww-overwrote": "a node dropped a version because another had a higher timestamp (data lost; a "
                     "clock-skewed 'last' write loses)",
    "vv-siblings": "a node kept concurrent versions side by side as siblings (merged by the next write)",
    "vv-superseded": "a node replaced a version by one that descends from it (nothing lost)",
    "crdt-merged": "a node merged concurrent states by set union (nothing lost)",
    "resync-discarded": "writes a demoted primary held that the new primary did not: discarded by full resync",
    "raft-truncated": "uncommitted entries overwritten by the new leader's log on the nodes that held them",
    "versioned-call-ignored": "a webhook receiver ignored a call not newer than the value it held (versioned "
                              "calls: a late retry or a repeat changed nothing)",
}
TIMELINE_QUIET = {"+new-epoch"}


def _pct(values: list[float]) -> Percentiles:
    if not values:
        return Percentiles(None, None, None)
    values = sorted(values)

    def rank(q: float) -> float:
        return round(values[max(0, min(len(values) - 1, int(q * len(values) + 0.999999) - 1))] * 1000, 3)

    return Percentiles(rank(0.50), rank(0.99), round(values[-1] * 1000, 3))


def write_pairs(history):
    """(invoke, completion) of the writes only (a history may also hold reads)."""
    for inv, done in history.pairs():
        if inv[3] in WRITE_FS:
            yield inv, done


def _write_counts(history) -> dict[str, int]:
    counts = {INVOKE: 0, OK: 0, "fail": 0, "info": 0}
    for op in history.ops:
        if op[3] in WRITE_FS:
            counts[op[2]] += 1
    return counts


def reference_state(sim) -> tuple[str | None, set[int]]:
    """(node name or None, the items acknowledged writes must be in), as the family says."""
    return FAMILIES[sim.scenario.family].reference(sim)


def _windows_from_roles(sim, end: float, writer_roles: frozenset[str]) -> tuple[list[Window], int | None]:
    current: dict[str, str] = {}
    windows: list[Window] = []
    opened = None
    leaders: dict[int, set[str]] = {}
    for t, name, role, term in sim.roles:
        current[name] = role
        if role == "leader" and term is not None:
            leaders.setdefault(term, set()).add(name)
        many = sum(1 for r in current.values() if r in writer_roles) >= 2
        if many and opened is None:
            opened = t
        elif not many and opened is not None:
            if t > opened:
                windows.append(Window(opened, t))
            opened = None
    if opened is not None and end > opened:
        windows.append(Window(opened, end))
    most = max((len(v) for v in leaders.values()), default=0) if FAMILIES[sim.scenario.family].per_term else None
    return windows, most


def _unavailability(sim) -> tuple[float | None, list[Window], bool]:
    """(RTO, merged windows, whether the longest window was still open when the client's load ended:
    no write succeeded after it, so the RTO is only a lower bound)."""
    per_client: dict[str, list[tuple]] = {}
    for inv, done in write_pairs(sim.history):
        per_client.setdefault(inv[1], []).append((inv[0], done is not None and done[2] == OK, done))
    windows: list[tuple[Window, bool]] = []  # (window, still open at the end)
    for ops in per_client.values():
        opened = None
        last_bad = None
        for t, ok, done in ops:
            if not ok:
                if opened is None:
                    opened = t
                last_bad = done[0] if done is not None else t
            elif opened is not None:
                windows.append((Window(opened, t), False))
                opened = None
        if opened is not None:  # never closed: measured up to the last failed write
            windows.append((Window(opened, max(last_bad, opened)), True))
    # the longest; of equally long ones, an open one (its length is only a lower bound)
    longest, longest_open = max(((w.seconds, still) for w, still in windows), default=(None, False))
    merged: list[Window] = []
    for w in sorted((w for w, _ in windows), key=lambda w: (w.start, w.end)):
        if merged and w.start <= merged[-1].end:
            merged[-1] = Window(merged[-1].start, max(merged[-1].end, w.end))
        else:
            merged.append(w)
    return longest, [w for w in merged if w.seconds > 0], longest_open


# Faults that can take the writer away; "cut" names a region, not processes, so it always counts.
FAILOVER_FAULTS = ("crash", "partition", "pause", "isolate", "cut", "zone-down")


def _writers_at(sim, t: float, writer_roles: frozenset[str]) -> set[str]:
    """The nodes in a writer role just before ``t`` (a crash at ``t`` records the node down at ``t``)."""
    current: dict[str, str] = {}
    for rt, name, role, _term in sim.roles:  # in time order
        if rt >= t:
            break
        current[name] = role
    return {name for name, role in current.items() if role in writer_roles}


def _failover(sim, writer_roles: frozenset[str]) -> float | None:
    """From the first fault that hits the writer of its moment (names it, or ``primary``) to the first
    +switch-master or new leader after it: a pause of a replica earlier in the run is not the start."""
    for t0, source, kind, detail in sim.events:
        if source != "nemesis" or kind not in FAILOVER_FAULTS:
            continue
        named = set(re.findall(r"[A-Za-z][\w.]*", detail))
        if kind == "cut" or named & (_writers_at(sim, t0, writer_roles) | {"primary"}):
            break
    else:
        return None
    for t, _source, kind, detail in sim.events:
        if t >= t0 and (kind == "+switch-master" or (kind == "role" and detail.startswith("leader"))):
            return round(t - t0, 6)
    return None


def _checks(sim, acked_lost: int, most_leaders: int | None) -> list[Check]:
    sc = sim.scenario
    checks = []
    promises_durability = "durability" in sc.promises()
    if promises_durability:
        checks.append(Check("no acknowledged write lost", acked_lost == 0,
                            f"{acked_lost} acknowledged writes missing from the final state"))
    if most_leaders is not None:
        checks.append(Check("at most one leader per term", most_leaders <= 1,
                            f"at most {most_leaders} leader(s) in one term"))
    return checks


def analyze(sim) -> RunResult:
    sc = sim.scenario
    history = sim.history
    ref_name, ref_items = reference_state(sim)
    lost: list[tuple] = []
    latencies: list[float] = []
    unknown_survived = unknown_lost = pending = 0
    for inv, done in write_pairs(history):
        if done is None:
            pending += 1
            continue
        if done[2] == OK:
            latencies.append(done[0] - inv[0])
            if inv[5] not in ref_items:
                lost.append((inv, done))
        elif done[2] != "fail":
            if inv[5] in ref_items:
                unknown_survived += 1
            else:
                unknown_lost += 1
    rpo_s = round(max(d[0] for _i, d in lost) - min(i[0] for i, _d in lost), 6) if lost else None
    rto, unavailable, rto_open = _unavailability(sim)
    family = FAMILIES[sc.family]
    writer_roles = family.writer_roles
    two, most_leaders = _windows_from_roles(sim, sim.end, writer_roles)
    lag = Quantiles()
    conflicts: dict[str, int] = {}
    states = []
    differing_nodes = differing_items = 0
    for node in sim.nodes.values():
        lag.merge(node.lag)
        for k, v in node.conflicts().items():
            conflicts[k] = conflicts.get(k, 0) + v
        items = node.final_items()
        states.append(NodeState(node.name, node.up, node.role if node.up else "down", len(items),
                                getattr(node, "term", None)))
        if node.up:
            diff = len(items ^ ref_items)
            if diff:
                differing_nodes += 1
                differing_items += diff
    c = history.counts
    if history.keep and any(op[3] not in WRITE_FS for op in history.ops):
        c = _write_counts(history)  # the history also holds reads: count the writes only
    result = RunResult(
        scenario=sc.name, mode=sc.mode, strategy=sc.strategy if family.strategy else None, seed=sc.seed,
        simulated_s=round(sim.end, 6), kernel_events=sim.kernel.events,
        writes=Writes(c[INVOKE], c[OK], c["fail"], c["info"], pending),
        acked_lost=len(lost), lost_write_ids=sorted(i[5] for i, _d in lost)[:50],
        rpo_writes=len(lost), rpo_s=rpo_s, unknown_survived=unknown_survived, unknown_lost=unknown_lost,
        rto_s=rto, rto_open=rto_open, unavailable_s=round(sum(w.seconds for w in unavailable), 6),
        unavailable=unavailable,
        failover_s=_failover(sim, writer_roles),
        two_primaries_s=round(sum(w.seconds for w in two), 6), two_primaries=two,
        max_leaders_per_term=most_leaders,
        latency_ms=_pct(latencies),
        lag_ms=Percentiles(lag.quantile_ms(0.5), lag.quantile_ms(0.99), lag.max_ms()),
        conflicts=[Conflict(k, v, CONFLICT_MEANING.get(k, "")) for k, v in sorted(conflicts.items())],
        divergence=Divergence(differing_nodes == 0, differing_nodes, differing_items, ref_name),
        nodes=states,
        checks=_checks(sim, len(lost), most_leaders),
        timeline=[Event(*e) for e in sim.events if e[2] not in TIMELINE_QUIET],
        faults=[f.text for f in sc.faults],
        recoveries=[Recovery(n, c, round(d - c, 6), round(b - c, 6)) for n, c, d, b in getattr(sim, "recoveries", [])],
    )
    family.measure(sim, result)  # a sync channel adds its own measures (and may judge divergence its own way)
    return result
