"""Convergence: after the faults heal and the cluster settles, every node's own state (the final
``read-local`` of each node) is the same. Nodes that did not answer are listed, not judged."""

from __future__ import annotations

from protolab.replication.checkers.base import Record, Verdict, result_of
from protolab.replication.history import OK

READ_LOCAL = "read-local"


def check_convergence(record: Record) -> Verdict:
    states: dict[str, frozenset] = {}
    silent = []
    for _i, inv, done in record.pairs({READ_LOCAL}):
        if done is not None and done[2] == OK:
            states[inv[6]] = frozenset(result_of(done) or ())
        else:
            silent.append(inv[6])
    note = f" ({', '.join(sorted(silent))} did not answer)" if silent else ""
    if len(states) < 2:
        return Verdict("convergence", "unknown", f"{len(states)} node(s) answered the final read{note}")
    distinct = set(states.values())
    if len(distinct) == 1:
        return Verdict("convergence", "pass", f"{len(states)} nodes hold the same {len(next(iter(distinct)))} "
                       f"items{note}")
    union = frozenset().union(*distinct)
    worst = max(states, key=lambda n: (len(union - states[n]), n))
    return Verdict("convergence", "fail", f"{len(distinct)} different states on {len(states)} nodes; {worst} lacks "
                   f"{len(union - states[worst])} of {len(union)} items{note}")
