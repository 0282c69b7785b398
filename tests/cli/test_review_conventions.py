"""Cross-cutting review fixes: seeded output is byte-identical, one output format per run, every group's
help has an example, and option values that mean nothing are refused."""

from __future__ import annotations

import json

import pytest

from protolab.cli.app import GROUPS


def test_seeded_tls_walk_prints_the_same_bytes_twice(cli):
    first = cli("tls", "walk", "--kx", "rsa", "--seed", "3")
    second = cli("tls", "walk", "--kx", "rsa", "--seed", "3")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout
    assert "add --cost to measure it" in first.stdout and "Measured here" not in first.stdout
    assert json.loads(cli("tls", "walk", "--seed", "3", "--json").stdout)["cost"] is None


def test_tls_walk_measures_the_cost_without_a_seed_or_when_asked(cli):
    for args in ((), ("--seed", "3", "--cost")):
        res = json.loads(cli("tls", "walk", *args, "--json").stdout)
        assert res["cost"]["rsa_private_op_us"] > res["cost"]["aes_gcm_per_kb_us"] > 0
    assert "Measured here" in cli("tls", "walk").stdout
    assert "add --cost" not in cli("tls", "walk", "--no-cost").stdout


def test_survey_refuses_two_output_formats(cli):
    r = cli("beacon", "survey", "captures/beacon/train-dtim3.pcap", "--csv", "--json")
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.startswith("error: --csv and --json")


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_every_group_help_has_an_example_and_the_root_help_only_the_first_sentence(cli, name):
    r = cli(name, "--help")
    assert r.exit_code == 0 and "Example: protolab " + name in " ".join(r.stdout.split())
    assert "Example: protolab " + name not in " ".join(cli("--help").stdout.split())


@pytest.mark.parametrize("args, message", [
    (("replicate", "compare", "async-crash", "--repeat", "-1"), "--repeat goes with --backends"),
    (("replicate", "chaos", "async-crash", "--runs", "2", "--shrink", "-1"), "--shrink must be 0"),
    (("replicate", "run", "async-crash", "--replicas", "0"), "but the nodes are n1"),
])
def test_meaningless_values_are_refused(cli, args, message):
    r = cli(*args)
    assert r.exit_code == 2 and message in r.stderr and r.stderr.count("\n") == 1
