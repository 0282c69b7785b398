"""Processes this backend starts, and the record that lets the next run clean up after a killed one.

Every redis-server / redis-sentinel runs in its own session (a Ctrl-C on the terminal reaches only
protolab, which then stops them itself) with its files in one temporary directory, made in the
state directory (``$TMPDIR/protolab-live-state``, or ``$PROTOLAB_LIVE_STATE``). Before the
first process starts, a record ``<state dir>/<run id>.json`` names the owner (this process: pid and
start time) and the temporary directory, and it is rewritten with each process started (pid, start
time, argv). ``stop_all`` kills them all and deletes the directory and the record. If protolab is
killed with SIGKILL nothing of that runs, so ``clean_stale`` (called at the start of every run)
reads the records whose owner is gone and kills the processes they list - only when their start
time still matches, so a recycled pid is never touched - then deletes their directories.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from protolab.errors import BadInput

LOOPBACK = "127.0.0.1"
STATE_ENV = "PROTOLAB_LIVE_STATE"
MARKER = "protolab-live-"  # prefix of every temporary directory (tests look for it in argv)


def state_dir() -> Path:
    path = Path(os.environ.get(STATE_ENV) or Path(tempfile.gettempdir()) / "protolab-live-state")
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_time(pid: int) -> int | None:
    """The kernel's start time of a process (clock ticks since boot), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] == "Z":  # a zombie is gone for our purposes
        return None
    return int(fields[19])


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

    procs: dict[str, Proc] = field(default_factory=dict)
    root: Path | None = None
    record: Path | None = None

    def __enter__(self) -> ProcessManager:
        clean_stale()
        self.root = Path(tempfile.mkdtemp(prefix=MARKER, dir=state_dir()))
        self.record = state_dir() / f"{os.getpid()}-{self.root.name}.json"
        self._write_record()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()

    def _write_record(self) -> None:
        data = {"owner": os.getpid(), "owner_start": start_time(os.getpid()), "dir": str(self.root),
                "procs": [{"name": p.name, "pid": p.pid, "start": p.start, "argv": p.argv}
                          for p in self.procs.values()]}
        tmp = self.record.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self.record)

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


def clean_stale() -> list[int]:
    """Kill what runs killed with SIGKILL left behind (their owner is gone); return the pids killed."""
    killed = []
    for record in sorted(state_dir().glob("*.json")):
        try:
            data = json.loads(record.read_text())
        except (OSError, ValueError):
            continue
        owner_start = start_time(data.get("owner", -1))
        if owner_start is not None and owner_start == data.get("owner_start"):
            continue  # a run in progress (this one or another protolab)
        for p in data.get("procs", []):
            if p.get("start") is not None and start_time(p["pid"]) == p["start"]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p["pid"], signal.SIGKILL)
                    killed.append(p["pid"])
        for pid in killed:  # wait until they are gone (they are not our children: poll)
            deadline = time.monotonic() + 3
            while start_time(pid) is not None and time.monotonic() < deadline:
                time.sleep(0.01)
        if MARKER in str(data.get("dir", "")):
            shutil.rmtree(data["dir"], ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            record.unlink()
    return killed
