"""Alerts of honest TLS 1.3 peers are named by decode, never taken for tampering: OpenSSL's client refusing the
server's certificate (an alert in clear: it had no keys yet), a server refusing the client's certificate (under
its keys), the lab client refusing one (under its handshake keys). Recorded through a loopback relay; a changed
byte in a protected alert is still caught (exit 1)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .relay import start_relay
from .test_openssl_interop import _start_s_server, _stop, pki  # noqa: F401


@pytest.fixture
def lab_ca(tmp_path):
    """A CA that signed none of the certificates in play."""
    from protolab.tls.kx import lab_identity

    identity = lab_identity("rsa")
    (tmp_path / "lab.crt").write_bytes(identity.cert_pem)
    return tmp_path / "lab.crt"


def _record(openssl, cert, key, server_args, client_argv, tmp_path):
    """s_server (key log) <- relay <- a client; returns (relay, the server's key log)."""
    server_log = tmp_path / "server.keys"
    proc, port = _start_s_server(openssl, cert, key, ["-tls1_3", *server_args], keylog=server_log)
    try:
        relay = start_relay(port)
        subprocess.run([part.replace("PORT", str(relay.port)) for part in client_argv],
                       input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=20)
        relay.join()
    finally:
        _stop(proc)
    return relay, server_log


def _decoded(relay, keylog, tmp_path):
    from protolab.tls.decode import decode_capture, load_key_material

    [conn] = decode_capture(relay.write_pcap(tmp_path / "alert.pcap"), load_key_material(keylog)).connections
    return conn


def _alerts(conn):
    return [(m.sender, m.what, m.encrypted) for m in conn.messages if m.what.startswith("Alert")]


def test_openssl_client_refusing_the_certificate_sends_its_alert_in_clear(tool, pki, lab_ca, tmp_path):  # noqa: F811
    openssl = tool("openssl")
    cert, key = pki["rsa"]
    client_log = tmp_path / "client.keys"
    relay, server_log = _record(openssl, cert, key, ["-www"], [
        openssl, "s_client", "-connect", "127.0.0.1:PORT", "-CAfile", str(lab_ca), "-verify_return_error",
        "-servername", "localhost", "-keylogfile", str(client_log)], tmp_path)
    for keylog in (server_log, client_log):  # the server's log holds the client handshake secret too
        conn = _decoded(relay, keylog, tmp_path)
        assert _alerts(conn) == [("client", "Alert(fatal, unknown_ca)", False)]
        assert not [k for k in conn.checks if k.ok is False], conn.checks


def test_server_refusing_the_client_certificate_is_named(cli, tool, pki, lab_ca, tmp_path):  # noqa: F811
    openssl = tool("openssl")
    cert, key = pki["rsa"]
    # the client's key log: the server gives up before it logs the client's application secret, and the
    # client's request may cross the server's alert on the wire
    client_log = tmp_path / "client.keys"
    relay, _ = _record(openssl, cert, key, ["-www", "-Verify", "1", "-CAfile", str(lab_ca), "-verify_return_error"], [
        openssl, "s_client", "-connect", "127.0.0.1:PORT", "-cert", str(cert), "-key", str(key),
        "-servername", "localhost", "-keylogfile", str(client_log)], tmp_path)
    conn = _decoded(relay, client_log, tmp_path)
    # (the client's close_notify after its request may come before the server's alert, or not)
    assert [a for a in _alerts(conn) if "fatal" in a[1]] == [("server", "Alert(fatal, unknown_ca)", True)]
    assert conn.status == "decrypted" and not [k for k in conn.checks if k.ok is False]
    capture = tmp_path / "alert.pcap"
    assert cli("tls", "decode", str(capture), "--keylog", str(client_log)).exit_code == 0
    # the server's encrypted alert record, one byte changed: caught, exit 1
    at = max(i for i, (from_client, _) in enumerate(relay.chunks) if not from_client)
    from_client, data = relay.chunks[at]
    relay.chunks[at] = (from_client, data[:-1] + bytes([data[-1] ^ 1]))
    run = cli("tls", "decode", str(relay.write_pcap(tmp_path / "tampered.pcap")), "--keylog", str(client_log))
    assert run.exit_code == 1 and "tag check failed" in run.stdout + run.stderr


def test_lab_client_alert_under_its_handshake_keys_is_named(tool, pki, lab_ca, tmp_path):  # noqa: F811
    openssl = tool("openssl")
    cert, key = pki["rsa"]
    relay, server_log = _record(openssl, cert, key, ["-www"], [
        sys.executable, "-m", "protolab", "tls", "connect", "127.0.0.1:PORT", "--version", "1.3",
        "--ca", str(lab_ca), "--timeout", "5"], tmp_path)
    conn = _decoded(relay, server_log, tmp_path)
    assert _alerts(conn) == [("client", "Alert(fatal, unknown_ca)", True)]  # as OpenSSL names it
    assert not [k for k in conn.checks if k.ok is False]
