"""Every input file read whole - scenario, topology, --spec, --hostapd, --keylog, --key, --ephemeral, --ca,
--cert, a history to check - refuses what is not a usable file with one `error:` line and exit 2, at once and in little
memory: /dev/zero, a FIFO nobody writes to, a directory, a file past the 16 MiB cap, a 2 KB file of 1,000
nested arrays and a 100 KB dotted key. Each runs as its own process; CPU time and peak memory are that
process's own (os.wait4)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from protolab import fileio, tomlfile
from protolab.errors import BadInput
from protolab.tomlfile import tomllib

from .measured_run import run

REPO = Path(__file__).resolve().parents[2]
CAPTURE = str(REPO / "captures" / "tls" / "walk-tls12-rsa.pcap")

# the file kind -> a word its error line must hold (the TOML shapes are checked by what they are)
KINDS = {
    "dev-zero": "is a character device, not a regular file",
    "fifo": "is a FIFO (named pipe), not a regular file",
    "directory": "is a directory",
    "too-big": "larger than 16 MiB",
    "nested-toml": None,
    "dotted-key": None,
}
# the input -> the command line, {} standing for the bad file (GOOD_CERT / GOOD_KEY: a usable pair)
INPUTS = {
    "scenario": ["replicate", "run", "{}"],
    "compare scenario": ["replicate", "compare", "{}"],
    "chaos scenario": ["replicate", "chaos", "{}", "--runs", "1"],
    "topology": ["ha", "spof", "{}"],
    "--spec": ["beacon", "build", "--spec", "{}"],
    "--hostapd": ["beacon", "build", "--hostapd", "{}"],
    "--keylog": ["tls", "decode", CAPTURE, "--keylog", "{}"],
    "--key": ["tls", "decode", CAPTURE, "--key", "{}"],
    "--ephemeral": ["tls", "decode", CAPTURE, "--ephemeral", "{}"],
    "--ca": ["tls", "connect", "127.0.0.1:1", "--ca", "{}", "--timeout", "1"],
    "--cert": ["tls", "walk", "--cert", "{}", "--key", "GOOD_KEY"],
    "walk --key": ["tls", "walk", "--cert", "GOOD_CERT", "--key", "{}"],
    "history": ["check", "{}"],
}
CPU_LIMIT_S = 1.0
MEMORY_LIMIT_MB = 100


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization

    from protolab.tls.kx import lab_identity

    here = tmp_path_factory.mktemp("bad-inputs")
    os.mkfifo(here / "fifo")
    (here / "directory").mkdir()
    with open(here / "too-big", "wb") as f:
        f.truncate(17 << 20)  # sparse: 17 MiB of zeros that take no disk
    (here / "nested-toml").write_text("a = " + "[" * 1000 + "]" * 1000 + "\n")
    (here / "dotted-key").write_text(".".join(["a"] * 50_000) + " = 1\n")
    identity = lab_identity("ecdsa")
    (here / "good.crt").write_bytes(identity.cert.public_bytes(serialization.Encoding.PEM))
    (here / "good.key").write_bytes(identity.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    paths = {kind: str(here / kind) for kind in KINDS if kind != "dev-zero"}
    return {**paths, "dev-zero": "/dev/zero", "GOOD_CERT": str(here / "good.crt"), "GOOD_KEY": str(here / "good.key")}


def test_the_sizes_the_cases_claim(files):
    assert 1900 < os.path.getsize(files["nested-toml"]) < 2100
    assert 99_000 < os.path.getsize(files["dotted-key"]) < 101_000
    assert os.path.getsize(files["too-big"]) > fileio.MAX_INPUT_BYTES


@pytest.fixture(scope="module")
def results(files):
    """Every (input, kind) pair, run eight at a time (each process's figures are its own)."""
    cases = [(name, kind) for name in INPUTS for kind in KINDS]

    def one(case):
        name, kind = case
        argv = [files[kind] if a == "{}" else files.get(a, a) for a in INPUTS[name]]
        return case, run(*argv, timeout=20)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(one, cases))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", INPUTS)
def test_bad_file_is_one_error_line_exit_2_fast_and_small(results, files, name, kind):
    r = results[name, kind]
    assert r.code == 2, (r.code, r.stderr[-500:])
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr[-500:]
    assert "Traceback" not in r.stderr and r.stdout == b""
    if KINDS[kind]:
        assert KINDS[kind] in r.stderr and files[kind] in r.stderr
    assert r.cpu_s < CPU_LIMIT_S, f"{r.cpu_s:.2f} s of CPU"
    assert r.peak_mb < MEMORY_LIMIT_MB, f"{r.peak_mb:.0f} MB"


@pytest.mark.parametrize("name", ["scenario", "topology", "--spec"])
def test_toml_inputs_name_the_limit_they_pass(results, name):
    assert "arrays or inline tables nested more than 32 deep" in results[name, "nested-toml"].stderr
    assert "a dotted key of more than 32 parts" in results[name, "dotted-key"].stderr


def test_a_fifo_does_not_wait_for_a_writer(results):
    # nobody ever opens the FIFO for writing: a blocking open would hang until the 20 s kill (code -9)
    assert all(results[name, "fifo"].wall_s < 10 for name in INPUTS)


# ---- the reader and the TOML shape check, in process -------------------------------------------------

def test_reader_reads_a_regular_file_whole_and_caps_it(tmp_path):
    path = tmp_path / "f.toml"
    path.write_bytes(b"x" * 1000)
    assert fileio.read_bytes(path, "scenario") == b"x" * 1000
    with pytest.raises(BadInput, match=r"^scenario .*f.toml: larger than 16 MiB"):
        fileio.read_bytes(path, "scenario", limit=999)
    with pytest.raises(BadInput, match=r"^--spec .*missing: no such file or directory$"):
        fileio.read_bytes(tmp_path / "missing", "--spec")
    (tmp_path / "bin").write_bytes(b"\xff\xfe")
    with pytest.raises(BadInput, match="not a text file"):
        fileio.read_text(tmp_path / "bin", "topology")
    with pytest.raises(BadInput, match="must be a file, not stdin"):
        fileio.read_bytes("-", "scenario")


@pytest.mark.parametrize("text", [
    'a = 1.5\nb = [1.5, 2.5, "x.y.z.w.v.u.t.s.r.q.p.o.n.m.l.k.j.i.h.g.f.e.d.c.b.a.z.y.x.w.v.u.t.s.r"]\n',
    't = 07:32:00.999\n[a.b.c]\n"q.r.s" = \'x[[[[\'\n# a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d\n',
    'm = """\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"""\nn = \'\'\'\n{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n\'\'\'\n',
    "deep = " + "[" * 32 + "]" * 32 + "\n" + ".".join(["k"] * 32) + " = 1\n",
], ids=["floats-and-a-dotted-string", "time-header-quoted-key-comment", "multi-line-strings", "at-the-limits"])
def test_shapes_within_the_limits_parse(text):
    # strings and comments may hold any brackets and dots: the shape check lets them through unchanged
    parsed = tomlfile.parse(text, "ok.toml")
    assert parsed and parsed == tomllib.loads(text)


@pytest.mark.parametrize("text, message", [
    ("deep = " + "[" * 33 + "]" * 33, "line 1: arrays or inline tables nested more than 32 deep"),
    ("x = 1\ny = " + "{a = " * 33 + "1" + "}" * 33, "line 2: arrays or inline tables nested more than 32 deep"),
    (".".join(['"k"'] * 33) + " = 1", "line 1: a dotted key of more than 32 parts"),
    ("a = 1\n\n[" + ".".join(["t"] * 33) + "]", "line 3: a dotted key of more than 32 parts"),
    ("k" * 1025 + " = 1", "line 1: a key longer than 1024 characters"),
], ids=["arrays", "inline-tables", "quoted-dotted-key", "table-header", "long-key"])
def test_shapes_past_the_limits_are_refused_before_parsing(text, message):
    with pytest.raises(BadInput, match=f"^bad.toml: {message}$"):
        tomlfile.parse(text, "bad.toml")
