"""Linearizability of single-register histories: a Wing-Gong search with Lowe's memo, per key.

Theory of operation
-------------------
A history is linearizable when every operation can be given one instant between its invoke and
its completion such that, taken in that order, the operations behave like one register (a read
returns the last value written before it). Keys are independent registers, so each key is checked
alone (P-compositionality, as Porcupine does): many small searches instead of one huge one.

Per key the operations become entries: ok writes (must take effect in their window), ok reads (must
return the register's value at their instant), unknown writes (info or never completed: they may
take effect at any instant after their invoke, so their window never closes). Failed operations
and unanswered reads are left out. An unknown write that no read observed is dropped too: it can
always be placed "never", which changes nothing any read saw.

The search walks a doubly linked list of call and return events in time order (calls first when
times tie). At a call it tries to linearize that operation now: a write always succeeds, a read
only when the register holds what it returned. On success the op is lifted out of the list and the
walk restarts from the head; reaching a return event means some op that already returned could not
be placed, so the search backtracks to the last choice and tries the next call. The memo holds every
(set of linearized ops, register value) already explored, so no state is searched twice (Lowe's
improvement, which Knossos and Porcupine share). A budget bounds the work: over it, the verdict is
"unknown", as a checker that timed out says.
"""

from __future__ import annotations

from protolab.replication.checkers.base import Record, Verdict, result_of
from protolab.replication.history import INFO, OK, READ, WRITE_FS

INF = float("inf")
BUDGET = 200_000  # search steps per key before giving up (verdict unknown)


class _Node:
    __slots__ = ("op", "call", "match", "prev", "next")

    def __init__(self, op: int, call: bool) -> None:
        self.op, self.call = op, call
        self.match = self.prev = self.next = None


def linearize(ops: list[tuple], budget: int = BUDGET) -> tuple[bool | None, int]:
    """Is this single-register history linearizable? ``ops``: (call time, return time (INF: unknown),
    kind "w" or "r", value). Returns (True / False / None when over budget, the op that blocked the
    deepest attempt or -1)."""
    events = []
    for i, (call, ret, _kind, _value) in enumerate(ops):
        events.append((call, 0, i))
        events.append((ret, 1, i))
    events.sort()
    head = _Node(-1, False)
    prev = head
    calls: dict[int, _Node] = {}
    for _t, is_ret, i in events:
        node = _Node(i, not is_ret)
        if is_ret:
            calls[i].match = node
        else:
            calls[i] = node
        node.prev, prev.next = prev, node
        prev = node
    state = None
    linearized = 0
    memo: set = set()
    stack: list[tuple[_Node, object]] = []
    entry = head.next
    steps = 0
    deepest, blocked = -1, -1
    while head.next is not None:
        steps += 1
        if steps > budget:
            return None, blocked
        if entry.call:
            _c, _r, kind, value = ops[entry.op]
            if kind == "w" or value == state:
                new_state = value if kind == "w" else state
                key = (linearized | (1 << entry.op), new_state)
                if key not in memo:
                    memo.add(key)
                    stack.append((entry, state))
                    state, linearized = new_state, key[0]
                    ret = entry.match  # lift the op: its call and its return leave the list
                    entry.prev.next = entry.next
                    entry.next.prev = entry.prev
                    ret.prev.next = ret.next
                    if ret.next is not None:
                        ret.next.prev = ret.prev
                    entry = head.next
                    continue
            entry = entry.next
        else:
            if len(stack) > deepest:
                deepest, blocked = len(stack), entry.op
            if not stack:
                return False, blocked
            entry, state = stack.pop()
            linearized &= ~(1 << entry.op)
            ret = entry.match  # unlift, in the reverse order of the lift
            ret.prev.next = ret
            if ret.next is not None:
                ret.next.prev = ret
            entry.prev.next = entry
            entry.next.prev = entry
            entry = entry.next
    return True, -1


def register_ops(record: Record) -> dict[int, list[tuple]]:
    """Per key: (call, return, kind, value, history index) of the ops that take part in the search."""
    per_key: dict[int, list[tuple]] = {}
    observed = {result_of(done) for _i, _inv, done in record.pairs({READ}) if done is not None and done[2] == OK}
    for i, inv, done in record.pairs(WRITE_FS | {READ}):
        if inv[4] is None:
            continue
        status = done[2] if done is not None else INFO
        if inv[3] == READ:
            if status == OK:
                per_key.setdefault(inv[4], []).append((inv[0], done[0], "r", result_of(done), i))
        elif status == OK:
            per_key.setdefault(inv[4], []).append((inv[0], done[0], "w", inv[5], i))
        elif status == INFO and inv[5] in observed:
            per_key.setdefault(inv[4], []).append((inv[0], INF, "w", inv[5], i))
    return per_key


def check_linearizable(record: Record, budget: int = BUDGET) -> Verdict:
    per_key = register_ops(record)
    if any(op[2] == "r" and isinstance(op[3], tuple) for ops in per_key.values() for op in ops):
        return Verdict("linearizable", "n/a", "reads return sets (multi-primary adds), not a register's value")
    if not any(op[2] == "r" for ops in per_key.values() for op in ops):
        return Verdict("linearizable", "unknown", "no reads in the history (clients need reads = 0.1 or more)")
    failed, unknown = [], []
    for key in sorted(per_key):
        ops = per_key[key]
        ok, blocked = linearize([op[:4] for op in ops], budget)
        if ok is False:
            failed.append((key, ops, blocked))
        elif ok is None:
            unknown.append(key)
    total = sum(len(v) for v in per_key.values())
    if failed:
        key, ops, blocked = failed[0]
        what = ""
        if blocked >= 0:
            t, _r, kind, value, index = ops[blocked]
            what = (f"; no order explains the {'read' if kind == 'r' else 'write'} at {t:.3f} s "
                    f"(history #{index}, value {value})")
        return Verdict("linearizable", "fail", f"{len(failed)} of {len(per_key)} keys not linearizable: key {key} "
                       f"({len(ops)} ops){what}", evidence=[ops[blocked][4]] if blocked >= 0 else [])
    if unknown:
        return Verdict("linearizable", "unknown", f"search over budget on {len(unknown)} key(s) "
                       f"({', '.join(map(str, unknown[:5]))}); the others are linearizable")
    return Verdict("linearizable", "pass", f"{len(per_key)} keys, {total} ops: each key has a valid order")
