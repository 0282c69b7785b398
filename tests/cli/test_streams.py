"""`-` is stdin for every capture input (a pipe that cannot seek, gzip told by content) and stdout for the
output files; a closed stdout ends a command silently with exit 0; SIGTERM and Ctrl-C end it with 143 and
130 and one line, nothing "ignored" on stderr."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .measured_run import run

REPO = Path(__file__).resolve().parents[2]
TRAIN = REPO / "captures" / "beacon" / "train-dtim3.pcap"
TLS = REPO / "captures" / "tls" / "walk-tls13.pcap"
TLS_KEYS = REPO / "captures" / "tls" / "walk-tls13.keylog"


def _piped(data: bytes, *args: str) -> subprocess.CompletedProcess:
    """protolab reading `data` from a real pipe (not a file: it cannot seek)."""
    r, w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "protolab", *args], stdin=r, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "120"})
    os.close(r)
    with os.fdopen(w, "wb") as feed:
        feed.write(data)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(args, proc.returncode, out, err.decode())


def _from_file(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "protolab", *args], capture_output=True, timeout=60,
                          env={**os.environ, "COLUMNS": "120"})


@pytest.mark.parametrize("argv, path_key", [
    (["pcap", "info", "{}", "--json"], "path"),
    (["pcap", "summary", "{}", "--json"], "path"),
    (["beacon", "survey", "{}", "--json"], "file"),
    (["beacon", "dissect", "{}", "--json"], "file"),
])
@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
def test_a_capture_on_stdin_reads_as_the_file_does(argv, path_key, gzipped):
    data = TRAIN.read_bytes()
    piped = _piped(gzip.compress(data) if gzipped else data, *[a.replace("{}", "-") for a in argv])
    direct = _from_file(*[a.replace("{}", str(TRAIN)) for a in argv])
    assert piped.returncode == direct.returncode == 0, piped.stderr
    got, want = json.loads(piped.stdout), json.loads(direct.stdout)
    for result in (got if isinstance(got, list) else [got]):
        assert result[path_key] == "-"
    for result in (want if isinstance(want, list) else [want]):
        result[path_key] = "-"
    if gzipped and argv[1] == "info":   # the gzip flag and the size read from the pipe differ, nothing else
        for g, w in zip(got, want, strict=True):
            assert g.pop("compressed") and not w.pop("compressed")
            assert g.pop("file_size") == len(gzip.compress(data)) and w.pop("file_size") == len(data)
    assert got == want


def test_tls_decode_reads_its_capture_from_stdin():
    piped = _piped(TLS.read_bytes(), "tls", "decode", "-", "--keylog", str(TLS_KEYS), "--json")
    direct = _from_file("tls", "decode", str(TLS), "--keylog", str(TLS_KEYS), "--json")
    assert piped.returncode == 0, piped.stderr
    got, want = json.loads(piped.stdout), json.loads(direct.stdout)
    assert got.pop("capture") == "-" and want.pop("capture") == str(TLS)
    assert got == want and got["connections"][0]["status"] == "decrypted"


def test_a_capture_fifo_with_no_writer_is_an_error_at_once_and_a_pipe_with_one_reads(tmp_path):
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    r = run("pcap", "info", str(fifo), timeout=20)
    assert r.code == 2 and r.wall_s < 10, r   # a blocking open would wait for a writer until the kill
    assert r.stderr == f"error: {fifo}: not a pcap or pcapng capture (starts with empty file)\n"
    shell = f"{sys.executable} -m protolab pcap info <(gzip -c {TRAIN}) --json"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    (info,) = json.loads(done.stdout)
    assert info["compressed"] and info["packets"] == 12 and info["path"].startswith("/dev/fd/")


def test_a_history_on_stdin_checks_as_the_file_does(tmp_path):
    history = tmp_path / "h.jsonl"
    assert _from_file("replicate", "run", "async-crash", "--history", str(history)).returncode == 0
    piped = _piped(history.read_bytes(), "check", "-", "--json")
    direct = _from_file("check", str(history), "--json")
    assert piped.returncode == direct.returncode and piped.stderr == direct.stderr.decode()
    got, want = json.loads(piped.stdout), json.loads(direct.stdout)
    assert got.pop("seconds") >= 0 and want.pop("seconds") >= 0   # the time the check took: its own each run
    assert got == want and got["verdict"] == "valid" and got["ops"] > 0


def test_pcap_info_on_stdin_counts_the_bytes_it_read():
    piped = _piped(TRAIN.read_bytes(), "pcap", "info", "-")
    assert piped.returncode == 0, piped.stderr
    lines = piped.stdout.decode().splitlines()
    assert lines[0].split() == ["File", "name:", "-"]
    assert f"{TRAIN.stat().st_size} bytes" in next(line for line in lines if line.startswith("File size:"))


def test_beacon_build_to_stdout_is_the_pcap_and_tshark_reads_it(tool):
    tshark = tool("tshark")
    build = subprocess.Popen([sys.executable, "-m", "protolab", "beacon", "build", "--count", "4", "--seed", "3",
                              "-o", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    shark = subprocess.run([tshark, "-r", "-", "-T", "fields", "-e", "wlan.ssid"], stdin=build.stdout,
                           capture_output=True, text=True, timeout=60)
    build.stdout.close()
    assert build.wait(timeout=60) == 0 and build.stderr.read() == b""
    assert shark.returncode == 0, shark.stderr
    assert shark.stdout.split() == [b"protolab".hex()] * 4   # tshark shows the SSID bytes as hex


@pytest.mark.parametrize("argv, flag, reference", [
    (["beacon", "build", "--count", "3", "--seed", "5"], "-o", None),
    (["tls", "walk", "--seed", "1"], "--pcap", REPO / "captures" / "tls" / "walk-tls12-ecdhe.pcap"),
    (["replicate", "run", "async-crash"], "--history", None),
    (["replicate", "run", "async-crash"], "--metrics", None),
    (["ha", "spof", "web-nfs-redis"], "--svg", None),
])
def test_an_output_on_stdout_is_the_file_byte_for_byte_and_replaces_the_view(tmp_path, argv, flag, reference):
    to_file = tmp_path / "out"
    assert _from_file(*argv, flag, str(to_file)).returncode == 0
    piped = _from_file(*argv, flag, "-")
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout == to_file.read_bytes()
    if reference is not None:
        assert piped.stdout == reference.read_bytes()


@pytest.mark.parametrize("argv, message", [
    (["beacon", "build", "-o", "-", "--json"], "-o - writes to stdout, where --json would go too: choose one"),
    (["replicate", "run", "async-crash", "--svg", "-", "--history", "-"],
     "--svg and --history both ask for stdout ('-'): only one output can go there"),
    (["tls", "walk", "--keylog", "-"], "cannot write -: this output must be a file, not stdout"),
])
def test_stdout_takes_one_output(cli, argv, message):
    r = cli(*argv)
    assert r.exit_code == 2 and r.stderr == f"error: {message}\n" and r.stdout == ""


# ---- a closed stdout -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_capture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.pcap"
    r = subprocess.run([sys.executable, "-m", "protolab", "beacon", "build", "--count", "20000", "-o", str(path),
                        "--json"], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return path


@pytest.mark.parametrize("argv", [
    ["pcap", "summary", "{}"],
    ["pcap", "info", "{}"],
    ["beacon", "survey", "{}", "--each", "--csv"],
    ["beacon", "dissect", "{}", "--limit", "100"],   # all 20,000 trees would take minutes to build
    ["beacon", "dissect", "{}", "--json"],
    ["replicate", "run", "async-crash", "--history", "-"],
    ["tour"],
], ids=lambda argv: " ".join(argv[:3]))
def test_a_closed_stdout_exits_0_with_nothing_on_stderr(big_capture, argv):
    r, w = os.pipe()
    os.close(r)  # the reader is gone before the first byte: every write meets EPIPE
    with os.fdopen(w, "wb") as closed:
        result = run(*[a.replace("{}", str(big_capture)) for a in argv], stdout=closed, timeout=120)
    assert (result.code, result.stderr) == (0, "")


def test_head_closing_the_pipe_midway_exits_0(big_capture):
    shell = (f"{sys.executable} -m protolab beacon survey {big_capture} --each --csv | head -1; "
             "echo \"exit=${PIPESTATUS[0]}\" >&2")
    r = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=120)
    assert r.stdout.startswith("frame,time_ns,bssid") and r.stdout.count("\n") == 1
    assert r.stderr == "exit=0\n"


# ---- SIGTERM and Ctrl-C ----------------------------------------------------------------------------

def _start(*args: str, ready: str | None = None) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "protolab", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    if ready is not None:  # the first stderr line says the command got to its long part
        assert ready in proc.stderr.readline()
    else:
        time.sleep(1.5)
    return proc


@pytest.mark.parametrize("sig, code, how", [(signal.SIGTERM, 143, "terminated (SIGTERM)"),
                                            (signal.SIGINT, 130, "interrupted (Ctrl-C)")])
@pytest.mark.parametrize("argv, ready", [
    (["tls", "serve", "--port", "0", "--count", "0"], "listening on"),
    (["replicate", "chaos", "raft-crash", "--runs", "100000"], None),
    (["beacon", "build", "--count", "1000000", "-o", "/dev/null"], None),  # about 3 s of writing
], ids=["serve", "chaos", "build"])
def test_a_signal_ends_a_long_command_with_one_line(sig, code, how, argv, ready):
    proc = _start(*argv, ready=ready)
    try:
        proc.send_signal(sig)
        rest = proc.stderr.read()
        assert proc.wait(timeout=30) == code
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert rest == f"error: {how}: no file written (existing files are as they were)\n"


def test_sigterm_says_which_files_were_kept(tmp_path):
    keys = tmp_path / "server.keys"
    proc = subprocess.Popen([sys.executable, "-m", "protolab", "tls", "serve", "--port", "0", "--count", "0",
                             "--keylog", str(keys)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = proc.stderr.readline().split("127.0.0.1:")[1].split()[0]
        client = subprocess.run([sys.executable, "-m", "protolab", "tls", "connect", f"127.0.0.1:{port}",
                                 "--insecure", "--timeout", "10"], capture_output=True, timeout=60)
        assert client.returncode == 0, client.stderr
        deadline = time.monotonic() + 10
        while not keys.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 143
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr.read() == (f"error: terminated (SIGTERM): kept {keys} (complete); an output not finished "
                                  "was not written\n")
    assert "_TRAFFIC_SECRET" in keys.read_text() or keys.read_text().startswith("CLIENT_RANDOM ")
