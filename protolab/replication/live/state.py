"""The live backend's state directory and its run records: what a later run may trust in them.

A run records its owner (pid, start time), its temporary directory and every server it starts in
``<state dir>/<owner pid>-<directory name>.json``; a run killed with SIGKILL leaves that record, and
the next run kills those servers and removes the directory (``clean_stale``). Whoever can write the
state directory can forge a record, so nothing in one is taken on its word:

- the directory is the user's own: ``$PROTOLAB_LIVE_STATE``, else ``$XDG_RUNTIME_DIR/protolab-live``,
  else ``<tmp>/protolab-live-<uid>``; made 0700, and refused (BadInput) when it is a symbolic link,
  owned by someone else, or writable by group or others;
- a record is read only when it is a regular file owned by the user;
- its directory must be a child of the state directory, the one the record's own name names, and
  (when it still exists) a real directory owned by the user;
- a pid is killed only while it is the process the record started: the same start time (pids are
  recycled), owned by the user, running redis-server or redis-sentinel as recorded (Redis rewrites
  its command line to "<argv[0]> <address> ...", so argv[0] is what stays), working in that directory
  or one inside it (each server's ``dir``).

A record that fails any check is left alone - nothing killed, nothing removed - and reported in one
line through ``warn``. These files are the backend's own bookkeeping, not a command's outputs, so they
do not go through ``fileio`` (whose ``written`` list tells an interrupted command which outputs it kept).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from protolab.errors import BadInput

STATE_ENV = "PROTOLAB_LIVE_STATE"
MARKER = "protolab-live-"  # prefix of every run's temporary directory (tests look for it in cwd)
TOOLS = ("redis-server", "redis-sentinel")
RECORD_LIMIT = 1 << 20  # a record lists a few processes: anything bigger is not one
KILL_WAIT_S = 3.0


class Untrusted(Exception):
    """A record that is not provably this user's run: why, in words."""


def _state_path() -> Path:
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV]).absolute()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        return Path(runtime) / "protolab-live"
    return Path(tempfile.gettempdir()) / f"protolab-live-{os.geteuid()}"


def state_dir() -> Path:
    """The user's state directory, made 0700 when missing; BadInput when it cannot be trusted."""
    path = _state_path()
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError as exc:
        raise BadInput(f"live state directory {path}: {(exc.strerror or str(exc)).lower()}") from None
    why = _not_own_dir(st)
    if why:
        raise BadInput(f"live state directory {path} {why}: refusing to keep run records there "
                       f"(set {STATE_ENV} to a directory of your own)")
    return path


def _not_own_dir(st: os.stat_result) -> str | None:
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "is not a directory"
    if st.st_uid != os.geteuid():
        return f"is owned by uid {st.st_uid}, not by you (uid {os.geteuid()})"
    if st.st_mode & 0o022:
        return f"is writable by group or others (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def start_time(pid: int) -> int | None:
    """The kernel's start time of a process (clock ticks since boot), None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    if fields[0] == "Z":  # a zombie is gone for our purposes
        return None
    return int(fields[19])


def write_record(path: Path, data: dict) -> None:
    """Replace the record in one rename (a reader never sees half of one), 0600, never through a link."""
    tmp = path.with_suffix(".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(data))
    tmp.replace(path)


def read_record(path: Path) -> dict:
    """A record's content; Untrusted unless it is a regular file of this user holding a JSON object."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise  # removed meanwhile by the run that wrote it
        raise Untrusted("it is a symbolic link" if os.path.islink(path) else f"unreadable: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise Untrusted("it is not a regular file")
        if st.st_uid != os.geteuid():
            raise Untrusted(f"it is owned by uid {st.st_uid}, not by you (uid {os.geteuid()})")
        raw = f.read(RECORD_LIMIT + 1)
    try:
        data = json.loads(raw) if len(raw) <= RECORD_LIMIT else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise Untrusted("it is not a run record")
    return data


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _run_dir(record: Path, data: dict, root: Path) -> Path:
    """The record's own directory; Untrusted when it names anything else."""
    d, owner = data.get("dir"), data.get("owner")
    if not isinstance(d, str) or not _int(owner):
        raise Untrusted("it is not a run record")
    path = Path(d)
    if not path.is_absolute() or path.parent != root or not path.name.startswith(MARKER):
        raise Untrusted(f"its directory {d} is not a run directory in {root}")
    if record.name != f"{owner}-{path.name}.json":
        raise Untrusted(f"its directory {path.name} is not the one its name gives")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    why = _not_own_dir(st)
    if why:
        raise Untrusted(f"its directory {path} {why}")
    return path


def _not_the_server(pid: int, argv: list, directory: Path) -> str | None:
    """Why ``pid`` is not the server the record started in ``directory`` (None: it is)."""
    if os.path.basename(argv[0]) not in TOOLS:
        return f"the record lists {argv[0]!r}, not {' or '.join(TOOLS)}"
    try:
        uid = os.stat(f"/proc/{pid}").st_uid
        title = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError as exc:
        return f"its /proc entry cannot be read ({exc.strerror})"
    if uid != os.geteuid():
        return f"it runs as uid {uid}"
    if title != argv[0] and not title.startswith(argv[0] + " "):
        return f"it runs {title!r}"
    if cwd != str(directory) and not cwd.startswith(f"{directory}{os.sep}"):  # Redis moves into its `dir`
        return f"it works in {cwd}"
    return None


def _servers_to_kill(data: dict, directory: Path) -> list[int]:
    """The pids of the record that are still its servers; Untrusted if one is something else."""
    procs = data.get("procs")
    if not isinstance(procs, list):
        raise Untrusted("it is not a run record")
    pids = []
    for p in procs:
        pid, start, argv = (p.get("pid"), p.get("start"), p.get("argv")) if isinstance(p, dict) else (None,) * 3
        if not (_int(pid) and pid > 0 and (start is None or _int(start)) and isinstance(argv, list) and argv
                and all(isinstance(a, str) for a in argv)):
            raise Untrusted("it is not a run record")
        if start is None or start_time(pid) != start:
            continue  # gone (its pid may belong to another process by now)
        why = _not_the_server(pid, argv, directory)
        if why:
            raise Untrusted(f"pid {pid} is not the server it started: {why}")
        pids.append(pid)
    return pids


def clean_stale(warn: Callable[[str], None] | None = None) -> list[int]:
    """Kill what runs killed with SIGKILL left behind (their owner is gone); return the pids killed.
    A record that fails a check is left as it is and reported through ``warn``, one line each."""
    root = state_dir()
    killed: list[int] = []
    for record in sorted(root.glob("*.json")):
        try:
            data = read_record(record)
            owner_start = start_time(data["owner"]) if _int(data.get("owner")) else None
            if owner_start is not None and owner_start == data.get("owner_start"):
                continue  # a run in progress (this one or another protolab)
            directory = _run_dir(record, data, root)
            pids = _servers_to_kill(data, directory)
        except FileNotFoundError:
            continue
        except Untrusted as why:
            if warn is not None:
                warn(f"ignored the live-run record {record}: {why}; nothing killed or removed")
            continue
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        deadline = time.monotonic() + KILL_WAIT_S
        while any(start_time(pid) is not None for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.01)  # not our children: poll until they are gone
        shutil.rmtree(directory, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            record.unlink()
    return killed
