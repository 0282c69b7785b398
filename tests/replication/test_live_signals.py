"""SIGTERM ends a live run as Ctrl-C does: asyncio's main task is cancelled (cooperatively: no exception
raised from the signal handler), every server is stopped and reaped, the run's record is removed, and
the exit is 143 (130 for Ctrl-C) with one line and nothing "ignored" or "destroyed" on stderr."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_live_redis import _start_run, live_pids, redis_tools  # noqa: F401 - redis_tools is a fixture

HOW = {signal.SIGTERM: (143, "terminated (SIGTERM)"), signal.SIGINT: (130, "interrupted (Ctrl-C)")}


def _stop(proc: subprocess.Popen, sig: int) -> str:
    proc.send_signal(sig)
    try:
        proc.wait(timeout=30)  # six processes stopped and reaped, on a busy machine
    finally:
        if proc.poll() is None:  # never leave the run behind, even when the test fails
            proc.kill()
            proc.wait()
    return proc.stderr.read().decode()


def _check_clean_end(proc, stderr: str, sig: int, tmp_path: Path, pids: list[int], record: Path) -> None:
    code, how = HOW[sig]
    assert proc.returncode == code, stderr
    # the last line says how the run ended; before it only library warnings may come (redis-py's Retry one)
    assert stderr.endswith(f"\nerror: {how}: no file written (existing files are as they were)\n") or stderr == (
        f"error: {how}: no file written (existing files are as they were)\n")
    assert stderr.count("error:") == 1
    for noise in ("Exception ignored", "Task was destroyed", "Traceback", "was never awaited"):
        assert noise not in stderr
    assert not set(pids) & set(live_pids(tmp_path))
    assert not record.exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_the_scenario_runs_stops_everything(redis_tools, tmp_path, sig):  # noqa: F811
    proc, record = _start_run(tmp_path)
    pids = [p["pid"] for p in json.loads(record.read_text())["procs"]]
    _check_clean_end(proc, _stop(proc, sig), sig, tmp_path, pids, record)


def test_sigterm_while_the_servers_start_stops_everything(redis_tools, tmp_path):  # noqa: F811
    state = tmp_path / "state"
    proc = subprocess.Popen([sys.executable, "-m", "protolab", "replicate", "run", "--mode", "async", "--writes",
                             "3000", "--rate", "100", "--backend", "redis", "--duration", "60s", "--json"],
                            env=dict(os.environ, PROTOLAB_LIVE_STATE=str(state)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (state.exists() and list(state.glob("*.json"))):
        time.sleep(0.01)  # the first server is being started: the run is in its start-up
    records = list(state.glob("*.json"))
    assert records, "the run never started a server"
    stderr = _stop(proc, signal.SIGTERM)
    _check_clean_end(proc, stderr, signal.SIGTERM, tmp_path, [], records[0])
    assert live_pids(tmp_path) == []
