"""The recovery supervisor: detection + repair is the outage; replace re-adds an empty replica."""

from __future__ import annotations

import dataclasses

from protolab.replication.faults import parse_fault
from protolab.replication.runner import simulate
from protolab.replication.scenario import SupervisorSpec, load


def test_supervisor_restores_the_raft_majority_and_its_mttr_is_the_outage():
    base = load("raft-supervised")
    _sim, r = simulate(base)
    assert [x.node for x in r.recoveries] == ["n1", "n2"]
    assert all(2.0 <= x.detected_after_s <= 4.0 and abs(x.mttr_s - x.detected_after_s - 5.0) < 1e-6
               for x in r.recoveries)
    assert r.rto_s < r.recoveries[0].mttr_s + 3  # the first repair brings the majority back
    _sim, unsupervised = simulate(dataclasses.replace(base, supervisor=SupervisorSpec()))
    assert unsupervised.rto_s > r.rto_s + 5 and unsupervised.writes.ok < r.writes.ok  # down until the load ends


def test_replace_adds_an_empty_replica_that_resyncs_and_false_positives_are_fenced():
    sc = dataclasses.replace(load("async-crash"), faults=[parse_fault("crash primary at 5s")],
                             supervisor=SupervisorSpec("replace", repair=5.0)).validate()
    sim, r = simulate(sc)
    assert r.recoveries and r.divergence.converged and sim.nodes["n1"].role == "replica"
    paused = dataclasses.replace(load("raft-crash"), faults=[parse_fault("pause n2 at 3s for 5s")],
                                 supervisor=SupervisorSpec("restart")).validate()
    sim, r = simulate(paused)
    assert any("alive, fenced" in e[3] for e in sim.events if e[1] == "supervisor")
    assert [x.node for x in r.recoveries] == ["n2"]


def test_bad_supervisor_settings_are_one_line_exit_2(cli, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('mode = "raft"\n[supervisor]\naction = "replace"\n[[client]]\nwrites = 5\n')
    r = cli("replicate", "run", str(path))
    assert r.exit_code == 2 and "membership change" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    path.write_text('mode = "async"\n[supervisor]\naction = "pray"\n[[client]]\nwrites = 5\n')
    assert "supervisor action must be one of" in cli("replicate", "run", str(path)).stderr
