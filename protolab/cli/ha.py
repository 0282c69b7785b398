"""`protolab ha`: commands of the high-availability lab."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, group, output

app = group(
    "Where a design's single points of failure are, what its availability is, and how sessions and "
    "health checks behave behind a load balancer.\n\n"
    "Example: protolab ha spof web-session-store"
)


def _opt(help_: str, *names: str):
    return typer.Option(*names, help=help_)


def _check_dirs(*paths: Path | None) -> None:
    from protolab.errors import BadInput

    for path in paths:
        if path is not None and not path.parent.is_dir():
            raise BadInput(f"cannot write {path}: no directory {path.parent}")


@app.command()
def spof(
    topology: Annotated[str, typer.Argument(help="A shipped topology name or a TOML file.")],
    what_if: Annotated[list[str] | None, _opt("Compare with a changed design: 'replicas NAME=N', "
                                              "'availability NAME=0.999', 'mttr NAME=30m' (repeatable).",
                                              "--what-if")] = None,
    samples: Annotated[int, _opt("Monte Carlo samples (0: skip the cross-check).", "--samples")] = 200_000,
    seed: Annotated[int, _opt("Monte Carlo seed.", "--seed")] = 1,
    dot: Annotated[Path | None, _opt("Write the diagram as Graphviz DOT, SPOFs in red.", "--dot")] = None,
    svg: Annotated[Path | None, _opt("Write the diagram as SVG, SPOFs in red.", "--svg")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Find a design's single points of failure, its minimal cut sets and its exact availability.

    Example: protolab ha spof web-nfs-redis --what-if "replicas session-store=2"
    """
    from protolab.errors import BadInput
    from protolab.ha.spof import analyze
    from protolab.ha.topology import load
    from protolab.ha.topology import what_if as change

    if not 0 <= samples <= 10_000_000:
        raise BadInput(f"--samples must be between 0 and 10000000, got {samples}")
    _check_dirs(dot, svg)
    topo = load(topology)
    labels = list(what_if or [])
    result = analyze(topo, samples=samples, seed=seed, what_ifs=[change(topo, w) for w in labels],
                     what_if_labels=labels)
    names = {s.name for s in result.spofs}
    if dot is not None:
        from protolab.ha.diagram import to_dot

        dot.write_text(to_dot(topo, names), encoding="utf-8")
    if svg is not None:
        from protolab.ha.diagram import to_svg

        svg.write_text(to_svg(topo, names, f"{topo.name}: A = {result.exact.availability:.6f}, SPOFs in red"),
                       encoding="utf-8")
    output(result, as_json, _spof_view)


@app.command()
def topologies(as_json: JsonFlag = False) -> None:
    """List the example topologies shipped with protolab.

    Example: protolab ha topologies
    """
    from protolab.ha.topology import load, shipped

    rows = []
    for name in shipped():
        t = load(name)
        rows.append({"name": name, "components": len(t.components), "domains": len(t.domains),
                     "description": t.description})
    output({"topologies": rows}, as_json, _topologies_view)


@app.command()
def sessions(
    strategy: Annotated[str, _opt("Where sessions live: sticky|shared-store|replicated-store.",
                                  "--strategy")] = "sticky",
    servers: Annotated[int, _opt("App servers behind the balancer.", "--servers")] = 3,
    users: Annotated[int, _opt("Users (each logs in, then sends requests).", "--users")] = 300,
    fail: Annotated[str | None, _opt("What dies and when: 'server-2 at 30s', 'lb-1 at 30s', 'store at 30s "
                                     "for 10s'.", "--fail")] = None,
    lb: Annotated[str | None, _opt("Balancing: round-robin|least-conn|ip-hash|cookie (default: cookie for "
                                   "sticky, else round-robin).", "--lb")] = None,
    balancers: Annotated[int, _opt("Balancer addresses in DNS.", "--balancers")] = 2,
    dns_ttl: Annotated[str, _opt("DNS TTL of the balancer records, e.g. 60s.", "--dns-ttl")] = "60s",
    stale_resolvers: Annotated[float, _opt("Share of users whose resolver ignores the TTL.",
                                           "--stale-resolvers")] = 0.05,
    duration: Annotated[str, _opt("Simulated time, e.g. 120s.", "--duration")] = "120s",
    seed: Annotated[int, _opt("Random seed.", "--seed")] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Sessions behind a load balancer: who loses their session when a server dies, what a shared
    store costs, load imbalance from stickiness, DNS failover of the balancers.

    Example: protolab ha sessions --strategy sticky --servers 3 --users 300 --fail "server-2 at 30s"
    """
    from protolab.ha.sessions import SessionsSpec, simulate_sessions
    from protolab.sim.durations import parse_duration

    spec = SessionsSpec(strategy=strategy, servers=servers, users=users, lb=lb, balancers=balancers, fail=fail,
                        dns_ttl=parse_duration(dns_ttl, "--dns-ttl"), stale_resolvers=stale_resolvers,
                        duration=parse_duration(duration, "--duration"), seed=seed)
    output(simulate_sessions(spec), as_json, _sessions_view)


@app.command()
def health(
    detector: Annotated[str, _opt("Failure detector: timeout|phi-accrual.", "--detector")] = "timeout",
    heartbeat: Annotated[str, _opt("Heartbeat period, e.g. 1s.", "--heartbeat")] = "1s",
    timeout: Annotated[str, _opt("Timeout detector: silence before suspicion, e.g. 3s.", "--timeout")] = "3s",
    threshold: Annotated[float, _opt("Phi-accrual detector: suspicion threshold (Akka: 8).", "--threshold")] = 8.0,
    jitter: Annotated[str, _opt("Mean extra network delay of a heartbeat (exponential), e.g. 50ms.",
                                "--jitter")] = "50ms",
    pause: Annotated[list[str] | None, _opt("A GC-style pause: 'n2 at 10s for 4s' (repeatable).", "--pause")] = None,
    crash: Annotated[list[str] | None, _opt("A real failure: 'n3 at 30s' (repeatable).", "--crash")] = None,
    recover: Annotated[str, _opt("Recovery supervisor on suspicion: none|restart|replace.", "--recover")] = "none",
    nodes: Annotated[int, _opt("Monitored nodes.", "--nodes")] = 3,
    duration: Annotated[str, _opt("Simulated time, e.g. 60s.", "--duration")] = "60s",
    seed: Annotated[int, _opt("Random seed.", "--seed")] = 1,
    metrics: Annotated[Path | None, _opt("Write the time series (OpenMetrics text).", "--metrics")] = None,
    as_json: JsonFlag = False,
) -> None:
    """How health checks decide a node is down: detection time vs false suspicions under jitter
    and pauses, a recovery supervisor, and why the membership store needs a quorum.

    Example: protolab ha health --detector phi-accrual --jitter 200ms --pause "n2 at 10s for 4s" --crash "n3 at 30s"
    """
    from protolab.ha.health import HealthSpec, run_health
    from protolab.replication.membership import quorum_demo
    from protolab.sim.durations import parse_duration

    _check_dirs(metrics)
    spec = HealthSpec(detector=detector, heartbeat=parse_duration(heartbeat, "--heartbeat"),
                      timeout=parse_duration(timeout, "--timeout"), threshold=threshold,
                      jitter=parse_duration(jitter, "--jitter"), nodes=nodes, duration=parse_duration(duration,
                                                                                                      "--duration"),
                      pauses=list(pause or []), crashes=list(crash or []), recover=recover, seed=seed)
    result = run_health(spec, quorum=quorum_demo)
    if metrics is not None:
        from protolab.ha.health import series
        from protolab.replication.openmetrics import render_series

        with open(metrics, "w", encoding="utf-8") as out:
            render_series(series(result), {"detector": result.detector, "seed": seed}, out)
    output(result, as_json, _health_view)


# --- views ---------------------------------------------------------------------------------------
def _minutes(m: float) -> str:
    if m >= 120:
        return f"{m / 60:.1f} h"
    return f"{m:.1f} min" if m >= 1 else f"{m * 60:.1f} s"


def _spof_view(r):
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


def _topologies_view(result):
    from rich.table import Table

    table = Table(title="example topologies (protolab ha spof NAME)", title_justify="left")
    for col in ("name", "components", "domains", "what it shows"):
        table.add_column(col)
    for t in result["topologies"]:
        table.add_row(t["name"], str(t["components"]), str(t["domains"]), t["description"])
    return table


def _sessions_view(r):
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


def _health_view(r):
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
