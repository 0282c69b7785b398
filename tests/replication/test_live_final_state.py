"""What a live run takes for its final state decides what counts as lost, so it waits for an answer
rather than reading silence as data: a node that does not answer yet is asked again (a loaded machine,
a replica loading a full resync), a key that failed to read never counts as empty, and the reference
primary is the one a majority of the Sentinels name (the cut-off Sentinel still names the old one
right after a heal). No servers: the deployment's answers are scripted."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

pytest.importorskip("redis")

from protolab.replication.live import run as live_run  # noqa: E402
from protolab.replication.live.run import LiveRun  # noqa: E402


def fake_run(monkeypatch, answers: dict, roles: dict) -> LiveRun:
    """A LiveRun whose servers answer from scripts: port -> list of replies (an exception is raised)."""
    servers = {n: SimpleNamespace(private=i) for i, n in enumerate(["n1", "n2", "n3", "s1", "s2", "s3"])}
    dep = SimpleNamespace(master_name="protolab", owners=None, servers=servers, lags={}, key_prefix="protolab:",
                          data_nodes=lambda: ["n1", "n2", "n3"], sentinels=lambda: ["s1", "s2", "s3"],
                          name_of_port=lambda port: ["n1", "n2", "n3"][port])
    run = LiveRun(SimpleNamespace(clients=[SimpleNamespace(keys=2)]), dep)

    async def ask(port, *command, timeout=0.5):
        script = answers[port]
        reply = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(reply, Exception):
            raise reply
        return reply(command) if callable(reply) else reply

    async def role_of(name):
        script = roles[name]
        return script.pop(0) if len(script) > 1 else script[0]

    monkeypatch.setattr(live_run, "ask", ask)
    monkeypatch.setattr(run.observer, "role_of", role_of)
    monkeypatch.setattr(live_run, "SETTLE_S", 2.0)
    return run


def lists(n: int):
    return lambda command: [str(10 * n + int(command[1][-1]))]  # key protolab:k<i> holds one item


def test_the_reference_waits_for_a_majority_of_sentinels(monkeypatch):
    addr = {"n1": ["127.0.0.1", 0], "n3": ["127.0.0.1", 2]}
    late = TimeoutError("a loaded machine")
    run = fake_run(monkeypatch, {
        3: [addr["n1"]],  # s1, cut off until the heal, still names the old primary
        4: [late, late, addr["n3"]],
        5: [late, addr["n3"]],
        0: [lists(1)], 1: [lists(2)], 2: [lists(3)],
    }, {"n1": ["primary"], "n2": ["replica"], "n3": ["primary"]})
    asyncio.run(run.collect())
    assert run.writer == "n3"  # one Sentinel answering first must not make n1 the reference


def test_final_data_is_asked_again_never_read_as_empty(monkeypatch):
    from redis.exceptions import BusyLoadingError

    run = fake_run(monkeypatch, {
        3: [["127.0.0.1", 0]], 4: [["127.0.0.1", 0]], 5: [["127.0.0.1", 0]],
        0: [lists(1), BusyLoadingError("LOADING"), lists(1)],  # k0 read, k1 LOADING: the whole read again
        1: [lists(2)], 2: [lists(3)],
    }, {"n1": [None, None, "primary"], "n2": ["replica"], "n3": ["replica"]})  # n1 answers ROLE late
    asyncio.run(run.collect())
    assert run.writer == "n1" and run.nodes["n1"].up and run.nodes["n1"].role == "primary"
    assert run.nodes["n1"].items == {10, 11}


def test_a_node_that_never_answers_is_counted_down_and_said(monkeypatch):
    run = fake_run(monkeypatch, {
        3: [["127.0.0.1", 0]], 4: [["127.0.0.1", 0]], 5: [["127.0.0.1", 0]],
        0: [TimeoutError("never")], 1: [lists(2)], 2: [lists(3)],
    }, {"n1": ["primary"], "n2": ["replica"], "n3": ["replica"]})
    asyncio.run(run.collect())
    assert not run.nodes["n1"].up and run.writer is None
    assert [e[2:] for e in run.events] == [("unreadable", "n1's final data could not be read: counted as down")]
