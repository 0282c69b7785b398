"""The membership store of a failure detector, simulated: why the store that records "who is alive" needs
a quorum. The HA lab's health command shows these rows; the simulation is this lab's, so the rows are
made here and handed to ``protolab.ha.health.run_health`` by its caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from protolab.replication.faults import parse_fault
from protolab.replication.runner import simulate
from protolab.replication.scenario import ClientSpec, Scenario


@dataclass
class QuorumRow:
    store: str
    minority_acked: int
    majority_acked: int
    verdict: str


def quorum_demo(seed: int) -> list[QuorumRow]:
    """Two monitors on the two sides of a partition record their verdicts in the membership store:
    a Raft store (3 peers) only lets the majority side commit; a store without quorum (multi-primary)
    acknowledges both sides, so each side may declare the other dead: split brain."""
    rows = []
    for store, mode in (("raft (quorum)", "raft"), ("no quorum (multi-primary)", "multi-primary")):
        sc = Scenario(mode=mode, name="membership-store", nodes=3, seed=seed, settle=5.0,
                      clients=[ClientSpec("m1", near="n1", rate=20, writes=300, start=0.5),
                               ClientSpec("m2", near="n3", rate=20, writes=300, start=0.5)],
                      faults=[parse_fault("partition n1,m1|n2,n3,m2 from 5s to 12s")]).validate()
        sim, _r = simulate(sc)
        acked = {"m1": 0, "m2": 0}
        for inv, done in sim.history.pairs():
            if done is not None and done[2] == "ok" and 5.5 <= inv[0] < 12:
                acked[inv[1]] += 1
        both = acked["m1"] > 0 and acked["m2"] > 0
        rows.append(QuorumRow(store, acked["m1"], acked["m2"],
                              "both sides recorded verdicts: two views of who is alive" if both else
                              "only the majority side could record a verdict: one view"))
    return rows
