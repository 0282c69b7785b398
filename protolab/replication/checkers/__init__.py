"""Independent checkers that judge a run from what was observed, never from the mode's name.

Each checker reads a ``Record`` (the client history, and for the leader check the role changes
and elections the cluster reported) and returns a ``Verdict``: ``pass``, ``fail`` or ``unknown``
(the history holds too little to decide: no final read, a search over its budget). Whether a
failure matters depends on what the mode promises (``Scenario.promises()``): async replication
losing acknowledged writes is a finding, not a bug; sync or Raft losing one is a bug.

    durability      every acknowledged write is in the final read of the data (Jepsen's set check)
    leaders         at most one leader per Raft term / one elected Sentinel leader per epoch
    convergence     after the faults healed, every node's own final state is the same
    linearizable    each key's reads and writes fit one order that respects real time (a register,
                    checked per key with a Wing-Gong-Lowe search as Knossos and Porcupine do)
"""

from __future__ import annotations

from collections.abc import Callable

from protolab.replication.checkers.base import Record, Verdict
from protolab.replication.checkers.convergence import check_convergence
from protolab.replication.checkers.durability import check_durability
from protolab.replication.checkers.leaders import check_leaders
from protolab.replication.checkers.linearizable import check_linearizable

# checker name -> (function, what it checks); names match Scenario.promises()
CHECKERS: dict[str, tuple[Callable[[Record], Verdict], str]] = {
    "durability": (check_durability, "no acknowledged write missing from the final read"),
    "one-leader-per-term": (check_leaders, "at most one leader per term / epoch"),
    "convergence": (check_convergence, "every node holds the same data after the faults heal"),
    "linearizable": (check_linearizable, "reads and writes of each key fit one real-time order"),
}


def run_checkers(record: Record, names: list[str] | None = None) -> list[Verdict]:
    out = []
    for name in names or list(CHECKERS):
        verdict = CHECKERS[name][0](record)
        verdict.promised = name in record.promises
        out.append(verdict)
    return out


__all__ = ["CHECKERS", "Record", "Verdict", "run_checkers"]
