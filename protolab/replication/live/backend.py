"""Entry points: run a scenario on real servers, locally started or an existing deployment."""

from __future__ import annotations

from protolab.errors import BadInput
from protolab.replication.families import FAMILIES
from protolab.signals import run_async


def check_scenario(scenario) -> None:
    try:
        import redis  # noqa: F401
    except ImportError as exc:
        raise BadInput("--backend redis needs redis-py: pip install 'protolab[redis]'") from exc
    if not FAMILIES[scenario.family].live:
        raise BadInput(f"scenario {scenario.name!r} is {scenario.mode}: the redis backend runs Redis primary/replica "
                       "modes (async, semi-sync, sync) with Sentinel; multi-primary and raft are simulator-only")


def run_local(scenario, advance=None, warn=None):
    """Start the deployment the scenario describes on 127.0.0.1, run it, stop it; (run, RunResult).
    ``warn(line)`` hears of stale run records left alone because they could not be trusted."""
    check_scenario(scenario)
    from protolab.replication.live.cluster import LocalCluster
    from protolab.replication.live.nemesis import LocalNemesis
    from protolab.replication.live.procs import ProcessManager
    from protolab.replication.live.run import LiveRun
    from protolab.replication.metrics import analyze

    with ProcessManager(warn=warn) as procs:
        cluster = LocalCluster(scenario, procs)
        run = LiveRun(scenario, cluster)

        async def main() -> None:
            try:
                await run.execute(lambda r: LocalNemesis(r, cluster), advance)
            finally:
                await cluster.close()

        run_async(main)
    return run, analyze(run)


def run_external(scenario, *, sentinel: str, master: str, advance=None):
    """Run the scenario's load and the faults its API allows against an existing deployment."""
    check_scenario(scenario)
    from protolab.replication.live.external import ExternalDeployment, ExternalNemesis, check_faults, parse_addr
    from protolab.replication.live.run import LiveRun
    from protolab.replication.metrics import analyze

    parse_addr(sentinel)
    check_faults(scenario)
    deployment = ExternalDeployment(scenario, sentinel, master)
    run = LiveRun(scenario, deployment)

    async def main() -> None:
        try:
            await run.execute(lambda r: ExternalNemesis(r, deployment), advance)
        finally:
            await deployment.close()

    run_async(main)
    return run, analyze(run)
