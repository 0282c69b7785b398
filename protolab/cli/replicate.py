"""`protolab replicate`: commands of the replication and failover lab."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, fail_check, group, output, stdout_taken
from protolab.cli.scenario_flags import scenario_options
from protolab.cli.schema_options import with_options

app = group(
    "How redundant servers stay in sync, fail over, split, and lose or keep data: "
         "a deterministic simulator of replication modes.\n\n"
    "Example: protolab replicate compare async-crash --modes async,sync,raft"
)

def _opt(help_: str, *names: str):
    return typer.Option(*names, help=help_)


@app.command()
@with_options(scenario_options, after="scenario")  # --mode, --replicas, ... --seed: the scenario's fields
def run(
    scenario: Annotated[str | None, typer.Argument(help="A shipped scenario name or a TOML file.")] = None,
    svg: Annotated[Path | None, _opt("Write the message ladder / timeline as SVG.", "--svg")] = None,
    history: Annotated[Path | None, _opt("Write the operation history as JSON lines (-: stdout).", "--history")] = None,
    metrics: Annotated[Path | None, _opt("Write the run's measures in OpenMetrics text format.", "--metrics")] = None,
    backend: Annotated[str, _opt("sim (the simulator) or redis (real redis-server + Sentinel on 127.0.0.1, "
                                 "faults done for real).", "--backend")] = "sim",
    sentinel_addr: Annotated[str | None, _opt("With --backend redis: run against an existing deployment "
                                              "through this Sentinel, HOST:PORT (loopback only).",
                                              "--sentinel")] = None,
    master: Annotated[str | None, _opt("With --sentinel: the master name it monitors.", "--master")] = None,
    yes_disrupt: Annotated[bool, _opt("With --sentinel: confirm the run may write to, fail over and pause "
                                      "that deployment.", "--yes-disrupt")] = False,
    as_json: JsonFlag = False,
    **options,
) -> None:
    """Run one scenario and show its timeline and what it cost (lost writes, RTO, latency, lag).

    With --backend redis the same scenario runs on real servers started for the run (or, with
    --sentinel, on an existing deployment), and the same table is computed from what they did.

    Example: protolab replicate run async-crash --seed 7
    """
    from protolab.cli.scenario_flags import build_scenario
    from protolab.render.replicate import run_view
    from protolab.replication.cli_support import write_outputs
    from protolab.replication.runner import simulate

    sc = build_scenario(scenario, **options)
    if backend != "sim" or sentinel_addr is not None or master is not None or yes_disrupt:
        from protolab.cli.replicate_live import check_backend, run_redis

        check_backend(backend, sentinel_addr, master, yes_disrupt)
        if backend == "redis":
            return run_redis(sc, sentinel=sentinel_addr, master=master, svg=svg, history=history,
                             as_json=as_json, view=run_view)
    from protolab.fileio import check_output, open_output
    from protolab.render.progress import progress
    from protolab.replication.sim import STEPS

    piped = stdout_taken(as_json, {"--svg": svg, "--history": history, "--metrics": metrics})
    for path in (svg, history, metrics):  # fail before the run, not after it
        if path is not None:
            check_output(path, stdout_ok=True)
    with progress(STEPS, "simulating", unit="steps") as advance:
        sim, result = simulate(sc, trace=svg is not None, advance=advance)
    write_outputs(sim, result, svg=svg, history=history)
    if metrics is not None:
        from protolab.replication.openmetrics import write_openmetrics

        with open_output(metrics, text=True, stdout_ok=True) as out:
            write_openmetrics(sim, out, {"mode": sc.mode})
    if not piped:
        output(result, as_json, run_view)
    failed = [c.name for c in result.checks if not c.ok]
    if failed:
        fail_check(f"{sc.mode} broke its promise: {', '.join(failed)}")


@app.command()
@with_options(lambda: [o for o in scenario_options() if o.param == "seed"], after="modes",
              help={"seed": "Random seed."})
def compare(
    scenario: Annotated[str, typer.Argument(help="A shipped scenario name or a TOML file.")],
    modes: Annotated[str, _opt("Comma-separated modes to run under the same load and faults.",
                               "--modes")] = "async,semi-sync,sync,raft",
    backends: Annotated[str | None, _opt("Compare backends instead of modes: sim,redis (predicted vs measured, "
                                         "in the scenario's mode).", "--backends")] = None,
    repeat: Annotated[int, _opt("With --backends: runs per backend (medians; seeds seed, seed+1, ...).",
                                "--repeat")] = 1,
    tolerance: Annotated[str | None, _opt("With --backends: how far a prediction may miss the measured median of "
                                          "failover, RTO, lost and unknown writes and two-primary time and still "
                                          "agree, a percentage (default 30%; where real is 0, only 0 agrees).",
                                          "--tolerance")] = None,
    sentinel_addr: Annotated[str | None, _opt("With --backends ...redis: an existing deployment's Sentinel, "
                                              "HOST:PORT (loopback only).", "--sentinel")] = None,
    master: Annotated[str | None, _opt("With --sentinel: the master name it monitors.", "--master")] = None,
    yes_disrupt: Annotated[bool, _opt("With --sentinel: confirm the runs may disturb that deployment.",
                                      "--yes-disrupt")] = False,
    as_json: JsonFlag = False,
    **options,
) -> None:
    """Run one scenario under several modes: latency vs lost writes vs availability, in one table.

    With --backends sim,redis: the simulator's prediction against real Redis + Sentinel, medians of
    --repeat runs each, and the difference.

    Example: protolab replicate compare async-crash --modes async,semi-sync,sync,raft

    Example: protolab replicate compare async-crash --backends sim,redis --repeat 3
    """
    from protolab.cli.scenario_flags import build_scenario
    from protolab.errors import BadInput
    from protolab.replication.runner import compare as run_compare
    from protolab.replication.scenario import MODES

    if backends is None and repeat != 1:
        raise BadInput(f"--repeat goes with --backends (modes are compared on one seed), got --repeat {repeat}")
    if backends is None and tolerance is not None:
        raise BadInput("--tolerance goes with --backends (it is how far the simulator may miss real servers)")
    if backends is not None or sentinel_addr is not None or master is not None or yes_disrupt:
        from protolab.cli.replicate_live import check_backend, compare_redis

        if backends is None:
            raise BadInput("--sentinel, --master and --yes-disrupt go with --backends sim,redis")
        if sentinel_addr is not None:
            check_backend("redis", sentinel_addr, master, yes_disrupt)
        sc = build_scenario(scenario, **options)
        return compare_redis(sc, backends=backends, repeat=repeat, sentinel=sentinel_addr, master=master,
                             as_json=as_json, tolerance=tolerance)
    names = [m.strip() for m in modes.split(",") if m.strip()]
    unknown = [m for m in names if m not in MODES]
    if not names or unknown:
        raise BadInput(f"unknown mode {', '.join(unknown) or '(none given)'}; modes: {', '.join(MODES)}")
    from protolab.render.progress import progress
    from protolab.replication.sim import STEPS

    sc = build_scenario(scenario, **options)
    with progress(STEPS * len(names), "simulating", unit="steps") as advance:
        result = run_compare(sc, names, advance)
    from protolab.render.replicate import compare_view

    output(result, as_json, compare_view)


@app.command()
def scenarios(as_json: JsonFlag = False) -> None:
    """List the scenarios shipped with protolab.

    Example: protolab replicate scenarios
    """
    from protolab.render.replicate import scenarios_view
    from protolab.replication.scenario import load, shipped

    rows = []
    for name in shipped():
        sc = load(name)
        rows.append({"name": name, "mode": sc.mode, "nodes": sc.nodes, "faults": [f.text for f in sc.faults],
                     "description": " ".join(sc.description.split())})
    output({"scenarios": rows}, as_json, scenarios_view)


@app.command()
def explain(
    topic: Annotated[str | None, typer.Argument(help="A topic; without one, the list of topics.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Explain a replication topic: master-slave, master-master, distributed DB, failover, split brain, quorum.

    Example: protolab replicate explain split-brain
    """
    from protolab.render.replicate import explain_view
    from protolab.replication.explain import lookup

    output(lookup(topic), as_json, explain_view)


from protolab.cli.replicate_chaos import chaos as _chaos  # noqa: E402

app.command("chaos")(_chaos)
