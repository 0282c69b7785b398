"""What the checkers read (``Record``) and what they return (``Verdict``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from protolab.replication.history import INVOKE


@dataclass
class Verdict:
    name: str
    status: str  # pass | fail | unknown | n/a (the checker does not apply to this data model)
    detail: str
    promised: bool = False
    evidence: list[int] = field(default_factory=list)  # history indices that show a failure (a few)

    @property
    def violated(self) -> bool:
        """A failure of something the mode promised (what makes a chaos run fail)."""
        return self.status == "fail" and self.promised


@dataclass
class Record:
    ops: list[tuple]  # history entries (time, process, type, f, key, value, node, error, result)
    roles: list[tuple] = field(default_factory=list)  # (time, node, role, term)
    events: list[tuple] = field(default_factory=list)  # (time, source, kind, detail)
    promises: frozenset = frozenset()

    @classmethod
    def from_sim(cls, sim) -> Record:
        return cls(list(sim.history.ops), list(sim.roles), list(sim.events), sim.scenario.promises())

    def pairs(self, fs=None):
        """(index of invoke, invoke, completion or None) in invoke order, for ops whose f is in ``fs``."""
        done = {op[5]: op for op in self.ops if op[2] != INVOKE}
        for i, op in enumerate(self.ops):
            if op[2] == INVOKE and (fs is None or op[3] in fs):
                yield i, op, done.get(op[5])


def result_of(op) -> object:
    return op[8] if len(op) > 8 else None
