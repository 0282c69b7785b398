"""Chaos runs: seeded nemesis schedules, checkers over many runs, shrinking, replay, plots."""

from __future__ import annotations

import json
import xml.dom.minidom

import pytest

from protolab.replication.chaos import chaos, chaos_scenario, run_once, schedule_for
from protolab.replication.nemesis import NemesisSpec, schedule
from protolab.replication.scenario import from_dict, load
from protolab.tomlfile import tomllib


@pytest.fixture(scope="module")
def unsafe_result():
    return chaos(load("raft-crash").with_mode("raft-unsafe"), 8, 1, NemesisSpec())


def test_schedules_are_seeded_and_use_the_fault_grammar():
    nodes = ["n1", "n2", "n3"]
    a = schedule(5, nodes, 1.0, 20.0, NemesisSpec())
    assert a == schedule(5, nodes, 1.0, 20.0, NemesisSpec()) and a != schedule(6, nodes, 1.0, 20.0, NemesisSpec())
    kinds = {f.split()[0] for s in range(30) for f in schedule(s, nodes, 1.0, 20.0, NemesisSpec())}
    assert kinds == {"crash", "pause", "partition", "isolate", "delay", "loss", "skew"}
    only = {f.split()[0] for s in range(10) for f in schedule(s, nodes, 1.0, 20.0, NemesisSpec(("crash",)))}
    assert only == {"crash"}


def test_unsafe_raft_is_caught_shrunk_and_replays_from_its_file(unsafe_result):
    r = unsafe_result
    assert r.failed_runs >= 1
    f = r.failures[0]
    assert len(f.shrunk) <= len(f.faults)
    scenario = from_dict(tomllib.loads(f.replay_toml), "replay.toml")
    assert scenario.seed == f.seed and [x.text for x in scenario.faults] == f.shrunk
    _sim, verdicts = run_once(scenario)
    assert any(v.name == f.checker and v.violated for v in verdicts)  # the shrunk schedule still fails
    _sim, original = run_once(chaos_scenario(load("raft-crash").with_mode("raft-unsafe"), f.seed, f.faults))
    assert any(v.name == f.checker and v.violated for v in original)  # and the same seed replays the failure


def test_safe_raft_passes_the_same_runs_the_unsafe_one_fails(unsafe_result):
    safe = chaos(load("raft-crash"), 8, 1, NemesisSpec(), shrink_failures=0)
    assert safe.failed_runs == 0 and unsafe_result.failed_runs > 0
    assert all(c.failed == 0 for c in safe.checkers)


def test_async_findings_are_counted_but_do_not_fail_runs():
    r = chaos(load("async-crash"), 8, 1, NemesisSpec(("crash", "partition")), shrink_failures=0)
    tally = {c.name: c for c in r.checkers}
    assert not tally["durability"].promised and r.failed_runs == 0
    assert tally["durability"].failed >= 1  # async loses acknowledged writes under these faults


def test_chaos_cli_json_is_deterministic_and_exit_1_on_failure(cli, tmp_path):
    args = ("replicate", "chaos", "raft-crash", "--unsafe", "--runs", "6", "--json")
    a, b = cli(*args, "--save", str(tmp_path / "f.toml")), cli(*args)
    assert a.exit_code == 1 and b.exit_code == 1
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    assert da["checkers"] == db["checkers"] and da["failures"][0]["shrunk"] == db["failures"][0]["shrunk"]
    seed = da["failures"][0]["seed"]
    assert f"--seed {seed}" in da["failures"][0]["replay"]
    replay = cli("replicate", "run", str(tmp_path / "f.toml"), "--seed", str(seed), "--json")
    assert json.loads(replay.stdout)["seed"] == seed and replay.exit_code in (0, 1)


def test_chaos_cli_svg_and_metrics(cli, tmp_path):
    svg, metrics = tmp_path / "lat.svg", tmp_path / "m.txt"
    r = cli("replicate", "chaos", "sync-crash", "--runs", "2", "--svg", str(svg), "--metrics", str(metrics))
    assert r.exit_code == 0, r.stderr
    doc = xml.dom.minidom.parse(str(svg))
    assert len(doc.getElementsByTagName("circle")) > 100 and "shaded: faults" in svg.read_text()
    text = metrics.read_text()
    assert text.endswith("# EOF\n") and "# TYPE protolab_availability gauge" in text
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert all(len(ln.rsplit(" ", 2)) == 3 for ln in lines)
    names = {ln.split("{")[0] for ln in lines}
    assert {"protolab_availability", "protolab_leader", "protolab_detections", "protolab_ops"} <= names


@pytest.mark.parametrize("args, message", [
    (("--runs", "0"), "--runs"),
    (("--faults", "crash,meteor"), "unknown fault kind meteor"),
    (("--hold", "5s"), "--hold"),
    (("--mtbf", "-1s"), "--mtbf"),
    (("--unsafe",), "--unsafe"),
    (("--faults", "crash,zone"), "has no [[zone]]s"),
])
def test_chaos_bad_input_is_one_line_exit_2(cli, args, message):
    r = cli("replicate", "chaos", "async-crash", *args)
    assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_schedule_for_uses_the_client_load_window():
    base = load("async-crash")
    faults = schedule_for(base, 3, NemesisSpec())
    sc = chaos_scenario(base, 3, faults)
    assert all(1.0 <= f.at <= 8.5 for f in sc.faults) and sc.final_reads and sc.clients[0].reads == 0.5
