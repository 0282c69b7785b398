"""Run `protolab ...` as a child process and measure it: exit code, output, CPU time and peak memory.

The figures are that one process's: a small launcher forks it and reads its rusage with os.wait4
(RUSAGE_CHILDREN would be the maximum over every child so far). The launcher is there because Linux
counts the memory a process had before exec in its peak: forked straight from pytest (100+ MB by the
end of a full run), every child would "peak" at pytest's size.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

LAUNCHER = """
import json, os, sys
report = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    os.close(report)
    os.execv(sys.executable, [sys.executable, "-m", "protolab", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
os.write(report, json.dumps([os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime,
                             usage.ru_maxrss]).encode())
"""
REPO_ENV = {"COLUMNS": "120", "NO_COLOR": "1"}


@dataclass
class Measured:
    code: int
    stdout: bytes
    stderr: str
    cpu_s: float      # user + system time of the child
    wall_s: float
    peak_mb: float    # peak resident set size


def run(*args: str, timeout: float = 20.0, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, cwd=None,
        env: dict | None = None, preexec_fn=None) -> Measured:
    """The child is killed (its code is then -9) when it outlives `timeout`: a hang fails the caller's
    assertions instead of the test run. `preexec_fn` runs before protolab starts (umask, rlimits: both
    are inherited through the launcher's fork and exec)."""
    start = time.monotonic()
    report_r, report_w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(report_w), *args], stdin=stdin, stdout=stdout,
                            stderr=subprocess.PIPE, cwd=cwd, env={**os.environ, **REPO_ENV, **(env or {})},
                            preexec_fn=preexec_fn, pass_fds=(report_w,), start_new_session=True)
    os.close(report_w)
    killer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
    killer.start()
    try:
        out, err = proc.communicate()
    finally:
        killer.cancel()
    with os.fdopen(report_r, "rb") as report:
        figures = report.read()
    code, cpu, peak_kb = json.loads(figures) if figures else (-9, 0.0, 0)
    return Measured(code, out or b"", (err or b"").decode(errors="replace"), cpu, time.monotonic() - start,
                    peak_kb / 1024)
