"""Interop with GnuTLS (Debian's gnutls-bin) on 127.0.0.1, a second implementation beside OpenSSL:
encrypt_then_mac on and off for the CBC suites both ways (`connect` against gnutls-serv, gnutls-cli against
`serve`), and a TLS 1.3 KeyUpdate from gnutls-cli (`^rekey^`: update_requested) answered by `serve`. GnuTLS
writes its key log to $SSLKEYLOGFILE; ours must equal it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time

import pytest

from .test_openssl_interop import _keylines, _serve_in_thread, _stop, pki  # noqa: F401

CBC = ["ECDHE-RSA-AES128-SHA", "AES128-SHA", "AES128-SHA256"]
PRIORITY_12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2:+AES-128-CBC:+SHA1:+SHA256:+RSA"
NO_ETM = ":%NO_ETM"


def _gnutls_serv(tool, cert, key, priority: str, keylog) -> tuple[subprocess.Popen, int]:
    """gnutls-serv --http on a free port; returns once it accepts connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([tool("gnutls-serv"), "-p", str(port), "--x509certfile", str(cert), "--x509keyfile",
                             str(key), "--priority", priority, "--http"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, SSLKEYLOGFILE=str(keylog)))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    _stop(proc)
    raise RuntimeError("gnutls-serv did not start")


@pytest.mark.parametrize("suite", CBC)
@pytest.mark.parametrize("off", [None, "server", "client"])
def test_connect_against_gnutls_serv_with_and_without_etm(cli, tool, pki, tmp_path, suite, off):  # noqa: F811
    cert, key = pki["rsa"]
    server_log, our_log = tmp_path / "server.keys", tmp_path / "client.keys"
    proc, port = _gnutls_serv(tool, cert, key, PRIORITY_12 + (NO_ETM if off == "server" else ""), server_log)
    try:
        res = cli("tls", "connect", f"127.0.0.1:{port}", "--version", "1.2", "--suite", suite, "--ca", str(cert),
                  "--servername", "localhost", "--keylog", str(our_log), "--json", "--timeout", "5",
                  *(["--no-etm"] if off == "client" else []))
    finally:
        _stop(proc)
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["etm"] is (off is None) and bytes.fromhex(doc["received"]).startswith(b"HTTP/1.0 200 OK")
    assert _keylines(our_log.read_text(), rsa=False) == _keylines(server_log.read_text())


def _gnutls_cli(tool, port, cert, priority, keylog, lines: list[bytes]) -> bytes:
    proc = subprocess.Popen([tool("gnutls-cli"), "--inline-commands", "--x509cafile", str(cert), "-p", str(port),
                             "localhost", "--priority", priority], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(os.environ, SSLKEYLOGFILE=str(keylog)))
    try:
        for line in lines:
            time.sleep(0.5)
            proc.stdin.write(line)
            proc.stdin.flush()
        out, _ = proc.communicate(timeout=10)
    finally:
        _stop(proc)
    return out


def _config(cert, key, suite: str, version: int):
    from protolab.tls.engine import Config
    from protolab.tls.kx import load_identity
    from protolab.tls.suites import lookup_group, lookup_suite

    return Config(versions=[version], suites=[lookup_suite(suite)], groups=[lookup_group("x25519")],
                  identity=load_identity(cert.read_bytes(), key.read_bytes()))


@pytest.mark.parametrize("suite", CBC)
@pytest.mark.parametrize("etm", [True, False])
def test_gnutls_cli_against_serve_with_and_without_etm(tool, pki, tmp_path, suite, etm):  # noqa: F811
    cert, key = pki["rsa"]
    port, thread, box = _serve_in_thread(_config(cert, key, suite, 0x0303))
    client_log = tmp_path / "client.keys"
    try:
        out = _gnutls_cli(tool, port, cert, PRIORITY_12 + ("" if etm else NO_ETM), client_log, [b"GET / HTTP/1.0\n"])
    finally:
        thread.join(10)
    session = box["sessions"][0]
    assert session.connected and session.etm is etm, session.error
    assert b"hello from protolab tls serve" in out and session.received == b"GET / HTTP/1.0\n"
    # GnuTLS logs no RSA (pre-master) lines, only the CLIENT_RANDOM ones
    assert _keylines(client_log.read_text()) == _keylines(session.keylog, rsa=False)


def test_gnutls_cli_key_update_answered_by_serve(tool, pki, tmp_path):  # noqa: F811
    cert, key = pki["rsa"]
    port, thread, box = _serve_in_thread(_config(cert, key, "TLS_AES_128_GCM_SHA256", 0x0304))
    client_log = tmp_path / "client.keys"
    try:
        out = _gnutls_cli(tool, port, cert, "NORMAL:-VERS-ALL:+VERS-TLS1.3", client_log, [b"^rekey^\n", b"hello\n"])
    finally:
        thread.join(10)
    session = box["sessions"][0]
    assert session.connected and session.received == b"hello\n", session.error
    assert b"Rekey was completed" in out and b"hello from protolab tls serve" in out
    assert [s.sent for s in session.steps if s.kind == "message" and s.title == "KeyUpdate"] == [False, True]
    # GnuTLS logs only the _0 secrets; ours adds the updated one as OpenSSL does
    assert _keylines(client_log.read_text()) == [k for k in _keylines(session.keylog) if "_SECRET_N " not in k]
