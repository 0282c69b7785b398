"""Processes sharing a host (a Sentinel on its node's host, a client near a node) are never split: a fault or a
zone that would is refused in one line before the run; a partition drawn along hosts keeps each side whole."""

from __future__ import annotations

import pytest

from protolab.errors import BadInput
from protolab.replication.scenario import ClientSpec, Scenario, Zone, load, shipped
from protolab.replication.sim import Simulation

from .runs import async_timeline

# --- partitions by host: s_i runs on n((i-1) % 3 + 1)'s host (s1, s4: n1; s2, s5: n2; s3: n3), c1 near n1
SPLIT = [
    ("partition s3,s4,s5|n1,n2,n3,s1,s2,c1 from 1s to 30s", "s4 runs on n1's host, which is on the other side"),
    ("partition n1 -> s4 from 1s to 30s", "s4 runs on n1's host, which is on the other side"),
    ("delay s1|s4 200ms from 1s to 2s", "s1 and s4 both run on n1's host"),
    ("loss n2,n3|c1 20% from 1s to 2s", None),  # fine: c1 shares n1's host, which is not listed
    ("loss c1|n1 20% from 1s to 2s", "c1 runs on n1's host, which is on the other side"),
]


@pytest.mark.parametrize(("fault", "why"), SPLIT)
def test_a_fault_cannot_split_processes_sharing_a_host(cli, fault, why):
    res = cli("replicate", "run", "--mode", "async", "--sentinels", "5", "--quorum", "2", "--writes", "30",
              "--fault", fault, "--fault", "crash primary at 3s", "--json")
    if why is None:
        assert res.exit_code == 0, res.stderr
        return
    assert res.exit_code == 2 and res.stdout == ""  # refused before the run, nothing simulated
    line = res.stderr.strip()
    assert "\n" not in line and fault in line and why in line and "cannot be split" in line


def test_a_partition_along_hosts_keeps_each_side_together(cli):
    # the repro's intent, grouped by host: n3 and s3 alone; n1's side sees n1 down only once it crashes
    tl = async_timeline(cli, "--sentinels", "5", "--quorum", "2",
                   "--fault", "partition n3,s3|n1,n2,s1,s2,s4,s5,c1 from 1s to 30s", "--fault", "crash primary at 3s")
    sdown = {e["source"]: e["time"] for e in reversed(tl) if e["kind"] == "+sdown" and e["detail"] == "primary n1"}
    assert sdown["s3"] < 3.0  # cut off with n3: it loses n1 at once
    assert all(sdown[s] > 3.0 for s in ("s1", "s2", "s4", "s5"))  # n1's side sees it only after the crash


def test_zones_cannot_split_a_host_and_shipped_scenarios_all_build():
    sc = Scenario("async", clients=[ClientSpec("c1", near="n2")],
                  zones=[Zone("a", ["n1", "c1"]), Zone("b", ["n2", "n3"])]).validate()
    with pytest.raises(BadInput, match="c1 runs on n2's host, which is in another zone"):
        Simulation(sc)
    for name in shipped():
        Simulation(load(name))  # every shipped scenario's faults and zones keep hosts whole
