"""Geography in the simulator: zones and regions, inter-region latency, zone-down and region cut."""

from __future__ import annotations

import statistics

import pytest

from protolab.replication.runner import simulate
from protolab.replication.scenario import from_dict, load


def test_zone_down_moves_the_raft_majority_across_the_ocean():
    sim, r = simulate(load("multi-region-raft"))

    def median_ms(a, b):
        return statistics.median((d[0] - i[0]) * 1000 for i, d in sim.history.pairs()
                                 if d is not None and d[2] == "ok" and a <= i[0] < b)

    assert median_ms(0, 4) < 5 and median_ms(10, 14) > 80 > median_ms(15, 17)  # 40 ms each way
    assert ("nemesis", "zone-down", "eu-a: n1, n2") in [e[1:] for e in sim.events]
    assert all(c.ok for c in r.checks)


def test_region_cut_partitions_the_region_from_the_rest():
    base = {"mode": "raft", "nodes": 3, "faults": ["cut us from 2s to 6s"], "client": [{"near": "n1", "writes": 600}],
            "zone": [{"name": "eu-a", "region": "eu", "members": ["n1", "n2"]},
                     {"name": "us-a", "region": "us", "members": ["n3"]}]}
    sim, r = simulate(from_dict(base))
    assert ["n3|n1,n2"] == [w for k, w, *_ in sim.fault_log if k == "cut"]
    assert r.writes.ok > 500 and all(c.ok for c in r.checks)  # the majority side never noticed much


@pytest.mark.parametrize("change, message", [
    ({"faults": ["zone-down mars at 1s"]}, "no zone 'mars'"),
    ({"faults": ["cut atlantis from 1s to 2s"]}, "no region 'atlantis'"),
    ({"zone": [{"name": "z", "members": ["n9"]}]}, "unknown member 'n9'"),
    ({"region_link": [{"between": ["eu", "us"], "latency": "40ms"}]}, "unknown region"),
])
def test_bad_geography_is_one_clear_line(cli, tmp_path, change, message):
    import json

    data = {"mode": "raft", "nodes": 3, "client": [{"writes": 10}], **change}
    path = tmp_path / "geo.toml"
    lines = [f"{k} = {json.dumps(v)}" for k, v in data.items() if not isinstance(v, list) or
             not isinstance(v[0], dict)]
    for k, v in data.items():
        if isinstance(v, list) and isinstance(v[0], dict):
            for table in v:
                lines += [f"[[{k}]]"] + [f"{a} = {json.dumps(b)}" for a, b in table.items()]
    path.write_text("\n".join(lines) + "\n")
    r = cli("replicate", "run", str(path))
    assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_zone_nemesis_takes_zones_down_and_cuts_regions_and_is_opt_in():
    from protolab.replication.chaos import schedule_for
    from protolab.replication.nemesis import NemesisSpec

    base = load("multi-region-raft")
    drawn = {f.split()[0] for s in range(20) for f in schedule_for(base, s, NemesisSpec(("zone",)))}
    assert drawn == {"zone-down", "cut"}
    assert not any(f.startswith(("zone-down", "cut")) for s in range(20) for f in schedule_for(base, s, NemesisSpec()))
