"""The chaos tour stop: random faults, history checkers, and a deliberately unsafe Raft caught."""

from __future__ import annotations

from protolab.tourstop import StopReport, TourStop

TITLE = "Chaos: random faults, checkers on the history, an unsafe Raft caught and shrunk"


def run() -> StopReport:
    from protolab.replication.chaos import chaos
    from protolab.replication.nemesis import NemesisSpec
    from protolab.replication.scenario import load

    base = load("raft-crash")
    lines = [f"{base.name}: 3 Raft peers, clients writing and reading; 12 seeded runs of random kills, pauses, "
             "partitions, delays, loss and clock bumps each:"]
    results = {}
    for mode in ("raft", "raft-unsafe"):
        r = chaos(base.with_mode(mode), 12, 1, NemesisSpec(), shrink_failures=1 if mode == "raft-unsafe" else 0)
        results[mode] = r
        tallies = ", ".join(f"{c.name} {c.failed} failed" for c in r.checkers)
        lines.append(f"  {mode:<11} runs that broke a promise: {r.failed_runs:>2} of 12 ({tallies})")
    unsafe = results["raft-unsafe"]
    if unsafe.failures:
        f = unsafe.failures[0]
        lines.append(f"  first failure: seed {f.seed}, {f.checker}; {len(f.faults)} faults shrunk to {len(f.shrunk)}: "
                     + "; ".join(f.shrunk))
    lines.append("The unsafe peers accept a deposed leader's entries (no term check); only the history shows it.")
    lines.append("Try: protolab replicate chaos raft-partition --runs 50 --unsafe --save fail.toml --svg lat.svg")
    ok = results["raft"].failed_runs == 0 and unsafe.failed_runs > 0 and bool(unsafe.failures) and \
        len(unsafe.failures[0].shrunk) <= len(unsafe.failures[0].faults)
    return StopReport("chaos", TITLE, lines, bool(ok))


STOP = TourStop("chaos", TITLE, run)
