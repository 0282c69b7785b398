"""Writing the files a run can produce (--svg, --history). Flags become a scenario in
``protolab.cli.scenario_flags``."""

from __future__ import annotations

from pathlib import Path


def write_outputs(sim, result, *, svg: Path | None, history: Path | None) -> None:
    if history is not None:
        with open(history, "w", encoding="utf-8") as out:
            sim.history.write_jsonl(out)
    if svg is not None:
        from protolab.replication.svg import ladder

        Path(svg).write_text(ladder(sim, result), encoding="utf-8")
