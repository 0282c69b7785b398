"""SPOF analysis: exact availability against closed forms, SPOFs, cut sets, Monte Carlo, CLI."""

from __future__ import annotations

import json
import math
import xml.dom.minidom

import pytest

from protolab.ha.spof import Model, analyze, exact_availability, monte_carlo
from protolab.ha.topology import from_dict, load, shipped, what_if


def comps(**avail):
    return [{"name": n, "availability": a} for n, a in avail.items()]


def topo(components, groups, service="s", domains=()):
    return from_dict({"service": service, "component": components, "group": groups, "domain": list(domains)})


def test_series_parallel_and_k_of_n_match_closed_forms():
    a, b, c = 0.99, 0.95, 0.9
    series = topo(comps(a=a, b=b, c=c), [{"name": "s", "all": ["a", "b", "c"]}])
    assert exact_availability(series) == pytest.approx(a * b * c, abs=1e-15)
    parallel = topo(comps(a=a, b=b, c=c), [{"name": "s", "any": ["a", "b", "c"]}])
    assert exact_availability(parallel) == pytest.approx(1 - (1 - a) * (1 - b) * (1 - c), abs=1e-15)
    r, n, k = 0.9, 5, 3
    kofn = topo(comps(**{f"x{i}": r for i in range(n)}), [{"name": "s", "k": k, "of": [f"x{i}" for i in range(n)]}])
    closed = sum(math.comb(n, i) * r**i * (1 - r) ** (n - i) for i in range(k, n + 1))
    assert exact_availability(kofn) == pytest.approx(closed, abs=1e-15)
    # series of parallels: a -- (b || c)
    mixed = topo(comps(a=a, b=b, c=c), [{"name": "s", "all": ["a", "p"]}, {"name": "p", "any": ["b", "c"]}])
    assert exact_availability(mixed) == pytest.approx(a * (1 - (1 - b) * (1 - c)), abs=1e-15)


def test_shared_components_and_domains_are_counted_once():
    # the bridge network, written as its four minimal paths: shared components make naive products wrong
    r = 0.9
    bridge = topo(comps(A=r, B=r, C=r, D=r, E=r), [
        {"name": "s", "any": ["p1", "p2", "p3", "p4"]}, {"name": "p1", "all": ["A", "D"]},
        {"name": "p2", "all": ["B", "E"]}, {"name": "p3", "all": ["A", "C", "E"]},
        {"name": "p4", "all": ["B", "C", "D"]}])
    assert exact_availability(bridge) == pytest.approx(2 * r**2 + 2 * r**3 - 5 * r**4 + 2 * r**5, abs=1e-12)
    # two servers in one rack: the rack multiplies the pair once
    rack = topo([{"name": "a", "availability": 0.99, "domain": "r1"}, {"name": "b", "availability": 0.99,
                                                                     "domain": "r1"}],
                [{"name": "s", "any": ["a", "b"]}], domains=[{"name": "r1", "kind": "rack", "availability": 0.999}])
    assert exact_availability(rack) == pytest.approx(0.999 * (1 - 0.01**2), abs=1e-15)


def test_session_store_example_has_exactly_dns_lb_and_session_store_as_spofs():
    r = analyze(load("web-session-store"), samples=50_000)
    assert {s.name for s in r.spofs} == {"dns", "lb", "session-store"}
    assert [c.members for c in r.cut_sets if len(c.members) == 2] == [["app-1", "app-2"]]


def test_domains_are_spofs_when_they_hold_a_needed_part_and_what_if_removes_one():
    t = load("web-nfs-redis")
    r = analyze(t, samples=0, what_ifs=[what_if(t, "replicas session-store=2")],
                what_if_labels=["replicas session-store=2"])
    assert {s.name for s in r.spofs} == {"dns", "lb", "nfs", "session-store", "rack-1", "rack-2"}
    w = r.what_if[0]
    assert "session-store" not in w.spofs and w.exact.availability > r.exact.availability
    assert w.downtime_saved_min_per_year > 0
    multi = analyze(load("multi-az"), samples=0)
    assert [s.name for s in multi.spofs] == ["eu-west"]  # no zone alone, the region does


@pytest.mark.parametrize("name", sorted(shipped()))
def test_monte_carlo_interval_holds_the_exact_value(name):
    t = load(name)
    model = Model(t)
    exact = exact_availability(t)
    mc = monte_carlo(model, 100_000, seed=3, exact=exact)
    assert mc.low <= exact <= mc.high and mc.exact_inside
    assert mc == monte_carlo(model, 100_000, seed=3, exact=exact)  # seeded


def test_knockouts_agree_with_order_one_cut_sets():
    for name in shipped():
        r = analyze(load(name), samples=0)
        assert {s.name for s in r.spofs} == {c.members[0] for c in r.cut_sets if len(c.members) == 1}


def test_cli_spof_json_dot_svg(cli, tmp_path):
    dot, svg = tmp_path / "d.dot", tmp_path / "d.svg"
    res = cli("ha", "spof", "web-session-store", "--samples", "20000", "--json", "--dot", str(dot), "--svg", str(svg))
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert sorted(s["name"] for s in data["spofs"]) == ["dns", "lb", "session-store"]
    assert data["exact"]["nines"] > 3 and data["monte_carlo"]["exact_inside"]
    assert '"session-store" [shape=box' in dot.read_text() and "digraph" in dot.read_text()
    xml.dom.minidom.parse(str(svg))
    listing = cli("ha", "topologies", "--json")
    assert {t["name"] for t in json.loads(listing.stdout)["topologies"]} == set(shipped())


@pytest.mark.parametrize("body, message", [
    ('service = "s"\n[[group]]\nname = "s"\nall = ["a"]\n[[group]]\nname = "a"\nany = ["s"]', "cycle: s -> a -> s"),
    ('service = "s"\n[[group]]\nname = "s"\nall = ["ghost"]', "unknown component 'ghost'"),
    ('service = "s"\n[[component]]\nname = "a"\navailability = 0.9\n[[group]]\nname = "s"\nk = 3\nof = ["a"]',
     "k = 3 is impossible"),
    ('service = "a"\n[[component]]\nname = "a"\nmtbf = "-5h"\nmttr = "1h"', "cannot be negative"),
    ('service = "a"\n[[component]]\nname = "a"\navailability = 1.5', "availability must be in (0, 1]"),
    ('service = "a"\n[[component]]\nname = "a"\navailability = 0.9\ndomain = "r9"', "unknown domain 'r9'"),
    ('service = "a"\n[[component]]\nname = "a"\navailability = 0.9\n[[domain]]\nname = "x"\nparent = "y"\n'
     'availability = 0.9\n[[domain]]\nname = "y"\nparent = "x"\navailability = 0.9', "cycle"),
    ("service = [", "not valid TOML"),
])
def test_bad_topologies_are_one_line_exit_2(cli, tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    r = cli("ha", "spof", str(path))
    assert r.exit_code == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_what_if_is_exit_2(cli):
    r = cli("ha", "spof", "web-session-store", "--what-if", "replicas nobody=2")
    assert r.exit_code == 2 and "no component or domain 'nobody'" in r.stderr


def test_a_diagram_too_big_to_compute_exactly_is_one_clear_error(monkeypatch):
    from protolab.errors import BadInput
    from protolab.ha import bdd

    monkeypatch.setattr(bdd, "MAX_NODES", 10)
    monkeypatch.setattr(bdd.BDD.__init__, "__defaults__", (10,))
    with pytest.raises(BadInput, match="too big to compute exactly"):
        exact_availability(load("multi-az"))
