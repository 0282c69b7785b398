"""`protolab tls decode` on every capture in ../shared/tls: secrets recovered (key log, server RSA key,
ephemeral private keys), both Finished verified, application data decrypted; forward secrecy shown; bad
input -> one line exit 2; failed checks -> exit 1."""

import random

import pytest

from protolab.tls.decode import decode_capture, load_key_material
from protolab.tls.keylog import read_keylog

from .one_line_error import check_one_line_error

EXPECT = {  # capture -> (version, suite code name, client data starts with, server data starts with)
    "illustrated-tls12": ("TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", b"ping", b"pong"),
    "illustrated-tls13": ("TLS 1.3", "TLS_AES_256_GCM_SHA384", b"ping", b"pong"),
    "tls12-rsa-ems": ("TLS 1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256", b"GET / HTTP/1.0", b"HTTP/1.0 200 ok"),
    "tls12-rsa-noems": ("TLS 1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256", b"GET / HTTP/1.0", b"HTTP/1.0 200 ok"),
    "tls12-ecdhe": ("TLS 1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", b"GET / HTTP/1.0", b"HTTP/1.0 200 ok"),
    "tls13": ("TLS 1.3", "TLS_AES_128_GCM_SHA256", b"GET / HTTP/1.0", b"HTTP/1.0 200 ok"),
}


def paths(shared, name):
    """(capture, key log) of a shared capture."""
    if name.startswith("illustrated"):
        base = shared(f"tls/{name}/captures")
        return base / "capture.pcap", base / "keylog.txt"
    base = shared("tls/openssl")
    return base / f"{name}.pcap", base / f"{name}.keylog"


def assert_opened(conn, name):
    version, suite, client_data, server_data = EXPECT[name]
    assert (conn.version, conn.suite, conn.status) == (version, suite, "decrypted")
    fins = {k.name: k.ok for k in conn.checks if "Finished" in k.name}
    assert fins == {"client Finished verify_data": True, "server Finished verify_data": True}
    assert all(k.ok for k in conn.checks), conn.checks
    data = {r.sender: r.plaintext for r in conn.records if r.plaintext}
    assert data["client"].startswith(client_data) and data["server"].startswith(server_data)


@pytest.mark.parametrize("name", list(EXPECT))
def test_every_capture_opens_with_its_key_log(shared, name):
    capture, keylog_path = paths(shared, name)
    result = decode_capture(capture, load_key_material(keylog_path))
    [conn] = result.connections
    assert_opened(conn, name)
    log = read_keylog(keylog_path).secrets_for(conn.client_random)
    if conn.version == "TLS 1.2":
        assert conn.master_secret == log["CLIENT_RANDOM"]
    else:
        assert conn.secrets["client_application_traffic_secret"] == log["CLIENT_TRAFFIC_SECRET_0"]


@pytest.mark.parametrize("name", ["illustrated-tls12", "illustrated-tls13"])
@pytest.mark.parametrize("side", ["client", "server"])
def test_illustrated_opens_from_ephemeral_private_keys_alone(shared, name, side):
    capture, keylog_path = paths(shared, name)
    key = shared(f"tls/{name}/files/{side}-ephemeral-private.key")
    [conn] = decode_capture(capture, load_key_material(ephemeral_paths=[key])).connections
    assert_opened(conn, name)
    assert conn.key_source == f"{side} ephemeral private key"
    ecdhe = [d for d in conn.derivations if d.kind == "asymmetric"]
    assert ecdhe and ecdhe[0].primitive == "X25519"
    log = read_keylog(keylog_path).secrets_for(conn.client_random)
    if name.endswith("12"):
        assert conn.master_secret == log["CLIENT_RANDOM"]  # the key log was not used, yet we agree with it
    else:
        assert conn.secrets["server_handshake_traffic_secret"] == log["SERVER_HANDSHAKE_TRAFFIC_SECRET"]


@pytest.mark.parametrize("name", ["tls12-rsa-ems", "tls12-rsa-noems"])
def test_server_key_alone_opens_rsa_sessions(shared, name):
    capture, keylog_path = paths(shared, name)
    result = decode_capture(capture, load_key_material(key_path=shared("tls/openssl/server.key")))
    [conn] = result.connections
    assert_opened(conn, name)
    assert conn.key_source == "server RSA key" and conn.ems == (name == "tls12-rsa-ems")
    assert conn.master_secret == read_keylog(keylog_path).master_secret(conn.client_random)
    assert "ALONE opens" in conn.server_key_alone
    assert result.forward_secrecy == ["server key alone opened 1 of 1 RSA key-transport session(s): "
                                      "no forward secrecy"]


@pytest.mark.parametrize("name", ["tls12-ecdhe", "tls13"])
def test_server_key_alone_cannot_open_ecdhe_sessions(shared, name):
    capture, keylog_path = paths(shared, name)
    alone = decode_capture(capture, load_key_material(key_path=shared("tls/openssl/server.key")))
    [conn] = alone.connections
    assert conn.status == "no key" and conn.key_source is None and conn.master_secret is None
    assert not any(r.plaintext for r in conn.records)
    assert "cannot open" in conn.server_key_alone
    assert alone.forward_secrecy == ["server key alone opened 0 of 1 ECDHE session(s): forward secrecy"]
    # the key log still opens it, and the verdict on the server key stays the same
    both = decode_capture(capture, load_key_material(keylog_path, shared("tls/openssl/server.key")))
    assert both.connections[0].status == "decrypted" and "cannot open" in both.connections[0].server_key_alone


def test_cli_shows_forward_secrecy_result_lines(cli, shared):
    base = shared("tls/openssl")
    rsa_run = cli("tls", "decode", str(base / "tls12-rsa-ems.pcap"), "--key", str(base / "server.key"))
    assert rsa_run.exit_code == 0, rsa_run.stderr
    assert "result: server key alone opened 1 of 1 RSA key-transport session(s): no forward secrecy" in \
        rsa_run.stdout
    assert "HTTP/1.0 200 ok" in rsa_run.stdout and "pre_master_secret" in rsa_run.stdout
    ecdhe_run = cli("tls", "decode", str(base / "tls12-ecdhe.pcap"), "--key", str(base / "server.key"))
    assert ecdhe_run.exit_code == 0, ecdhe_run.stderr
    assert "result: server key alone opened 0 of 1 ECDHE session(s): forward secrecy" in ecdhe_run.stdout
    js = cli("tls", "decode", str(base / "tls13.pcap"), "--keylog", str(base / "tls13.keylog"), "--json")
    assert js.exit_code == 0
    import json

    data = json.loads(js.stdout)
    assert data["connections"][0]["status"] == "decrypted"
    assert data["connections"][0]["secrets"]["client_application_traffic_secret"] == \
        read_keylog(base / "tls13.keylog").entries[-1].secret.hex()


def test_bad_input_is_one_line_exit_2(cli, shared, tmp_path):
    base = shared("tls/openssl")
    garbage = tmp_path / "garbage.pcap"
    garbage.write_bytes(random.Random(1).randbytes(3000))
    check_one_line_error(cli("tls", "decode", str(garbage)), 2, "not a pcap or pcapng")
    wrong_key = shared("tls/illustrated-tls12/server/server.key")
    check_one_line_error(cli("tls", "decode", str(base / "tls12-rsa-ems.pcap"), "--key", str(wrong_key)), 2,
                    "does not belong to the certificate")
    check_one_line_error(cli("tls", "decode", str(base / "tls12-ecdhe.pcap"), "--keylog", str(base / "tls13.keylog")),
                    2, "key log has no secrets for any connection")
    check_one_line_error(cli("tls", "decode", str(base / "tls13.pcap"), "--keylog", str(base / "server.key")), 2,
                    "no NSS key log lines")
    check_one_line_error(cli("tls", "decode", str(base / "tls13.pcap"), "--key", str(base / "tls13.keylog")), 2,
                    "not an unencrypted PEM/DER private key")
    check_one_line_error(cli("tls", "decode", str(tmp_path / "missing.pcap")), 2, "missing.pcap")


def test_capture_without_tls_is_bad_input(cli, tmp_path):
    from protolab.capture.tcpsynth import TcpFlow
    from protolab.capture.writer import LINKTYPE_ETHERNET, PcapWriter

    flow = TcpFlow(client=("10.0.0.1", 50000), server=("10.0.0.2", 80))
    frames = flow.handshake() + flow.send(True, b"GET / HTTP/1.1\r\n\r\n") + flow.close()
    path = tmp_path / "http.pcap"
    with PcapWriter(path, linktype=LINKTYPE_ETHERNET) as w:
        for i, f in enumerate(frames):
            w.write(f, i * 1000)
    check_one_line_error(cli("tls", "decode", str(path)), 2, "no TLS connection found")


def _rewrite(original, path, mutate=None, mss=200, reorder=False):
    """Re-frame a capture's TCP payloads as a new flow (small segments), optionally swapped and duplicated."""
    from protolab.capture.tcpsynth import TcpFlow
    from protolab.capture.writer import LINKTYPE_ETHERNET, PcapWriter
    from protolab.tls.tcpstream import reassemble

    tcp = reassemble(original).connections[0]
    pieces = sorted([(f, True, d) for f, d in tcp.to_server.chunks()[0]] +
                    [(f, False, d) for f, d in tcp.to_client.chunks()[0]])
    flow = TcpFlow(client=("10.0.0.1", 50000), server=("10.0.0.2", 443), mss=mss)
    frames = flow.handshake()
    for _, from_client, data in pieces:
        segs = flow.send(from_client, mutate(from_client, data) if mutate else data)
        if reorder and len(segs) > 1:
            segs = [segs[1], segs[0], segs[0]] + segs[2:]  # out of order, plus a retransmission
        frames += segs
    with PcapWriter(path, linktype=LINKTYPE_ETHERNET) as w:
        for i, f in enumerate(frames + flow.close()):
            w.write(f, i * 1000)
    return path


def test_reassembly_survives_small_reordered_and_repeated_segments(shared, tmp_path):
    capture, keylog_path = paths(shared, "tls13")
    path = _rewrite(capture, tmp_path / "reordered.pcap", reorder=True)
    [conn] = decode_capture(path, load_key_material(keylog_path)).connections
    assert_opened(conn, "tls13")


def test_tampered_record_or_wrong_secret_fails_check_exit_1(cli, shared, tmp_path):
    capture, keylog_path = paths(shared, "tls12-rsa-ems")

    def flip_last_byte_of_big_server_segment(from_client, data):
        return data[:-1] + bytes([data[-1] ^ 1]) if not from_client and len(data) > 1000 else data

    tampered = _rewrite(capture, tmp_path / "tampered.pcap", flip_last_byte_of_big_server_segment, mss=1460)
    run = cli("tls", "decode", str(tampered), "--keylog", str(keylog_path))
    check_one_line_error(run, 1, "authenticates")
    assert "status: failed" in run.stdout  # the result was shown before the exit
    log = read_keylog(keylog_path)
    cr = next(e.key for e in log.entries if e.label == "CLIENT_RANDOM")
    bad = tmp_path / "wrong.keylog"
    bad.write_text(f"CLIENT_RANDOM {cr.hex()} {'00' * 48}\n")
    run = cli("tls", "decode", str(capture), "--keylog", str(bad))  # wrong keys: not even Finished decrypts
    check_one_line_error(run, 1, "checks failed")
    assert "tag check failed" in run.stdout


def test_tampered_certificate_fails_finished(shared, tmp_path):
    capture, keylog_path = paths(shared, "tls12-rsa-noems")  # no EMS: keys depend on the randoms only

    def flip_certificate_byte(from_client, data):  # the server's first flight: ServerHello, Certificate, ...
        if from_client or data[5] != 2:
            return data
        return data[:600] + bytes([data[600] ^ 1]) + data[601:]

    tampered = _rewrite(capture, tmp_path / "cert.pcap", flip_certificate_byte, mss=1460)
    [conn] = decode_capture(tampered, load_key_material(keylog_path)).connections
    fins = {k.name: k.ok for k in conn.checks if "Finished" in k.name}
    assert fins == {"client Finished verify_data": False, "server Finished verify_data": False}
    assert conn.status == "failed"


def _tshark_follow(tshark, capture, keylog):
    """tshark's own decryption of TLS stream 0 (`-z follow,tls,raw,0`): {node address: bytes it sent}."""
    import subprocess

    out = subprocess.run([tshark, "-r", str(capture), "-o", f"tls.keylog_file:{keylog}", "-q",
                          "-z", "follow,tls,raw,0"], capture_output=True, text=True, check=True, timeout=60).stdout
    node0 = out.split("Node 0: ", 1)[1].split("\n", 1)[0].strip()
    body = out.split("Node 1:", 1)[1].split("\n", 1)[1].split("=====", 1)[0]
    first = b"".join(bytes.fromhex(line) for line in body.splitlines() if line and not line.startswith("\t"))
    second = b"".join(bytes.fromhex(line.strip()) for line in body.splitlines() if line.startswith("\t"))
    return node0, first, second


@pytest.mark.parametrize("name", ["tls12-rsa-noems", "tls13"])
def test_decrypted_data_equals_tsharks(shared, tool, name):
    capture, keylog_path = paths(shared, name)
    node0, first, second = _tshark_follow(tool("tshark"), capture, keylog_path)
    [conn] = decode_capture(capture, load_key_material(key_path=shared("tls/openssl/server.key"))
                            if "rsa" in name else load_key_material(keylog_path)).connections
    want = {"server": first, "client": second} if node0 == conn.server else {"client": first, "server": second}
    assert want["client"].startswith(b"GET /") and want["server"].startswith(b"HTTP/1.0 200")
    got = {side: b"".join(r.plaintext for r in conn.records if r.sender == side and r.plaintext)
           for side in ("client", "server")}
    assert got == want


def test_one_capture_two_sessions_forward_secrecy_side_by_side(cli, shared, tool, tmp_path):
    """RSA and ECDHE sessions in one capture, the server key alone: the RSA one opens, the ECDHE one does not."""
    import subprocess

    base = shared("tls/openssl")
    merged = tmp_path / "both.pcap"
    subprocess.run([tool("mergecap"), "-F", "pcap", "-w", str(merged), str(base / "tls12-rsa-ems.pcap"),
                    str(base / "tls12-ecdhe.pcap")], check=True, capture_output=True, timeout=60)
    result = decode_capture(merged, load_key_material(key_path=base / "server.key"))
    by_kx = {c.kx: c for c in result.connections}
    assert by_kx["rsa"].status == "decrypted" and by_kx["ecdhe"].status == "no key"
    assert result.forward_secrecy == [
        "server key alone opened 1 of 1 RSA key-transport session(s): no forward secrecy",
        "server key alone opened 0 of 1 ECDHE session(s): forward secrecy"]
    run = cli("tls", "decode", str(merged), "--key", str(base / "server.key"))
    assert run.exit_code == 0 and run.stdout.count("result: server key alone") == 2


def test_truncated_capture_shows_what_it_has(shared, tmp_path):
    capture, keylog_path = paths(shared, "tls13")
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(capture.read_bytes()[:1500])  # ends inside the server's first flight
    result = decode_capture(cut, load_key_material(keylog_path))
    [conn] = result.connections
    assert [m.what for m in conn.messages][:1] == ["ClientHello"]
    assert conn.status != "decrypted" and not conn.failed


def test_mangled_captures_never_crash(shared, tmp_path):
    """Random bytes changed inside the TLS streams: decode returns a result or raises a ProtolabError, always."""
    from protolab.errors import ProtolabError

    server_key = shared("tls/openssl/server.key")
    names = ["tls12-rsa-ems", "tls12-ecdhe", "tls13", "illustrated-tls12"]
    outcomes = set()
    for i in range(30):
        rng = random.Random(i)
        capture, keylog_path = paths(shared, names[i % len(names)])

        def mangle(from_client, data, rng=rng):
            if rng.random() < 0.4:
                data = bytearray(data)
                for _ in range(rng.randint(1, 3)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            return bytes(data)

        path = _rewrite(capture, tmp_path / f"m{i}.pcap", mangle, mss=1460)
        try:
            result = decode_capture(path, load_key_material(keylog_path, server_key if i % 4 < 3 else None))
            outcomes.add(result.connections[0].status)
        except ProtolabError as exc:
            outcomes.add(type(exc).__name__)
    assert "failed" in outcomes  # a changed byte is caught by a check, not by a crash
    assert outcomes <= {"failed", "decrypted", "handshake only", "no key", "BadInput", "MalformedData"}


@pytest.mark.parametrize("name", ["tls12-rsa", "tls12-ecdhe", "tls13"])
def test_walk_sample_captures_decode(name):
    """The walk's own shipped captures (captures/tls) open with their key logs; the RSA one with the lab key too."""
    from pathlib import Path

    from protolab.tls import kx

    base = Path(__file__).resolve().parents[2] / "captures" / "tls"
    capture = base / f"walk-{name}.pcap"
    if not capture.exists():
        pytest.skip("walk sample captures not generated")
    [conn] = decode_capture(capture, load_key_material(base / f"walk-{name}.keylog")).connections
    assert conn.status == "decrypted" and all(k.ok for k in conn.checks) and conn.decrypted_records >= 2
    if name == "tls12-rsa":
        keys = load_key_material()
        keys.server_key = kx.lab_identity("rsa").key
        [alone] = decode_capture(capture, keys).connections
        assert alone.key_source == "server RSA key" and alone.master_secret == conn.master_secret


@pytest.mark.parametrize("code", sorted(__import__("protolab.tls.suites", fromlist=["SUITES"]).SUITES))
def test_walk_of_every_suite_decodes(code, tmp_path):
    """Cross-check of two implementations' halves: the walk's engines write a capture, decode replays it."""
    from protolab.tls.suites import SUITES
    from protolab.tls.walk import walk, write_keylog, write_pcap

    suite = SUITES[code]
    version = "1.3" if suite.version == 0x0304 else "1.2"
    group = {0: "x25519", 1: "secp256r1", 2: "secp384r1"}[code % 3]
    result = walk(version=version, suite=suite.name, group=group, seed=code, ems=code % 2 == 0, measure=False)
    write_pcap(result, tmp_path / "w.pcap")
    write_keylog(result, tmp_path / "w.keylog")
    [conn] = decode_capture(tmp_path / "w.pcap", load_key_material(tmp_path / "w.keylog")).connections
    assert (conn.suite, conn.status) == (suite.name, "decrypted")
    assert all(k.ok for k in conn.checks) and conn.decrypted_records >= 2
    if suite.version == 0x0303:
        assert conn.ems == (code % 2 == 0)
    if suite.kx != "rsa":
        assert conn.group == group


def test_bytes_show_every_captured_handshake_message_field_by_field(cli, shared):
    """--bytes: each handshake message as captured (decrypted when it travelled encrypted), annotated like the
    walk's own messages; the annotations cover the whole message and the ClientHello random is the one the
    connection reports."""
    import json

    capture, keylog_path = paths(shared, "tls13")
    [conn] = decode_capture(capture, load_key_material(keylog_path)).connections
    shown = [m for m in conn.messages if m.data]
    assert [m.what for m in shown] == ["ClientHello", "ServerHello", "EncryptedExtensions", "Certificate",
                                       "CertificateVerify", "Finished", "Finished", "NewSessionTicket",
                                       "NewSessionTicket"]
    for m in shown:
        assert sum(f.length for f in m.spans) == len(m.data), m.what
    assert shown[0].data[6:38] == conn.client_random and shown[3].encrypted
    res = cli("tls", "decode", str(capture), "--keylog", str(keylog_path), "--bytes")
    assert res.exit_code == 0 and "Finished (36 bytes, decrypted)" in res.stdout and "verify_data" in res.stdout
    doc = json.loads(cli("tls", "decode", str(capture), "--keylog", str(keylog_path), "--json").stdout)
    assert doc["connections"][0]["messages"][0]["data"] == shown[0].data.hex()


def test_hello_retry_request_capture_decodes(tmp_path):
    """A TLS 1.3 handshake with a HelloRetryRequest (client shares x25519, server only takes P-384), written as
    a capture by the walk's writer: decode follows the retry (ClientHello1 as message_hash) and opens it."""
    from protolab.tls import walk as walk_mod
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.kx import lab_identity
    from protolab.tls.server import TlsServer
    from protolab.tls.suites import lookup_group, lookup_suite

    identity = lab_identity("rsa")
    suite = [lookup_suite("TLS_AES_256_GCM_SHA384")]
    client = TlsClient(Config(versions=[0x0304], suites=suite, anchors=[identity.cert], seed=6,
                              groups=[lookup_group("x25519"), lookup_group("secp384r1")]))
    server = TlsServer(Config(versions=[0x0304], suites=suite, identity=identity, seed=6,
                              groups=[lookup_group("secp384r1")]))
    result = walk_mod.WalkResult("TLS 1.3", suite[0].name, "ecdhe", "secp384r1", None, 6)
    wire = walk_mod._Wire(client, server, result, None)
    client.start()
    wire.run(lambda: client.connected and server.connected)
    client.send_data(b"ping")
    wire.run(lambda: bool(server.received))
    assert client.connected and server.retried
    pcap, keylog = tmp_path / "hrr.pcap", tmp_path / "hrr.keys"
    walk_mod.write_pcap(result, pcap)
    keylog.write_text(client.keylog.text())
    [conn] = decode_capture(pcap, load_key_material(keylog)).connections
    assert [m.what for m in conn.messages if m.sender == "client"][:2] == ["ClientHello", "ClientHello"]
    assert any("HelloRetryRequest" in n for n in conn.notes)
    assert conn.status == "decrypted" and all(k.ok for k in conn.checks) and len(conn.checks) == 3
    assert [r.plaintext for r in conn.records if r.plaintext] == [b"ping"]
