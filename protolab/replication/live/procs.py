"""Processes this backend starts, and the record that lets the next run clean up after a killed one.

Every redis-server / redis-sentinel runs in its own session (a Ctrl-C on the terminal reaches only
protolab, which then stops them itself) with its files in one temporary directory, made in the
user's state directory (``state.py``). Before the first process starts, a record names the owner
(this process: pid and start time) and the temporary directory, and it is rewritten with each
process started (pid, start time, argv). ``stop_all`` kills them all and deletes the directory and
the record. If protolab is killed with SIGKILL nothing of that runs, so ``state.clean_stale``
(called at the start of every run) kills what such a record lists, after checking it is really that.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from protolab.errors import BadInput
from protolab.replication.live.state import MARKER, clean_stale, start_time, state_dir, write_record

LOOPBACK = "127.0.0.1"


def free_ports(n: int) -> list[int]:
    """``n`` distinct free TCP ports on 127.0.0.1 (held open together so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((LOOPBACK, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def find_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BadInput(f"{name} is not installed (Debian: apt-get install redis-server redis-sentinel); "
                       "--backend redis runs real servers")
    return path


@dataclass
class Proc:
    name: str
    argv: list[str]
    popen: subprocess.Popen
    start: int | None

    @property
    def pid(self) -> int:
        return self.popen.pid


@dataclass
class ProcessManager:
    """Starts processes for one run, records them, and stops them all (a context manager)."""

    warn: Callable[[str], None] | None = None  # told about stale records that were not trusted
    procs: dict[str, Proc] = field(default_factory=dict)
    root: Path | None = None
    record: Path | None = None

    def __enter__(self) -> ProcessManager:
        clean_stale(self.warn)
        self.root = Path(tempfile.mkdtemp(prefix=MARKER, dir=state_dir()))
        self.record = self.root.parent / f"{os.getpid()}-{self.root.name}.json"
        self._write_record()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()

    def _write_record(self) -> None:
        data = {"owner": os.getpid(), "owner_start": start_time(os.getpid()), "dir": str(self.root),
                "procs": [{"name": p.name, "pid": p.pid, "start": p.start, "argv": p.argv}
                          for p in self.procs.values()]}
        write_record(self.record, data)

    def spawn(self, name: str, argv: list[str]) -> Proc:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        try:
            popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     cwd=self.root, start_new_session=True)
        finally:
            log.close()
        proc = self.procs[name] = Proc(name, argv, popen, start_time(popen.pid))
        self._write_record()
        return proc

    def alive(self, name: str) -> bool:
        p = self.procs.get(name)
        return p is not None and p.popen.poll() is None

    def signal(self, name: str, sig: int) -> None:
        p = self.procs.get(name)
        if p is not None and p.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p.pid, sig)

    def kill(self, name: str) -> None:
        """SIGKILL and reap (the process is gone when this returns)."""
        p = self.procs.get(name)
        if p is None:
            return
        self.signal(name, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.popen.wait(timeout=5)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.signal(name, signal.SIGCONT)  # a stopped process still dies of SIGKILL, but be plain
            self.kill(name)
        self.procs.clear()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
        if self.record is not None:
            with contextlib.suppress(FileNotFoundError):
                self.record.unlink()
