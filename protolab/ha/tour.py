"""The high-availability lab's tour stop: a hidden SPOF, what it costs, and sessions when a server dies."""

from __future__ import annotations

from protolab.tourstop import StopReport, TourStop

TITLE = "High availability: find the SPOFs, put numbers on them, lose a server"


def run() -> StopReport:
    from protolab.ha.sessions import SessionsSpec, simulate_sessions
    from protolab.ha.spof import analyze
    from protolab.ha.topology import load, what_if

    topo = load("web-session-store")
    change = "replicas session-store=2"
    r = analyze(topo, samples=50_000, what_ifs=[what_if(topo, change)], what_if_labels=[change])
    spofs = sorted(s.name for s in r.spofs)
    w = r.what_if[0]
    mc = r.monte_carlo
    lines = [f"DNS -> LB -> 2 app servers -> 1 session store: SPOFs {', '.join(spofs)} (each knocked out alone).",
             f"  exact availability {r.exact.availability:.6f} ({r.exact.nines} nines, "
             f"{r.exact.downtime_min_per_year / 60:.1f} h down a year); Monte Carlo {mc.availability:.6f} "
             f"[{mc.low:.6f}, {mc.high:.6f}] holds it: {mc.exact_inside}",
             f"  {change}: {w.exact.availability:.6f}, saves {w.downtime_saved_min_per_year / 60:.1f} h a year; "
             f"SPOFs left: {', '.join(w.spofs)}"]
    runs = {}
    for strategy in ("sticky", "replicated-store"):
        s = simulate_sessions(SessionsSpec(strategy=strategy, users=300, fail="server-2 at 30s"))
        runs[strategy] = s
        lines.append(f"  server-2 dies at 30 s, {strategy:<16}: {s.users_lost_session:>3} users lost their session "
                     f"({s.sessions_on_failed_server} were on server-2), {sum(s.failed.values())} requests failed "
                     f"before the balancer noticed ({s.detection_s:g} s)")
    lines.append("Try: protolab ha spof web-nfs-redis --what-if \"replicas nfs=2\"; protolab ha health --help")
    sticky, shared = runs["sticky"], runs["replicated-store"]
    ok = (spofs == ["dns", "lb", "session-store"] and mc.exact_inside and "session-store" not in w.spofs
          and sticky.lost_users == sticky.users_on_failed_server and shared.users_lost_session == 0)
    return StopReport("ha", TITLE, lines, bool(ok))


STOP = TourStop("ha", TITLE, run)
