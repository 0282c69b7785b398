"""SPOF analysis of a reliability block diagram: what alone takes the service down, the minimal
cut sets, the exact availability, and a seeded Monte Carlo cross-check.

Theory of operation
-------------------
Basic events are the components and the failure domains, each up independently with its own
availability. A component is up when it and every domain above it are up; a group is up when at
least k of its members are (all-of: k = n, any-of: k = 1). Two independent ways to evaluate that:

- ``structure(down)`` walks the diagram for one set of failed events. SPOFs are found with it by
  knocking out each component and each domain alone (so a single session store behind two app
  servers counts, which graph articulation points would miss), and the Monte Carlo estimate draws
  failed sets at random (seeded; each event's failures placed by geometric skips, so a run costs
  what fails rather than events x samples) and counts the samples where the service is down.
- ``compile`` turns the diagram into a BDD (``bdd.py``) with variables ordered by a depth-first
  walk (each component's domains, outermost first, just before it). The exact availability is one
  pass over it, with shared components and domains counted once; minimal cut sets up to order 3
  come from walking its all-up path and branching to low edges.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from protolab.errors import BadInput
from protolab.ha.bdd import BDD, TooBig
from protolab.ha.topology import Topology

MINUTES_PER_YEAR = 365.25 * 24 * 60
Z99 = 2.5758293035489004  # two-sided 99 %


@dataclass
class Spof:
    name: str
    kind: str  # component | host | rack | az | region ...
    availability: float
    takes_down: int  # components that go with it (1 for a component)


@dataclass
class CutSet:
    members: list[str]
    probability: float  # all members down at once (independent)


@dataclass
class MonteCarlo:
    samples: int
    seed: int
    down_samples: int
    availability: float
    low: float
    high: float
    exact_inside: bool


@dataclass
class Availability:
    availability: float
    unavailability: float
    nines: float
    downtime_min_per_year: float


@dataclass
class SpofResult:
    topology: str
    service: str
    components: int
    domains: int
    groups: int
    exact: Availability
    spofs: list[Spof]
    cut_sets: list[CutSet]
    cut_sets_by_order: dict[int, int]
    cut_sets_truncated: bool
    monte_carlo: MonteCarlo | None
    bdd_nodes: int
    what_if: list[WhatIf] = field(default_factory=list)


@dataclass
class WhatIf:
    change: str
    exact: Availability
    spofs: list[str]
    downtime_saved_min_per_year: float


def availability_of(a: float) -> Availability:
    u = max(0.0, 1.0 - a)
    return Availability(a, u, round(-math.log10(u), 3) if u > 0 else math.inf, u * MINUTES_PER_YEAR)


class Model:
    """The diagram with its basic events numbered (the BDD's variable order)."""

    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self.events: list[str] = []
        self.index: dict[str, int] = {}
        self._order(topo.service)
        for name in [*topo.domains, *topo.components]:  # events the service does not use, last
            self._add(name)
        self.p = [self._availability(n) for n in self.events]
        self.chains = {c: [c, *topo.domain_chain(c)] for c in topo.components}
        self.domain_members: dict[str, list[str]] = {}
        for c, chain in self.chains.items():
            for d in chain[1:]:
                self.domain_members.setdefault(d, []).append(c)
        self.parents: dict[str, list[str]] = {}
        for g in topo.groups.values():
            for m in g.members:
                self.parents.setdefault(m, []).append(g.name)

    def _add(self, name: str) -> None:
        if name not in self.index:
            self.index[name] = len(self.events)
            self.events.append(name)

    def _order(self, root: str) -> None:
        topo, seen, stack = self.topo, set(), [root]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in topo.groups:
                stack.extend(reversed(topo.groups[name].members))
            else:
                for d in reversed(topo.domain_chain(name)):
                    self._add(d)
                self._add(name)

    def _availability(self, name: str) -> float:
        t = self.topo
        return t.components[name].availability if name in t.components else t.domains[name].availability

    # --- direct evaluation (knock-outs, Monte Carlo) -----------------------------------------------
    def structure(self, down: set[str]) -> bool:
        """Is the service up when exactly the events in ``down`` have failed? Only what the failures
        reach is visited: failed components (directly or through a domain) count against each group
        that holds them, and a group that falls below k counts against its own parents."""
        if not down:
            return True
        topo = self.topo
        failed = set()
        for e in down:
            failed.update(self.domain_members.get(e, (e,)))
        missing: dict[str, int] = {}
        queue = list(failed)
        while queue:
            name = queue.pop()
            if name == topo.service:
                return False
            for g in self.parents.get(name, ()):
                missing[g] = missing.get(g, 0) + 1
                group = topo.groups[g]
                if len(group.members) - missing[g] == group.k - 1:  # just fell below k
                    queue.append(g)
        return True

    # --- the BDD -----------------------------------------------------------------------------------
    def compile(self) -> tuple[BDD, int]:
        try:
            return self._compile()
        except TooBig as exc:
            raise BadInput(f"topology {self.topo.name!r} is too big to compute exactly (the decision diagram "
                           f"passed {exc.args[0]:,} nodes): failure domains shared by many k-of-n groups make "
                           "it grow exponentially; group members by domain, or split the design") from None

    def _compile(self) -> tuple[BDD, int]:
        bdd, topo = BDD(), self.topo
        built: dict[str, int] = {}

        def node(name: str) -> int:
            hit = built.get(name)
            if hit is not None:
                return hit
            if name in topo.groups:
                g = topo.groups[name]
                kids = [node(m) for m in g.members]
                if g.k == len(kids):
                    out = kids[0]
                    for kid in kids[1:]:
                        out = bdd.conj(out, kid)
                elif g.k == 1:
                    out = kids[0]
                    for kid in kids[1:]:
                        out = bdd.disj(out, kid)
                else:
                    out = bdd.at_least(g.k, kids)
            else:
                out = 1
                for e in sorted(self.chains[name], key=lambda e: -self.index[e]):
                    out = bdd.conj(bdd.variable(self.index[e]), out)
            built[name] = out
            return out

        # build bottom-up so recursion stays shallow on deep diagrams
        for g in _post_order(topo):
            node(g)
        return bdd, node(topo.service)


def _post_order(topo: Topology) -> list[str]:
    out, seen, stack = [], set(), [(topo.service, False)]
    while stack:
        name, done = stack.pop()
        if done:
            out.append(name)
            continue
        if name in seen:
            continue
        seen.add(name)
        stack.append((name, True))
        if name in topo.groups:
            stack.extend((m, False) for m in topo.groups[name].members)
    return out


def exact_availability(topo: Topology) -> float:
    model = Model(topo)
    bdd, root = model.compile()
    return bdd.probability(root, model.p)


def find_spofs(model: Model) -> list[Spof]:
    topo, out = model.topo, []
    for name in model.events:
        if not model.structure({name}):
            if name in topo.components:
                out.append(Spof(name, "component", topo.components[name].availability, 1))
            else:
                d = topo.domains[name]
                out.append(Spof(name, d.kind, d.availability, len(topo.members_of(name))))
    return out


def monte_carlo(model: Model, samples: int, seed: int, exact: float | None = None) -> MonteCarlo:
    """Seeded estimate: each event fails in a sample with probability 1 - p, independently."""
    rng = random.Random(seed)
    failed: dict[int, set[str]] = {}
    for name, p in zip(model.events, model.p, strict=True):
        q = 1.0 - p
        if q <= 0:
            continue
        i = -1
        log1q = math.log1p(-q) if q < 1 else None
        while True:  # next failing sample by a geometric skip
            i += 1 if log1q is None else 1 + int(math.log(1.0 - rng.random()) / log1q)
            if i >= samples:
                break
            failed.setdefault(i, set()).add(name)
    cache: dict[frozenset, bool] = {}
    down = 0
    for s in failed.values():
        key = frozenset(s)
        ok = cache.get(key)
        if ok is None:
            ok = cache[key] = model.structure(s)
        down += not ok
    est = 1 - down / samples
    lo, hi = wilson(samples - down, samples)
    return MonteCarlo(samples, seed, down, est, lo, hi, exact is None or lo <= exact <= hi)


def wilson(successes: int, n: int, z: float = Z99) -> tuple[float, float]:
    """Wilson score interval (good near 0 and 1, where availabilities live)."""
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def analyze(topo: Topology, *, samples: int = 200_000, seed: int = 1, max_order: int = 3,
            what_ifs: list[Topology] | None = None, what_if_labels: list[str] | None = None) -> SpofResult:
    model = Model(topo)
    bdd, root = model.compile()
    a = bdd.probability(root, model.p)
    spofs = find_spofs(model)
    minimal = bdd.cuts(root, max_order)
    truncated = False
    cut_sets = [CutSet([model.events[v] for v in c], math.prod(1 - model.p[v] for v in c)) for c in minimal]
    cut_sets.sort(key=lambda c: (-c.probability, len(c.members), c.members))
    by_order: dict[int, int] = {}
    for c in cut_sets:
        by_order[len(c.members)] = by_order.get(len(c.members), 0) + 1
    mc = monte_carlo(model, samples, seed, a) if samples else None
    result = SpofResult(topo.name, topo.service, len(topo.components), len(topo.domains), len(topo.groups),
                        availability_of(a), spofs, cut_sets, by_order, truncated, mc, bdd.size(root))
    for label, other in zip(what_if_labels or [], what_ifs or [], strict=True):
        m2 = Model(other)
        b2, r2 = m2.compile()
        a2 = availability_of(b2.probability(r2, m2.p))
        result.what_if.append(WhatIf(label, a2, [s.name for s in find_spofs(m2)],
                                     result.exact.downtime_min_per_year - a2.downtime_min_per_year))
    return result
