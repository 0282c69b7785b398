"""Interop with the real OpenSSL on 127.0.0.1: `connect` against `openssl s_server` and `openssl s_client`
against `serve`, for every suite and group the lab supports, EMS on and off, TLS 1.2 and 1.3; the key logs of
both ends agree. Plus what a real network does wrong: refused, hung up mid-handshake, garbage, bad certificate.
Every process started here is stopped in a finally block."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time

import pytest

SUITES_12 = ["AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES128-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
             "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA",
             "ECDHE-RSA-CHACHA20-POLY1305"]
SUITES_13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
OPENSSL_GROUP = {"x25519": "X25519", "secp256r1": "P-256", "secp384r1": "P-384"}
# (version, suite, group, ems): every suite with EMS on and off, every group in 1.2 and 1.3
MATRIX = ([("1.2", s, "x25519", ems) for s in SUITES_12 for ems in (True, False)]
          + [("1.2", "ECDHE-RSA-AES128-GCM-SHA256", g, True) for g in ("secp256r1", "secp384r1")]
          + [("1.3", s, "x25519", True) for s in SUITES_13]
          + [("1.3", "TLS_AES_128_GCM_SHA256", g, True) for g in ("secp256r1", "secp384r1")])
IDS = [f"{v}-{s}-{g}-{'ems' if e else 'noems'}" for v, s, g, e in MATRIX]


@pytest.fixture
def pki(tmp_path, shared):
    """Certificates and keys: OpenSSL's RSA test server key, the lab's ECDSA identity."""
    from protolab.tls.kx import lab_identity

    base = shared("tls/openssl")
    d = tmp_path
    ec = lab_identity("ecdsa")
    (d / "ec.crt").write_bytes(ec.cert_pem)
    (d / "ec.key").write_bytes(ec.key_pem)
    return {"rsa": (base / "server.crt", base / "server.key"), "ecdsa": (d / "ec.crt", d / "ec.key"),
            "no_ems": base / "no_ems.cnf"}


def _keylines(text: str, rsa: bool = True) -> list[str]:
    return sorted(line for line in text.splitlines()
                  if line and not line.startswith("#") and (rsa or not line.startswith("RSA ")))


def _openssl_version_args(version: str, suite: str) -> list[str]:
    return ["-tls1_2", "-cipher", suite] if version == "1.2" else ["-tls1_3", "-ciphersuites", suite]


def _start_s_server(openssl: str, cert, key, extra: list[str], env=None, keylog=None) -> tuple[subprocess.Popen, int]:
    """s_server on a free port; returns once it printed ACCEPT (it is killed by the caller's finally)."""
    for _attempt in range(3):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        args = [openssl, "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(cert), "-key", str(key), "-www",
                "-naccept", "1", *extra] + (["-keylogfile", str(keylog)] if keylog else [])
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        deadline, seen = time.monotonic() + 5, b""
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([proc.stdout], [], [], 0.05)
            if ready:
                seen += os.read(proc.stdout.fileno(), 4096)
                if b"ACCEPT" in seen:
                    return proc, port
        _stop(proc)  # port taken between probe and bind, or a slow start: try another port
    raise RuntimeError("openssl s_server did not start")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(5)
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


@pytest.mark.parametrize("version, suite, group, ems", MATRIX, ids=IDS)
def test_connect_against_openssl_s_server(cli, tool, pki, tmp_path, version, suite, group, ems):
    openssl = tool("openssl")
    kind = "ecdsa" if "ECDSA" in suite else "rsa"
    cert, key = pki[kind]
    server_log, our_log = tmp_path / "server.keys", tmp_path / "client.keys"
    proc, port = _start_s_server(openssl, cert, key, _openssl_version_args(version, suite)
                                 + ["-groups", OPENSSL_GROUP[group]], keylog=server_log)
    try:
        args = ["tls", "connect", f"127.0.0.1:{port}", "--version", version, "--suite", suite, "--group", group,
                "--ca", str(cert), "--servername", "localhost", "--keylog", str(our_log), "--json", "--timeout", "5"]
        res = cli(*args, *([] if ems else ["--no-ems"]))
    finally:
        _stop(proc)
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["connected"] and doc["version"] == f"TLS {version}"
    assert doc["ems"] == (ems if version == "1.2" else None)
    assert bytes.fromhex(doc["received"]).startswith(b"HTTP/1.0 200 ok")  # s_server -www answered, decrypted
    assert any(s["kind"] == "check" and s["title"] == "certificate chain" and s["ok"] for s in doc["steps"])
    # The key log equals the server's (ours also carries OpenSSL's client-side RSA line for RSA transport).
    assert _keylines(our_log.read_text(), rsa=False) == _keylines(server_log.read_text())


def _serve_in_thread(config):
    from protolab.tls import net

    sock = net.listen(0)
    port = sock.getsockname()[1]
    box: dict = {}

    def run():
        try:
            box["sessions"] = net.serve(sock, config, count=1, timeout=8)
        except Exception as exc:  # reported by the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return port, thread, box


@pytest.mark.parametrize("version, suite, group, ems", MATRIX, ids=IDS)
def test_openssl_s_client_against_serve(tool, pki, tmp_path, version, suite, group, ems):
    from protolab.tls.engine import Config
    from protolab.tls.kx import load_identity
    from protolab.tls.suites import lookup_group, lookup_suite

    openssl = tool("openssl")
    kind = "ecdsa" if "ECDSA" in suite else "rsa"
    cert, key = pki[kind]
    chosen = lookup_suite(suite)
    config = Config(versions=[chosen.version], suites=[chosen], groups=[lookup_group(group)], ems=True,
                    identity=load_identity(cert.read_bytes(), key.read_bytes()))
    port, thread, box = _serve_in_thread(config)
    client_log = tmp_path / "client.keys"
    groups = OPENSSL_GROUP[group] + (":P-256" if kind == "ecdsa" and group != "secp256r1" else "")
    env = dict(os.environ, **({} if ems else {"OPENSSL_CONF": str(pki["no_ems"])}))
    try:
        out = subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                              "-CAfile", str(cert), "-verify_return_error", "-keylogfile", str(client_log),
                              "-ign_eof", "-groups", groups, *_openssl_version_args(version, suite)],
                             input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=10, env=env)
    finally:
        thread.join(10)
    assert "error" not in box, box.get("error")
    session = box["sessions"][0]
    assert session.connected, session.error
    assert out.returncode == 0, out.stderr.decode()[-500:]
    text = out.stdout.decode()
    assert "hello from protolab tls serve" in text and "Verify return code: 0 (ok)" in text
    assert session.received == b"GET / HTTP/1.0\r\n\r\n"
    if version == "1.2":
        assert f"Extended master secret: {'yes' if ems else 'no'}" in text
        assert session.ems is ems
    assert _keylines(client_log.read_text()) == _keylines(session.keylog)


def test_serve_command_end_to_end(tool, pki):
    """The `serve` command itself, as a process: listens, walks one s_client handshake, prints JSON, exits 0."""
    openssl = tool("openssl")
    proc = subprocess.Popen([sys.executable, "-m", "protolab", "tls", "serve", "--port", "0", "--count", "1",
                             "--timeout", "8", "--version", "1.3", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        line = proc.stderr.readline().decode()
        assert line.startswith("listening on 127.0.0.1:"), line
        port = int(line.split(":")[1].split()[0])
        client = subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-ign_eof"],
                                input=b"hello\n", capture_output=True, timeout=10)
        stdout, stderr = proc.communicate(timeout=10)
    finally:
        _stop(proc)
    assert proc.returncode == 0, stderr.decode()
    assert b"hello from protolab tls serve" in client.stdout
    sessions = json.loads(stdout)
    assert sessions[0]["connected"] and sessions[0]["version"] == "TLS 1.3"
    assert bytes.fromhex(sessions[0]["received"]) == b"hello\n"


def _fake_server(behaviour) -> tuple[int, threading.Thread]:
    """A TCP server on 127.0.0.1 that does `behaviour(conn)` for one connection."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    port = sock.getsockname()[1]

    def run():
        with sock:
            sock.settimeout(5)
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                behaviour(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return port, thread


def _hang_up(conn):
    conn.recv(4096)  # read the ClientHello, then hang up


def _garbage(conn):
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")


@pytest.mark.parametrize("behaviour, message", [
    (_hang_up, "closed the connection during the handshake"),
    (_garbage, "not a TLS record"),
])
def test_connect_to_a_broken_server_fails_in_one_line(cli, behaviour, message):
    port, thread = _fake_server(behaviour)
    try:
        res = cli("tls", "connect", f"127.0.0.1:{port}", "--insecure", "--timeout", "5")
    finally:
        thread.join(5)
    assert res.exit_code == 1
    assert res.stderr.startswith("error: ") and message in res.stderr and res.stderr.count("\n") == 1
    assert "✗" in res.stdout  # the failure is a step of the walk, not a crash


def test_connect_bad_input(cli):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    for args, message in [([f"127.0.0.1:{port}"], "cannot connect"), (["nonsense"], "HOST:PORT"),
                          ([f"[::1]:{port}"], "cannot connect to ::1"),
                          (["127.0.0.1:443", "--suite", "RC4-MD5"], "unknown cipher suite")]:
        res = cli("tls", "connect", *args, "--timeout", "2")
        assert res.exit_code == 2 and message in res.stderr and res.stderr.count("\n") == 1


def test_untrusted_certificate_and_unsupported_suite_are_failed_steps(cli, tool, pki):
    openssl = tool("openssl")
    cert, key = pki["rsa"]
    proc, port = _start_s_server(openssl, cert, key, ["-tls1_2", "-cipher", "AES128-GCM-SHA256"])
    try:  # our lab CA is not the one that signed s_server's certificate
        from protolab.tls.kx import lab_identity

        lab_ca = pki["ecdsa"][0].parent / "lab.crt"
        lab_ca.write_bytes(lab_identity("rsa").cert_pem)
        res = cli("tls", "connect", f"127.0.0.1:{port}", "--ca", str(lab_ca), "--version", "1.2", "--timeout", "5")
    finally:
        _stop(proc)
    assert res.exit_code == 1 and "certificate" in res.stderr and "✗ certificate check" in res.stdout
    proc, port = _start_s_server(openssl, cert, key, ["-tls1_2", "-cipher", "AES256-GCM-SHA384"])
    try:  # s_server only does a suite we do not offer
        res = cli("tls", "connect", f"127.0.0.1:{port}", "--suite", "AES128-GCM-SHA256", "--insecure",
                  "--timeout", "5")
    finally:
        _stop(proc)
    assert res.exit_code == 1 and "handshake_failure" in res.stderr


def test_hello_retry_request_both_ways(cli, tool, pki, tmp_path):
    """The client offers an x25519 share, the server only does P-384: one HelloRetryRequest, then success."""
    from protolab.tls.engine import Config
    from protolab.tls.kx import load_identity
    from protolab.tls.suites import lookup_group, lookup_suite

    openssl = tool("openssl")
    cert, key = pki["rsa"]
    proc, port = _start_s_server(openssl, cert, key, ["-tls1_3", "-groups", "P-384"])
    try:
        res = cli("tls", "connect", f"127.0.0.1:{port}", "--ca", str(cert), "--servername", "localhost", "--json",
                  "--timeout", "5")
    finally:
        _stop(proc)
    assert res.exit_code == 0, res.stderr
    titles = [s["title"] for s in json.loads(res.stdout)["steps"] if s["kind"] in ("message", "note")]
    assert "HelloRetryRequest" in titles and titles.count("ClientHello") == 2
    config = Config(versions=[0x0304], suites=[lookup_suite("TLS_AES_128_GCM_SHA256")],
                    groups=[lookup_group("secp384r1")], identity=load_identity(cert.read_bytes(), key.read_bytes()))
    port, thread, box = _serve_in_thread(config)
    try:
        out = subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-groups", "X25519:P-384",
                              "-CAfile", str(cert), "-servername", "localhost", "-verify_return_error", "-ign_eof"],
                             input=b"hi\n", capture_output=True, timeout=10)
    finally:
        thread.join(10)
    session = box["sessions"][0]
    assert out.returncode == 0 and session.connected and session.received == b"hi\n"
    assert [s.title for s in session.steps if s.kind == "message"][:3] == ["ClientHello", "HelloRetryRequest",
                                                                           "ClientHello"]


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_server_asking_for_a_client_certificate(cli, tool, pki, version):
    """s_server -verify asks for a client certificate: the lab client answers with an empty one and goes on."""
    openssl = tool("openssl")
    cert, key = pki["rsa"]
    proc, port = _start_s_server(openssl, cert, key, ["-verify", "1", f"-tls1_{version[-1]}"])
    try:
        res = cli("tls", "connect", f"127.0.0.1:{port}", "--version", version, "--insecure", "--json",
                  "--timeout", "5")
    finally:
        _stop(proc)
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert any(s["title"] == "server asks for a client certificate" for s in doc["steps"])
    assert bytes.fromhex(doc["received"]).startswith(b"HTTP/1.0 200 ok")


def test_serve_bad_input(cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        res = cli("tls", "serve", "--port", str(busy.getsockname()[1]))
    assert res.exit_code == 2 and "cannot listen" in res.stderr and res.stderr.count("\n") == 1
    res = cli("tls", "serve", "--kx", "dh", "--port", "0")
    assert res.exit_code == 2 and "unknown key exchange" in res.stderr
    res = cli("tls", "serve", "--port", "70000")
    assert res.exit_code == 2 and "out of range" in res.stderr and res.stderr.count("\n") == 1
    res = cli("tls", "serve", "--port", "0", "--count", "1", "--timeout", "0.2")
    assert res.exit_code == 2 and "no client connected within" in res.stderr


@pytest.mark.parametrize("kind, suite, client_args, reason", [
    # RFC 8422 5.1: the ECDSA certificate's curve must be one the client lists in supported_groups
    ("ecdsa", "ECDHE-ECDSA-AES128-GCM-SHA256", ["-tls1_2", "-groups", "X25519"],
     "supported_groups lacks secp256r1, the certificate's curve"),
    # TLS 1.3: CertificateVerify needs a scheme the client accepts for this key
    ("ecdsa", "TLS_AES_128_GCM_SHA256", ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"],
     "no signature scheme in common with the client for the server's ECDSA secp256r1 key"),
])
def test_serve_refuses_what_the_client_could_not_verify(tool, pki, kind, suite, client_args, reason):
    from protolab.tls.engine import Config
    from protolab.tls.kx import load_identity
    from protolab.tls.suites import lookup_group, lookup_suite

    openssl = tool("openssl")
    cert, key = pki[kind]
    chosen = lookup_suite(suite)
    config = Config(versions=[chosen.version], suites=[chosen], groups=[lookup_group("x25519")],
                    identity=load_identity(cert.read_bytes(), key.read_bytes()))
    port, thread, box = _serve_in_thread(config)
    try:
        out = subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-ign_eof", *client_args],
                             input=b"x\n", capture_output=True, timeout=10)
    finally:
        thread.join(10)
    session = box["sessions"][0]
    assert not session.connected and reason in session.error
    assert out.returncode != 0 and b"alert handshake failure" in out.stderr  # told with a fatal alert (40)


def test_server_skips_a_suite_it_could_not_sign_for():
    """The client accepts only ECDSA signatures but the server key is RSA: ECDHE-RSA would need a signed
    ServerKeyExchange, so the server takes the RSA key-transport suite the client also offers."""
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.kx import lab_identity
    from protolab.tls.server import TlsServer
    from protolab.tls.suites import lookup_group, lookup_suite

    identity = lab_identity("rsa")
    suites = [lookup_suite("ECDHE-RSA-AES128-GCM-SHA256"), lookup_suite("AES128-GCM-SHA256")]
    client = TlsClient(Config(suites=suites, groups=[lookup_group("x25519")], signature_schemes=[0x0403],
                              anchors=[identity.cert], seed=1))
    server = TlsServer(Config(suites=suites, groups=[lookup_group("x25519")], identity=identity, seed=1))
    client.start()
    for _ in range(6):
        server.receive(client.data_to_send())
        client.receive(server.data_to_send())
    assert client.connected and server.connected, client.error or server.error
    assert server.suite.openssl == "AES128-GCM-SHA256"
