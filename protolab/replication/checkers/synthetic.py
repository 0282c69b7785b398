"""Histories with a known verdict, made from a sequential execution (tests, benchmarks, examples).

Each process runs one op at a time: it invokes, the op takes effect at one instant inside its window
(its linearization point), and it completes. Applying the ops in the order of those instants to a
register gives every read its value and every cas its outcome, so the history is linearizable by
construction; the windows overlap, so the checker has a real search to do. A crashed op (``:info``)
takes effect or not (a coin), and its process is replaced by a new one (process + concurrency), as
Jepsen's workers are. ``corrupt`` turns a valid history into one that is not: a read returns a value
no op ever wrote.

Seeded: the same arguments give the same history.
"""

from __future__ import annotations

import json
import random

from protolab.replication.checkers.models import show

NEVER_WRITTEN = 999_999


def register_history(ops: int, processes: int = 5, keys: int = 1, seed: int = 0, cas: bool = True,
                     crash: float = 0.02, values: int = 5, overlap: float = 3.0) -> list[dict]:
    """Events (``process``, ``type``, ``f``, ``value``, ``time`` in ns) of ``ops`` register ops.
    ``keys`` > 1: Jepsen's independent form, each value ``[key value]``. ``overlap``: how many op
    windows are open at once, roughly (a window lasts ``overlap`` times the gap between invokes)."""
    rng = random.Random(seed)
    gap = 1000
    procs = list(range(processes))
    free_at = dict.fromkeys(procs, 0)
    planned = []  # (effect instant or None, invoke, complete, process, f, value, outcome kind)
    t = 0
    next_proc = processes
    for _ in range(ops):
        t += rng.randint(1, 2 * gap // max(processes, 1) + 1)
        slot = min(range(len(procs)), key=lambda i: free_at[procs[i]])
        p = procs[slot]
        start = max(t, free_at[p] + 1)
        length = rng.randint(1, int(2 * overlap * gap)) + 1
        end = start + length
        effect = rng.randint(start, end)
        roll = rng.random()
        f = "read" if roll < 0.4 else ("write" if roll < 0.7 or not cas else "cas")
        value = (rng.randrange(values), rng.randrange(values)) if f == "cas" else \
            (None if f == "read" else rng.randrange(values))
        key = rng.randrange(keys)
        crashed = rng.random() < crash
        if crashed and rng.random() < 0.5:
            effect = None  # a crash before the op reached anyone
        planned.append([effect, start, end, p, f, value, key, crashed])
        free_at[p] = end
        if crashed:  # the worker's process is replaced, as Jepsen replaces a crashed one
            procs[slot] = next_proc
            free_at[next_proc] = end
            next_proc += 1
    state: dict[int, object] = {}
    results = {}
    for i in sorted((i for i, op in enumerate(planned) if op[0] is not None), key=lambda i: planned[i][0]):
        _effect, _s, _e, _p, f, value, key, _c = planned[i]
        cur = state.get(key)
        if f == "read":
            results[i] = ("ok", cur)
        elif f == "write":
            state[key] = value
            results[i] = ("ok", value)
        elif cur == value[0]:
            state[key] = value[1]
            results[i] = ("ok", value)
        else:
            results[i] = ("fail", value)
    events = []
    for i, (_effect, start, end, p, f, value, key, crashed) in enumerate(planned):
        wrap = (lambda v, k=key: (k, v)) if keys > 1 else (lambda v: v)
        events.append((start, 0, {"process": p, "type": "invoke", "f": f, "value": wrap(value), "time": start}))
        if crashed:
            done = {"process": p, "type": "info", "f": f, "value": ":timed-out", "time": end}
        else:
            kind, got = results[i]
            done = {"process": p, "type": kind, "f": f, "value": wrap(got), "time": end}
        events.append((end, 1, done))
    events.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in events]


def corrupt(events: list[dict], seed: int = 0) -> tuple[list[dict], int]:
    """A copy where one ok read (picked by ``seed``) returns a value never written, and its position.
    A keyed read ([key value]) keeps its key."""
    rng = random.Random(seed)
    reads = [i for i, e in enumerate(events) if e["f"] == "read" and e["type"] == "ok"]
    if not reads:
        raise ValueError("the history has no ok read to corrupt")
    at = rng.choice(reads)
    out = [dict(e) for e in events]
    invoked = next(e for e in reversed(events[:at]) if e["process"] == events[at]["process"])
    keyed = isinstance(invoked["value"], tuple)  # a read invokes with [key nil] in the keyed form
    out[at]["value"] = (out[at]["value"][0], NEVER_WRITTEN) if keyed else NEVER_WRITTEN
    return out, at


def to_edn(events: list[dict]) -> str:
    """A Jepsen ``history.edn``: one op map a line, inside a vector."""
    lines = [f"{{:process {e['process']}, :type :{e['type']}, :f :{e['f']}, :value {show(e['value'])}, "
             f":time {e['time']}, :index {i}}}" for i, e in enumerate(events)]
    return "[" + "\n ".join(lines) + "]\n"


def to_log(events: list[dict]) -> str:
    """Jepsen's text log, as Porcupine's ``test_data/jepsen`` holds it."""
    return "".join(f"INFO  jepsen.util - {e['process']}\t:{e['type']}\t:{e['f']}\t{show(e['value'])}\n"
                   for e in events)


def to_json(events: list[dict]) -> str:
    """Jepsen ops as JSON, one object a line."""
    return "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events)
