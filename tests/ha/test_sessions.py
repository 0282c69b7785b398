"""Sessions behind a load balancer: counted from simulated requests."""

from __future__ import annotations

import json

import pytest

from protolab.ha.sessions import SessionsSpec, simulate_sessions


@pytest.mark.parametrize("lb", ["cookie", "ip-hash"])
def test_sticky_only_loses_exactly_the_dead_servers_users(lb):
    r = simulate_sessions(SessionsSpec(strategy="sticky", lb=lb, servers=3, users=200, fail="server-2 at 30s"))
    assert r.users_lost_session > 0
    assert r.lost_users == r.users_on_failed_server  # the very same users, no one else
    assert r.failed.get("server-down", 0) > 0 and 5 <= r.detection_s <= 8  # 3 checks 2 s apart


@pytest.mark.parametrize("strategy", ["replicated-store", "shared-store"])
def test_a_session_store_loses_no_session_when_a_server_dies(strategy):
    r = simulate_sessions(SessionsSpec(strategy=strategy, servers=3, users=200, fail="server-2 at 30s"))
    assert r.users_lost_session == 0 and r.sessions_on_failed_server == 0
    assert r.store_ops == 2 * r.ok and r.latency_ms_p50 > 0  # two store round trips per request: the cost


def test_the_shared_store_is_the_spof_and_the_replicated_one_is_not():
    single = simulate_sessions(SessionsSpec(strategy="shared-store", users=200, fail="store at 30s for 10s"))
    assert single.users_lost_session == 200 and single.failed["store-down"] > 0  # everyone, it came back empty
    replicated = simulate_sessions(SessionsSpec(strategy="replicated-store", users=200, fail="store at 30s"))
    assert replicated.users_lost_session == 0 and 0 < replicated.failed["store-failover"] < single.failed["store-down"]


def test_sticky_sessions_need_a_sticky_balancer_and_ip_hash_suffers_from_nat():
    rr = simulate_sessions(SessionsSpec(strategy="sticky", lb="round-robin", users=100))
    assert rr.users_lost_session >= 95 and rr.relogins > 1000  # users bounce between servers (a few sent 1 request)
    iphash = simulate_sessions(SessionsSpec(strategy="sticky", lb="ip-hash", users=300, nat_share=0.3))
    balanced = simulate_sessions(SessionsSpec(strategy="shared-store", lb="least-conn", users=300))
    assert iphash.imbalance > 1.2 > balanced.imbalance


def test_dns_failover_waits_for_checks_and_ttl():
    r = simulate_sessions(SessionsSpec(strategy="shared-store", users=200, fail="lb-1 at 30s", dns_ttl=60))
    assert r.failed["dns-stale (within TTL)"] > 0
    assert 0 < r.dns_last_stale_s <= r.detection_s + 60 + 5  # checks, then at most one TTL (+ a start-up spread)
    short = simulate_sessions(SessionsSpec(strategy="shared-store", users=200, fail="lb-1 at 30s", dns_ttl=5))
    assert sum(short.failed.values()) < sum(r.failed.values())


def test_cli_sessions_json_deterministic_and_bad_input(cli):
    args = ("ha", "sessions", "--strategy", "sticky", "--users", "100", "--fail", "server-2 at 30s", "--json")
    a, b = cli(*args), cli(*args)
    assert a.exit_code == 0 and a.stdout == b.stdout
    assert json.loads(a.stdout)["users_lost_session"] > 0
    for bad, message in ((("--fail", "server-9 at 3s"), "no 'server-9'"), (("--strategy", "magic"), "--strategy"),
                         (("--fail", "server-1 at -3s"), "negative"), (("--lb", "dice"), "--lb")):
        r = cli("ha", "sessions", *bad)
        assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1
