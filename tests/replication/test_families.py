"""The FAMILIES registry and the message vocabulary: every family builds and runs through its record,
its writer and final-state hooks answer what the run did, no family name is tested outside the
registry, and every message the simulator sends is a declared type with the declared fields."""

from __future__ import annotations

import dataclasses
import inspect
import re
from importlib import import_module
from pathlib import Path

import pytest

import protolab
from protolab.errors import BadInput
from protolab.replication import messages
from protolab.replication.families import FAMILIES
from protolab.replication.faults import parse_fault
from protolab.replication.history import OK, WRITE_FS
from protolab.replication.messages import NOISE, VOCABULARY
from protolab.replication.metrics import analyze, reference_state
from protolab.replication.network import Network
from protolab.replication.scenario import MODES, ClientSpec, Scenario, load, shipped
from protolab.replication.sim import Simulation

NODE_MODULES = ["base", "broker", "client", "leaderless", "peer", "primary", "raft", "sentinel", "storage",
                "supervisor", "syncbase", "webhook"]


def _small(mode: str, *faults: str, nodes: int = 3, writes: int = 200, **extra) -> Scenario:
    sc = Scenario(mode=mode, name=f"small-{mode}", nodes=nodes, settle=3.0, seed=7,
                  clients=[ClientSpec("c1", near="n1", rate=100.0, writes=writes, start=0.2)],
                  faults=[parse_fault(f) for f in faults], **extra)
    return sc.validate()


def _run(sc: Scenario) -> Simulation:
    return Simulation(sc).run()


def _ok_writes(sim) -> set[int]:
    return {op[5] for op in sim.history.ops if op[2] == OK and op[3] in WRITE_FS}


# --- the registry --------------------------------------------------------------------------------
def test_every_mode_names_a_registered_family_and_every_family_has_a_mode():
    assert {m.family for m in MODES.values()} == set(FAMILIES)
    assert all(name == f.name for name, f in FAMILIES.items())


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_family_record_builds_a_runnable_scenario(family):
    mode = next(m.name for m in MODES.values() if m.family == family)
    sim = _run(_small(mode))
    assert sorted(sim.nodes) == ["n1", "n2", "n3"]
    assert len(_ok_writes(sim)) == 200  # no fault: every write is acknowledged
    result = analyze(sim)
    assert result.mode == mode and result.writes.ok == 200 and result.acked_lost == 0


def test_primary_writer_is_the_primary_sentinels_promoted_after_a_crash():
    sim = _run(_small("async"))
    assert sim.current_writer() is sim.nodes["n1"] and sim.nodes["n1"].role == "primary"
    crashed = _run(_small("async", "crash n1 at 1s"))
    writer = crashed.current_writer()
    assert writer is not None and writer.name != "n1" and writer.role == "primary" and writer.up
    name, items = reference_state(crashed)
    assert name == writer.name and items == writer.final_items()


def test_primary_without_a_primary_falls_back_to_the_live_node_holding_most():
    sim = _small("async", "crash n1 at 1s")
    sim.sentinel.count = 0  # nobody promotes a replica: there is no writer at the end
    sim = _run(sim.validate())
    assert sim.current_writer() is None
    name, items = reference_state(sim)
    best = max((n for n in sim.nodes.values() if n.up), key=lambda n: (len(n.final_items()), n.name))
    assert name == best.name and items == best.final_items()


def test_raft_writer_is_the_leader_of_the_highest_term():
    sim = _run(_small("raft", "crash n1 at 1s"))
    writer = sim.current_writer()
    leaders = [n for n in sim.nodes.values() if n.up and n.role == "leader"]
    assert writer in leaders and writer.term == max(n.term for n in leaders) and writer.name != "n1"
    assert reference_state(sim) == (writer.name, writer.final_items())


def test_peer_reference_is_the_union_of_every_node_and_clients_spread_one_per_node():
    sc = _small("multi-primary", strategy="crdt")  # concurrent adds merge: nothing acknowledged is overwritten
    sc.clients = [ClientSpec(f"c{i}", rate=50.0, writes=50, start=0.2) for i in range(1, 5)]
    sim = _run(sc.validate())
    assert [sim.initial_writer(c).name for c in sim.clients] == ["n1", "n2", "n3", "n1"]
    name, items = reference_state(sim)
    assert name is None and items == set().union(*(n.final_items() for n in sim.nodes.values()))
    assert _ok_writes(sim) <= items


def test_channel_writer_is_the_origin_while_it_is_up():
    sim = _run(_small("webhook-retry"))
    assert sim.current_writer() is sim.nodes["n1"]
    down = _run(_small("webhook-retry", "crash n1 at 1s"))
    assert down.current_writer() is None


def test_channel_first_writer_follows_the_family():
    sc = _small("object-store")
    assert Simulation(sc).initial_writer(Simulation(sc).clients[0]).name == "gateway"
    sc = _small("quorum")
    sc.clients = [ClientSpec("c1", rate=50.0, writes=10), ClientSpec("c2", rate=50.0, writes=10)]
    sim = Simulation(sc.validate())
    assert [sim.initial_writer(c).name for c in sim.clients] == ["n1", "n2"]


@pytest.mark.parametrize(("mode", "change", "message"), [
    ("sync", {"nodes": 1}, "mode sync needs at least one replica"),
    ("raft", {"supervisor": "replace"}, "a Raft peer cannot be replaced"),
    ("quorum", {"quorum_n": 5}, "quorum n 5 must be between 1 and the 3 nodes"),
    ("dfs", {"storage_acks": 4}, "storage acks 4 is impossible with 3 replicas"),
])
def test_family_scenario_checks_run_from_validate(mode, change, message):
    sc = Scenario(mode=mode, nodes=change.get("nodes", 3), clients=[ClientSpec("c1")])
    if "supervisor" in change:
        sc.supervisor.action = change["supervisor"]
    if "quorum_n" in change:
        sc.quorum.n = change["quorum_n"]
    if "storage_acks" in change:
        sc.storage.acks = change["storage_acks"]
    with pytest.raises(BadInput, match=re.escape(message)):
        sc.validate()
    other = next(m.name for m in MODES.values() if m.family != MODES[mode].family and m.family != "storage")
    dataclasses.replace(sc, mode=other).validate()  # the same settings pass in another family


def test_promises_come_from_the_family():
    assert "durability" in _small("multi-primary", strategy="vv").promises()
    assert "durability" not in _small("multi-primary", strategy="lww").promises()
    with_sentinels, without = _small("async"), _small("async")
    without.sentinel.count = 0
    assert with_sentinels.promises() - without.validate().promises() == {"one-leader-per-term"}
    assert _small("broker-at-least-once").promises() == frozenset()


def test_only_the_primary_family_runs_on_the_live_backend_and_only_raft_has_an_unsafe_variant():
    assert [f.name for f in FAMILIES.values() if f.live] == ["primary"]
    unsafe = {f.name: f.unsafe for f in FAMILIES.values() if f.unsafe}
    assert unsafe == {"raft": "raft-unsafe"} and MODES["raft-unsafe"].family == "raft"


def test_a_fault_may_name_a_family_process_in_any_mode_and_is_skipped_where_there_is_none():
    assert {p for f in FAMILIES.values() for p in f.processes} == {"broker", "gateway"}
    skipped = _run(_small("async", "crash broker at 1s"))
    assert [e[2] for e in skipped.events if e[1] == "nemesis"] == ["fault-skipped"]
    crashed = _run(_small("broker-at-least-once", "crash broker at 1s for 1s"))
    assert [e[2] for e in crashed.events if e[1] == "nemesis"] == ["crash", "restart"]
    with pytest.raises(BadInput, match="names unknown brokr"):
        _small("async", "crash brokr at 1s")


def test_no_family_name_is_tested_outside_the_registry():
    pattern = re.compile(r"family ==|family in|family !=")
    root = Path(protolab.__file__).parent
    sources = [p for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    assert len([p for p in sources if p.suffix == ".py"]) > 100  # the walk found the package
    hits = [f"{p.relative_to(root)}:{i}" for p in sources
            for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
            if pattern.search(line)]
    assert all(h.startswith("replication/families.py:") for h in hits), hits


# --- the message vocabulary -----------------------------------------------------------------------
def _node_handlers() -> set[str]:
    found = set()
    for name in NODE_MODULES:
        module = import_module(f"protolab.replication.nodes.{name}")
        for _n, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                found |= {a for a in dir(cls) if a.startswith("on_")}
    return found - {"on_crash", "on_restart"}  # lifecycle hooks the process calls on itself, not messages


def test_every_declared_type_has_a_handler_and_every_handler_a_type():
    handlers = _node_handlers()
    assert {m.handler for m in VOCABULARY.values()} == handlers
    assert all(m.ladder in (messages.NOISE, messages.BULK, messages.CONTROL) for m in VOCABULARY.values())
    assert all(getattr(messages, name.upper()) is m for name, m in VOCABULARY.items())


def _payload_fits(kind, payload) -> bool:
    return len(kind.fields) == 1 or (isinstance(payload, tuple) and len(payload) == len(kind.fields))


@pytest.fixture(scope="module")
def sent_in_shipped_scenarios():
    """Every (type, payload) sent in every shipped scenario, run with reads and final reads added
    (under a second in all), and the labels the ladder trace recorded. Tracing puts every message on
    the network's slow path, so wrapping it sees them all (noise included)."""
    seen: dict[str, list] = {}
    labels: set[str] = set()
    original = Network._send_slow

    def recording(self, link, kind, msg):
        seen.setdefault(kind.name, []).append((kind, msg))
        return original(self, link, kind, msg)

    Network._send_slow = recording
    try:
        for name in sorted(shipped()):
            sc = load(name)
            sc.final_reads = True
            for c in sc.clients:
                c.reads = 0.2
            sim = Simulation(sc.validate(), trace=True).run()
            labels |= {m[4] for m in sim.net.trace}
    finally:
        Network._send_slow = original
    return seen, labels


def test_every_message_sent_in_every_shipped_scenario_is_declared_with_its_fields(sent_in_shipped_scenarios):
    seen, labels = sent_in_shipped_scenarios
    assert set(seen) <= set(VOCABULARY)
    for name, sends in seen.items():
        assert all(kind is VOCABULARY[name] for kind, _msg in sends)
        bad = [msg for kind, msg in sends if not _payload_fits(kind, msg)]
        assert not bad, f"{name}: payload does not match fields {VOCABULARY[name].fields}: {bad[:1]}"
    assert set(seen) == set(VOCABULARY)  # and nothing is declared that no shipped scenario sends


def test_the_ladder_trace_holds_only_declared_types_that_are_not_noise(sent_in_shipped_scenarios):
    seen, labels = sent_in_shipped_scenarios
    assert labels and labels <= set(VOCABULARY)
    assert not {name for name in labels if VOCABULARY[name].ladder == NOISE}
    assert {name for name in seen if VOCABULARY[name].ladder != NOISE} <= labels
