"""A design as a reliability block diagram: components, failure domains and dependency groups.

TOML layout (``protolab ha spof FILE``; shipped examples in ``topologies/``)::

    name = "web"
    description = "..."
    service = "site"                       # the group (or component) that must be up

    [[domain]]                             # a failure domain: losing it takes all its members
    name = "az-a"  kind = "az"  availability = 0.9999   parent = "region-1"
    [[component]]
    name = "lb"    availability = 0.9995   domain = "rack-1"
    name = "db"    mtbf = "2000h"  mttr = "4h"           # availability = MTBF / (MTBF + MTTR)
    [[group]]
    name = "site"  all = ["dns", "lb", "apps", "db"]     # series: every member must be up
    name = "apps"  any = ["app-1", "app-2"]               # parallel: one member is enough
    name = "db"    k = 2  of = ["db-1", "db-2", "db-3"]   # k-of-n: at least k members up

A component is up when it and every domain above it (host in rack in AZ in region) are up;
domains and components fail independently of each other. Members of a group are components or
other groups; a group may not contain itself, directly or not.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from protolab import schema, tomlfile
from protolab.errors import BadInput

_HOURS = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0, "y": 8766.0}
_SPAN = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(s|m|h|d|w|y)$")
DOMAIN_KINDS = ("host", "rack", "power", "network", "az", "dc", "region", "provider")


def parse_hours(value, what: str) -> float:
    """'2000h', '30d', '15m', '1y' or a number of hours -> hours (>= 0)."""
    if isinstance(value, bool):
        raise BadInput(f"{what}: expected a time such as 2000h or 30d, got {value!r}")
    if isinstance(value, (int, float)):
        hours = float(value)
    else:
        m = _SPAN.match(str(value).strip())
        if not m:
            raise BadInput(f"{what}: expected a time such as 2000h, 30d or 15m, got {value!r}")
        hours = float(m.group(1)) * _HOURS[m.group(2)]
    if hours < 0:
        raise BadInput(f"{what}: a time cannot be negative, got {value!r}")
    return hours


@dataclass
class Component:
    name: str
    availability: float
    domain: str | None = None
    mtbf_h: float | None = None
    mttr_h: float | None = None


@dataclass
class Domain:
    name: str
    kind: str
    availability: float
    parent: str | None = None


@dataclass
class Group:
    name: str
    k: int  # members that must be up: len(members) for all-of, 1 for any-of
    members: list[str]

    @property
    def kind(self) -> str:
        if self.k == len(self.members):
            return "all"
        return "any" if self.k == 1 else f"{self.k}-of-{len(self.members)}"


_HOURS_KIND = schema.Kind("time (2000h, 30d, 15m, 1y; a number: hours)", lambda value, what: parse_hours(value, what))
_NAME = schema.Field(schema.TEXT, "its name: one name, one thing among components, domains and groups",
                     name="name", default=schema.REQUIRED)
AVAILABILITY = schema.Field(schema.NUMBER, "the share of time it is up, e.g. 0.9995 (or give mtbf and mttr)",
                            name="availability", default=schema.REQUIRED, above=0, high=1,
                            message="{where}: {label} {item}: availability must be in (0, 1], got {value}")
_UP = (AVAILABILITY,
       schema.Field(_HOURS_KIND, "mean time between failures; availability = MTBF / (MTBF + MTTR)", name="mtbf",
                    default=None),
       schema.Field(_HOURS_KIND, "mean time to repair", name="mttr", default=None))
DOMAIN_KIND = schema.Field(schema.TEXT, "what it is", name="kind", default="host", choices=DOMAIN_KINDS,
                           message="{where}: kind must be one of {choices}, got {value!r}")
TABLES = (
    schema.Table(Domain, "domain", "a failure domain: losing it takes all its members", many=True, fields=(
        _NAME, DOMAIN_KIND, *_UP,
        schema.Field(schema.TEXT, "the domain it is part of (host in rack in AZ in region)", name="parent",
                     default=None))),
    schema.Table(Component, "component", "something that fails on its own: a server, a process, a link", many=True,
                 fields=(_NAME, *_UP, schema.Field(schema.TEXT, "the failure domain it is in", name="domain",
                                                   default=None))),
    schema.Table(Group, "group", "members that together provide something (give one of all, any, k + of)",
                 many=True, fields=(
                     _NAME, schema.Field(schema.NAMES, "series: every member must be up", name="all", default=None),
                     schema.Field(schema.NAMES, "parallel: one member is enough", name="any", default=None),
                     schema.Field(schema.WHOLE, "k-of-n: at least k members of `of` up", name="k", default=None),
                     schema.Field(schema.NAMES, "the n members of a k-of-n group", name="of", default=None))),
)


@dataclass
class Topology:
    name: str = schema.field(schema.REQUIRED, schema.TEXT, "the design's name (default: the file's)")
    service: str = schema.field(schema.REQUIRED, schema.TEXT, "the group (or component) that must be up")
    description: str = schema.field("", schema.Kind("text", lambda value, what: " ".join(str(value).split())),
                                    "what the design is")
    components: dict[str, Component] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)

    def domain_chain(self, name: str) -> list[str]:
        """The domains a component depends on, innermost first (host, rack, az, region)."""
        out = []
        d = self.components[name].domain
        while d is not None:
            out.append(d)
            d = self.domains[d].parent
        return out

    def members_of(self, domain: str) -> list[str]:
        return sorted(c for c in self.components if domain in self.domain_chain(c))

    # --- validation: one clear line per problem --------------------------------------------
    def validate(self) -> Topology:
        where = f"topology {self.name!r}"
        seen: dict[str, str] = {}
        for kind, names in (("component", self.components), ("domain", self.domains), ("group", self.groups)):
            for n in names:
                if n in seen:
                    raise BadInput(f"{where}: the name {n!r} is used by a {seen[n]} and a {kind}")
                seen[n] = kind
        for kind, table in (("component", self.components), ("domain", self.domains)):
            for item in table.values():
                problem = schema.field_error(AVAILABILITY, item.availability, where, kind, item.name)
                if problem:
                    raise BadInput(problem)
        for c in self.components.values():
            if c.domain is not None and c.domain not in self.domains:
                raise BadInput(f"{where}: component {c.name} is in unknown domain {c.domain!r}")
        for d in self.domains.values():
            if d.parent is not None and d.parent not in self.domains:
                raise BadInput(f"{where}: domain {d.name} has unknown parent {d.parent!r}")
            chain, p = {d.name}, d.parent
            while p is not None:
                if p in chain:
                    raise BadInput(f"{where}: domains form a cycle through {d.name!r}")
                chain.add(p)
                p = self.domains[p].parent
        for g in self.groups.values():
            if not g.members:
                raise BadInput(f"{where}: group {g.name} has no members")
            for m in g.members:
                if m not in self.components and m not in self.groups:
                    hint = " (a domain is not a member: place components in it with domain = ...)" \
                        if m in self.domains else ""
                    raise BadInput(f"{where}: group {g.name} names unknown component {m!r}{hint}")
            if len(set(g.members)) != len(g.members):
                raise BadInput(f"{where}: group {g.name} lists a member twice")
            if not 1 <= g.k <= len(g.members):
                raise BadInput(f"{where}: group {g.name}: k = {g.k} is impossible with {len(g.members)} members "
                               "(1 <= k <= n)")
        if self.service not in self.components and self.service not in self.groups:
            raise BadInput(f"{where}: service {self.service!r} is not a component or group")
        self._check_cycles(where)
        return self

    def _check_cycles(self, where: str) -> None:
        state: dict[str, int] = {}  # 1: on the current path, 2: done

        for start in self.groups:
            if state.get(start):
                continue
            stack = [(start, iter(self.groups[start].members))]
            state[start] = 1
            while stack:
                name, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[name] = 2
                    stack.pop()
                elif nxt in self.groups:
                    if state.get(nxt) == 1:
                        path = [n for n, _ in stack] + [nxt]
                        raise BadInput(f"{where}: groups form a cycle: {' -> '.join(path[path.index(nxt):])}")
                    if not state.get(nxt):
                        state[nxt] = 1
                        stack.append((nxt, iter(self.groups[nxt].members)))


# --- TOML: the keys and their kinds are the TABLES' declarations -------------------------------------
def _availability(v: dict, where: str) -> tuple[float, float | None, float | None]:
    """(availability, mtbf, mttr) from the values read: an availability, or an MTBF and an MTTR."""
    if "availability" in v:
        if "mtbf" in v or "mttr" in v:
            raise BadInput(f"{where}: give availability or mtbf + mttr, not both")
        return v["availability"], None, None
    if "mtbf" in v and "mttr" in v:
        if v["mtbf"] <= 0:
            raise BadInput(f"{where}: mtbf must be positive")
        return v["mtbf"] / (v["mtbf"] + v["mttr"]), v["mtbf"], v["mttr"]
    raise BadInput(f"{where}: needs availability, or mtbf and mttr")


def _items(t: schema.Table, data: dict, source: str):
    """(where, values) of each [[table]] of a file: keys checked, values read by their kinds."""
    for i, d in enumerate(data.get(t.key, []), 1):
        where = f"{source}: [[{t.key}]] #{i}"
        schema.check_keys(d, {f.toml_key for f in t.fields}, where)
        if not isinstance(d.get("name"), str) or not d["name"]:
            raise BadInput(f"{where}: needs a name")
        yield where, schema.read_values(t.fields, d, f"{where}.")


def _group(v: dict, where: str) -> Group:
    forms = [f for f in ("all", "any", "of") if f in v]
    if len(forms) != 1 or ("k" in v) != (forms == ["of"]):
        raise BadInput(f"{where}: give exactly one of all = [...], any = [...], k = N + of = [...]")
    members = v[forms[0]]
    k = v["k"] if forms[0] == "of" else len(members) if forms[0] == "all" else 1
    return Group(v["name"], k, members)


def from_dict(data: dict, source: str = "topology") -> Topology:
    domains, components, groups = TABLES
    schema.check_keys(data, schema.top_keys(Topology) | {t.key for t in TABLES}, source)
    if "service" not in data:
        raise BadInput(f"{source}: missing 'service' (the group or component that must be up)")
    topo = schema.read(Topology, data, source, defaults={"name": Path(source).stem})
    for where, v in _items(domains, data, source):
        a, _mtbf, _mttr = _availability(v, f"{where} ({v['name']})")
        kind = v.get("kind", DOMAIN_KIND.default)
        problem = schema.field_error(DOMAIN_KIND, kind, where, "kind")
        if problem:
            raise BadInput(problem)
        if v["name"] in topo.domains:
            raise BadInput(f"{source}: domain {v['name']!r} defined twice")
        topo.domains[v["name"]] = Domain(v["name"], kind, a, v.get("parent"))
    for where, v in _items(components, data, source):
        a, mtbf, mttr = _availability(v, f"{where} ({v['name']})")
        if v["name"] in topo.components:
            raise BadInput(f"{source}: component {v['name']!r} defined twice")
        topo.components[v["name"]] = Component(v["name"], a, v.get("domain"), mtbf, mttr)
    for where, v in _items(groups, data, source):
        if v["name"] in topo.groups:
            raise BadInput(f"{source}: group {v['name']!r} defined twice")
        topo.groups[v["name"]] = _group(v, f"{where} ({v['name']})")
    return topo.validate()


def load_file(path: Path) -> Topology:
    return from_dict(tomlfile.read(path, "topology"), str(path))


def shipped() -> dict[str, str]:
    return tomlfile.shipped("protolab.ha.topologies")


def load(name_or_path: str) -> Topology:
    named = shipped()
    if name_or_path in named:
        return from_dict(tomlfile.parse(named[name_or_path], name_or_path), name_or_path)
    path = Path(name_or_path)
    if not path.exists():
        raise BadInput(f"no topology named {name_or_path!r}; shipped: {', '.join(named)} (or give a .toml file)")
    return load_file(path)


# --- what-if: the same design with one change ---------------------------------------------------
_WHAT_IF = re.compile(r"^(replicas|availability|mttr)\s+(\S+)\s*=\s*(\S+)$")


def what_if(topo: Topology, change: str) -> Topology:
    """``replicas NAME=N`` (N copies of a component, any one enough; a component alone on its host
    gets a host of its own per copy), ``availability NAME=A``, ``mttr NAME=4h`` (keeps the MTBF)."""
    m = _WHAT_IF.match(change.strip())
    if not m:
        raise BadInput(f"--what-if {change!r}: write 'replicas NAME=N', 'availability NAME=0.999' or 'mttr NAME=4h'")
    verb, name, value = m.groups()
    t = dataclasses.replace(topo, components=dict(topo.components), domains=dict(topo.domains),
                            groups={k: dataclasses.replace(g, members=list(g.members)) for k, g in topo.groups.items()})
    target = t.components.get(name) or t.domains.get(name)
    if target is None:
        raise BadInput(f"--what-if {change!r}: no component or domain {name!r}")
    if verb == "availability":
        try:
            a = float(value)
        except ValueError:
            raise BadInput(f"--what-if {change!r}: availability must be a number such as 0.9999") from None
        table = t.components if name in t.components else t.domains
        table[name] = dataclasses.replace(target, availability=a)
        return t.validate()
    if name not in t.components:
        raise BadInput(f"--what-if {change!r}: {verb} applies to a component, {name!r} is a domain")
    if verb == "mttr":
        if target.mtbf_h is None:
            raise BadInput(f"--what-if {change!r}: {name} has no mtbf in the file")
        mttr = parse_hours(value, "--what-if mttr")
        t.components[name] = dataclasses.replace(target, availability=target.mtbf_h / (target.mtbf_h + mttr),
                                                 mttr_h=mttr)
        return t.validate()
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise BadInput(f"--what-if {change!r}: replicas must be a whole number from 1 to 100")
    n = int(value)
    own_host = (target.domain is not None and t.domains[target.domain].kind == "host"
                and t.members_of(target.domain) == [name])
    del t.components[name]
    copies = []
    for i in range(1, n + 1):
        copy = f"{name}#{i}"
        domain = target.domain
        if own_host and i > 1:
            d = t.domains[target.domain]
            domain = f"{d.name}#{i}"
            t.domains[domain] = dataclasses.replace(d, name=domain)
        t.components[copy] = dataclasses.replace(target, name=copy, domain=domain)
        copies.append(copy)
    t.groups[name] = Group(name, 1, copies)
    return t.validate()
