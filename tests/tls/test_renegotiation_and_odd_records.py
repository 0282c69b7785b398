"""Legal TLS 1.2 edges the engines must take calmly: a ServerHello without an extensions block, empty records
(bounded, as OpenSSL bounds them), and renegotiation refused with a no_renegotiation warning (RFC 5246 7.4.1.1,
RFC 5746 4.2) instead of a fatal alert, against real OpenSSL peers (`R` in s_client, `r` in s_server)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from protolab.tls import messages as m
from protolab.tls.records import HANDSHAKE, MAX_EMPTY_RECORDS, Record

from .test_key_update import _interactive, _pair, _s_server, _type
from .test_openssl_interop import _fake_server, _serve_in_thread, _stop, pki  # noqa: F401


def _client():
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.suites import lookup_group, lookup_suite

    client = TlsClient(Config(suites=[lookup_suite("AES128-GCM-SHA256")], groups=[lookup_group("x25519")],
                              verify=False, seed=1))
    client.start()
    client.data_to_send()
    return client


def _server_hello_without_extensions() -> bytes:
    raw = m.encode_handshake(m.ServerHello(m.TLS12, bytes(range(32)), b"", 0x009C, 0, None))
    assert raw[-3:] == b"\x00\x9c\x00" and len(raw) == 4 + 2 + 32 + 1 + 2 + 1  # no extensions block at all
    return Record(HANDSHAKE, m.TLS12, raw).encode()


def test_server_hello_without_extensions_is_taken():
    client = _client()
    client.receive(_server_hello_without_extensions())
    assert not client.failed and client.state == "WAIT_CERT" and client.ems is False


def test_connect_to_a_server_whose_hello_has_no_extensions_fails_cleanly(cli):
    def behaviour(conn):
        conn.recv(4096)
        conn.sendall(_server_hello_without_extensions())  # then hang up

    port, thread = _fake_server(behaviour)
    try:
        res = cli("tls", "connect", f"127.0.0.1:{port}", "--version", "1.2", "--insecure", "--timeout", "5")
    finally:
        thread.join(5)
    assert res.exit_code == 1 and "closed the connection during the handshake" in res.stderr
    assert "internal error" not in res.stderr


@pytest.mark.parametrize("empties, fails", [(MAX_EMPTY_RECORDS, False), (MAX_EMPTY_RECORDS + 1, True)])
def test_empty_handshake_records_are_bounded(empties, fails):
    client = _client()
    client.receive(Record(HANDSHAKE, m.TLS12, b"").encode() * empties + _server_hello_without_extensions())
    assert client.failed is fails
    if fails:
        assert "empty records in a row" in client.error
        assert [s.title for s in client.steps if s.kind == "alert"] == ["alert unexpected_message"]


def test_hello_request_is_refused_with_a_warning_and_the_session_goes_on():
    client, server = _pair(0x0303)
    server._out += server.write_prot.seal(HANDSHAKE, m.encode_handshake(m.Unknown(m.HELLO_REQUEST, b""))).record
    client.receive(server.data_to_send())
    assert client.connected and [s.title for s in client.steps if s.kind == "alert"] == ["alert no_renegotiation"]
    server.receive(client.data_to_send())  # the warning: the server carries on
    client.send_data(b"still here")
    server.receive(client.data_to_send())
    assert server.connected and server.received == [b"still here"]


def test_tls13_has_no_renegotiation():
    client, server = _pair()
    hello = client.offered
    server.receive(client.write_prot.seal(HANDSHAKE, m.encode_handshake(hello)).record)
    assert server.failed and "ClientHello after a TLS 1.3 handshake" in server.error


def test_serve_refuses_openssl_renegotiation_with_a_warning(tool, pki):  # noqa: F811
    from protolab.tls.engine import Config
    from protolab.tls.kx import load_identity
    from protolab.tls.suites import lookup_group, lookup_suite

    openssl = tool("openssl")
    cert, key = pki["rsa"]
    config = Config(suites=[lookup_suite("ECDHE-RSA-AES128-GCM-SHA256")], groups=[lookup_group("x25519")],
                    identity=load_identity(cert.read_bytes(), key.read_bytes()))
    port, thread, box = _serve_in_thread(config)
    client = _interactive([openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2"])
    try:
        time.sleep(0.5)
        _type(client, b"R\n")  # s_client renegotiates
        thread.join(10)
        err = client.stderr.read()
    finally:
        _stop(client)
    session = box["sessions"][0]
    sent = [(s.title, s.detail) for s in session.steps if s.kind == "alert" and s.sent]
    assert sent[0] == ("alert no_renegotiation", "warning alert no_renegotiation sent")
    assert b"no renegotiation" in err  # OpenSSL read our warning, and chose to end the connection itself
    assert session.error == "peer sent alert handshake_failure"


def test_connect_refuses_an_openssl_hello_request_with_a_warning(cli, tool, pki):  # noqa: F811
    openssl = tool("openssl")
    cert, key = pki["rsa"]
    server, port = _s_server(openssl, cert, key, version="-tls1_2")
    box = {}
    runner = threading.Thread(target=lambda: box.update(res=cli(
        "tls", "connect", f"127.0.0.1:{port}", "--version", "1.2", "--insecure", "--send", "hi\\n", "--json",
        "--timeout", "6")))
    runner.start()
    try:
        time.sleep(1.0)
        _type(server, b"r\n")  # s_server sends a HelloRequest
        runner.join(15)
        err = server.stderr.read()
    finally:
        _stop(server)
    res = box["res"]
    doc = json.loads(res.stdout)
    sent = [(s["title"], s["detail"]) for s in doc["steps"] if s["kind"] == "alert" and s["sent"]]
    assert sent[0] == ("alert no_renegotiation", "warning alert no_renegotiation sent")
    assert b"no renegotiation" in err  # OpenSSL read our warning, and chose to end the connection itself
    assert res.exit_code == 1 and "peer sent alert handshake_failure" in res.stderr
