"""Random fault schedules in Jepsen's nemesis vocabulary, written in the shared fault grammar.

A schedule is a list of fault strings (``faults.py``), so a chaos run is an ordinary scenario: the
same text replays it with ``protolab replicate run``. Faults start at exponentially spaced times
(mean ``mtbf``) during the client load, each lasting ``min_hold``..``max_hold`` seconds:

    crash       kill a process and restart it (the primary or a random node)
    pause       a GC-style stall of a node (SIGSTOP/SIGCONT)
    partition   one node cut off ("one"), a random minority / majority split ("majority"), or the
                current primary cut off with whatever shares its host ("primaries": ``isolate``)
    delay       extra latency between two random groups
    loss        message loss between two random groups
    skew        a clock bump of one node (a jump ahead or back that stays)
    zone        a whole zone down, or a region cut off (scenarios with ``[[zone]]``; not in the default mix)

The generator draws from its own ``random.Random`` seeded by the run's seed, so the schedule and
the simulation are both fixed by that one number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from protolab.errors import BadInput

DEFAULT_KINDS = ("crash", "pause", "partition", "delay", "loss", "skew")
NEMESES = (*DEFAULT_KINDS, "zone")


@dataclass
class NemesisSpec:
    kinds: tuple[str, ...] = DEFAULT_KINDS
    mtbf: float = 4.0  # mean seconds between fault starts
    min_hold: float = 1.0
    max_hold: float = 5.0
    max_faults: int = 6

    def validate(self) -> NemesisSpec:
        unknown = [k for k in self.kinds if k not in NEMESES]
        if not self.kinds or unknown:
            raise BadInput(f"unknown fault kind {', '.join(unknown) or '(none given)'}; kinds: {', '.join(NEMESES)}")
        if self.mtbf <= 0:
            raise BadInput(f"--mtbf must be positive, got {self.mtbf}")
        if not 0 < self.min_hold <= self.max_hold:
            raise BadInput("fault hold times must be positive, the shortest no longer than the longest")
        if self.max_faults < 1:
            raise BadInput(f"--max-faults must be 1 or more, got {self.max_faults}")
        return self


def _t(x: float) -> str:
    return f"{x:.3f}s"


def _split(rng: random.Random, nodes: list[str]) -> tuple[list[str], list[str]]:
    shuffled = nodes[:]
    rng.shuffle(shuffled)
    cut = len(shuffled) // 2 if len(shuffled) > 1 else 1
    return sorted(shuffled[:cut]), sorted(shuffled[cut:])


def _fault(rng: random.Random, kind: str, nodes: list[str], at: float, hold: float,
           zones: list[tuple[str, str | None]] = ()) -> str | None:
    end = at + hold
    if kind == "zone":
        if not zones:
            return None
        name, region = rng.choice(list(zones))
        if region is not None and rng.random() < 0.5:
            return f"cut {region} from {_t(at)} to {_t(end)}"
        return f"zone-down {name} at {_t(at)} for {_t(hold)}"
    if kind == "crash":
        target = "primary" if rng.random() < 0.5 else rng.choice(nodes)
        return f"crash {target} at {_t(at)} for {_t(hold)}"
    if kind == "pause":
        target = "primary" if rng.random() < 0.5 else rng.choice(nodes)
        return f"pause {target} at {_t(at)} for {_t(hold)}"
    if kind == "skew":
        ms = rng.choice([-1, 1]) * rng.randint(50, 2000)
        return f"skew {rng.choice(nodes)} {ms:+d}ms at {_t(at)}"
    if len(nodes) < 2:
        return None  # one node: nothing to cut apart
    if kind == "partition":
        shape = rng.choice(("one", "majority", "primaries"))
        if shape == "primaries":
            return f"isolate primary from {_t(at)} to {_t(end)}"
        if shape == "one":
            lone = rng.choice(nodes)
            a, b = [lone], [n for n in nodes if n != lone]
        else:
            a, b = _split(rng, nodes)
        return f"partition {','.join(a)}|{','.join(b)} from {_t(at)} to {_t(end)}"
    a, b = _split(rng, nodes)
    if kind == "delay":
        return f"delay {','.join(a)}|{','.join(b)} {rng.randint(20, 500)}ms from {_t(at)} to {_t(end)}"
    return f"loss {','.join(a)}|{','.join(b)} {rng.randint(10, 60)}% from {_t(at)} to {_t(end)}"


def schedule(seed: int, nodes: list[str], start: float, stop: float, spec: NemesisSpec,
             zones: list[tuple[str, str | None]] = ()) -> list[str]:
    """Fault strings for one run: starts in [start, stop), exponential gaps of mean ``mtbf``."""
    rng = random.Random(f"nemesis-{seed}")
    out: list[str] = []
    t = start + rng.expovariate(1.0 / spec.mtbf)
    while t < stop and len(out) < spec.max_faults:
        hold = round(rng.uniform(spec.min_hold, spec.max_hold), 3)
        text = _fault(rng, rng.choice(spec.kinds), nodes, round(t, 3), hold, zones)
        if text is not None:
            out.append(text)
        t += rng.expovariate(1.0 / spec.mtbf)
    return out
