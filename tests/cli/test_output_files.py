"""Every output file goes through one writer: a full disk is one `error:` line and exit 2 (stdout
included), a failed or interrupted write leaves the old file, key logs are 0600 whatever the umask and
never written through a symlink, and a run that fails before its first key leaves an existing key log
as it was."""

from __future__ import annotations

import os
import resource
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from protolab import fileio
from protolab.errors import BadInput

from .measured_run import run

REPO = Path(__file__).resolve().parents[2]
FULL = "/dev/full"
NO_SPACE = "error: cannot write /dev/full: no space left on device\n"

# every option that writes a file, on a command that reaches the write quickly
OUTPUTS = {
    "beacon build -o": ["beacon", "build", "-o", FULL],
    "tls walk --pcap": ["tls", "walk", "--seed", "1", "--pcap", FULL],
    "tls walk --keylog": ["tls", "walk", "--seed", "1", "--keylog", FULL],
    "replicate run --svg": ["replicate", "run", "async-crash", "--svg", FULL],
    "replicate run --history": ["replicate", "run", "async-crash", "--history", FULL],
    "replicate run --metrics": ["replicate", "run", "async-crash", "--metrics", FULL],
    "replicate chaos --save": ["replicate", "chaos", "raft-crash", "--runs", "8", "--unsafe", "--save", FULL],
    "replicate chaos --svg": ["replicate", "chaos", "async-crash", "--runs", "2", "--svg", FULL],
    "replicate chaos --metrics": ["replicate", "chaos", "async-crash", "--runs", "2", "--metrics", FULL],
    "ha spof --dot": ["ha", "spof", "web-nfs-redis", "--dot", FULL],
    "ha spof --svg": ["ha", "spof", "web-nfs-redis", "--svg", FULL],
    "ha health --metrics": ["ha", "health", "--metrics", FULL],
}
# commands whose whole output is stdout, set to /dev/full
STDOUT_COMMANDS = {
    "pcap info": ["pcap", "info", "captures/beacon/train-dtim3.pcap"],
    "pcap summary --json": ["pcap", "summary", "captures/beacon/train-dtim3.pcap", "--json"],
    "beacon survey --csv": ["beacon", "survey", "captures/beacon/train-dtim3.pcap", "--csv"],
    "beacon dissect": ["beacon", "dissect", "captures/beacon/train-dtim3.pcap"],
    "beacon build -o -": ["beacon", "build", "--count", "3", "-o", "-"],
    "tls walk": ["tls", "walk", "--seed", "1"],
    "replicate run --history -": ["replicate", "run", "async-crash", "--history", "-"],
    "ha spof --json": ["ha", "spof", "web-nfs-redis", "--json"],
}


@pytest.mark.parametrize("name", OUTPUTS)
def test_a_full_disk_under_any_output_is_one_line_exit_2(cli, name):
    r = cli(*OUTPUTS[name])
    assert r.exit_code == 2, r.output
    assert r.stderr.endswith(NO_SPACE) and r.stderr.count("error:") == 1, r.stderr


@pytest.mark.parametrize("name", STDOUT_COMMANDS)
def test_a_full_disk_under_stdout_is_one_line_exit_2(name):
    with open(FULL, "wb") as full:
        r = run(*STDOUT_COMMANDS[name], stdout=full, cwd=REPO)
    assert r.code == 2, r.stderr
    assert r.stderr == "error: cannot write stdout: no space left on device\n"


def _file_size_limit(limit: int):
    def apply() -> None:  # in the child: writes past `limit` fail with EFBIG instead of killing it (SIGXFSZ)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("flag, argv", [
    ("-o", ["beacon", "build", "--count", "5000"]),
    ("--history", ["replicate", "run", "async-crash"]),
    ("--pcap", ["tls", "walk", "--seed", "1"]),
])
def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temp_file(tmp_path, flag, argv):
    target = tmp_path / "out"
    target.write_text("the old content\n")
    r = run(*argv, flag, str(target), preexec_fn=_file_size_limit(2000), cwd=tmp_path)
    assert r.code == 2 and r.stderr == f"error: cannot write {target}: file too large\n", r.stderr
    assert target.read_text() == "the old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    # and without the limit the same command replaces it whole
    assert run(*argv, flag, str(target), cwd=tmp_path).code == 0
    assert target.stat().st_size > 2000


def test_an_interrupted_write_leaves_the_old_file_and_says_nothing_was_written(tmp_path):
    target = tmp_path / "train.pcap"
    target.write_bytes(b"old")
    proc_args = ["beacon", "build", "--count", "1000000", "-o", str(target), "--json"]  # 215 MB: seconds
    proc = subprocess.Popen([sys.executable, "-m", "protolab", *proc_args], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
        time.sleep(0.02)  # until the writer has its temporary file (it then writes for tens of seconds)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 143
    assert err == "error: terminated (SIGTERM): no file written (existing files are as they were)\n"
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.pcap"]


# ---- secrets ---------------------------------------------------------------------------------------

def _umask(mask: int):
    return lambda: os.umask(mask)


def test_key_log_is_0600_whatever_the_umask_and_other_outputs_follow_it(tmp_path):
    for mask, pcap_mode in ((0o000, 0o666), (0o022, 0o644), (0o077, 0o600)):
        keys, pcap = tmp_path / f"k{mask:o}.log", tmp_path / f"w{mask:o}.pcap"
        r = run("tls", "walk", "--seed", "1", "--keylog", str(keys), "--pcap", str(pcap), preexec_fn=_umask(mask))
        assert r.code == 0, r.stderr
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600
        assert stat.S_IMODE(pcap.stat().st_mode) == pcap_mode   # as open() would have made it
        assert keys.read_text().startswith("CLIENT_RANDOM ")


def test_an_existing_key_log_readable_by_all_becomes_0600(cli, tmp_path):
    keys = tmp_path / "k.log"
    keys.write_text("old\n")
    keys.chmod(0o644)
    assert cli("tls", "walk", "--seed", "1", "--keylog", str(keys)).exit_code == 0
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600 and keys.read_text().startswith("CLIENT_RANDOM ")


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlink_at_the_key_log_path_is_refused(cli, tmp_path, dangling):
    elsewhere = tmp_path / "elsewhere"
    if not dangling:
        elsewhere.write_text("not yours\n")
    link = tmp_path / "k.log"
    link.symlink_to(elsewhere)
    r = cli("tls", "walk", "--seed", "1", "--keylog", str(link))
    assert r.exit_code == 2
    assert r.stderr == (f"error: cannot write {link}: it is a symbolic link, and a file holding secrets is never "
                        "written through one\n")
    assert link.is_symlink() and (elsewhere.read_text() == "not yours\n" if not dangling else not elsewhere.exists())


def test_a_symlink_is_refused_for_connect_before_connecting(cli, tmp_path):
    link = tmp_path / "k.log"
    link.symlink_to(tmp_path / "target")
    r = cli("tls", "connect", "127.0.0.1:1", "--keylog", str(link), "--timeout", "1")
    assert r.exit_code == 2 and "is a symbolic link" in r.stderr and "connect" not in r.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: a connect to it is refused


def test_a_failed_connect_leaves_an_existing_key_log_as_it_was(cli, tmp_path):
    keys = tmp_path / "session.keys"
    keys.write_text("CLIENT_RANDOM from an earlier session\n")
    keys.chmod(0o600)
    before = keys.stat()
    r = cli("tls", "connect", f"127.0.0.1:{_closed_port()}", "--keylog", str(keys), "--timeout", "2")
    assert r.exit_code != 0 and "refused" in r.stderr
    assert keys.read_text() == "CLIENT_RANDOM from an earlier session\n"
    assert (keys.stat().st_ino, keys.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


# ---- the writer, in process ------------------------------------------------------------------------

def test_writer_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), fileio.open_output(target, text=True) as f:
        f.write("half of the new")
        raise RuntimeError("the run failed midway")
    assert target.read_text() == "old" and sorted(tmp_path.iterdir()) == [target]
    fileio.write_text(target, "new")
    assert target.read_text() == "new" and fileio.written[-1] == str(target)


def test_writer_refuses_what_it_cannot_write_before_any_work(tmp_path):
    with pytest.raises(BadInput, match=r"^cannot write .*/nope/f: no such file or directory$"):
        fileio.check_output(tmp_path / "nope" / "f")
    with pytest.raises(BadInput, match=r"^cannot write .*: is a directory$"):
        fileio.check_output(tmp_path)
    with pytest.raises(BadInput, match="must be a file, not stdout"):
        fileio.check_output("-")
    fileio.check_output("-", stdout_ok=True)


def test_writer_writes_through_a_symlink_for_ordinary_files(tmp_path):
    real = tmp_path / "real.svg"
    real.write_text("old")
    (tmp_path / "link.svg").symlink_to(real)
    fileio.write_text(tmp_path / "link.svg", "new")
    assert (tmp_path / "link.svg").is_symlink() and real.read_text() == "new"


def test_writer_to_a_fifo_nobody_reads_fails_at_once(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(BadInput, match="no process is reading it"):
        fileio.write_text(fifo, "x")
    assert time.monotonic() - start < 1
