"""A scenario field is one declaration: TOML reading and writing, the `replicate run` option, its help text
and its range check all come from it. Saved scenarios read back as they were."""

from __future__ import annotations

import dataclasses
import json

import pytest

from protolab import schema
from protolab.errors import BadInput
from protolab.replication import scenario
from protolab.replication.scenario import from_dict, load, shipped, to_toml
from protolab.tomlfile import tomllib


def _same(a, b) -> bool:
    """Scenarios equal field by field (LinkSpec has no ==: compared by its repr)."""
    return all(repr(getattr(a, f.name)) == repr(getattr(b, f.name)) for f in dataclasses.fields(a))


@pytest.mark.parametrize("name", sorted(shipped()))
def test_every_shipped_scenario_reads_back_from_its_saved_toml(name):
    sc = load(name)
    text = to_toml(sc)
    again = from_dict(tomllib.loads(text), name)
    sc.description = " ".join(sc.description.split())  # saved on one line
    assert _same(again, sc)
    assert to_toml(again) == text


def test_a_name_with_a_newline_and_quotes_reads_back():
    sc = load("async-crash")
    sc.name = 'two\nlines, "quoted", a \\ and a tab\t'
    again = from_dict(tomllib.loads(to_toml(sc)), "saved.toml")
    assert again.name == sc.name


def test_a_saved_file_lists_faults_on_one_line_and_times_in_seconds():
    text = to_toml(load("raft-partition"))
    assert 'faults = ["partition n1,n2,c1|n3,n4,n5,c2 from 3s to 10s"]' in text.splitlines()
    assert "heartbeat = 0.1" in text and "election_timeout = 1.0" in text


@pytest.mark.parametrize("toml, message", [
    ('mode = "async"\nnodes = 16\n[[client]]\n', "nodes must be between 1 and 15, got 16"),
    ('mode = "async"\n[sentinel]\ndown_after = 0\n[[client]]\n', "down_after and failover_timeout must be positive"),
    ('mode = "async"\n[[client]]\nreads = 1.5\n', "client c1: reads is a fraction between 0 and 1, got 1.5"),
    ('mode = "async"\n[supervisor]\naction = "reboot"\n[[client]]\n', "supervisor action must be one of none, "
     "restart, replace, got 'reboot'"),
    ('mode = "async"\nfinal_reads = "yes"\n[[client]]\n', "final_reads: expected true or false, got 'yes'"),
    ('mode = "async"\n[network]\nloss = 2\n[[client]]\n',
     "scenario 'bad': network loss is a fraction between 0 and 1, got 2.0"),
    ('mode = "async"\n[[link]]\nbetween = ["n1", "n2"]\ndist = "normal"\n[[client]]\n',
     "bad.toml: [[link]] #1: dist must be uniform or exp, got 'normal'"),
    ('mode = "async"\n[[zone]]\nname = "a"\n[[client]]\n', "[[zone]] #1: needs members"),
])
def test_declared_ranges_and_types_are_checked(toml, message):
    with pytest.raises(BadInput) as err:
        from_dict(tomllib.loads(toml), "bad.toml")
    assert message in str(err.value)


# --- adding a field: one declaration ------------------------------------------------------------
@pytest.fixture
def grace(monkeypatch):
    """The scenario schema with one more field, declared once, as a developer would add it (the options
    of `replicate run` are worked out from the declarations each time the command is built)."""

    @dataclasses.dataclass
    class WithGrace(scenario.Scenario):
        grace: float = schema.field(0.0, scenario.DURATION, "time a client waits before its first retry",
                                    low=0, high=60, flag=schema.Flag("--grace", "Retry grace, e.g. 2s."))

    monkeypatch.setattr(scenario, "Scenario", WithGrace)
    return WithGrace


def test_a_new_field_is_read_and_written_in_toml(grace):
    sc = from_dict({"mode": "async", "grace": "2500ms", "client": [{}]}, "new.toml")
    assert isinstance(sc, grace) and sc.grace == 2.5
    text = to_toml(sc)
    assert "grace = 2.5" in text.splitlines()
    assert from_dict(tomllib.loads(text), "again").grace == 2.5
    assert from_dict({"mode": "async", "client": [{}]}, "default.toml").grace == 0.0
    with pytest.raises(BadInput, match="new.toml: grace: expected a duration"):
        from_dict({"mode": "async", "grace": "soon", "client": [{}]}, "new.toml")


def test_a_new_field_is_an_option_of_replicate_run(grace, cli, monkeypatch):
    help_text = cli("replicate", "run", "--help").stdout
    assert "--grace" in help_text and "Retry grace, e.g. 2s." in help_text

    from protolab.replication import runner

    seen = []
    real = runner.simulate
    monkeypatch.setattr(runner, "simulate", lambda sc, **kw: (seen.append(sc), real(sc, **kw))[1])
    r = cli("replicate", "run", "--mode", "async", "--writes", "20", "--grace", "3s", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["mode"] == "async" and seen[0].grace == 3.0


def test_a_new_field_is_range_checked_with_one_error_line(grace, cli, tmp_path):
    r = cli("replicate", "run", "--mode", "async", "--grace", "90s")
    assert r.exit_code == 2
    assert r.stderr == "error: scenario 'flags': grace must be 0..60, got 90.0\n"
    path = tmp_path / "long.toml"
    path.write_text('mode = "async"\ngrace = "61s"\n[[client]]\n', encoding="utf-8")
    r = cli("replicate", "run", str(path))
    assert r.exit_code == 2 and r.stderr == "error: scenario 'long': grace must be 0..60, got 61.0\n"


def test_a_new_field_is_in_the_reference_table(grace):
    table = schema.reference_table(grace)
    row = next(line for line in table.splitlines() if line.startswith("| `grace`"))
    assert row == ("| `grace` | duration (2s, 1500ms) | 0s | 0..60 | `--grace` "
                   "| time a client waits before its first retry |")


def test_without_the_fixture_there_is_no_such_option(cli):
    assert "--grace" not in cli("replicate", "run", "--help").stdout
    r = cli("replicate", "run", "--mode", "async", "--grace", "1s")
    assert r.exit_code == 2 and "--grace" in r.stderr


# --- the options that come from declarations keep their meaning -----------------------------------
@pytest.mark.parametrize("args, message", [
    (["replicate", "run", "--mode", "async", "--replicas", "-1"], "--replicas must be 0 or more, got -1"),
    (["replicate", "run", "--mode", "async", "--down-after", "soon"], "--down-after: expected a duration"),
    (["replicate", "run", "--mode", "paxos"], "unknown mode 'paxos'; modes: async, semi-sync"),
    (["replicate", "chaos", "async-crash", "--runs", "0"], "--runs must be between 1 and 100000, got 0"),
    (["replicate", "chaos", "async-crash", "--reads", "2"], "--reads is a fraction between 0 and 1, got 2.0"),
    (["replicate", "chaos", "async-crash", "--mode", "paxos"], "unknown mode 'paxos'; modes: async"),
])
def test_declared_option_checks_give_one_error_line(cli, args, message):
    r = cli(*args)
    assert r.exit_code == 2 and message in r.stderr and r.stderr.count("\n") == 1


def test_flags_apply_on_top_of_a_scenario():
    from protolab.cli.scenario_flags import build_scenario

    sc = build_scenario("async-crash", replicas=4, writes=50, rate=25.0, sentinels=1, latency="2ms",
                        fault=["crash n2 at 1s"], seed=9)
    assert sc.nodes == 5 and sc.seed == 9 and sc.network.base == 0.002
    assert all(c.writes == 50 and c.rate == 25.0 for c in sc.clients)
    assert sc.sentinel.count == 1 and sc.sentinel.quorum == 1  # the quorum follows fewer Sentinels down
    assert [f.text for f in sc.faults] == ["crash n2 at 1s"]
    assert build_scenario("async-crash", sentinels=5, quorum=3).sentinel.quorum == 3
