"""The live backend's state directory and stale-run records: only the user's own run is ever cleaned up.

A record left by a killed run makes the next run SIGKILL the pids it lists and delete the directory it
names, so every forged record below (foreign owner, an unrelated process, a directory that is not the
record's own) must be left alone: nothing killed, nothing removed, one warning line. Each forgery is a
genuine record changed in one way only, so each check is shown to be the one that stops it. The servers
here are redis-server on a unix socket in the run's directory (no TCP port), stopped by their PID.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from protolab.errors import BadInput
from protolab.replication.live.state import MARKER, STATE_ENV, clean_stale, start_time, state_dir

NOBODY = 65534


@pytest.fixture
def state(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "state"))
    return state_dir()


@pytest.fixture
def started():
    """start(argv, cwd) -> Popen; every process is stopped by its PID at the end, whatever happened."""
    procs: list[subprocess.Popen] = []

    def start(argv: list[str], cwd: Path) -> subprocess.Popen:
        p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=5)


def _redis_server(tool, started, directory: Path) -> tuple[subprocess.Popen, list[str]]:
    """A server laid out as the backend's: started in the run's directory, working in its own one inside."""
    (directory / "n1").mkdir()
    argv = [tool("redis-server"), "--port", "0", "--unixsocket", "s.sock", "--save", "", "--dir", str(directory / "n1")]
    p = started(argv, directory)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not Path(f"/proc/{p.pid}/cmdline").read_bytes().startswith(
            f"{argv[0]} unixsocket".encode()):
        time.sleep(0.01)  # until Redis has rewritten its title: what a stale server looks like
    return p, argv


def _record(state: Path, directory: Path, procs: list[tuple[int, list[str]]], *, owner: int = 999_999_999) -> Path:
    """A record as a killed run leaves it (its owner gone), naming ``directory``."""
    path = state / f"{owner}-{directory.name}.json"
    path.write_text(json.dumps({"owner": owner, "owner_start": 1, "dir": str(directory),
                                "procs": [{"name": f"n{i + 1}", "pid": pid, "start": start_time(pid), "argv": argv}
                                          for i, (pid, argv) in enumerate(procs)]}))
    return path


def _run_dir(state: Path, name: str = "abc") -> Path:
    d = state / f"{MARKER}{name}"
    d.mkdir(mode=0o700)
    return d


def _alive(p: subprocess.Popen) -> bool:
    return p.poll() is None


# --- the state directory --------------------------------------------------------------------------
def test_state_directory_is_per_user_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv(STATE_ENV, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    path = state_dir()
    assert path == tmp_path / "protolab-live"
    assert path.stat().st_mode & 0o777 == 0o700
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    assert state_dir() == tmp_path / f"protolab-live-{os.geteuid()}"


@pytest.mark.parametrize("spoil, why", [
    (lambda p: os.chown(p, NOBODY, NOBODY), "owned by uid 65534"),
    (lambda p: os.chmod(p, 0o777), "writable by group or others"),
    (lambda p: os.chmod(p, 0o720), "writable by group or others"),
])
def test_a_state_directory_not_the_users_own_is_refused(tmp_path, monkeypatch, spoil, why):
    if os.geteuid() != 0 and "uid" in why:
        pytest.skip("changing a directory's owner needs root")
    path = tmp_path / "state"
    path.mkdir(mode=0o700)
    spoil(path)
    monkeypatch.setenv(STATE_ENV, str(path))
    with pytest.raises(BadInput, match=why):
        state_dir()
    with pytest.raises(BadInput, match=why):
        clean_stale()


def test_a_state_directory_that_is_a_symbolic_link_is_refused(tmp_path, monkeypatch):
    (tmp_path / "real").mkdir(mode=0o700)
    (tmp_path / "state").symlink_to(tmp_path / "real")
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "state"))
    with pytest.raises(BadInput, match="symbolic link"):
        state_dir()


# --- records ------------------------------------------------------------------------------------------
def test_a_genuine_stale_record_is_cleaned_up(tool, state, started):
    """The reference for the forgeries below: unchanged, the record's server is killed and its files go."""
    d = _run_dir(state)
    server, argv = _redis_server(tool, started, d)
    record = _record(state, d, [(server.pid, argv)])
    warnings: list[str] = []
    assert clean_stale(warnings.append) == [server.pid]
    server.wait(timeout=5)
    assert warnings == [] and not d.exists() and not record.exists()


def _forged(kind: str, tool, state: Path, started, tmp_path: Path):
    """(record, processes that must survive, paths that must stay) for one forgery."""
    d = _run_dir(state)
    if kind == "foreign owner":
        if os.geteuid() != 0:
            pytest.skip("making a file someone else's needs root")
        server, argv = _redis_server(tool, started, d)
        record = _record(state, d, [(server.pid, argv)])
        os.chown(record, NOBODY, NOBODY)
        return record, [server], [d]
    if kind == "unrelated process":  # `sleep`, recorded as it is
        sleeper = started(["sleep", "30"], d)
        return _record(state, d, [(sleeper.pid, ["sleep", "30"])]), [sleeper], [d]
    if kind == "unrelated process recorded as redis-server":  # only its command line tells
        sleeper = started(["sleep", "30"], d)
        return _record(state, d, [(sleeper.pid, [tool("redis-server"), "x.conf"])]), [sleeper], [d]
    if kind == "redis-server of another directory":  # only its working directory tells
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        server, argv = _redis_server(tool, started, elsewhere)
        return _record(state, d, [(server.pid, argv)]), [server], [d, elsewhere]
    if kind == "dir outside the state directory":
        victim = tmp_path / f"{MARKER}victim"
        victim.mkdir()
        (victim / "keep").write_text("x")
        return _record(state, victim, []), [], [victim / "keep", d]
    if kind == "dir of another record":
        other = _run_dir(state, "other")
        record = state / f"999999999-{d.name}.json"
        record.write_text(json.dumps({"owner": 999_999_999, "owner_start": 1, "dir": str(other), "procs": []}))
        return record, [], [other, d]
    raise AssertionError(kind)


FORGERIES = ["foreign owner", "unrelated process", "unrelated process recorded as redis-server",
             "redis-server of another directory", "dir outside the state directory", "dir of another record"]


@pytest.mark.parametrize("kind", FORGERIES)
def test_a_forged_record_is_ignored_with_one_warning(kind, tool, state, started, tmp_path):
    record, survivors, kept = _forged(kind, tool, state, started, tmp_path)
    warnings: list[str] = []
    assert clean_stale(warnings.append) == []
    assert len(warnings) == 1 and "\n" not in warnings[0], warnings
    assert warnings[0].startswith(f"ignored the live-run record {record}: ")
    assert warnings[0].endswith("; nothing killed or removed")
    time.sleep(0.05)
    assert all(_alive(p) for p in survivors)
    assert all(path.exists() for path in kept) and record.exists()


def test_a_live_run_says_so_once_and_prints_nothing_else(tool, tmp_path, started):
    """Through the command: a forged record costs one warning line on stderr, and a live run prints no
    library warning (redis-py warns when handed a synchronous Retry), nor, with warnings shown as in a
    development run, a ResourceWarning (a write cancelled at the end of the run closes its connection)."""
    tool("redis-server")
    tool("redis-sentinel")
    env = dict(os.environ, **{STATE_ENV: str(tmp_path / "state")})
    env.pop("PYTHONWARNINGS", None)
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    d = _run_dir(state)
    sleeper = started(["sleep", "30"], d)
    record = _record(state, d, [(sleeper.pid, ["sleep", "30"])])
    r = subprocess.run([sys.executable, "-W", "default", "-m", "protolab", "replicate", "run", "--mode", "async",
                        "--writes", "50", "--rate", "50", "--duration", "1s", "--backend", "redis", "--json"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [f"warning: ignored the live-run record {record}: pid {sleeper.pid} is not the "
                                     "server it started: the record lists 'sleep', not redis-server or "
                                     "redis-sentinel; nothing killed or removed"], r.stderr
    assert _alive(sleeper) and d.exists() and record.exists()
    assert json.loads(r.stdout)["writes"]["ok"] > 0  # the run itself went ahead
