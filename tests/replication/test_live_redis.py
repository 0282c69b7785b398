"""The live backend on real redis-server + redis-sentinel (127.0.0.1 only).

Servers start only in the few tests marked below (each a few seconds); they skip when Redis is
not installed and fail under CI=true (the ``tool`` fixture). Every test that starts servers checks
that none of them survives, and the last test checks that no server of this backend is left at all.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from protolab.replication.live.state import MARKER


def live_pids(under: Path) -> list[int]:
    """Running (not zombie) redis processes of live runs whose state directory is under ``under``:
    they work in its temporary directories (Redis rewrites its command line, so the working
    directory is what tells). Scoped, so that someone else's run at the same time does not count."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, state = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1].split()[0]
        if cwd.startswith(str(under)) and MARKER in cwd and name.startswith("redis") and state != "Z":
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def redis_tools(tool, tmp_path, monkeypatch):
    tool("redis-server")
    tool("redis-sentinel")
    monkeypatch.setenv("PROTOLAB_LIVE_STATE", str(tmp_path / "state"))
    yield
    from protolab.replication.live.state import clean_stale

    clean_stale()  # a test that failed half-way must not leave orphans to the next ones
    assert live_pids(tmp_path) == [], "a redis process started by the test survived it"
    assert not list((tmp_path / "state").glob("*.json")), "a run left its record behind"


def events(result: dict, kind: str) -> list[dict]:
    return [e for e in result["timeline"] if e["kind"] == kind]


# --- a killed primary is replaced in 2-3.5 s (Sentinel defaults) --------------------------------
def test_crash_failover_on_real_sentinel(cli, redis_tools, tmp_path):
    history = tmp_path / "ops.jsonl"
    r = cli("replicate", "run", "--mode", "async", "--writes", "700", "--rate", "200", "--fault",
            "crash primary at 1s", "--duration", "4.5s", "--backend", "redis", "--history", str(history), "--json")
    assert r.exit_code == 0, r.stderr
    res = json.loads(r.stdout)
    assert 2.0 <= res["failover_s"] <= 3.5, res["failover_s"]
    assert 1.5 <= res["rto_s"] <= 3.5, res["rto_s"]  # clients follow the promoted replica before +switch-master
    crash = events(res, "crash")[0]
    assert crash["source"] == "nemesis" and crash["detail"] == "n1"
    # down-after 1000 ms, counted from the oldest unanswered PING or the lost connection: a PING sent just
    # before the kill and not answered yet (a busy machine) starts the count a little before the crash
    assert 0.5 <= events(res, "+sdown")[0]["time"] - crash["time"] <= 2.1
    for kind in ("+odown", "+elected-leader", "+promoted-slave", "+switch-master"):
        assert events(res, kind), kind
    new = events(res, "+switch-master")[0]["detail"]
    assert new in ("n1 -> n2", "n1 -> n3")
    nodes = {n["name"]: n for n in res["nodes"]}
    assert nodes["n1"]["role"] == "down" and nodes[new[-2:]]["role"] == "primary"
    w = res["writes"]
    assert w["invoked"] == 700, w
    assert w["ok"] > 100, w  # 100 writes before the crash, and some on the new primary
    assert w["fail"] > 100, w  # refused while n1 is down
    assert 0.5 <= res["lag_ms"]["p50"] <= 20  # the replication streams cross 0.5-0.7 ms links
    assert w["invoked"] == w["ok"] + w["fail"] + w["info"] + w["pending"]
    # the history is the simulator's format, and the table was computed from it
    ops = [json.loads(line) for line in history.read_text().splitlines()]
    assert set(ops[0]) >= {"index", "time", "process", "type", "f", "key", "value", "node"}
    assert sum(1 for o in ops if o["type"] == "ok") == w["ok"]
    refused = [o for o in ops if o["type"] == "fail"]
    assert all(o["node"] == "n1" or o["error"] == "readonly" for o in refused if o["time"] < 3)


# --- a partition: async loses acknowledged writes, WAIT 1 does not --------------------------------
PARTITION = ["--fault", "partition n1,c1|n2,n3,c2 from 1s to 6s", "--writes", "300", "--duration", "7s",
             "--backend", "redis", "--json"]


def run_partition(cli, *extra: str, need_failover: bool = True) -> dict:
    """The partition run; once more (another seed) when Sentinel's election split: the two Sentinels
    on the majority side may both ask for votes in the same instant, each abort, and retry only
    2 x failover-timeout later, past this run's end (real Sentinel does that, more often on a loaded
    machine, where their +odown fall closer together)."""
    for seed in ("1", "2"):
        r = cli("replicate", "run", "sentinel-split-brain", *PARTITION, *extra, "--seed", seed)
        assert r.exit_code == 0, r.stderr
        res = json.loads(r.stdout)
        if events(res, "+switch-master") or not events(res, "-failover-abort-not-elected"):
            break
    if need_failover:
        assert events(res, "+switch-master"), timeline(res)
    return res


def timeline(res: dict) -> list[tuple]:
    return [(e["time"], e["source"], e["kind"], e["detail"]) for e in res["timeline"]]


def test_partition_async_loses_acknowledged_writes(cli, redis_tools):
    res = run_partition(cli)
    assert res["acked_lost"] > 0
    assert res["two_primaries_s"] > 0
    assert res["divergence"]["reference"] in ("n2", "n3")


def test_partition_wait_1_loses_no_acknowledged_write(cli, redis_tools, tmp_path):
    """WAIT 1 acknowledges a write once a replica has it, and Sentinel promotes the replica with the most,
    so nothing acknowledged before the cut is lost, and nothing on the cut-off n1 is acknowledged during
    it (no replica acks there). One way remains, in real Redis too, and it depends on timing, so it is
    read off the run rather than assumed away: if the failover had not re-pointed every replica when the
    partition healed, a replica still attached to n1 receives c1's writes and acknowledges them, then is
    re-pointed to the new primary and resynced from it. Without a failover (a split election) n1 stays
    the primary and keeps everything."""
    ops_path = tmp_path / "ops.jsonl"
    res = run_partition(cli, "--wait", "1", "--wait-timeout", "500ms", "--history", str(ops_path),
                        need_failover=False)
    assert res["writes"]["info"] > 0  # c1's writes on the cut-off primary: WAIT timed out, outcome unknown
    switched = events(res, "+switch-master")
    promoted = switched[0]["detail"].split(" -> ")[1] if switched else "n1"
    assert res["divergence"]["reference"] == promoted, timeline(res)  # what a majority of Sentinels name
    heal = events(res, "heal")[0]["time"]
    ended = [e["time"] for e in events(res, "+failover-end")]
    if not switched or (ended and min(ended) < heal):
        assert res["acked_lost"] == 0, timeline(res)
        return
    acked = {o["value"]: o for o in map(json.loads, ops_path.read_text().splitlines()) if o["type"] == "ok"}
    late = [(acked[w]["node"], acked[w]["time"]) for w in res["lost_write_ids"]]
    assert all(node == "n1" and t >= heal for node, t in late), (late, timeline(res))


# --- nothing left behind: Ctrl-C, and a run killed with SIGKILL ----------------------------------
def _start_run(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    state = tmp_path / "state"
    env = dict(os.environ, PROTOLAB_LIVE_STATE=str(state))
    proc = subprocess.Popen([sys.executable, "-m", "protolab", "replicate", "run", "--mode", "async", "--writes",
                             "3000", "--rate", "100", "--backend", "redis", "--duration", "60s", "--json"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        records = list(state.glob("*.json")) if state.exists() else []
        if records:
            data = json.loads(records[0].read_text())
            if len(data["procs"]) == 6:  # 3 data nodes + 3 Sentinels
                time.sleep(0.5)
                return proc, records[0]
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the run did not start its servers")


def test_ctrl_c_stops_everything(redis_tools, tmp_path):
    proc, record = _start_run(tmp_path)
    pids = [p["pid"] for p in json.loads(record.read_text())["procs"]]
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)  # seconds on a busy machine: six processes stopped and reaped
    finally:
        if proc.poll() is None:  # never leave the run behind, even when the test fails
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert not any(Path(f"/proc/{pid}").exists() and pid in live_pids(tmp_path) for pid in pids)
    assert not record.exists()


def test_killed_run_is_cleaned_by_the_next(redis_tools, tmp_path):
    from protolab.replication.live.state import clean_stale

    proc, record = _start_run(tmp_path)
    data = json.loads(record.read_text())
    proc.kill()  # SIGKILL: no cleanup code runs
    proc.wait(timeout=5)
    orphans = [p["pid"] for p in data["procs"]]
    assert set(orphans) <= set(live_pids(tmp_path)), "the servers should have outlived the killed run"
    killed = clean_stale()  # what the next run does first
    assert sorted(killed) == sorted(orphans)
    assert not set(orphans) & set(live_pids(tmp_path))
    assert not record.exists() and not Path(data["dir"]).exists()


# --- an existing deployment (one the test starts itself), through its Sentinel ---------------------
async def _deployment_ready(sentinel_port: int, replica_port: int) -> bool:
    from protolab.replication.live.cluster import pairs
    from protolab.replication.live.conn import ask

    try:
        replicas = await ask(sentinel_port, "SENTINEL", "REPLICAS", "protolab")
        info = await ask(replica_port, "INFO", "replication")
    except Exception:  # noqa: BLE001 - not up yet
        return False
    return bool(replicas) and pairs(replicas[0])["flags"] == "slave" and "master_link_status:up" in info


def test_external_deployment_failover_and_cleanup(cli, redis_tools):
    import redis

    from protolab.cli.scenario_flags import build_scenario
    from protolab.replication.live import config
    from protolab.replication.live.procs import ProcessManager, find_tool, free_ports

    sc = build_scenario(None, mode="async", replicas=1, sentinels=1, quorum=1)
    with ProcessManager() as pm:
        p1, p2, ps = free_ports(3)
        for name, port, master in (("n1", p1, None), ("n2", p2, p1)):
            (pm.root / name).mkdir()
            conf = pm.root / name / "redis.conf"
            conf.write_text(config.data_node(private=port, public=port, directory=str(pm.root / name), scenario=sc,
                                             master_public=master))
            pm.spawn(name, [find_tool("redis-server"), str(conf)])
        (pm.root / "s1").mkdir()
        conf = pm.root / "s1" / "sentinel.conf"
        conf.write_text(config.sentinel(name="s1", private=ps, public=ps, directory=str(pm.root / "s1"), scenario=sc,
                                        master_public=p1, replicas_public=[p2], peers=[]))
        pm.spawn("s1", [find_tool("redis-sentinel"), str(conf)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not asyncio.run(_deployment_ready(ps, p2)):
            time.sleep(0.05)
        base = ["replicate", "run", "--mode", "async", "--writes", "250", "--rate", "100", "--duration", "3.5s",
                "--backend", "redis", "--sentinel", f"127.0.0.1:{ps}", "--master", "protolab"]
        r = cli(*base, "--fault", "crash primary at 1s")
        assert r.exit_code == 2 and "--yes-disrupt" in r.stderr
        r = cli(*base, "--fault", "partition n1|n2 from 1s to 2s", "--yes-disrupt")
        assert r.exit_code == 2 and "cannot be done on an existing deployment" in r.stderr
        r = cli(*[a.replace("127.0.0.1:", "10.0.0.1:") for a in base], "--yes-disrupt")
        assert r.exit_code == 2 and "loopback" in r.stderr
        r = cli(*base, "--fault", "crash primary at 1s", "--yes-disrupt", "--json")
        assert r.exit_code == 0, r.stderr
        res = json.loads(r.stdout)
        assert "SENTINEL FAILOVER" in events(res, "crash")[0]["detail"]
        assert events(res, "+switch-master")[0]["detail"] == "n1 -> n2"
        assert res["failover_s"] < 2.0  # forced: no down-after wait
        # A forced failover leaves the old primary healthy and still a primary until Sentinel converts
        # it (seconds later): a client nobody told keeps writing there, and those writes are lost.
        assert res["divergence"]["reference"] == "n2"  # the promoted node, not the first by name
        assert res["two_primaries_s"] > 0 and res["acked_lost"] > 0
        assert pm.procs["n1"].popen.poll() is None  # nothing was killed
        assert redis.Redis(port=p1).keys("protolab:live:*") == []  # the load's keys were deleted
        assert redis.Redis(port=p2).keys("protolab:live:*") == []


# --- the core pieces, without servers ------------------------------------------------------------
def test_reference_primary_without_a_sentinel_answer_is_the_newest():
    from types import SimpleNamespace

    from protolab.replication.live.run import LiveRun

    dep = SimpleNamespace(master_name="protolab", owners=None)
    run = LiveRun(SimpleNamespace(), dep)
    run.roles = [(0.0, "n1", "primary", None), (0.0, "n2", "replica", None), (1.2, "n2", "primary", None)]
    assert run.newest_primary(["n1", "n2"]) == "n2"
    assert run.newest_primary(["n1"]) == "n1"
    assert run.newest_primary([]) is None
    run.roles = [(0.0, "n2", "primary", None), (0.0, "n1", "primary", None)]
    assert run.newest_primary(["n2", "n1"]) == "n1"  # a tie: the lower name, as before


@pytest.mark.parametrize("lost_as", ["error", "nothing"])
def test_a_lost_cancellation_still_ends_a_retry_loop(lost_as):
    from protolab.replication.live.conn import stop_if_cancelled

    async def retrying(log: list) -> None:  # the shape of the observer's and ready()'s loops
        while True:
            try:
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    if lost_as == "error":  # what redis-py may do inside a socket operation
                        raise ConnectionError("a library turned the cancellation into this") from None
                    log.append("swallowed")  # ... or inside disconnect: as if nothing happened
            except Exception:  # noqa: BLE001
                stop_if_cancelled()
                log.append("retried")
            stop_if_cancelled()
            await asyncio.sleep(0.001)

    async def main() -> list:
        log: list = []
        task = asyncio.ensure_future(retrying(log))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 2)
        return log

    assert asyncio.run(main()) == ([] if lost_as == "error" else ["swallowed"])


def test_retransmission_after_a_partition():
    from protolab.replication.live.proxy import retransmit_at

    assert retransmit_at(1.0, 0.5) == 1.0  # not due yet
    assert retransmit_at(1.0, 1.1) == pytest.approx(1.2)  # first retransmission, 200 ms
    assert retransmit_at(1.0, 5.0) == pytest.approx(1.0 + 0.2 + 0.4 + 0.8 + 1.6 + 3.2)  # backoff doubles


def test_sentinel_event_text_names_nodes():
    from protolab.replication.live.observer import Observer

    class Run:
        master_name = "protolab"

        def name_of_addr(self, ip, port):
            return {6001: "n1", 6002: "n2"}.get(port)

    o = Observer(Run())
    assert o.describe("+switch-master", "protolab 127.0.0.1 6001 127.0.0.1 6002") == "n1 -> n2"
    assert o.describe("+promoted-slave", "slave 127.0.0.1:6002 127.0.0.1 6002 @ protolab 127.0.0.1 6001") == \
        "replica n2"
    assert o.describe("+odown", "master protolab 127.0.0.1 6001 #quorum 2/2") == "primary n1 #quorum 2/2"


def test_bad_backend_options(cli):
    r = cli("replicate", "run", "async-crash", "--backend", "docker")
    assert r.exit_code == 2 and "--backend" in r.stderr
    r = cli("replicate", "run", "raft-crash", "--backend", "redis")
    assert r.exit_code == 2 and "simulator-only" in r.stderr
    r = cli("replicate", "run", "async-crash", "--master", "x")
    assert r.exit_code == 2 and "--sentinel" in r.stderr
    r = cli("replicate", "compare", "async-crash", "--backends", "sim,k8s")
    assert r.exit_code == 2 and "--backends" in r.stderr
    r = cli("replicate", "run", "async-crash", "--backend", "redis", "--svg", "x.svg")
    assert r.exit_code == 2 and "--history" in r.stderr


def test_compare_backends_cli_without_servers(cli):
    r = cli("replicate", "compare", "async-crash", "--backends", "sim", "--repeat", "2", "--json")
    assert r.exit_code == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["backends"] == ["sim"] and res["repeat"] == 2 and res["verdict"] is None
    lost = next(row for row in res["rows"] if row["measure"] == "acknowledged writes lost")
    assert len(lost["runs"]["sim"]) == 2 and lost["medians"]["sim"] > 0
    r = cli("replicate", "compare", "async-crash", "--backends", "sim")
    assert r.exit_code == 0 and "predicted (sim) median" in r.stdout


def test_compare_medians_and_verdicts():
    """The comparison arithmetic, with the simulator standing in for the real servers."""
    import dataclasses

    from protolab.replication.live.compare import compare_backends
    from protolab.replication.runner import simulate
    from protolab.replication.scenario import load

    sc = load("async-crash")
    seen = []

    def fake_redis(s):  # a "measurement" 10% slower to recover than the prediction
        seen.append(s.seed)
        r = simulate(s)[1]
        return dataclasses.replace(r, rto_s=r.rto_s * 1.1)

    c = compare_backends(sc, ["sim", "redis"], 3, fake_redis)
    assert seen == [1, 2, 3]
    rto = next(r for r in c.rows if r.measure.startswith("RTO"))
    assert rto.medians["redis"] == pytest.approx(rto.medians["sim"] * 1.1, rel=1e-3)
    assert rto.error_pct == pytest.approx(-100 / 11, abs=0.2)
    assert (rto.verdict, rto.why) == ("agree", "-9.1%, within ±30%") and c.verdict == "agree"


def test_no_redis_process_survives_the_suite(tmp_path_factory):
    """Runs last in this file: whatever the tests above did, no server they started is left."""
    assert live_pids(tmp_path_factory.getbasetemp()) == []
