"""Views of the HA lab: SPOF analysis, shipped topologies, sessions behind a balancer, health checks."""

from __future__ import annotations


def _minutes(m: float) -> str:
    if m >= 120:
        return f"{m / 60:.1f} h"
    return f"{m:.1f} min" if m >= 1 else f"{m * 60:.1f} s"


def spof_view(r):
    from rich.table import Table
    from rich.text import Text

    e = r.exact
    head = Text(f"{r.topology}: service {r.service!r}, {r.components} components, {r.domains} failure domains, "
                f"{r.groups} groups\nexact availability {e.availability:.9f} = {e.nines} nines, downtime "
                f"{_minutes(e.downtime_min_per_year)} per year (BDD of {r.bdd_nodes} nodes)")
    if r.monte_carlo is not None:
        mc = r.monte_carlo
        head.append(f"\nMonte Carlo, {mc.samples} samples, seed {mc.seed}: {mc.availability:.6f}, 99% interval "
                    f"[{mc.low:.6f}, {mc.high:.6f}]: the exact value is {'inside' if mc.exact_inside else 'OUTSIDE'}")
    spofs = Table(title="single points of failure (each knocked out alone takes the service down)",
                  title_justify="left")
    for col in ("name", "kind", "availability", "takes down"):
        spofs.add_column(col, justify="right" if col in ("availability", "takes down") else "left")
    for s in r.spofs:
        spofs.add_row(s.name, s.kind, f"{s.availability:.6g}", f"{s.takes_down} component(s)")
    if not r.spofs:
        spofs.add_row("none", "", "", "")
    cuts = Table(title=f"minimal cut sets up to 3 (by order: {r.cut_sets_by_order}), most likely first",
                 title_justify="left")
    cuts.add_column("members")
    cuts.add_column("P(all down)", justify="right")
    for c in r.cut_sets[:15]:
        cuts.add_row(", ".join(c.members), f"{c.probability:.3g}")
    if len(r.cut_sets) > 15:
        cuts.add_row(f"... {len(r.cut_sets) - 15} more (see --json)", "")
    parts = [head, spofs, cuts]
    if r.what_if:
        w = Table(title="what if", title_justify="left")
        for col in ("change", "availability", "nines", "downtime / year", "saved / year", "SPOFs"):
            w.add_column(col, justify="left" if col in ("change", "SPOFs") else "right")
        w.add_row("(as designed)", f"{e.availability:.9f}", str(e.nines), _minutes(e.downtime_min_per_year), "-",
                  ", ".join(s.name for s in r.spofs) or "none")
        for x in r.what_if:
            w.add_row(x.change, f"{x.exact.availability:.9f}", str(x.exact.nines),
                      _minutes(x.exact.downtime_min_per_year), _minutes(x.downtime_saved_min_per_year),
                      ", ".join(x.spofs) or "none")
        parts.append(w)
    return parts


def topologies_view(result):
    from rich.table import Table

    table = Table(title="example topologies (protolab ha spof NAME)", title_justify="left")
    for col in ("name", "components", "domains", "what it shows"):
        table.add_column(col)
    for t in result["topologies"]:
        table.add_row(t["name"], str(t["components"]), str(t["domains"]), t["description"])
    return table


def sessions_view(r):
    from rich.table import Table
    from rich.text import Text

    head = Text(f"{r.strategy} sessions, {r.lb} balancing, {r.servers} servers, {r.balancers} balancer "
                f"address(es), {r.users} users, {r.duration_s:g} s, seed {r.seed}; failure: {r.fail or 'none'}")
    t = Table(title="computed from the simulated requests", title_justify="left")
    t.add_column("measure")
    t.add_column("value", justify="right")
    rows = [("requests", r.requests), ("ok", r.ok)]
    rows += [(f"failed: {cause}", n) for cause, n in r.failed.items()]
    rows += [("users who lost their session (logged in again)", r.users_lost_session),
             ("  sessions held by the failed server when it died", "-" if r.sessions_on_failed_server is None
              else r.sessions_on_failed_server),
             ("re-logins", r.relogins),
             ("failure detected after", "-" if r.detection_s is None else f"{r.detection_s:g} s"),
             ("DNS: last TTL-respecting request to the dead balancer", "-" if r.dns_last_stale_s is None
              else f"{r.dns_last_stale_s:g} s after the failure"),
             ("DNS: users stuck on it (resolver ignores TTL)", r.dns_stuck_users),
             ("latency p50 / p99", f"{r.latency_ms_p50} / {r.latency_ms_p99} ms"),
             ("session store operations", f"{r.store_ops} ({r.store_ops_per_s:g}/s)"),
             ("load imbalance (busiest server / mean)", f"{r.imbalance:g}")]
    for name, value in rows:
        t.add_row(name, str(value))
    load = Table(title="requests per server", title_justify="left")
    for col in ("server", "requests", "share", "sessions in memory at end"):
        load.add_column(col, justify="left" if col == "server" else "right")
    for s in r.load:
        load.add_row(s.name, str(s.requests), f"{s.share * 100:.1f}%", str(s.sessions_at_end))
    events = Text("\n".join(f"{t:8.3f}s  {what}" for t, what in r.timeline[:30]))
    return [head, t, load, events]


def health_view(r):
    from rich.table import Table
    from rich.text import Text

    head = Text(f"{r.detector} ({r.setting}), heartbeat {r.heartbeat_s:g} s, jitter {r.jitter_s * 1000:g} ms mean, "
                f"seed {r.seed}, recovery: {r.recover}\nmean detection time "
                f"{'-' if r.detection_s is None else f'{r.detection_s:g} s'}, false suspicions {r.false_suspicions}, "
                f"time with a majority of nodes up {r.service_availability * 100:.3f}%")
    sus = Table(title="suspicions", title_justify="left")
    for col in ("node", "from s", "to s", "kind"):
        sus.add_column(col)
    for s in r.suspicions:
        sus.add_row(s.node, f"{s.start:.2f}", "-" if s.end is None else f"{s.end:.2f}",
                    f"true: crashed {s.after_s:g} s earlier" if s.true else "FALSE: the node was alive")
    nodes = Table(title="nodes", title_justify="left")
    for col in ("node", "availability", "down s", "false suspicions", "MTTR s"):
        nodes.add_column(col, justify="left" if col == "node" else "right")
    for n in r.nodes:
        nodes.add_row(n.name, f"{n.availability * 100:.3f}%", f"{n.down_s:g}", str(n.false_suspicions),
                      "-" if n.mttr_s is None else f"{n.mttr_s:g}")
    sweep = Table(title="the trade-off on the same heartbeats: detection time vs false suspicions",
                  title_justify="left")
    for col in ("detector", "detection s", "false suspicions", "time falsely suspected s"):
        sweep.add_column(col, justify="left" if col == "detector" else "right")
    for row in r.sweep:
        sweep.add_row(row.setting, "-" if row.detection_s is None else f"{row.detection_s:g}",
                      str(row.false_suspicions), f"{row.false_suspicion_s:g}")
    quorum = Table(title="the membership store under a partition (monitors m1 | m2 record verdicts, 5-12 s)",
                   title_justify="left")
    for col in ("store", "minority side acked", "majority side acked", "so"):
        quorum.add_column(col)
    for q in r.quorum:
        quorum.add_row(q.store, str(q.minority_acked), str(q.majority_acked), q.verdict)
    return [head, sus, nodes, sweep, quorum]


