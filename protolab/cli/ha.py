"""`protolab ha`: commands of the high-availability lab."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, group, output, stdout_taken

app = group(
    "Where a design's single points of failure are, what its availability is, and how sessions and "
    "health checks behave behind a load balancer.\n\n"
    "Example: protolab ha spof web-session-store"
)


def _opt(help_: str, *names: str):
    return typer.Option(*names, help=help_)


def _check_outputs(as_json: bool, outputs: dict[str, Path | None]) -> bool:
    """Refuse unwritable outputs before the work; True when one of them is `-` (stdout: no view then)."""
    from protolab.fileio import check_output

    piped = stdout_taken(as_json, outputs)
    for path in outputs.values():
        if path is not None:
            check_output(path, stdout_ok=True)
    return piped


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
    from protolab.fileio import write_text
    from protolab.ha.spof import analyze
    from protolab.ha.topology import load
    from protolab.ha.topology import what_if as change

    if not 0 <= samples <= 10_000_000:
        raise BadInput(f"--samples must be between 0 and 10000000, got {samples}")
    piped = _check_outputs(as_json, {"--dot": dot, "--svg": svg})
    topo = load(topology)
    labels = list(what_if or [])
    result = analyze(topo, samples=samples, seed=seed, what_ifs=[change(topo, w) for w in labels],
                     what_if_labels=labels)
    names = {s.name for s in result.spofs}
    if dot is not None:
        from protolab.ha.diagram import to_dot

        write_text(dot, to_dot(topo, names), stdout_ok=True)
    if svg is not None:
        from protolab.ha.diagram import to_svg

        write_text(svg, to_svg(topo, names, f"{topo.name}: A = {result.exact.availability:.6f}, SPOFs in red"),
                   stdout_ok=True)
    from protolab.render.ha import spof_view

    if not piped:
        output(result, as_json, spof_view)


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
    from protolab.render.ha import topologies_view

    output({"topologies": rows}, as_json, topologies_view)


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
    from protolab.render.ha import sessions_view

    output(simulate_sessions(spec), as_json, sessions_view)


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

    piped = _check_outputs(as_json, {"--metrics": metrics})
    spec = HealthSpec(detector=detector, heartbeat=parse_duration(heartbeat, "--heartbeat"),
                      timeout=parse_duration(timeout, "--timeout"), threshold=threshold,
                      jitter=parse_duration(jitter, "--jitter"), nodes=nodes, duration=parse_duration(duration,
                                                                                                      "--duration"),
                      pauses=list(pause or []), crashes=list(crash or []), recover=recover, seed=seed)
    result = run_health(spec, quorum=quorum_demo)
    if metrics is not None:
        from protolab.fileio import open_output
        from protolab.ha.health import write_metrics

        with open_output(metrics, text=True, stdout_ok=True) as out:
            write_metrics(result, out)
    from protolab.render.ha import health_view

    if not piped:
        output(result, as_json, health_view)
