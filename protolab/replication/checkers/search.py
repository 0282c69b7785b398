"""The linearizability search: Wing & Gong's just-in-time linearization with Lowe's memo.

Each operation is a call event and a return event on one doubly linked list in real-time order. The
walk goes down the list: at a call it tries to take the op *now* (the model's step must accept it in
the current state); if the pair (set of ops taken, new state) was never reached before, the op is
lifted out of the list (call and return) and the walk restarts at the head. Reaching a return event
means an op that has already returned was never taken: the search undoes its last choice and tries
the call after it. An op whose return is at infinity (crashed, ``:info``) never forces anything:
reaching its return means every op that did return has been taken, so the history is linearizable.

Lowe's memo (the set of (taken-ops bitset, state) pairs) is what makes this fast enough: no
configuration is explored twice. The search stops at a deadline and when the memo would outgrow its
memory budget, and then says ``unknown`` and why, never a guess.

On failure it keeps what Knossos reports: the longest order found (the last consistent prefix), the
op whose return came before any order could take it, the ops still open at that point, and the
states the prefix can leave the data in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from sys import getsizeof

from protolab.replication.checkers.models import NO

MEMO_BYTES = 2 << 30     # memory budget of one search's memo (estimated)
_CHECK_EVERY = 4096      # steps between two looks at the clock
_MAX_STATES = 8          # candidate states kept for the report
_MAX_OPEN = 12           # open ops listed in the report
_SUBSUME = 8             # optional sets compared one by one per (ops, state); past that, equality only


@dataclass
class Outcome:
    status: str                 # valid | invalid | unknown
    why: str = ""               # unknown: what stopped the search
    steps: int = 0
    memo: int = 0               # configurations remembered
    order: list[int] = field(default_factory=list)    # valid: a linearization; invalid: the longest prefix
    blocked: int = -1           # invalid: the op that returned before any order could take it
    open_ops: list[int] = field(default_factory=list)  # invalid: the ops still open at that point
    states: list = field(default_factory=list)          # invalid: states the longest prefix can end in


def linearize(calls: list[int], rets: list[int | None], payloads: list, step: Callable, state,
              deadline: float | None = None, memo_bytes: int = MEMO_BYTES) -> Outcome:
    """Ops 0..n-1 with their call and return times (None: never returned), payloads and the model's
    step, from ``state``. ``deadline`` is a ``time.monotonic()`` instant."""
    n = len(calls)
    if n == 0:
        return Outcome("valid")
    never = float("inf")
    events = sorted([(c, 2 * i) for i, c in enumerate(calls)]
                    + [(never if r is None else r, 2 * i + 1) for i, r in enumerate(rets)])
    # node 2i is op i's call, 2i + 1 its return; HEAD the list's head; -1 its end
    head = 2 * n
    nxt = [-1] * (2 * n + 1)
    prv = [-1] * (2 * n + 1)
    last = head
    for _t, node in events:
        nxt[last], prv[node] = node, last
        last = node
    pending = [r is None for r in rets]
    # required ops and optional ones (never returned) each numbered apart, so each bitset stays small
    index, counts = [0] * n, [0, 0]
    for i, p in enumerate(pending):
        index[i] = counts[p]
        counts[p] += 1
    # Optional ops with the same payload are interchangeable: of two, the one invoked first can take
    # effect wherever the other could. Only the first untaken one of each such chain is tried.
    twin = [-1] * n
    last_of: dict = {}
    for i in sorted(range(n), key=calls.__getitem__):
        if pending[i]:
            try:
                twin[i] = last_of.get(payloads[i], -1)
                last_of[payloads[i]] = i
            except TypeError:  # an unhashable payload has no twins
                pass
    taken = bytearray(n)
    cost = 120 + n // 8  # bytes per memo entry: key tuple, dict slot, list, the bitsets
    used = 0

    # (required ops taken, state) -> the sets of optional ops taken with them, already explored. Taking
    # fewer optional ops is never worse (the others can still take effect later, or never), so a
    # configuration whose optional set holds one already explored is pruned (Lowe's memo, extended).
    memo: dict = {}
    entries = 0
    stack: list[tuple[int, object, object, bool]] = []  # (call node, state, prefix before, phase)
    prefix = None  # the ops taken, as a linked chain (op, earlier chain): O(1) to remember
    req = opt = 0
    steps = 0
    best_depth, best = -1, None  # the deepest dead end: (prefix, blocked op, open ops)
    best_states: list = []
    # The calls before the first return are the candidates, in any order: the required ones are tried
    # first (phase False), the optional ones after (phase True), so the configurations that take fewer
    # optional ops are explored, and remembered, before the ones they subsume.
    entry, phase, skipped_optional = nxt[head], False, False
    check_at = _CHECK_EVERY
    while True:
        steps += 1
        if steps >= check_at:
            check_at += _CHECK_EVERY
            if deadline is not None and time.monotonic() > deadline:
                return _stopped("time limit reached", steps, entries, best, best_states)
        if entry != -1 and not entry & 1:  # a call: try to take the op now
            op = entry >> 1
            if pending[op] is not phase or (phase and twin[op] >= 0 and not taken[twin[op]]):
                skipped_optional |= not phase
                entry = nxt[entry]
                continue
            new = step(state, payloads[op])
            if new is not NO:
                if pending[op]:
                    r, o = req, opt | (1 << index[op])
                else:
                    r, o = req | (1 << index[op]), opt
                key = (r, new)
                seen = memo.get(key)
                if seen is None:
                    memo[key] = [o]
                elif o in seen if len(seen) > _SUBSUME else any(s & ~o == 0 for s in seen):
                    entry = nxt[entry]
                    continue
                else:
                    seen.append(o)
                entries += 1
                used += cost if type(new) is not frozenset else cost + getsizeof(new)  # a set state is its own
                if used > memo_bytes:
                    return _stopped(f"memo over its {memo_bytes >> 20} MiB budget", steps, entries, best,
                                    best_states)
                stack.append((entry, state, prefix, phase))
                state, req, opt, prefix, phase, skipped_optional = new, r, o, (op, prefix), False, False
                taken[op] = 1
                ret = entry + 1  # lift the op: its call and its return leave the list
                a, b = prv[entry], nxt[entry]
                nxt[a], prv[b] = b, a
                a, b = prv[ret], nxt[ret]
                nxt[a] = b
                if b != -1:
                    prv[b] = a
                entry = nxt[head]
                continue
            entry = nxt[entry]
            continue
        if not phase:  # the required candidates are done: now the optional ones, if the scan passed any
            if entry == -1 or pending[entry >> 1]:
                break  # every op that returned is taken: the ones left may take effect later, or never
            if skipped_optional:
                entry, phase, skipped_optional = nxt[head], True, False
                continue
        op = entry >> 1  # a return: op was never taken
        depth = len(stack)
        if depth > best_depth and (best is None or op != best[1]):
            best_depth, best, best_states = depth, (prefix, op, _open_before(nxt, head, entry, [])), [state]
        elif best is not None and op == best[1]:  # the same op blocked again, from another configuration
            if depth > best_depth:
                best_depth, best = depth, (prefix, op, best[2])
            _open_before(nxt, head, entry, best[2])
            if len(best_states) < _MAX_STATES and state not in best_states:
                best_states.append(state)
        if not stack:
            return _failed(steps, entries, best, best_states)
        entry, state, prefix, phase = stack.pop()
        skipped_optional = True  # the scan resumes mid-list: optional calls may lie before it
        op = entry >> 1
        taken[op] = 0
        if pending[op]:
            opt &= ~(1 << index[op])
        else:
            req &= ~(1 << index[op])
        ret = entry + 1  # unlift, in the reverse order of the lift
        b = nxt[ret]
        nxt[prv[ret]] = ret
        if b != -1:
            prv[b] = ret
        nxt[prv[entry]] = entry
        prv[nxt[entry]] = entry
        entry = nxt[entry]
    return Outcome("valid", steps=steps, memo=entries, order=_chain(prefix))


def _open_before(nxt: list[int], head: int, stop: int, out: list[int]) -> list[int]:
    """Add to ``out`` the ops whose calls come before the blocked return: the ones open beside it."""
    node = nxt[head]
    while node != stop and node != -1 and len(out) < _MAX_OPEN:
        if not node & 1 and node >> 1 not in out:
            out.append(node >> 1)
        node = nxt[node]
    return out


def _chain(prefix) -> list[int]:
    out = []
    while prefix is not None:
        out.append(prefix[0])
        prefix = prefix[1]
    return out[::-1]


def _failed(steps: int, memo: int, best, states: list) -> Outcome:
    prefix, blocked, open_ops = best
    return Outcome("invalid", steps=steps, memo=memo, order=_chain(prefix), blocked=blocked,
                   open_ops=[o for o in open_ops if o != blocked], states=states)


def _stopped(why: str, steps: int, memo: int, best, states: list) -> Outcome:
    out = Outcome("unknown", why=why, steps=steps, memo=memo)
    if best is not None:  # how far it got: the deepest dead end so far
        out.order, out.blocked, out.states = _chain(best[0]), best[1], states
    return out
