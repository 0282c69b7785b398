"""`protolab replicate run/compare --backend redis`: the CLI side of the live backend.

``replicate.py`` parses the options and hands over here when real servers are asked for; the
result is the simulator's ``RunResult``, shown by the same view.
"""

from __future__ import annotations

from pathlib import Path

from protolab.cli.common import fail_check, output, stdout_taken
from protolab.errors import BadInput

BACKEND_NAMES = ("sim", "redis")


def check_backend(backend: str, sentinel: str | None, master: str | None, yes_disrupt: bool) -> None:
    if backend not in BACKEND_NAMES:
        raise BadInput(f"--backend {backend!r}: one of {', '.join(BACKEND_NAMES)}")
    if sentinel is None and (master is not None or yes_disrupt):
        raise BadInput("--master and --yes-disrupt go with --sentinel HOST:PORT (an existing deployment)")
    if sentinel is not None:
        if backend != "redis":
            raise BadInput("--sentinel runs against real servers: add --backend redis")
        if master is None:
            raise BadInput("--sentinel needs --master NAME (the master name the Sentinel monitors)")
        if not yes_disrupt:
            raise BadInput("this run writes to that deployment and may force a failover or pause its servers; "
                           "add --yes-disrupt to confirm")


def redis_runner(sentinel: str | None, master: str | None, advance=None):
    """A function scenario -> (run, RunResult) on real servers, local or existing."""
    from protolab.cli.common import warn
    from protolab.replication.live.backend import run_external, run_local

    if sentinel is not None:
        return lambda sc: run_external(sc, sentinel=sentinel, master=master, advance=advance)
    said: set[str] = set()

    def warn_once(line: str) -> None:  # repeats of a compare find the same untrusted records again
        if line not in said:
            said.add(line)
            warn(line)

    return lambda sc: run_local(sc, advance=advance, warn=warn_once)


def run_redis(sc, *, sentinel: str | None, master: str | None, svg: Path | None, history: Path | None,
              as_json: bool, view) -> None:
    from protolab.fileio import check_output
    from protolab.render.progress import progress
    from protolab.replication.cli_support import write_outputs
    from protolab.replication.live.backend import check_scenario

    check_scenario(sc)
    if svg is not None:
        raise BadInput("--svg draws the simulator's message ladder; real servers have no message trace "
                       "(use --history)")
    piped = stdout_taken(as_json, {"--history": history})
    if history is not None:
        check_output(history, stdout_ok=True)
    with progress(sc.end_time(), "real servers: starting, then running the scenario", unit="s") as advance:
        run, result = redis_runner(sentinel, master, advance)(sc)
    write_outputs(run, result, svg=None, history=history)
    if not piped:
        output(result, as_json, view)
    failed = [c.name for c in result.checks if not c.ok]
    if failed:
        fail_check(f"{sc.mode} broke its promise on real servers: {', '.join(failed)}")


def compare_redis(sc, *, backends: str, repeat: int, sentinel: str | None, master: str | None,
                  as_json: bool, tolerance: str | None = None) -> None:
    from protolab.render.progress import progress
    from protolab.replication.live.backend import check_scenario
    from protolab.replication.live.compare import TOLERANCE, compare_backends, parse_backends, parse_tolerance

    names = parse_backends(backends)
    bound = TOLERANCE if tolerance is None else parse_tolerance(tolerance)
    if "redis" in names:
        check_scenario(sc)
    if repeat < 1:
        raise BadInput(f"--repeat must be 1 or more, got {repeat}")
    runner = redis_runner(sentinel, master)
    with progress(repeat * len(names), "sim and real servers", unit="runs") as advance:
        result = compare_backends(sc, names, repeat, lambda s: runner(s)[1], advance, bound)
    from protolab.render.replicate import backends_view

    output(result, as_json, backends_view)

