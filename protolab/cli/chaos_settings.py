"""The options of `replicate chaos`, declared once (``protolab.schema``): the option, its default, help text
and range check come from each field."""

from __future__ import annotations

from dataclasses import dataclass

from protolab import schema
from protolab.replication.scenario import MODES

_f = schema.field


@dataclass
class ChaosSettings:
    """What a chaos campaign draws and runs: each field is an option of `replicate chaos`."""

    runs: int = _f(20, schema.WHOLE, "Runs, seeds SEED .. SEED+RUNS-1.", low=1, high=100_000,
                   message="--runs must be between 1 and 100000, got {value}", flag=schema.Flag("--runs"))
    seed: int = _f(1, schema.WHOLE, "Seed of the first run (each run: schedule + simulation).",
                   flag=schema.Flag("--seed"))
    faults: str = _f("crash,pause,partition,delay,loss,skew", schema.TEXT, "Nemesis kinds to draw from: crash,"
                     "pause,partition,delay,loss,skew and zone (zone down / region cut, for scenarios with zones).",
                     flag=schema.Flag("--faults"))
    mtbf: str = _f("4s", schema.TEXT, "Mean time between fault starts, e.g. 4s.", flag=schema.Flag("--mtbf"))
    hold: str = _f("1s..5s", schema.TEXT, "Range of fault durations, e.g. 1s..5s.", flag=schema.Flag("--hold"))
    max_faults: int = _f(6, schema.WHOLE, "Faults per run at most.", flag=schema.Flag("--max-faults"))
    reads: float = _f(0.5, schema.NUMBER, "Share of client operations that are reads (the linearizability "
                      "checker needs them).", low=0, high=1,
                      message="--reads is a fraction between 0 and 1, got {value}", flag=schema.Flag("--reads"))
    mode: str | None = _f(None, schema.TEXT, "Run the scenario under another mode.", choices=MODES,
                          message="unknown mode {value!r}; modes: {choices}", flag=schema.Flag("--mode"))
    unsafe: bool = _f(False, schema.BOOL, "For teaching: Raft peers skip the term check (mode raft-unsafe); the "
                      "checkers should catch it.", flag=schema.Flag("--unsafe"))
    shrink: int = _f(1, schema.WHOLE, "Failing runs to shrink (0: none).", low=0,
                     message="--shrink must be 0 (none) or more, got {value}", flag=schema.Flag("--shrink"))
