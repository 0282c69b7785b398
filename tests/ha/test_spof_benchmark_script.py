"""benchmarks/ha_spof_bench.py still runs from its place outside the package, on a small generated design."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "ha_spof_bench.py"


def test_the_spof_benchmark_analyses_a_generated_design(tmp_path):
    run = subprocess.run([sys.executable, str(SCRIPT), "60"], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)  # not the repo: the script must not rely on the working directory
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 3 and lines[0].startswith("60 components, ")
    assert lines[1].startswith("exact availability 0.") and "SPOFs ['region']" in lines[1]
    assert lines[2].startswith("Monte Carlo 100000 samples: ")
