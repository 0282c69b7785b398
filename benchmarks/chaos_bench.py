"""Chaos acceptance run (a script, not a test): N seeded chaos runs of every shipped scenario.

    python benchmarks/chaos_bench.py [RUNS]     (default 200)

For each scenario: the runs complete, how many broke a promise of the mode, the checker tallies,
and for the first failure whether the same seed replays it and the shrunk schedule (never longer)
still fails. Prints one line per scenario and the wall time.
"""

from __future__ import annotations

import sys
import time

from protolab import tomlfile
from protolab.replication.chaos import chaos, chaos_scenario, run_once
from protolab.replication.nemesis import NemesisSpec
from protolab.replication.scenario import from_dict, load, shipped


def main(runs: int = 200) -> None:
    t0 = time.perf_counter()
    cases = [(name, None) for name in shipped()] + [("raft-partition", "raft-unsafe"), ("raft-crash", "raft-unsafe")]
    for name, mode in cases:
        base = load(name) if mode is None else load(name).with_mode(mode)
        t = time.perf_counter()
        r = chaos(base, runs, 1, NemesisSpec())
        tallies = " ".join(f"{c.name}={c.passed}/{c.failed}/{c.unknown}{'*' if c.promised else ''}"
                           for c in r.checkers)
        line = f"{name:<28} {base.mode:<13} {runs} runs in {time.perf_counter() - t:6.1f} s  broke {r.failed_runs:>3}  "
        if r.failures:
            f = r.failures[0]
            _s, again = run_once(chaos_scenario(base, f.seed, f.faults))
            _s, small = run_once(from_dict(tomlfile.parse(f.replay_toml, "replay"), "replay"))
            replays = any(v.name == f.checker and v.violated for v in again)
            still = any(v.name == f.checker and v.violated for v in small)
            line += (f"first seed {f.seed} {f.checker}: replays {replays}, shrunk {len(f.faults)}->{len(f.shrunk)} "
                     f"still fails {still}  ")
        print(line + tallies, flush=True)
    print(f"total {time.perf_counter() - t0:.1f} s  (pass/fail/unknown per checker, * = promised by the mode)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
