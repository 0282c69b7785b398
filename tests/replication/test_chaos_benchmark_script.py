"""benchmarks/chaos_bench.py still runs from its place outside the package: one line per scenario, a total."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from protolab.replication.scenario import shipped

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "chaos_bench.py"


def test_the_chaos_benchmark_runs_every_shipped_scenario(tmp_path):
    run = subprocess.run([sys.executable, str(SCRIPT), "1"], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    names = [*shipped(), "raft-partition", "raft-crash"]  # the last two under raft-unsafe
    assert [line.split()[0] for line in lines[:-1]] == names
    assert all(" 1 runs in " in line for line in lines[:-1])
    assert lines[-1].startswith("total ") and lines[-1].endswith("* = promised by the mode)")
