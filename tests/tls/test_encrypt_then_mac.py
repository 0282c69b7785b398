"""encrypt_then_mac (RFC 7366) for the CBC suites: the record layout checked against the RFC with separate code,
negotiation in the engines (on by default, --no-etm, never for AEAD suites), and real OpenSSL peers both ways,
EtM on and off: key logs equal to the peer's, and decode of a recorded connection agreeing with tshark."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from protolab.tls.protection import RecordAuthError, RecordProtection
from protolab.tls.suites import SUITES, lookup_suite

from .relay import start_relay
from .test_decode import _tshark_follow
from .test_openssl_interop import _keylines, _serve_in_thread, _start_s_server, _stop, pki  # noqa: F401

CBC_SUITES = [s for s in SUITES.values() if s.version == 0x0303 and not s.aead]
CBC_NAMES = [s.openssl for s in CBC_SUITES]


def _protections(suite, etm=True):
    key, mac_key = bytes(range(suite.key_len)), bytes(range(100, 100 + suite.mac_len))
    return (RecordProtection(suite, key, bytes(16), mac_key, etm=etm),
            RecordProtection(suite, key, bytes(16), mac_key, etm=etm))


@pytest.mark.parametrize("suite", CBC_SUITES, ids=CBC_NAMES)
def test_etm_record_is_iv_ciphertext_then_mac_over_them(suite):
    """RFC 7366 3: MAC = HMAC(seq + type + version + length(IV + ciphertext) + IV + ciphertext), sent after them
    in clear; the ciphertext decrypts to the plaintext and its padding alone. Checked here with separate code."""
    writer, reader = _protections(suite)
    for seq, plaintext in enumerate([b"", b"x" * 15, b"hello encrypt-then-MAC" * 7]):
        rec = writer.seal(23, plaintext)
        frag = rec.fragment
        body, mac = frag[:-suite.mac_len], frag[-suite.mac_len:]
        assert len(body) % 16 == 0 and len(body) >= 32 and rec.record[3:5] == len(frag).to_bytes(2, "big")
        header = seq.to_bytes(8, "big") + bytes([23, 3, 3]) + len(body).to_bytes(2, "big")
        assert mac == hmac.new(writer.mac_key, header + body, getattr(hashlib, suite.mac)).digest()
        dec = Cipher(algorithms.AES(writer.key), modes.CBC(body[:16])).decryptor()
        padded = dec.update(body[16:]) + dec.finalize()
        pad = padded[-1]
        assert padded == plaintext + bytes([pad]) * (pad + 1)
        opened = reader.open(rec.record)
        assert (opened.plaintext, opened.seq, opened.tag) == (plaintext, seq, mac)


@pytest.mark.parametrize("suite", CBC_SUITES, ids=CBC_NAMES)
def test_every_changed_byte_and_the_other_mode_are_refused(suite):
    writer, _ = _protections(suite)
    record = writer.seal(23, b"attack at dawn").record
    for pos in (5, 5 + 16, len(record) - suite.mac_len - 1, len(record) - 1):  # IV, ciphertext, last block, MAC
        _, reader = _protections(suite)
        with pytest.raises(RecordAuthError, match="bad record MAC"):
            reader.open(record[:pos] + bytes([record[pos] ^ 1]) + record[pos + 1:])
    mte_writer, mte_reader = _protections(suite, etm=False)
    with pytest.raises(RecordAuthError):  # a MAC-then-encrypt reader does not take an EtM record...
        mte_reader.open(record)
    with pytest.raises(RecordAuthError):  # ...nor the other way round
        _protections(suite)[1].open(mte_writer.seal(23, b"attack at dawn").record)
    short = bytes([23, 3, 3, 0, 20]) + bytes(20)  # shorter than IV + one block + MAC
    with pytest.raises(RecordAuthError, match="not IV"):
        _protections(suite)[1].open(short)


def test_etm_only_changes_cbc_suites():
    gcm = lookup_suite("AES128-GCM-SHA256")
    a = RecordProtection(gcm, bytes(16), bytes(4), etm=True).seal(23, b"same").record
    assert a == RecordProtection(gcm, bytes(16), bytes(4)).seal(23, b"same").record


def _hello_exts(result, title):
    from protolab.tls import messages as m

    raw = next(s.data for s in result.steps if s.kind == "message" and s.title == title)
    return {e.type for e in m.decode_handshake(raw, m.Context()).msg.extensions or []}


@pytest.mark.parametrize("suite", CBC_NAMES)
@pytest.mark.parametrize("etm", [True, False])
def test_walk_negotiates_etm_for_cbc_suites(suite, etm):
    from protolab.tls.walk import walk

    result = walk(suite=suite, etm=etm, seed=3, measure=False)
    assert result.completed and result.keylogs_agree and result.etm is etm
    assert (22 in _hello_exts(result, "ClientHello"), 22 in _hello_exts(result, "ServerHello")) == (etm, etm)
    assert result.app_data[0][1].startswith(b"GET /")
    labels = {f.name for s in result.steps if s.kind == "record" for f in s.spans}
    assert ("MAC (encrypt-then-MAC: over IV + ciphertext, sent in clear)" in labels) is etm
    assert ("encrypted data + MAC + padding" in labels) is not etm


def test_aead_walks_neither_offer_nor_report_etm(cli):
    from protolab.tls.walk import walk

    for suite in ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "TLS_AES_128_GCM_SHA256"):
        result = walk(version="1.3" if suite.startswith("TLS_") else "1.2", suite=suite, seed=3, measure=False)
        assert result.completed and result.etm is None and 22 not in _hello_exts(result, "ClientHello")
    doc = json.loads(cli("tls", "walk", "--suite", "AES128-GCM-SHA256", "--seed", "1", "--json").stdout)
    assert "etm" not in doc
    doc = json.loads(cli("tls", "walk", "--suite", "AES128-SHA", "--no-etm", "--seed", "1", "--json").stdout)
    assert doc["etm"] is False and "encrypt-then-MAC off" in json.dumps(doc["steps"])
    run = cli("tls", "walk", "--suite", "AES128-SHA", "--seed", "1", "--no-cost")
    assert run.exit_code == 0 and "encrypt-then-MAC on" in run.stdout.splitlines()[0]


@pytest.mark.parametrize("client_etm, server_etm, server_suites, want", [
    (True, True, ["AES128-GCM-SHA256", "AES128-SHA"], None),  # the server picks GCM: no EtM answer (RFC 7366 3)
    (True, False, ["AES128-SHA"], False),
    (False, True, ["AES128-SHA"], False),
    (True, True, ["AES128-SHA"], True),
])
def test_engines_agree_on_etm(client_etm, server_etm, server_suites, want):
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.kx import lab_identity
    from protolab.tls.server import TlsServer
    from protolab.tls.suites import lookup_group

    identity = lab_identity("rsa")
    groups = [lookup_group("x25519")]
    client = TlsClient(Config(suites=[lookup_suite("AES128-SHA"), lookup_suite("AES128-GCM-SHA256")], groups=groups,
                              etm=client_etm, anchors=[identity.cert], seed=1))
    server = TlsServer(Config(suites=[lookup_suite(s) for s in server_suites], groups=groups, etm=server_etm,
                              identity=identity, seed=1))
    client.start()
    for _ in range(6):
        server.receive(client.data_to_send())
        client.receive(server.data_to_send())
    assert client.connected and server.connected, client.error or server.error
    assert client.etm_state == server.etm_state == want
    client.send_data(b"ping")
    server.receive(client.data_to_send())
    assert server.received == [b"ping"]


# ---- real OpenSSL peers --------------------------------------------------------------------------------
@pytest.mark.parametrize("suite", CBC_NAMES)
@pytest.mark.parametrize("side_off", [None, "server", "client"])
def test_connect_against_openssl_with_and_without_etm(cli, tool, pki, tmp_path, suite, side_off):  # noqa: F811
    openssl = tool("openssl")
    cert, key = pki["rsa"]
    server_log, our_log = tmp_path / "server.keys", tmp_path / "client.keys"
    proc, port = _start_s_server(openssl, cert, key, ["-tls1_2", "-cipher", suite]
                                 + (["-no_etm"] if side_off == "server" else []), keylog=server_log)
    try:
        res = cli("tls", "connect", f"127.0.0.1:{port}", "--version", "1.2", "--suite", suite, "--ca", str(cert),
                  "--servername", "localhost", "--keylog", str(our_log), "--json", "--timeout", "5",
                  *(["--no-etm"] if side_off == "client" else []))
    finally:
        _stop(proc)
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["connected"] and doc["etm"] is (side_off is None)
    assert bytes.fromhex(doc["received"]).startswith(b"HTTP/1.0 200 ok")  # the server's EtM records opened
    assert _keylines(our_log.read_text(), rsa=False) == _keylines(server_log.read_text())


@pytest.mark.parametrize("suite", CBC_NAMES)
@pytest.mark.parametrize("client_etm", [True, False])
def test_openssl_s_client_against_serve_with_and_without_etm(tool, pki, tmp_path, suite, client_etm):  # noqa: F811
    from protolab.tls.engine import Config
    from protolab.tls.kx import load_identity
    from protolab.tls.suites import lookup_group

    openssl = tool("openssl")
    cert, key = pki["rsa"]
    config = Config(suites=[lookup_suite(suite)], groups=[lookup_group("x25519")],
                    identity=load_identity(cert.read_bytes(), key.read_bytes()))
    port, thread, box = _serve_in_thread(config)
    client_log = tmp_path / "client.keys"
    try:
        out = subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-cipher", suite,
                              "-CAfile", str(cert), "-servername", "localhost", "-verify_return_error",
                              "-keylogfile", str(client_log), "-ign_eof", *([] if client_etm else ["-no_etm"])],
                             input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=10)
    finally:
        thread.join(10)
    session = box["sessions"][0]
    assert session.connected, session.error
    assert out.returncode == 0 and b"hello from protolab tls serve" in out.stdout, out.stderr.decode()[-300:]
    assert session.received == b"GET / HTTP/1.0\r\n\r\n" and session.etm is client_etm
    assert _keylines(client_log.read_text()) == _keylines(session.keylog)


def _openssl_through_relay(openssl, certs, tmp_path, suite, server_args):
    """s_client -> relay -> s_server, both real OpenSSL; returns (the relay with its recording, s_client's key log)."""
    cert, key = certs["rsa"]
    keylog = tmp_path / "client.keys"
    proc, port = _start_s_server(openssl, cert, key, ["-tls1_2", "-cipher", suite, *server_args])
    try:
        relay = start_relay(port)
        out = subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{relay.port}", "-servername",
                              "localhost", "-keylogfile", str(keylog), "-ign_eof"],
                             input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=10)
        relay.join()
    finally:
        _stop(proc)
    assert out.returncode == 0 and b"HTTP/1.0 200 ok" in out.stdout, out.stderr.decode()[-300:]
    return relay, keylog


@pytest.mark.parametrize("suite", ["ECDHE-RSA-AES128-SHA", "AES128-SHA256"])
@pytest.mark.parametrize("etm", [True, False])
def test_decode_of_openssl_cbc_connection_equals_tsharks(cli, tool, pki, tmp_path, suite, etm):  # noqa: F811
    from protolab.tls.decode import decode_capture, load_key_material

    relay, keylog = _openssl_through_relay(tool("openssl"), pki, tmp_path, suite, [] if etm else ["-no_etm"])
    capture = relay.write_pcap(tmp_path / "etm.pcap")
    [conn] = decode_capture(capture, load_key_material(keylog)).connections
    assert (conn.suite, conn.etm, conn.status) == (lookup_suite(suite).name, etm, "decrypted"), conn.notes
    assert {k.name: k.ok for k in conn.checks if "Finished" in k.name} == {
        "client Finished verify_data": True, "server Finished verify_data": True}
    assert not [k for k in conn.checks if k.ok is False]
    node0, first, second = _tshark_follow(tool("tshark"), capture, keylog)
    want = {"server": first, "client": second} if node0 == conn.server else {"client": first, "server": second}
    got = {side: b"".join(r.plaintext for r in conn.records if r.sender == side and r.plaintext)
           for side in ("client", "server")}
    assert got == want and want["server"].startswith(b"HTTP/1.0 200 ok")
    run = cli("tls", "decode", str(capture), "--keylog", str(keylog))
    assert run.exit_code == 0 and f"EtM {'on' if etm else 'off'}" in run.stdout
    # the same connection with the last byte of the first application data record changed: caught, exit 1
    at = next(i for i, (_, data) in enumerate(relay.chunks) if data[0] == 23)
    from_client, data = relay.chunks[at]
    relay.chunks[at] = (from_client, data[:-1] + bytes([data[-1] ^ 1]))
    tampered = relay.write_pcap(tmp_path / "tampered.pcap")
    run = cli("tls", "decode", str(tampered), "--keylog", str(keylog))
    assert run.exit_code == 1 and "bad record MAC" in run.stdout + run.stderr
