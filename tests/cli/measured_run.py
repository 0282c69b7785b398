"""Run `protolab ...` as a child process and measure it: exit code, output, CPU time and peak memory.

os.wait4 gives the rusage of that one child (RUSAGE_CHILDREN would be the maximum over every child so
far), so cases can run side by side without their figures mixing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

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
    assertions instead of the test run. `preexec_fn` runs in the child before protolab (umask, rlimits)."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "protolab", *args], stdin=stdin, stdout=stdout,
                            stderr=subprocess.PIPE, cwd=cwd, env={**os.environ, **REPO_ENV, **(env or {})},
                            preexec_fn=preexec_fn)
    chunks: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda name=name, f=f: chunks.__setitem__(name, f.read()))
               for name, f in (("stdout", proc.stdout), ("stderr", proc.stderr)) if f is not None]
    for reader in readers:
        reader.start()
    killer = threading.Timer(timeout, lambda: proc.send_signal(signal.SIGKILL))
    killer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)  # reaped here, so Popen must not wait for it again
    finally:
        killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    for f in (proc.stdout, proc.stderr):
        if f is not None:
            f.close()
    return Measured(proc.returncode, chunks.get("stdout", b""), chunks.get("stderr", b"").decode(errors="replace"),
                    usage.ru_utime + usage.ru_stime, time.monotonic() - start, usage.ru_maxrss / 1024)
