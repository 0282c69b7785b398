"""TLS 1.3 KeyUpdate (RFC 8446 4.6.3, 7.2): the next application traffic secret, both directions, update_requested
answered, in the engines and in decode; real OpenSSL peers (`K`/`k` in s_client's and s_server's interactive
mode) through a loopback relay, decode agreeing with tshark, and a tampered copy still caught."""

from __future__ import annotations

import json
import os
import select
import socket
import struct
import subprocess
import threading
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from protolab.tls import messages as m
from protolab.tls.keyschedule import KeySchedule

from .relay import start_relay
from .test_decode import _tshark_follow
from .test_openssl_interop import _keylines, _serve_in_thread, _stop, pki  # noqa: F401


def test_next_secret_is_expand_label_traffic_upd():
    """application_traffic_secret_N+1 = HKDF-Expand-Label(_N, "traffic upd", "", Hash.length), built here by hand."""
    for hash_name, algo, n in (("sha256", hashes.SHA256(), 32), ("sha384", hashes.SHA384(), 48)):
        secret = bytes(range(n))
        label = b"tls13 traffic upd"
        info = struct.pack(">H", n) + bytes([len(label)]) + label + b"\x00"
        want = HKDFExpand(algo, n, info).derive(secret)
        ks = KeySchedule(hash_name)
        assert ks.next_application_secret("client", secret, 1) == want
        assert ks.derivations[-1].name == "client_application_traffic_secret_1"


def _pair(version=0x0304):
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.kx import lab_identity
    from protolab.tls.server import TlsServer
    from protolab.tls.suites import lookup_group, lookup_suite

    identity = lab_identity("rsa")
    suite = lookup_suite("TLS_AES_256_GCM_SHA384" if version == 0x0304 else "ECDHE-RSA-AES128-GCM-SHA256")
    common = dict(versions=[version], suites=[suite], groups=[lookup_group("x25519")], seed=2)
    client = TlsClient(Config(**common, anchors=[identity.cert]))
    server = TlsServer(Config(**common, identity=identity))
    client.start()
    for _ in range(4):
        server.receive(client.data_to_send())
        client.receive(server.data_to_send())
    assert client.connected and server.connected
    return client, server


@pytest.mark.parametrize("initiator", ["client", "server"])
@pytest.mark.parametrize("requested", [True, False])
def test_engines_update_keys_both_ways(initiator, requested):
    client, server = _pair()
    ends = {"client": client, "server": server}
    a, b = ends[initiator], ends["server" if initiator == "client" else "client"]
    before = dict(a.app_secrets)
    a.send_key_update(requested)
    a.send_data(b"under the new keys")
    b.receive(a.data_to_send())
    assert b.received == [b"under the new keys"] and not b.error
    assert a.app_secrets["write"] != before["write"] and a.app_secrets["write"] == b.app_secrets["read"]
    assert b.generation == {"read": 1, "write": 1 if requested else 0}
    a.receive(b.data_to_send())  # the answer to update_requested, if any
    b.send_data(b"reply")
    a.receive(b.data_to_send())
    assert a.received == [b"reply"] and a.generation == {"write": 1, "read": 1 if requested else 0}
    assert a.app_secrets["read"] == b.app_secrets["write"]
    assert any(s.kind == "derive" and "application traffic secret 1" in s.title for s in b.steps)


def _inject(sender, receiver, body: bytes):
    """A handshake record sealed with the sender's current write keys, straight into the receiver."""
    from protolab.tls.records import HANDSHAKE

    receiver.receive(sender.write_prot.seal(HANDSHAKE, body).record)


@pytest.mark.parametrize("body, alert, words", [
    (m.encode_handshake(m.KeyUpdate(2)), 47, "request_update is 2"),
    (m.encode_handshake(m.KeyUpdate(0)) * 2, 10, "last message of its record"),
])
def test_bad_key_updates_are_refused(body, alert, words):
    client, server = _pair()
    _inject(client, server, body)
    assert server.failed and words in server.error
    from protolab.tls.names import ALERTS

    assert [s.title for s in server.steps if s.kind == "alert"] == [f"alert {ALERTS[alert]}"]


def test_key_update_in_tls12_is_unexpected():
    client, server = _pair(0x0303)
    _inject(client, server, m.encode_handshake(m.KeyUpdate(0)))
    assert server.failed and "KeyUpdate is a TLS 1.3 message" in server.error
    assert [s.title for s in server.steps if s.kind == "alert"] == ["alert unexpected_message"]


# ---- real OpenSSL peers --------------------------------------------------------------------------------
def _interactive(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _s_server(openssl, cert, key, keylog=None, version="-tls1_3", extra=()) -> tuple[subprocess.Popen, int]:
    """s_server in interactive mode (stdin lines are sent; `K`/`k` update keys); returns once it printed ACCEPT."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = _interactive([openssl, "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(cert), "-key", str(key),
                         version, "-naccept", "1", *extra, *(["-keylogfile", str(keylog)] if keylog else [])])
    deadline, seen = time.monotonic() + 5, b""
    while b"ACCEPT" not in seen and time.monotonic() < deadline:
        if select.select([proc.stdout], [], [], 0.05)[0]:
            seen += os.read(proc.stdout.fileno(), 4096)
    assert b"ACCEPT" in seen, "openssl s_server did not start"
    return proc, port


def _type(proc, *lines: bytes, pause: float = 0.3) -> None:
    for line in lines:
        time.sleep(pause)
        proc.stdin.write(line)
        proc.stdin.flush()


def test_decode_follows_openssl_key_updates_both_ways(cli, tool, pki, tmp_path):  # noqa: F811
    from protolab.tls.decode import decode_capture, load_key_material

    openssl, tshark = tool("openssl"), tool("tshark")
    cert, key = pki["rsa"]
    keylog = tmp_path / "client.keys"
    server, port = _s_server(openssl, cert, key)
    relay = start_relay(port)
    client = _interactive([openssl, "s_client", "-connect", f"127.0.0.1:{relay.port}", "-servername", "localhost",
                           "-keylogfile", str(keylog)])
    try:
        time.sleep(0.5)  # the handshake
        _type(client, b"hello\n", b"K\n", b"after K\n", b"k\n", b"after k\n")  # K: update_requested
        _type(server, b"from server\n", b"K\n", b"server after K\n")
        _type(client, b"last\n")  # OpenSSL answers update_requested before its next data (RFC 8446 4.6.3)
        time.sleep(0.5)
        client.stdin.close()  # s_client ends the connection at the end of its input
        client.wait(10)
        relay.join()
    finally:
        _stop(client)
        _stop(server)
    capture = relay.write_pcap(tmp_path / "ku.pcap")
    [conn] = decode_capture(capture, load_key_material(keylog)).connections
    assert conn.status == "decrypted" and not [k for k in conn.checks if k.ok is False], conn.checks
    updates = [(s.sender, s.note.split(":")[0]) for s in conn.messages if s.what == "KeyUpdate"]
    assert sorted(updates) == sorted([("client", "update_requested"), ("server", "update_not_requested"),
                                      ("client", "update_not_requested"), ("server", "update_requested"),
                                      ("client", "update_not_requested")])
    assert {"client_application_traffic_secret_3", "server_application_traffic_secret_2"} <= set(conn.secrets)
    node0, first, second = _tshark_follow(tshark, capture, keylog)
    want = {"server": first, "client": second} if node0 == conn.server else {"client": first, "server": second}
    got = {side: b"".join(r.plaintext for r in conn.records if r.sender == side and r.plaintext)
           for side in ("client", "server")}
    assert got == want and want["client"] == b"hello\nafter K\nafter k\nlast\n"
    assert want["server"] == b"from server\nserver after K\n"
    assert cli("tls", "decode", str(capture), "--keylog", str(keylog)).exit_code == 0
    # the client's last data record, one byte changed: caught under the updated keys, exit 1
    at = max(i for i, (from_client, data) in enumerate(relay.chunks) if from_client and len(data) > 30)
    from_client, data = relay.chunks[at]
    relay.chunks[at] = (from_client, data[:-1] + bytes([data[-1] ^ 1]))
    run = cli("tls", "decode", str(relay.write_pcap(tmp_path / "tampered.pcap")), "--keylog", str(keylog))
    assert run.exit_code == 1 and "tag check failed" in run.stdout + run.stderr


def test_serve_answers_an_openssl_key_update(tool, pki, tmp_path):  # noqa: F811
    from protolab.tls.engine import Config
    from protolab.tls.kx import load_identity
    from protolab.tls.suites import lookup_group, lookup_suite

    openssl = tool("openssl")
    cert, key = pki["rsa"]
    config = Config(versions=[0x0304], suites=[lookup_suite("TLS_AES_128_GCM_SHA256")],
                    groups=[lookup_group("x25519")], identity=load_identity(cert.read_bytes(), key.read_bytes()))
    port, thread, box = _serve_in_thread(config)
    client_log = tmp_path / "client.keys"
    client = _interactive([openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                           "-keylogfile", str(client_log)])
    try:
        time.sleep(0.5)
        _type(client, b"K\n", b"hello after K\n")
        thread.join(10)
        client.stdin.close()
        out = client.stdout.read()
    finally:
        _stop(client)
    session = box["sessions"][0]
    assert session.connected and session.received == b"hello after K\n", session.error
    assert b"hello from protolab tls serve" in out  # sent under the server's updated keys, read by OpenSSL
    titles = [(s.title, s.sent) for s in session.steps if s.kind == "message" and s.title == "KeyUpdate"]
    assert titles == [("KeyUpdate", False), ("KeyUpdate", True)]
    assert _keylines(client_log.read_text()) == _keylines(session.keylog)


def test_connect_follows_an_openssl_server_key_update(cli, tool, pki, tmp_path):  # noqa: F811
    openssl = tool("openssl")
    cert, key = pki["rsa"]
    server_log, our_log = tmp_path / "server.keys", tmp_path / "client.keys"
    server, port = _s_server(openssl, cert, key, keylog=server_log)
    box = {}
    runner = threading.Thread(target=lambda: box.update(res=cli(
        "tls", "connect", f"127.0.0.1:{port}", "--version", "1.3", "--ca", str(cert), "--servername", "localhost",
        "--send", "hi\\n", "--keylog", str(our_log), "--json", "--timeout", "6")))
    runner.start()
    try:
        time.sleep(1.0)  # handshake and request
        _type(server, b"K\n", b"reply under new keys\n")
        runner.join(15)
    finally:
        _stop(server)
    res = box["res"]
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert bytes.fromhex(doc["received"]) == b"reply under new keys\n"
    assert [s["sent"] for s in doc["steps"] if s["kind"] == "message" and s["title"] == "KeyUpdate"] == [False, True]
    assert _keylines(our_log.read_text(), rsa=False) == _keylines(server_log.read_text())
