"""`protolab replicate ...` through the CLI: outputs, files, determinism, errors, tour stop."""

from __future__ import annotations

import json
import xml.dom.minidom

import pytest

from protolab.replication.scenario import shipped

SHIPPED = ["async-crash", "sync-crash", "semi-sync-partition", "sentinel-split-brain", "multi-primary-skew",
           "restart-without-persistence",
           "raft-partition", "raft-crash"]


def test_scenarios_lists_the_shipped_ones(cli):
    result = cli("replicate", "scenarios", "--json")
    assert result.exit_code == 0
    names = [s["name"] for s in json.loads(result.stdout)["scenarios"]]
    assert set(SHIPPED) <= set(names) and names == sorted(shipped())


def test_run_json_svg_history_are_deterministic(cli, tmp_path):
    outs = []
    for n in (1, 2):
        svg, hist = tmp_path / f"r{n}.svg", tmp_path / f"h{n}.jsonl"
        result = cli("replicate", "run", "sentinel-split-brain", "--seed", "3", "--json", "--svg", str(svg),
                     "--history", str(hist))
        assert result.exit_code == 0, result.stderr
        outs.append((result.stdout, svg.read_bytes(), hist.read_bytes()))
    assert outs[0] == outs[1]
    data = json.loads(outs[0][0])
    lines = outs[0][2].decode().splitlines()
    entries = [json.loads(line) for line in lines]
    assert len([e for e in entries if e["type"] == "invoke"]) == data["writes"]["invoked"]
    assert {e["type"] for e in entries} <= {"invoke", "ok", "fail", "info"}
    assert sum(1 for e in entries if e["type"] == "ok") == data["writes"]["ok"]
    doc = xml.dom.minidom.parseString(outs[0][1])
    assert doc.documentElement.tagName == "svg"
    assert b"+switch-master" in outs[0][1] and b"partition" in outs[0][1]
    other = cli("replicate", "run", "sentinel-split-brain", "--seed", "4", "--json")
    assert other.stdout != outs[0][0]


def test_run_from_flags_shows_the_table(cli):
    result = cli("replicate", "run", "--mode", "semi-sync", "--replicas", "2", "--writes", "300", "--rate", "100",
                 "--fault", "crash primary at 1s", "--seed", "2")
    assert result.exit_code == 0, result.stderr
    for text in ("acknowledged writes lost", "unavailability", "two primaries", "+promoted-slave", "latency"):
        assert text in result.stdout


def test_compare_puts_modes_side_by_side(cli):
    result = cli("replicate", "compare", "async-crash", "--modes", "async,sync,raft", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {r["mode"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["async"]["acked_lost"] > 0 and rows["sync"]["acked_lost"] == 0 == rows["raft"]["acked_lost"]
    assert rows["sync"]["latency_p50_ms"] > rows["async"]["latency_p50_ms"]


def test_explain_topics(cli):
    listing = json.loads(cli("replicate", "explain", "--json").stdout)
    names = [t["name"] for t in listing["topics"]]
    assert names == ["master-slave", "master-master", "distributed-db", "failover", "split-brain", "quorum"]
    for name in names:
        result = cli("replicate", "explain", name)
        assert result.exit_code == 0 and len(result.stdout) > 200


BAD_FILES = {
    "not toml": ("mode = async\n", "not valid TOML"),
    "no mode": ("nodes = 3\n", "missing 'mode'"),
    "unknown mode": ('mode = "paxos"\n[[client]]\n', "unknown mode 'paxos'"),
    "unknown key": ('mode = "async"\nreplicaz = 2\n', "unknown key 'replicaz'"),
    "wait > replicas": ('mode = "async"\n[replication]\nwait = 5\n[[client]]\n', "wait 5 is impossible"),
    "negative time": ('mode = "async"\nfaults = ["crash n1 at -2s"]\n[[client]]\n', "crash n1 at -2s"),
    "unknown node": ('mode = "raft"\nfaults = ["crash n7 at 2s"]\n[[client]]\n', "unknown n7"),
    "quorum": ('mode = "async"\n[sentinel]\nquorum = 4\n[[client]]\n', "quorum 4"),
    "bad duration": ('mode = "async"\nduration = "soon"\n[[client]]\n', "duration"),
    "no clients": ('mode = "async"\n', "no clients"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_files_exit_2_with_one_line(cli, tmp_path, case):
    text, expected = BAD_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = cli("replicate", "run", str(path))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and expected in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args,expected", [
    (["--mode", "async", "--replicas", "-1"], "--replicas"),
    (["--mode", "sync", "--replicas", "0"], "needs at least one replica"),
    (["--mode", "async", "--sentinels", "3", "--quorum", "5"], "quorum 5"),
    (["--mode", "async", "--min-replicas", "3"], "min_replicas_to_write 3"),
    (["--mode", "multi-primary", "--strategy", "newest"], "unknown strategy"),
    (["--mode", "async", "--fault", "partition n1|n2 from 3s to 1s"], "ends before it starts"),
    (["no-such-scenario"], "no scenario named"),
    ([], "give a SCENARIO"),
])
def test_impossible_flags_exit_2(cli, args, expected):
    result = cli("replicate", "run", *args)
    assert result.exit_code == 2 and expected in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("args, message", [
    (("replicate", "compare", "async-crash", "--repeat", "-1"), "--repeat goes with --backends"),
    (("replicate", "chaos", "async-crash", "--runs", "2", "--shrink", "-1"), "--shrink must be 0"),
    (("replicate", "run", "async-crash", "--replicas", "0"), "but the nodes are n1"),
])
def test_meaningless_values_are_refused(cli, args, message):
    r = cli(*args)
    assert r.exit_code == 2 and message in r.stderr and r.stderr.count("\n") == 1


def test_compare_rejects_unknown_mode(cli):
    result = cli("replicate", "compare", "async-crash", "--modes", "async,quantum")
    assert result.exit_code == 2 and "quantum" in result.stderr


def test_tour_stop_async_vs_sync(cli):
    result = cli("tour", "--only", "replicate", "--json")
    assert result.exit_code == 0, result.stderr
    stop = json.loads(result.stdout)["stops"][0]
    assert stop["ok"] and stop["seconds"] < 2
    text = "\n".join(stop["lines"])
    assert "async" in text and "sync" in text and "lost" in text
