"""``protolab check``: a recorded history against a model, per partition, within a time limit.

The history's ops become the model's payloads (``models.py``); ops on disjoint keys form separate
partitions (P-compositionality: a history is linearizable exactly when each partition is), each
searched alone (``search.py``), smallest first, under one deadline. The verdict is ``invalid`` as soon
as one partition is, ``unknown`` when a partition ran out of time or memory and no other failed, else
``valid``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from protolab.errors import BadInput
from protolab.replication.checkers.histories import Op, read_history
from protolab.replication.checkers.models import (
    MODELS,
    Model,
    infer,
    partition_model,
    register_step,
    useless_optional,
)
from protolab.replication.checkers.search import MEMO_BYTES, Outcome, linearize

VERDICTS = ("valid", "invalid", "unknown")
_WINDOW = 10  # ops of the consistent prefix shown before the failure


@dataclass
class Failure:
    """Where a partition stops being explainable, as Knossos reports it."""

    keys: list               # the partition's keys (empty for a keyless model)
    ops: int                 # ops in the partition
    prefix_length: int       # ops in the longest order found (the last consistent prefix)
    prefix_tail: list[Op]    # its last ops, in the order taken
    blocked: Op | None       # the op that returned before any order could take it
    open_ops: list[Op]       # ops open beside it in some configuration where it was tried
    states: list             # the states it was tried in (none let it take effect)


@dataclass
class CheckResult:
    verdict: str             # valid | invalid | unknown
    model: str
    format: str
    ops: int                 # client operations in the history
    checked: int             # ops the search placed or could place (failed ops and unseen reads left out)
    optional: int            # of those, ops that may or may not have taken effect (:info, no completion)
    skipped_events: int      # events left out: nemesis processes, per-node reads
    partitions: int
    seconds: float
    steps: int
    why: str = ""            # unknown: what stopped the search
    failure: Failure | None = None
    initial: object = None
    unchecked: int = 0       # partitions left unsearched when the time ran out
    notes: list[str] = field(default_factory=list)


def model_named(name: str) -> Model:
    if name not in MODELS:
        raise BadInput(f"--model: no model named {name!r}; models: {', '.join(MODELS)}")
    return MODELS[name]


def check_history(text: str, model: str | None = None, initial=None, time_limit: float = 30.0,
                  fmt: str | None = None, memo_bytes: int = MEMO_BYTES) -> CheckResult:
    started = time.monotonic()
    deadline = started + time_limit
    history = read_history(text, fmt)
    chosen = model_named(model) if model else infer(history.ops, history.keyed)
    chosen.initial(initial)  # a bad --initial is bad input before any search
    parts = _partitions(history.ops, chosen)
    checked = sum(len(p[1]) for p in parts)
    optional = sum(1 for _keys, ops, _payloads in parts for op in ops if op.ret is None)
    result = CheckResult("valid", chosen.name, history.format, len(history.ops), checked, optional,
                         history.skipped, len(parts), 0.0, 0, initial=initial)
    if not any(op.status == "ok" and op.f in ("read", "cas", "txn") for op in history.ops):
        result.notes.append("no completed op reads the data: every order of the writes is valid")
    if history.skipped:
        result.notes.append(f"{history.skipped} event(s) left out: non-client processes (nemesis) or "
                            "protolab's per-node reads")
    undecided: tuple[tuple, list[Op], Outcome] | None = None
    for n, (keys, ops, payloads) in enumerate(sorted(parts, key=lambda p: len(p[1]))):
        if time.monotonic() > deadline:
            result.unchecked = len(parts) - n
            break
        step, payloads, state = partition_model(chosen, keys, payloads, initial)
        if step is register_step:
            useless = useless_optional(payloads, [op.ret is None for op in ops])
            if useless:
                ops = [op for i, op in enumerate(ops) if i not in useless]
                payloads = [p for i, p in enumerate(payloads) if i not in useless]
        out = linearize([op.call for op in ops], [op.ret for op in ops], payloads, step, state, deadline,
                        memo_bytes)
        result.steps += out.steps
        if out.status == "invalid":
            result.verdict, result.failure = "invalid", _failure(keys, ops, out)
            break
        if out.status == "unknown" and undecided is None:
            undecided = (keys, ops, out)
    if result.verdict == "valid" and (undecided is not None or result.unchecked):
        result.verdict = "unknown"
        if undecided is not None:
            keys, ops, out = undecided
            where = f" on key {', '.join(map(str, keys))}" if keys else ""
            when = f" after {time_limit:g} s" if out.why.startswith("time") else ""
            result.why = f"{out.why}{when}{where} ({len(ops)} ops, {out.memo} states remembered)"
        else:
            result.why = f"time limit reached after {time_limit:g} s"
        if result.unchecked:
            result.why += f"; {result.unchecked} partition(s) not searched"
    result.seconds = time.monotonic() - started
    return result


def _partitions(ops: list[Op], model: Model) -> list[tuple[tuple, list[Op], list]]:
    """(keys, ops, payloads) per partition: ops sharing a key (directly or through a txn) stay together."""
    prepared = []
    for op in ops:
        got = model.prepare(op)
        if got is not None:
            prepared.append((op, *got))
    if not model.keyed:
        return [((), [op for op, _k, _p in prepared], [p for _op, _k, p in prepared])] if prepared else []
    if all(len(keys) == 1 for _op, keys, _p in prepared):  # no txn over several keys: one partition a key
        by_key: dict = {}
        for op, keys, payload in prepared:
            group = by_key.get(keys[0])
            if group is None:
                group = by_key[keys[0]] = ([], [])
            group[0].append(op)
            group[1].append(payload)
        return [((k,), ops_, payloads) for k, (ops_, payloads) in by_key.items()]
    parent: dict = {}

    def root(k):
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for _op, keys, _p in prepared:
        first = root(keys[0])
        for k in keys[1:]:
            parent[root(k)] = first
    groups: dict = {}
    for op, keys, payload in prepared:
        group = groups.setdefault(root(keys[0]), ({}, [], []))
        group[0].update(dict.fromkeys(keys))
        group[1].append(op)
        group[2].append(payload)
    return [(tuple(g[0]), g[1], g[2]) for g in groups.values()]


def _failure(keys: tuple, ops: list[Op], out: Outcome) -> Failure:
    return Failure(list(keys), len(ops), len(out.order), [ops[i] for i in out.order[-_WINDOW:]],
                   ops[out.blocked] if out.blocked >= 0 else None, [ops[i] for i in out.open_ops],
                   list(out.states))
