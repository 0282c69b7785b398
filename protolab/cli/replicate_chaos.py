"""`protolab replicate chaos`: seeded random fault schedules, judged by the history checkers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from protolab.cli.common import JsonFlag, fail_check, output, stdout_taken
from protolab.cli.schema_options import with_options

if TYPE_CHECKING:
    from protolab import schema


def _chaos_options() -> list[schema.Option]:
    """The chaos settings' options (declared in chaos_settings.py, imported when the command is built)."""
    from protolab import schema
    from protolab.cli.chaos_settings import ChaosSettings

    return schema.flags(ChaosSettings)


@with_options(_chaos_options, after="scenario", defaults=True)
def chaos(
    scenario: Annotated[str, typer.Argument(help="A shipped scenario name or a TOML file.")],
    save: Annotated[Path | None, typer.Option("--save", help="Write the first failure's shrunk replay "
                                              "scenario (TOML) here.")] = None,
    svg: Annotated[Path | None, typer.Option("--svg", help="Latency over time with faults shaded, for the "
                                             "first failing run (or the first run).")] = None,
    metrics: Annotated[Path | None, typer.Option("--metrics", help="That run's time series, OpenMetrics "
                                                 "text.")] = None,
    as_json: JsonFlag = False,
    **options,
) -> None:
    """Chaos: many seeded runs under random faults, each checked from its history (durability,
    one leader per term, convergence, linearizability); a failure is shrunk to a minimal schedule.

    Example: protolab replicate chaos raft-partition --runs 50 --unsafe --save fail.toml
    """
    from protolab.cli.chaos_settings import ChaosSettings
    from protolab.errors import BadInput
    from protolab.fileio import check_output, open_output, write_text
    from protolab.render.progress import progress
    from protolab.replication.chaos import chaos as run_chaos
    from protolab.replication.chaos import shown_run
    from protolab.replication.families import FAMILIES
    from protolab.replication.nemesis import NemesisSpec
    from protolab.replication.scenario import load
    from protolab.schema import check
    from protolab.sim.durations import parse_duration

    settings = ChaosSettings(**options)
    check(settings, "replicate chaos")
    runs, seed, faults, mtbf, hold, max_faults, reads, mode, unsafe, shrink_n = (
        settings.runs, settings.seed, settings.faults, settings.mtbf, settings.hold, settings.max_faults,
        settings.reads, settings.mode, settings.unsafe, settings.shrink)
    lo, sep, hi = hold.partition("..")
    if not sep:
        raise BadInput(f"--hold {hold!r}: write a range such as 1s..5s")
    spec = NemesisSpec(tuple(k.strip() for k in faults.split(",") if k.strip()), parse_duration(mtbf, "--mtbf"),
                       parse_duration(lo, "--hold"), parse_duration(hi, "--hold"), max_faults).validate()
    piped = stdout_taken(as_json, {"--svg": svg, "--metrics": metrics})
    for path, stream_ok in ((save, False), (svg, True), (metrics, True)):  # before the runs, not after them
        if path is not None:
            check_output(path, stdout_ok=stream_ok)
    base = load(scenario)
    if mode is not None:
        base = base.with_mode(mode)
    if "zone" in spec.kinds and not base.zones:
        raise BadInput(f"--faults zone: {base.name} has no [[zone]]s (try multi-region-raft)")
    if unsafe:
        if FAMILIES[base.family].unsafe is None:
            raise BadInput(f"--unsafe makes Raft peers skip the term check; {base.name} runs {base.mode} "
                           "(add --mode raft)")
        base = base.with_mode("raft-unsafe")
    with progress(runs, "chaos runs", unit="runs") as advance:
        result = run_chaos(base, runs, seed, spec, reads=reads, shrink_failures=shrink_n, advance=advance)
    for f in result.failures:
        f.replay = (f"protolab replicate run {save} --seed {f.seed}" if save is not None and f is result.failures[0]
                    else f"(--save FILE.toml, then) protolab replicate run FILE.toml --seed {f.seed}")
    if save is not None:
        if result.failures:
            write_text(save, result.failures[0].replay_toml)
        else:
            from protolab.cli.common import warn

            warn(f"no failure to save: {save} not written")
    if svg is not None or metrics is not None:
        shown = shown_run(base, result, spec, reads)
        if svg is not None:
            from protolab.replication.latency_svg import latency_plot

            write_text(svg, latency_plot(shown.sim, shown.title), stdout_ok=True)
        if metrics is not None:
            from protolab.replication.openmetrics import write_openmetrics

            with open_output(metrics, text=True, stdout_ok=True) as out:
                write_openmetrics(shown.sim, out, {"mode": base.mode})
    from protolab.render.replicate import chaos_view

    if not piped:
        output(result, as_json, chaos_view)
    if result.failed_runs:
        f = result.failures[0] if result.failures else None
        fail_check(f"{result.failed_runs} of {runs} runs broke a promise of {base.mode}"
                   + (f"; first: seed {f.seed}, {f.checker}" if f else ""))

