"""The sync channels (broker, webhooks, leaderless quorums, shared storage).

Small schedules whose outcome is known exactly, each number recomputed from the history and the
final node states (apply logs) rather than read off the result alone.
"""

from __future__ import annotations

import json

import pytest

from protolab.errors import BadInput
from protolab.replication.channel_metrics import stale_reads
from protolab.replication.faults import parse_fault
from protolab.replication.runner import compare, simulate
from protolab.replication.scenario import from_dict, load, to_toml


def _run(name, mode=None, faults=None, **tables):
    sc = load(name)
    if mode is not None:
        sc = sc.with_mode(mode)
    if faults is not None:
        sc.faults = [parse_fault(f) for f in faults]
    for table, values in tables.items():
        for key, value in values.items():
            setattr(getattr(sc, table), key, value)
    return simulate(sc.validate())


def _invoked_writes(sim, start, end):
    return [inv for inv, _d in sim.history.pairs() if inv[3] == "write" and start < inv[0] < end]


def _dups(node):
    ids = [wid for _t, wid, _k in node.applied]
    return len(ids) - len(set(ids))


# --- broker --------------------------------------------------------------------------------------
def test_at_least_once_consumer_crash_applies_exactly_the_in_flight_events_twice():
    faults = ["crash n2 at 3.5s for 1s"]  # commits at 1 s, 2 s, 3 s: crash after applying, before committing
    sim, r = _run("broker-consumer-crash", "broker-at-least-once", faults)
    n2 = sim.nodes["n2"]
    in_flight = {wid for t, wid, _k in n2.applied if 3.0 < t < 3.5}
    assert len(in_flight) == len(_invoked_writes(sim, 3.0, 3.5)) == 5
    twice = {wid for wid in in_flight if sum(1 for _t, w, _k in n2.applied if w == wid) == 2}
    assert twice == in_flight and _dups(n2) == 5 and _dups(sim.nodes["n3"]) == 0
    assert r.channel.value("duplicates applied") == 5 and r.channel.value("duplicates suppressed") == 0
    assert r.divergence.converged and r.channel.value("acknowledged writes missing on a live receiver") == 0

    sim, r = _run("broker-consumer-crash", "broker-idempotent", faults)
    assert _dups(sim.nodes["n2"]) == 0 and sim.nodes["n2"].suppressed == 5
    assert r.channel.value("duplicates applied") == 0 and r.channel.value("duplicates suppressed") == 5

    sim, r = _run("broker-consumer-crash", "broker-at-most-once", faults)
    assert r.channel.value("duplicates applied") == 0 and r.divergence.converged  # nothing was queued at 3.5 s


def test_at_most_once_loses_the_fetched_events_a_crash_catches_unapplied():
    sim, r = _run("broker-consumer-crash", "broker-at-most-once")
    origin, n3 = sim.nodes["n1"], sim.nodes["n3"]
    missing = origin.items - n3.items
    dropped = next(e for e in sim.events if e[1] == "n3" and e[2] == "dropped-fetched")
    assert len(missing) == int(dropped[3].split()[0]) > 0  # the queue n3 held when it crashed at 8.3 s
    assert r.channel.value("acknowledged writes missing on a live receiver") == len(missing)
    assert r.divergence.items_differing == len(missing) and r.channel.value("duplicates applied") == 0
    _sim, r2 = _run("broker-consumer-crash", "broker-at-least-once")
    assert r2.divergence.converged and r2.channel.value("duplicates applied") > 5


def test_broker_outage_shows_as_consumer_lag_and_partitions_reorder():
    sim, r = _run("broker-consumer-crash", "broker-idempotent", ["crash broker at 3s for 2s"],
                  broker={"partitions": 3})
    lag = {t: v for t, v, _b in r.channel.series}
    backlog = {t: b for t, _v, b in r.channel.series}
    assert max(v for t, v in lag.items() if 3 < t < 5) == 0  # the broker holds nothing new while down...
    assert min(b for t, b in backlog.items() if 4 < t < 5) >= 10  # ...while the producer's backlog grows
    assert max(v for t, v in lag.items() if 5 < t < 5.5) > 0  # and arrives at the broker at once
    assert lag[max(lag)] == 0 == backlog[max(backlog)] and r.divergence.converged
    assert r.channel.value("reordered within a key") == 0 < r.channel.value("applied out of the origin's order")
    _sim, rr = _run("broker-consumer-crash", "broker-idempotent", ["crash broker at 3s for 2s"],
                    broker={"partitions": 3, "partition_by": "round-robin"})
    assert rr.channel.value("reordered within a key") > 0


def test_origin_crash_loses_unpublished_events_while_the_broker_is_down():
    sim, r = _run("broker-consumer-crash", "broker-idempotent", ["crash broker at 3s for 3s", "crash n1 at 4s for 1s"])
    lost = sim.nodes["n1"].lost_on_crash
    assert lost == len(_invoked_writes(sim, 3.0, 4.0)) == 10
    assert r.channel.value("acknowledged writes missing on a live receiver") == 2 * lost  # n2 and n3


# --- webhooks ------------------------------------------------------------------------------------
def test_webhook_retry_duplicates_exactly_the_calls_that_timed_out_in_a_pause():
    faults = ["pause n2 at 2s for 1s"]  # timeout 500 ms: calls sent in [2.0, 2.5) time out inside the pause
    sim, r = _run("webhook-faults", "webhook-retry", faults)
    expected = len(_invoked_writes(sim, 2.0, 2.5))
    assert expected == 5 and _dups(sim.nodes["n2"]) == expected and _dups(sim.nodes["n3"]) == 0
    assert r.channel.value("duplicates applied") == expected
    sim, r = _run("webhook-faults", "webhook-outbox", faults)
    assert _dups(sim.nodes["n2"]) == 0 and r.channel.value("duplicates suppressed") == expected


def test_webhook_queue_dies_with_the_sender_the_outbox_does_not():
    sim, r = _run("webhook-faults", "webhook-retry")
    lost = sim.nodes["n1"].lost_on_crash
    assert lost > 0 and r.channel.value("acknowledged writes missing on a live receiver") == lost
    assert not r.divergence.converged and r.channel.value("applied out of the origin's order") > 0
    _sim, o = _run("webhook-faults", "webhook-outbox")
    assert o.divergence.converged and o.channel.value("deliveries lost with the sender") == 0
    assert o.channel.value("duplicates applied") == 0 < o.channel.value("duplicates suppressed")


def test_webhook_receiver_down_past_the_retry_budget_is_given_up():
    sim, r = _run("webhook-faults", "webhook-retry", ["crash n3 at 2s"], webhook={"attempts": 3})
    given_up = r.channel.value("calls given up")
    assert given_up == len(_invoked_writes(sim, 2.0, 9.6)) and r.channel.value("retries") == 2 * given_up


# --- leaderless ----------------------------------------------------------------------------------
def test_stale_reads_from_a_hand_built_history():
    ops = [(0.0, "a", "invoke", "write", 0, 1, "n1"), (0.1, "a", "ok", "write", 0, 1, "n1"),
           (0.2, "a", "invoke", "write", 0, 2, "n1"), (0.3, "a", "ok", "write", 0, 2, "n1"),
           (0.4, "b", "invoke", "read", 0, 3, "n3"), (0.5, "b", "ok", "read", 0, 3, "n3", None, 1),  # stale
           (0.4, "c", "invoke", "read", 0, 4, "n1"), (0.5, "c", "ok", "read", 0, 4, "n1", None, 2),
           (0.25, "d", "invoke", "read", 0, 5, "n3"), (0.5, "d", "ok", "read", 0, 5, "n3", None, 1),  # concurrent
           (0.6, "b", "invoke", "read", 0, 6, "n3"), (0.7, "b", "ok", "read", 0, 6, "n3", None, None)]  # stale
    assert stale_reads(ops) == (2, 4, [4, 10])


def test_r1_w1_n3_with_a_lagging_replica_reads_stale_r2_w2_does_not():
    sim, r = _run("quorum-lagging", "quorum-one")
    stale, reads, _ = stale_reads(sim.history.ops)
    assert reads == 60 and stale > 0 and r.channel.value("stale reads") == stale
    assert r.channel.value("linearizable") == "fail" and r.channel.value("N / W / R") == "3 / 1 / 1"
    sim, r = _run("quorum-lagging", "quorum")
    assert stale_reads(sim.history.ops)[:2] == (0, 60) and r.channel.value("linearizable") == "pass"
    sim, r = _run("quorum-lagging", "quorum", quorum={"w": 3, "r": 1})  # R + W > N another way
    assert r.channel.value("stale reads") == 0
    slow = ["n2", "n3"]  # R + W = N and two replicas lag: the read quorum can miss the one copy
    _sim, r = _run("quorum-lagging", "quorum", quorum={"w": 1, "r": 2, "lagging": slow})
    assert r.channel.value("stale reads") > 0
    _sim, r = _run("quorum-lagging", "quorum", quorum={"w": 2, "r": 2, "lagging": slow, "timeout": 1.0})
    assert r.channel.value("stale reads") == 0 and r.latency_ms.p50 > 300  # W = 2 waits for a slow replica


def test_sloppy_quorum_reads_stale_despite_r_plus_w_over_n_strict_does_not():
    sim, r = _run("quorum-sloppy-partition", "quorum-sloppy")
    in_partition = _invoked_writes(sim, 1.95, 5.95)  # writes every 100 ms from 0.5 s
    assert r.writes.info == 0 and r.channel.value("stale reads") > 0
    assert r.channel.value("hinted writes") == 2 * len(in_partition)  # n2 and n3 replaced by n4 and n5
    assert r.channel.value("hints handed off") == r.channel.value("hinted writes")
    assert r.channel.value("hints still held") == 0 and r.divergence.converged
    _sim, off = _run("quorum-sloppy-partition", "quorum-sloppy", quorum={"hinted_handoff": False})
    assert off.channel.value("hints still held") == off.channel.value("hinted writes") > 0
    assert off.channel.value("hints handed off") == 0
    _sim, s = _run("quorum-sloppy-partition", "quorum")
    assert s.channel.value("stale reads") == 0 and s.channel.value("linearizable") == "pass"
    assert s.writes.info == len(in_partition)  # the strict quorum gives up availability instead


# --- storage -------------------------------------------------------------------------------------
def test_storage_designs_under_the_same_server_loss():
    sim, nfs = _run("storage-server-loss", "nfs")
    acked_before = {inv[5] for inv, d in sim.history.pairs() if d is not None and d[2] == "ok"
                    and inv[3] == "write" and d[0] < 3.0}
    assert nfs.channel.value("acknowledged writes destroyed") == len(acked_before) > 0  # n1's disk was lost
    assert nfs.channel.value("availability (ok / completed ops)") < 0.8 and 3.9 < nfs.rto_s < 4.2
    for mode in ("dfs", "object-store"):
        _sim, r = _run("storage-server-loss", mode)
        assert r.channel.value("acknowledged writes destroyed") == 0 == r.acked_lost
        assert r.channel.value("availability (ok / completed ops)") == 1.0 and r.divergence.converged
    _sim, dfs = _run("storage-server-loss", "dfs")
    _sim, obj = _run("storage-server-loss", "object-store")
    assert dfs.channel.value("stale reads") > 0 == obj.channel.value("stale reads")  # first responder vs majority
    assert obj.latency_ms.p50 > dfs.latency_ms.p50  # one more hop through the gateway


def test_dfs_acked_after_one_copy_loses_it_with_that_server():
    sim, r = _run("storage-server-loss", "dfs", ["partition n1,c1|n2,n3 from 1s to 3s", "crash n1 at 2.5s"],
                  storage={"acks": 1})
    assert r.channel.value("acknowledged writes unreadable at the end") > 0
    _sim, r2 = _run("storage-server-loss", "dfs", ["partition n1,c1|n2,n3 from 1s to 3s", "crash n1 at 2.5s"])
    assert r2.channel.value("acknowledged writes unreadable at the end") == 0


# --- compare, determinism, bad input, CLI ------------------------------------------------------------
def test_compare_puts_a_database_mode_and_the_channels_side_by_side():
    c = compare(load("channels-compare"), ["async", "broker-at-least-once", "webhook-retry", "quorum", "nfs"])
    rows = {row.mode: row for row in c.rows}
    assert rows["async"].acked_lost > 0 and rows["async"].duplicates_applied is None
    assert rows["broker-at-least-once"].duplicates_applied > 0
    assert rows["quorum"].ok_fraction > rows["nfs"].ok_fraction
    assert all(row.stale_reads is not None for row in c.rows)


def test_cli_run_and_compare_same_seed_same_bytes(cli):
    a = cli("replicate", "run", "broker-consumer-crash", "--json", "--seed", "3")
    b = cli("replicate", "run", "broker-consumer-crash", "--json", "--seed", "3")
    c = cli("replicate", "run", "broker-consumer-crash", "--json", "--seed", "4")
    assert a.exit_code == 0 and a.stdout == b.stdout != c.stdout
    assert json.loads(a.stdout)["channel"]["series_name"].startswith("time s, consumer lag")
    r = cli("replicate", "compare", "channels-compare", "--modes", "sync,webhook-outbox,dfs", "--json")
    assert r.exit_code == 0 and [row["mode"] for row in json.loads(r.stdout)["rows"]] == ["sync", "webhook-outbox",
                                                                                           "dfs"]
    r = cli("replicate", "run", "--mode", "quorum-sloppy", "--replicas", "4", "--writes", "50", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["channel"]["channel"] == "leaderless"


BAD = {
    "W > N": ('mode = "quorum"\n[quorum]\nn = 3\nw = 4\n', "quorum W = 4 is impossible with N = 3"),
    "R > N": ('mode = "quorum"\n[quorum]\nr = 5\n', "quorum R = 5 is impossible"),
    "N > nodes": ('mode = "quorum"\nnodes = 3\n[quorum]\nn = 5\n', "quorum n 5 must be between 1 and the 3"),
    "negative lag": ('mode = "quorum"\n[quorum]\nlag = "-5ms"\n', "quorum.lag: must not be negative"),
    "unknown channel": ('mode = "carrier-pigeon"\n', "unknown mode 'carrier-pigeon'"),
    "bad partitioning": ('mode = "broker-at-least-once"\n[broker]\npartition_by = "hash"\n', "partition_by"),
    "acks > replicas": ('mode = "dfs"\n[storage]\nreplicas = 2\nacks = 3\n', "acks 3 is impossible"),
    "unknown key": ('mode = "dfs"\n[storage]\ncopies = 2\n', "unknown key 'copies'"),
    "bad type": ('mode = "webhook-retry"\n[webhook]\nattempts = "many"\n', "expected a whole number"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_channel_parameters_exit_2_with_one_line(cli, tmp_path, case):
    text, message = BAD[case]
    path = tmp_path / "bad.toml"
    path.write_text(text + '\n[[client]]\nname = "c1"\n', encoding="utf-8")
    result = cli("replicate", "run", str(path))
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_scenario_toml_round_trip_keeps_the_channel_tables():
    from protolab.tomlfile import tomllib

    sc = load("quorum-lagging")
    again = from_dict(tomllib.loads(to_toml(sc)), "again")
    assert again.quorum == sc.quorum and again.broker == sc.broker and again.storage == sc.storage
    with pytest.raises(BadInput, match="quorum W = 9 is impossible"):
        from_dict({"mode": "quorum", "quorum": {"w": 9}, "client": [{}]})


def test_every_channel_has_explain_text_and_a_shipped_scenario(cli):
    listing = json.loads(cli("replicate", "explain", "--json").stdout)
    assert [t["name"] for t in listing["sync_channels"]] == ["events", "webhooks", "leaderless", "shared-storage"]
    for topic, alias in [("events", "kafka"), ("webhooks", "webhook"), ("leaderless", "cassandra"),
                         ("shared-storage", "nfs")]:
        a, b = cli("replicate", "explain", topic, "--json"), cli("replicate", "explain", alias, "--json")
        assert a.exit_code == 0 and a.stdout == b.stdout and len(json.loads(a.stdout)["text"]) > 400
    modes = {s["mode"] for s in json.loads(cli("replicate", "scenarios", "--json").stdout)["scenarios"]}
    assert {"broker-at-least-once", "webhook-retry", "quorum-one", "quorum-sloppy", "dfs"} <= modes


def test_quorums_are_tunable_per_request():
    sc = load("quorum-lagging").with_mode("quorum-one")
    sc.clients[1].r = 2  # the reader asks for R = 2 on its own requests: W + R = 3 = N, n3 alone lags
    _sim, r = simulate(sc.validate())
    assert r.channel.value("stale reads") == 0
    sc.clients[1].r = 4
    with pytest.raises(BadInput, match="client c2: R = 4 is impossible with N = 3"):
        sc.validate()


def test_strict_quorum_promise_is_checked_and_a_skewed_clock_breaks_it(cli, tmp_path):
    _sim, r = _run("quorum-lagging", "quorum")
    assert [(c.name, c.ok) for c in r.checks] == [("read-your-writes (R + W > N, strict quorum)", True)]
    # two coordinators, n1's clock 500 ms behind: its later writes lose last-writer-wins to n2's earlier ones
    text = load("quorum-lagging").with_mode("quorum")
    text.quorum.lagging, text.faults = [], [parse_fault("skew n1 -500ms at 0s")]
    path = tmp_path / "skew.toml"
    path.write_text(to_toml(text) + '\n[[client]]\nname = "c3"\nnear = "n2"\nrate = 10\nwrites = 60\nkeys = 2\n'
                    'start = 0.48\n', encoding="utf-8")
    result = cli("replicate", "run", str(path), "--json")
    assert result.exit_code == 1, result.stderr
    checks = json.loads(result.stdout)["checks"]
    assert checks[0]["ok"] is False and int(checks[0]["detail"].split()[0]) > 0


CHANNEL_SCENARIOS = ["broker-consumer-crash", "webhook-faults", "quorum-lagging", "quorum-sloppy-partition",
                     "storage-server-loss", "channels-compare"]


@pytest.mark.parametrize("name", CHANNEL_SCENARIOS)
def test_channel_scenarios_are_deterministic(name):
    from protolab.render.jsonout import dumps

    a, b = (dumps(simulate(load(name))[1]) for _ in range(2))
    assert a == b


def test_out_of_order_webhooks_leave_a_stale_final_value_and_the_ladder_shows_broker_lag(cli, tmp_path):
    sim, r = _run("webhook-faults", "webhook-retry")
    origin, n3 = sim.nodes["n1"], sim.nodes["n3"]
    stale = {k for k, v in origin.registers.items() if n3.registers.get(k) != v}
    assert stale and r.channel.value("keys with a different final value") == len(stale)
    for key in stale:  # n3's last application for the key was an older write than the origin's last
        last = [wid for _t, wid, k in n3.applied if k == key][-1]
        assert last < origin.registers[key] and origin.registers[key] in n3.items
    svg = tmp_path / "b.svg"
    assert cli("replicate", "run", "broker-consumer-crash", "--svg", str(svg)).exit_code == 0
    text = svg.read_text()
    assert "consumer lag" in text and text.count("<polyline") == 2 and ">broker</text>" in text


def test_versioned_webhooks_keep_the_newest_value_whatever_the_delivery_order():
    sim, r = _run("webhook-faults", "webhook-retry", webhook={"versioned": True})
    origin = sim.nodes["n1"]
    for name in ("n2", "n3"):
        node = sim.nodes[name]
        assert all(node.registers.get(k) == v for k, v in origin.registers.items() if v in node.items)
    assert r.channel.value("keys with a different final value") == 0 == r.channel.value("reordered within a key")
    ignored = {c.resolution: c.count for c in r.conflicts}["versioned-call-ignored"]
    _sim, plain = _run("webhook-faults", "webhook-retry")  # the same calls in the same order, unversioned:
    assert r.channel.value("duplicates applied") == 0 and ignored == (  # its repeats and its late calls are ignored
        plain.channel.value("duplicates applied") + plain.channel.value("reordered within a key")) == 10
