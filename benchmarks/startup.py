"""Start-up time of `protolab --help` against `python -c pass`, measured in the same run.

Usage: python benchmarks/startup.py [--runs N]
Target: median of `protolab --help` <= 0.3 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def median_wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    exe = shutil.which("protolab")
    target = [exe, "--help"] if exe else [sys.executable, "-m", "protolab", "--help"]
    baseline = median_wall([sys.executable, "-c", "pass"], args.runs)
    cli = median_wall(target, args.runs)
    tls_help = median_wall(target[:-1] + ["tls", "--help"], args.runs)
    print(f"python -c pass        median {baseline * 1000:7.1f} ms")
    print(f"protolab --help       median {cli * 1000:7.1f} ms   ratio {cli / baseline:5.1f}x")
    print(f"protolab tls --help   median {tls_help * 1000:7.1f} ms   ratio {tls_help / baseline:5.1f}x")
    verdict = "OK" if cli <= 0.3 else "OVER TARGET"
    print(f"target <= 300 ms: {verdict}")
    return 0 if cli <= 0.3 else 1


if __name__ == "__main__":
    sys.exit(main())
