"""The fault vocabulary, as data: one small grammar shared by ``--fault`` flags and scenario files.

    crash TARGET at T [for D]            the process dies with its unsent output (what it sent that
                                         has not arrived is lost); its host resets its connections
                                         and refuses new ones; restarts after D
    restart TARGET at T
    pause TARGET at T for D              a GC-style stall: nothing runs, messages queue up
    partition A,B|C,D from T1 to T2      hosts in different groups cannot talk (unlisted: reach all)
    partition A,B -> C,D from T1 to T2   one-way: A and B's messages to C and D are dropped
    zone-down ZONE at T [for D]          every process in the zone (``[[zone]]``) crashes; back after D
    cut REGION from T1 to T2             the region's hosts are cut off from every other host
    isolate TARGET from T1 to T2         TARGET's host is cut off from every other host (with
                                         ``primary``: whoever takes writes at T1, Jepsen's
                                         "partition primaries")
    delay A|B 200ms from T1 to T2        extra latency between the groups, both ways
    loss A|B 30% from T1 to T2           message loss between the groups, both ways
    skew TARGET +500ms [at T]            the process's wall clock runs ahead (or behind, with -)

TARGET is a node (n1), a client (c1), a Sentinel (s1), or ``primary`` (the node that takes writes
when the fault fires: the Redis primary or the Raft leader). Times: 2s, 1500ms, 0.5 (seconds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from protolab.errors import BadInput
from protolab.sim.durations import parse_duration


@dataclass
class Fault:
    kind: str
    text: str
    at: float
    until: float | None = None
    targets: list[str] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    one_way: bool = False
    amount: float = 0.0  # delay (s), loss (fraction) or skew (s)

    def names(self) -> set[str]:
        return set(self.targets) | {n for g in self.groups for n in g}


def _groups(text: str) -> tuple[list[list[str]], bool]:
    one_way = "->" in text
    parts = text.split("->") if one_way else text.split("|")
    groups = [[n.strip() for n in part.split(",") if n.strip()] for part in parts]
    if len(groups) < 2 or any(not g for g in groups):
        raise BadInput(f"partition groups {text!r}: write them as n1|n2,n3 (or n1 -> n2,n3 for one way)")
    if one_way and len(groups) != 2:
        raise BadInput(f"one-way partition {text!r}: exactly one '->'")
    seen: set[str] = set()
    for g in groups:
        for n in g:
            if n in seen:
                raise BadInput(f"partition groups {text!r}: {n} is in two groups")
            seen.add(n)
    return groups, one_way


def _percent(text: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)%", text)
    if not m or float(m.group(1)) > 100:
        raise BadInput(f"loss {text!r}: expected a percentage such as 30%")
    return float(m.group(1)) / 100


_PATTERNS = [
    ("crash", re.compile(r"crash (\S+) at (\S+)(?: for (\S+))?")),
    ("restart", re.compile(r"restart (\S+) at (\S+)")),
    ("pause", re.compile(r"pause (\S+) at (\S+) for (\S+)")),
    ("isolate", re.compile(r"isolate (\S+) from (\S+) to (\S+)")),
    ("zone-down", re.compile(r"zone-down (\S+) at (\S+)(?: for (\S+))?")),
    ("cut", re.compile(r"cut (\S+) from (\S+) to (\S+)")),
    ("partition", re.compile(r"partition (.+?) from (\S+) to (\S+)")),
    ("delay", re.compile(r"delay (.+?) (\S+) from (\S+) to (\S+)")),
    ("loss", re.compile(r"loss (.+?) (\S+) from (\S+) to (\S+)")),
    ("skew", re.compile(r"skew (\S+) ([+-]\S+)(?: at (\S+))?")),
]
KINDS = [k for k, _ in _PATTERNS]


def parse_fault(text: str) -> Fault:
    spec = " ".join(str(text).split())
    for kind, pattern in _PATTERNS:
        m = pattern.fullmatch(spec)
        if not m:
            continue
        g = m.groups()
        where = f"fault {spec!r}"
        if kind == "crash":
            at = parse_duration(g[1], where)
            until = at + parse_duration(g[2], where) if g[2] else None
            return Fault(kind, spec, at, until, targets=[g[0]])
        if kind == "restart":
            return Fault(kind, spec, parse_duration(g[1], where), targets=[g[0]])
        if kind == "pause":
            at = parse_duration(g[1], where)
            return Fault(kind, spec, at, at + parse_duration(g[2], where), targets=[g[0]])
        if kind == "zone-down":
            at = parse_duration(g[1], where)
            return Fault(kind, spec, at, at + parse_duration(g[2], where) if g[2] else None, targets=[g[0]])
        if kind in ("isolate", "cut"):
            at, until = parse_duration(g[1], where), parse_duration(g[2], where)
            if until <= at:
                raise BadInput(f"{where}: ends before it starts")
            return Fault(kind, spec, at, until, targets=[g[0]])
        if kind == "skew":
            return Fault(kind, spec, parse_duration(g[2] or 0, where), targets=[g[0]],
                         amount=parse_duration(g[1], where, signed=True))
        if kind == "partition":
            groups, one_way = _groups(g[0])
            at, until = parse_duration(g[1], where), parse_duration(g[2], where)
        else:
            groups, one_way = _groups(g[0])
            if one_way:
                raise BadInput(f"{where}: {kind} takes groups separated by |")
            amount = _percent(g[1]) if kind == "loss" else parse_duration(g[1], where)
            at, until = parse_duration(g[2], where), parse_duration(g[3], where)
            if until <= at:
                raise BadInput(f"{where}: ends before it starts")
            return Fault(kind, spec, at, until, groups=groups, amount=amount)
        if until <= at:
            raise BadInput(f"{where}: ends before it starts")
        return Fault(kind, spec, at, until, groups=groups, one_way=one_way)
    raise BadInput(f"cannot read fault {spec!r}; faults look like: 'crash primary at 2s', "
                   "'partition n1|n2,n3 from 3s to 9s', 'pause n2 at 4s for 2s', 'skew n2 -500ms'")


def blocked_pairs(fault: Fault, host_of) -> set[tuple[str, str]]:
    """The (source host, destination host) pairs a partition blocks."""
    hosts = [[host_of(n) for n in g] for g in fault.groups]
    pairs = set()
    if fault.one_way:
        pairs |= {(a, b) for a in hosts[0] for b in hosts[1] if a != b}
        return pairs
    for i, gi in enumerate(hosts):
        for j, gj in enumerate(hosts):
            if i != j:
                pairs |= {(a, b) for a in gi for b in gj if a != b}
    return pairs
