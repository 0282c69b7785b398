"""Writing the files a run can produce (--svg, --history). Flags become a scenario in
``protolab.cli.scenario_flags``."""

from __future__ import annotations

from pathlib import Path


def write_outputs(sim, result, *, svg: Path | None, history: Path | None) -> None:
    """Each through protolab.fileio: complete or not written; `-` is stdout."""
    from protolab.fileio import open_output

    if history is not None:
        with open_output(history, text=True, stdout_ok=True) as out:
            sim.history.write_jsonl(out)
    if svg is not None:
        from protolab.replication.svg import ladder

        with open_output(svg, text=True, stdout_ok=True) as out:
            out.write(ladder(sim, result))
