"""SPOF analysis at scale (a script, not a test): a generated 1,000-component topology.

    python benchmarks/ha_spof_bench.py [COMPONENTS]      (default 1000)

The design: one region, 3 zones, a host per component; DNS from two providers, a pair of load
balancers per zone, and microservices of 9-27 replicas each needing a majority (k-of-n), spread
over 3 racks of their own (one per zone). The region and the zones are shared by everything, the
racks by the replicas of one service. (Racks shared by the k-of-n groups of many services make
any exact method exponential in the number of racks; the analysis then says so and falls back to
Monte Carlo.) Prints the load and analysis times and the numbers found.
"""

from __future__ import annotations

import random
import sys
import time

from protolab.ha.spof import analyze
from protolab.ha.topology import from_dict


def generate(n: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    domains = [{"name": "region", "kind": "region", "availability": 0.99995}]
    for z in "abc":
        domains.append({"name": f"az-{z}", "kind": "az", "availability": 0.9995, "parent": "region"})

    def rack(name: str, zone: str) -> str:
        domains.append({"name": name, "kind": "rack", "availability": 0.9999, "parent": f"az-{zone}"})
        return name

    comps, groups = [], []

    def comp(name: str, rack: str | None) -> str:
        if rack is None:
            comps.append({"name": name, "availability": 0.9999})
            return name
        domains.append({"name": f"h-{name}", "kind": "host", "mtbf": "8000h", "mttr": "4h", "parent": rack})
        comps.append({"name": name, "mtbf": f"{rng.randint(1000, 5000)}h", "mttr": f"{rng.randint(10, 240)}m",
                      "domain": f"h-{name}"})
        return name

    top = [comp("dns-1", None), comp("dns-2", None)]
    groups.append({"name": "dns", "any": top})
    lb_racks = {z: rack(f"rack-lb-{z}", z) for z in "abc"}
    lbs = [comp(f"lb-{z}{i}", lb_racks[z]) for z in "abc" for i in range(2)]
    groups.append({"name": "lbs", "k": 2, "of": lbs})
    members, i = ["dns", "lbs"], 0
    while len(comps) < n:
        size = min(rng.randint(9, 27), n - len(comps))
        racks = [rack(f"rack-svc{i}-{z}", z) for z in "abc"]
        reps = [comp(f"svc{i}-{j}", racks[j % 3]) for j in range(size)]
        groups.append({"name": f"svc{i}", "k": size // 2 + 1, "of": reps})
        members.append(f"svc{i}")
        i += 1
    groups.append({"name": "site", "all": members})
    return {"name": f"generated-{n}", "service": "site", "domain": domains, "component": comps, "group": groups}


def main(n: int = 1000) -> None:
    t0 = time.perf_counter()
    topo = from_dict(generate(n), "generated")
    t1 = time.perf_counter()
    r = analyze(topo, samples=100_000)
    t2 = time.perf_counter()
    mc = r.monte_carlo
    print(f"{r.components} components, {r.domains} domains, {r.groups} groups; load {t1 - t0:.2f} s, "
          f"analysis {t2 - t1:.2f} s (BDD {r.bdd_nodes} nodes)")
    print(f"exact availability {r.exact.availability:.9f} ({r.exact.nines} nines, "
          f"{r.exact.downtime_min_per_year:.1f} min/year); SPOFs {[s.name for s in r.spofs]}; cut sets by order "
          f"{r.cut_sets_by_order}{' (truncated)' if r.cut_sets_truncated else ''}")
    print(f"Monte Carlo {mc.samples} samples: {mc.availability:.6f} [{mc.low:.6f}, {mc.high:.6f}] 99% "
          f"-> exact inside: {mc.exact_inside}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
