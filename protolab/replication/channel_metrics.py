"""The sync channels' numbers, computed from the client history and the final node states only.

- lost events / lost webhooks: acknowledged writes the origin holds that a live receiver does not
  hold at the end (the channel dropped them: a producer buffer or a retry queue that died with the
  sender, a committed-but-unapplied fetch, a call given up).
- duplicates applied: applications of an id beyond its first, from each receiver's apply log;
  suppressed: deliveries an idempotent receiver recognised (its own counter, kept with its data).
- reordered: first applications of an event the origin applied before one the receiver had
  already applied (across partitions / retries); within a key: the same per key, which is what
  leaves a stale value behind; register divergence: keys whose final value differs from the origin.
- stale reads: ok reads that returned a value older than a write that had completed before the
  read began (real time, from the history alone); the linearizability checker is run on the same
  history for the register channels (leaderless, storage).
- storage: acknowledged writes on no live server at the end (unreadable) and on no server at all
  (destroyed), availability = ok operations / completed operations.
"""

from __future__ import annotations

from bisect import bisect_left

from protolab.replication.history import INFO, OK, READ, WRITE_FS
from protolab.replication.result import ChannelReport, Check, Divergence, Measure

INF = float("inf")


# --- shared measures ---------------------------------------------------------------------------
def acked_writes(history) -> dict[int, tuple]:
    """Write id -> (invoke, completion) of the ok writes."""
    return {inv[5]: (inv, done) for inv, done in history.pairs()
            if inv[3] in WRITE_FS and done is not None and done[2] == OK}


def stale_reads(ops) -> tuple[int, int, list[int]]:
    """(stale ok reads, ok reads, history indices of a few stale ones).

    A read of key k is stale when some write w to k completed (ok) before the read was invoked and
    the value returned was written by a write that completed before w was invoked (or is nothing at
    all): the read missed a write that was certainly finished. Unknown writes never make a read stale.
    """
    done = {op[5]: op for op in ops if op[2] != "invoke"}
    writes: dict[object, list[tuple[float, float]]] = {}  # key -> (complete, invoke) of ok writes
    span: dict[int, tuple[float, float]] = {}  # write id -> (invoke, complete or INF)
    reads = []
    for i, op in enumerate(ops):
        if op[2] != "invoke":
            continue
        end = done.get(op[5])
        if op[3] in WRITE_FS:
            ok = end is not None and end[2] == OK
            span[op[5]] = (op[0], end[0] if ok else INF)
            if ok:
                writes.setdefault(op[4], []).append((end[0], op[0]))
        elif op[3] == READ and end is not None and end[2] == OK:
            reads.append((i, op[0], op[4], end[8] if len(end) > 8 else None))
    prefix: dict[object, tuple[list[float], list[float]]] = {}
    for key, ws in writes.items():
        ws.sort()
        best, highs = -INF, []
        for _c, inv in ws:
            best = max(best, inv)
            highs.append(best)
        prefix[key] = ([c for c, _i in ws], highs)
    stale, evidence = 0, []
    for index, t, key, value in reads:
        if key not in prefix:
            continue
        completes, highs = prefix[key]
        n = bisect_left(completes, t)  # writes completed strictly before the read began
        if n == 0:
            continue
        latest_invoke = highs[n - 1]
        written = span.get(value) if value is not None else None
        if value is None or (written is not None and written[1] < latest_invoke):
            stale += 1
            if len(evidence) < 5:
                evidence.append(index)
    return stale, len(reads), evidence


def apply_log_measures(origin_order: dict[int, int], node) -> dict[str, int]:
    """Duplicates and reordering in one receiver's apply log, against the origin's order."""
    seen: set[int] = set()
    dup = reordered = in_key = 0
    high = -1
    key_high: dict[int, int] = {}
    for _t, wid, key in node.applied:
        if wid in seen:
            dup += 1
            continue
        seen.add(wid)
        pos = origin_order.get(wid, -1)
        if pos < high:
            reordered += 1
        if pos < key_high.get(key, -1):
            in_key += 1
        high = max(high, pos)
        key_high[key] = max(key_high.get(key, -1), pos)
    return {"duplicates": dup, "reordered": reordered, "reordered_in_key": in_key}


def _origin(sim):
    return sim.nodes[sim.scenario.node_names()[0]]


def origin_reference(sim):
    origin = _origin(sim)
    return origin.name, origin.final_items()


def _fanout_measures(sim, result) -> tuple[list[Measure], dict]:
    """Measures shared by the broker and webhook channels (one origin, many receivers)."""
    origin = _origin(sim)
    order = {wid: i for i, (_t, wid, _k) in enumerate(origin.applied)}
    acked = set(acked_writes(sim.history)) & origin.items
    receivers = [n for n in sim.nodes.values() if n is not origin]
    lost = dup = reordered = in_key = stale_keys = 0
    for node in receivers:
        m = apply_log_measures(order, node)
        dup += m["duplicates"]
        reordered += m["reordered"]
        in_key += m["reordered_in_key"]
        if node.up:
            lost += len(acked - node.items)
            stale_keys += sum(1 for k, v in origin.registers.items() if node.registers.get(k) != v)
    suppressed = sum(n.suppressed for n in receivers)
    measures = [
        Measure("acknowledged writes missing on a live receiver", lost,
                "lost in the channel: counted per receiver, from the final states"),
        Measure("duplicates applied", dup, "applications of an id beyond its first (receivers' apply logs)"),
        Measure("duplicates suppressed", suppressed, "redeliveries an idempotent receiver recognised"),
        Measure("applied out of the origin's order", reordered, "first applications after a later event"),
        Measure("reordered within a key", in_key, "a key's older value applied after its newer one"),
        Measure("keys with a different final value", stale_keys, "register divergence from the origin"),
    ]
    return measures, {"lost": lost, "dup": dup}


def _diverged_items(sim, ref: set[int]) -> Divergence:
    nodes = items = 0
    for node in sim.nodes.values():
        if node.up:
            diff = len(node.final_items() ^ ref)
            if diff:
                nodes += 1
                items += diff
    return Divergence(nodes == 0, nodes, items, _origin(sim).name)


# --- per channel ---------------------------------------------------------------------------------
def measure_broker(sim, result) -> None:
    measures, _ = _fanout_measures(sim, result)
    origin = _origin(sim)
    series = sim.channel_series
    measures[1:1] = [
        Measure("events published", origin.published, "change events the origin produced"),
        Measure("events lost with the producer", origin.lost_on_crash,
                "unacknowledged events in the producer's memory when the origin crashed"),
        Measure("events in the broker", sum(len(log) for log in sim.broker.logs), "over all partitions"),
        Measure("consumer lag max (events)", max((p[1] for p in series), default=0),
                "broker log end - events applied, worst consumer, sampled every 0.25 s"),
        Measure("end-to-end backlog max (events)", max((p[2] for p in series), default=0),
                "events the origin applied that the worst consumer has not (producer buffer included)"),
        Measure("consumer lag at the end (events)", series[-1][1] if series else 0, ""),
    ]
    result.channel = ChannelReport(sim.scenario.family, sim.scenario.mode, measures,
                                   "time s, consumer lag (events), end-to-end backlog (events)",
                                   [list(p) for p in series])


def measure_webhook(sim, result) -> None:
    measures, _ = _fanout_measures(sim, result)
    origin = _origin(sim)
    measures[1:1] = [
        Measure("calls made", origin.calls, "HTTP attempts, first tries and retries"),
        Measure("retries", origin.retries, "attempts after a timeout or a refused connection"),
        Measure("calls given up", origin.given_up, "deliveries dead-lettered after the last attempt"),
        Measure("deliveries lost with the sender", origin.lost_on_crash,
                "pending deliveries in the in-memory retry queue when the sender crashed"),
        Measure("deliveries pending at the end", len(origin.pending), ""),
    ]
    result.channel = ChannelReport(sim.scenario.family, sim.scenario.mode, measures)


def _register_measures(sim) -> list[Measure]:
    from protolab.replication.checkers import Record
    from protolab.replication.checkers.linearizable import check_linearizable

    stale, reads, evidence = stale_reads(sim.history.ops)
    verdict = check_linearizable(Record.from_sim(sim))
    return [
        Measure("ok reads", reads, ""),
        Measure("stale reads", stale, "missed a write that had completed before the read began"
                + (f" (history #{', #'.join(map(str, evidence))})" if evidence else "")),
        Measure("stale-read rate", round(stale / reads, 4) if reads else 0.0, "stale / ok reads"),
        Measure("linearizable", verdict.status, verdict.detail),
    ]


def leaderless_reference(sim):
    items: set[int] = set()
    for node in sim.nodes.values():
        items |= node.final_items() | node.hinted_items()
    return None, items


def measure_leaderless(sim, result) -> None:
    from protolab.replication.nodes.leaderless import preference

    sc = sim.scenario
    w, r = sc.quorum_rw()
    n = sc.quorum_n()
    measures = [Measure("N / W / R", f"{n} / {w} / {r}",
                        "R + W > N: read and write quorums overlap" if r + w > n else
                        "R + W <= N: a read quorum may miss the last write")]
    measures += _register_measures(sim)
    nodes = list(sim.nodes.values())
    measures += [
        Measure("read repairs", sum(n.repairs for n in nodes), "stale replicas a read brought up to date"),
        Measure("hinted writes", sum(n.hinted for n in nodes), "writes a fallback node took for a down replica"),
        Measure("hints handed off", sum(n.handed_off for n in nodes), "hints delivered once the replica returned"),
        Measure("hints still held", sum(len(n.hints) for n in nodes), "at the end"),
    ]
    # divergence: per key, live home replicas whose value is behind the newest among them
    keys = set()
    for n in nodes:
        keys |= set(n.registers)
    behind_nodes, behind = set(), 0
    for key in sorted(keys):
        home = [sim.nodes[name] for name in preference(sc, key) if sim.nodes[name].up]
        newest = max((n.versions.get(key, (-INF, 0)) for n in home), default=None)
        for n in home:
            if n.versions.get(key, (-INF, 0)) != newest:
                behind += 1
                behind_nodes.add(n.name)
    result.divergence = Divergence(behind == 0, len(behind_nodes), behind, None)
    measures.append(Measure("replica values behind (key, replica)", behind, "live home replicas not holding "
                            "the newest version of a key at the end (no anti-entropy modelled)"))
    result.channel = ChannelReport(sc.family, sc.mode, measures)
    _read_your_writes_check(sim, result)


def storage_reference(sim):
    items: set[int] = set()
    for node in sim.nodes.values():
        if node.up:
            items |= node.final_items()
    return None, items


def measure_storage(sim, result) -> None:
    acked = set(acked_writes(sim.history))
    anywhere: set[int] = set()
    live: set[int] = set()
    for node in sim.nodes.values():
        anywhere |= node.final_items()
        if node.up:
            live |= node.final_items()
    completed = ok = 0
    for inv, done in sim.history.pairs():
        if done is not None and inv[3] != "read-all":
            completed += 1
            ok += done[2] == OK
    info = sum(1 for _inv, done in sim.history.pairs() if done is not None and done[2] == INFO)
    measures = [
        Measure("availability (ok / completed ops)", round(ok / completed, 4) if completed else 0.0,
                "reads and writes"),
        Measure("operations unknown (timeouts)", info, ""),
        Measure("acknowledged writes unreadable at the end", len(acked - live), "on no live server"),
        Measure("acknowledged writes destroyed", len(acked - anywhere), "on no server at all (disks lost)"),
        Measure("self-heals", sum(getattr(n, "heals", 0) for n in sim.nodes.values()),
                "file copies repaired by the self-heal daemon"),
    ]
    measures += _register_measures(sim)
    result.channel = ChannelReport(sim.scenario.family, sim.scenario.mode, measures)
    result.divergence = _storage_divergence(sim)


def _storage_divergence(sim) -> Divergence:
    """Copies of a file that differ: only between the servers that hold that file."""
    from protolab.replication.nodes.storage import holders

    keys = set()
    for n in sim.nodes.values():
        keys |= set(n.registers)
    nodes, items = set(), 0
    for key in sorted(keys):
        copies = [sim.nodes[name] for name in holders(sim.scenario, key) if sim.nodes[name].up]
        newest = max((n.registers.get(key, -1) for n in copies), default=-1)
        for n in copies:
            if n.registers.get(key, -1) != newest:
                items += 1
                nodes.add(n.name)
    return Divergence(items == 0, len(nodes), items, None)


def fanout(measure):
    """The measures of a channel that fans n1's changes out (broker, webhook): ``measure``'s own, then
    divergence from the origin and the idempotency promise."""
    def run(sim, result) -> None:
        measure(sim, result)
        result.divergence = _diverged_items(sim, _origin(sim).final_items())
        _idempotency_check(sim, result)

    return run


# What a design claims, checked on the measured numbers (``run`` exits 1 when one fails).
def _idempotency_check(sim, result) -> None:
    if sim.scenario.mode in ("broker-idempotent", "webhook-outbox"):
        dup = result.channel.value("duplicates applied")
        result.checks.append(Check("no duplicate applied (idempotent receivers)", dup == 0, f"{dup} applied twice"))


def _read_your_writes_check(sim, result) -> None:
    sc = sim.scenario
    w, r = sc.quorum_rw()
    if sc.mode != "quorum-sloppy" and r + w > sc.quorum_n() and not any(c.w or c.r for c in sc.clients):
        stale = result.channel.value("stale reads")
        result.checks.append(Check("read-your-writes (R + W > N, strict quorum)", stale == 0,
                                   f"{stale} stale reads"))
