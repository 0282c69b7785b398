"""The run chaos draws for --svg/--metrics: the first failure re-run in full, else the first run."""

from __future__ import annotations

from protolab.replication.chaos import chaos, schedule_for, shown_run
from protolab.replication.latency_svg import latency_plot
from protolab.replication.nemesis import NemesisSpec
from protolab.replication.scenario import load


def test_without_a_failure_the_first_run_is_shown_and_the_command_draws_it(cli, tmp_path):
    base, spec = load("sync-crash"), NemesisSpec()
    result = chaos(base, 2, 5, spec)
    assert not result.failures
    shown = shown_run(base, result, spec)
    assert shown.seed == 5 and shown.faults == schedule_for(base, 5, spec)
    assert shown.title == f"sync-crash (sync), chaos run seed 5: {len(shown.faults)} faults"
    svg = tmp_path / "c.svg"
    r = cli("replicate", "chaos", "sync-crash", "--runs", "2", "--seed", "5", "--svg", str(svg))
    assert r.exit_code == 0, r.output
    assert svg.read_text(encoding="utf-8") == latency_plot(shown.sim, shown.title)


def test_the_first_failure_is_the_one_shown():
    base, spec = load("raft-crash").with_mode("raft-unsafe"), NemesisSpec()
    result = chaos(base, 8, 1, spec)
    first = result.failures[0]
    shown = shown_run(base, result, spec)
    assert (shown.seed, shown.faults) == (first.seed, first.faults)
    assert shown.title == f"raft-crash (raft-unsafe), chaos run seed {first.seed}: {len(first.faults)} faults"
    assert shown.sim.history.ops  # run in full, with its history
