"""The in-memory walk: seeded determinism, tampering caught by the right check, captures that tshark decrypts
(every suite and version), the shipped sample captures, the closing table, the CLI's exits and bad input."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

import pytest

from protolab.tls.walk import capture_frames, walk

REPO = Path(__file__).resolve().parents[2]
ALL_WALKS = [  # (version, suite, group): every suite the lab supports, the three groups
    ("1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256", "x25519"), ("1.2", "TLS_RSA_WITH_AES_256_GCM_SHA384", "x25519"),
    ("1.2", "TLS_RSA_WITH_AES_128_CBC_SHA", "x25519"), ("1.2", "TLS_RSA_WITH_AES_128_CBC_SHA256", "x25519"),
    ("1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "x25519"),
    ("1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "secp384r1"),
    ("1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "secp256r1"),
    ("1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "x25519"),
    ("1.2", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "secp256r1"),
    ("1.3", "TLS_AES_128_GCM_SHA256", "x25519"), ("1.3", "TLS_AES_256_GCM_SHA384", "secp384r1"),
    ("1.3", "TLS_CHACHA20_POLY1305_SHA256", "secp256r1"),
]


def _transcript(result) -> str:
    data = asdict(result)
    data.pop("cost")
    return json.dumps(data, default=lambda b: b.hex() if isinstance(b, bytes) else str(b), sort_keys=True)


def test_seed_gives_the_same_transcript_byte_for_byte(tmp_path, cli):
    a, b, c = (walk(seed=s, measure=False) for s in (7, 7, 8))
    assert a.completed and _transcript(a) == _transcript(b) and capture_frames(a) == capture_frames(b)
    assert a.flights[0].data != c.flights[0].data  # another seed, another client random
    files = []
    for run in ("1", "2"):
        pcap, keys = tmp_path / f"{run}.pcap", tmp_path / f"{run}.keys"
        res = cli("tls", "walk", "--version", "1.3", "--seed", "5", "--pcap", str(pcap), "--keylog", str(keys),
                  "--no-cost", "--json")
        assert res.exit_code == 0, res.stderr
        files.append((pcap.read_bytes(), keys.read_bytes(), res.stdout))
    assert files[0] == files[1]
    doc = json.loads(files[0][2])
    assert doc["completed"] and doc["version"] == "TLS 1.3" and doc["keylogs_agree"]
    assert "CLIENT_TRAFFIC_SECRET_0" in files[0][1].decode()


def test_seeded_walk_prints_the_same_bytes_twice(cli):
    first = cli("tls", "walk", "--kx", "rsa", "--seed", "3")
    second = cli("tls", "walk", "--kx", "rsa", "--seed", "3")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout
    assert "add --cost to measure it" in first.stdout and "Measured here" not in first.stdout
    assert json.loads(cli("tls", "walk", "--seed", "3", "--json").stdout)["cost"] is None


def test_walk_measures_the_cost_without_a_seed_or_when_asked(cli):
    for args in ((), ("--seed", "3", "--cost")):
        res = json.loads(cli("tls", "walk", *args, "--json").stdout)
        assert res["cost"]["rsa_private_op_us"] > res["cost"]["aes_gcm_per_kb_us"] > 0
    assert "Measured here" in cli("tls", "walk").stdout
    assert "add --cost" not in cli("tls", "walk", "--no-cost").stdout


def test_walk_shows_messages_derivations_and_the_closing_table():
    r = walk(kx="rsa", ems=False)
    titles = [s.title for s in r.steps if s.kind == "message"]
    assert titles[:4] == ["ClientHello", "ServerHello", "Certificate", "ServerHelloDone"]
    assert "ServerKeyExchange" not in titles  # RSA key transport: nothing to sign
    derived = {d.name: d for s in r.steps for d in s.derivations}
    assert derived["encrypted pre-master"].kind == "asymmetric"
    assert derived["master_secret"].function.startswith('PRF(pre_master_secret, "master secret"')
    assert {"client_write_key", "server_write_key", "client_write_IV", "server_write_IV"} <= set(derived)
    assert [s.ok for s in r.steps if s.kind == "check"] == [True, True, True]
    assert r.app_data[0][1].startswith(b"GET /") and r.app_data[1][1].startswith(b"HTTP/1.1 200")
    kinds = {k.name: k.crypto for k in r.keys}
    assert kinds["server RSA-2048 private key"] == "asymmetric" and kinds["master secret"] == "symmetric"
    assert r.cost.rsa_private_op_us > 10 * r.cost.aes_gcm_per_kb_us > 0  # why TLS is hybrid, measured
    ems = walk(kx="ecdhe", measure=False)
    assert any(d.name == "master_secret" and "extended master secret" in d.function
               for s in ems.steps for d in s.derivations)
    t13 = walk(version="1.3", measure=False)
    names = {d.name for s in t13.steps for d in s.derivations}
    assert {"handshake_secret", "client_handshake_traffic_secret", "server_application_traffic_secret_0",
            "client Finished verify_data"} <= names
    for who in ("client", "server"):  # each side shows its whole key schedule (connect/serve show one side only)
        mine = {d.name for s in t13.steps if s.who == who for d in s.derivations}
        assert {"handshake_secret", "master_secret", "client_application_traffic_secret_0",
                "server_application_traffic_secret_0", f"{who} application write key"} <= mine, who
    rows = {k.name: k for k in r.keys}
    assert "no forward secrecy" in rows["server RSA-2048 private key"].protects
    rows13 = {k.name: k for k in t13.keys}
    assert "CertificateVerify" in rows13["server RSA-2048 private key"].protects
    assert rows13["client application write key + iv"].size == 16 + 12  # AES-128 key + 12-byte iv
    cbc = {k.name: k for k in walk(kx="rsa", suite="AES128-SHA", measure=False).keys}
    assert cbc["client_write_IV"].protects.startswith("nothing") and cbc["client_write_MAC_key"].size == 20
    drawn = next(d for s in r.steps for d in s.derivations if d.name == "pre_master_secret")  # the client's
    assert drawn.kind == "random" and derived["pre_master_secret"].kind == "asymmetric"  # the server's: decrypted
    assert derived["client_write_key"].function == "key_block[0:16]"
    for s in r.steps + t13.steps:  # every annotated message is annotated byte for byte
        if s.kind == "message" and s.title != "ChangeCipherSpec":
            assert sum(f.length for f in s.spans) == len(s.data), s.title


@pytest.mark.parametrize("tamper, options, who, caught", [
    ("certificate", {}, "client", "certificate signature does not verify"),
    ("server-key-exchange", {}, "client", "signature with the certificate's public key does NOT verify"),
    ("finished", {"ems": False}, "server", "verify_data mismatch"),
    ("finished", {"kx": "rsa", "ems": False}, "server", "verify_data mismatch"),
    ("finished", {}, "server", "tag check failed"),  # EMS: the keys themselves depend on the transcript
    ("record", {}, "server", "tag check failed"),
    ("record", {"suite": "TLS_RSA_WITH_AES_128_CBC_SHA"}, "server", "bad record MAC"),
    ("certificate", {"version": "1.3"}, "client", "tag check failed"),  # TLS 1.3 encrypts the certificate
    ("finished", {"version": "1.3"}, "client", "tag check failed"),
])
def test_tampering_is_caught(tamper, options, who, caught):
    r = walk(tamper=tamper, measure=False, **options)
    assert not r.completed
    attacker = [s for s in r.steps if s.who == "attacker"]
    assert len(attacker) == 1 and "0x" in attacker[0].detail
    failed = [s for s in r.steps if s.kind == "check" and s.ok is False]
    assert failed[0].who == who and caught in failed[0].detail
    assert any(s.kind == "alert" and s.who == who and s.sent for s in r.steps)  # and the peer is told
    # caught by the record tag instead of the target's own check: the walk says why
    assert bool(r.why) == (tamper in ("finished", "certificate") and caught == "tag check failed")


def _run(args: list[str]) -> str:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout


def test_tshark_decrypts_every_walk(tmp_path, tool):
    """One capture with a walk per suite (distinct client ports) and one key log: tshark must decrypt all."""
    from protolab.capture.writer import LINKTYPE_ETHERNET, PcapWriter
    from protolab.tls import walk as walk_mod
    from protolab.tls.suites import lookup_suite

    tshark = tool("tshark")
    pcap, keylog = tmp_path / "all.pcap", tmp_path / "all.keys"
    results, n = [], 0
    with PcapWriter(str(pcap), linktype=LINKTYPE_ETHERNET) as w:
        for i, (version, suite, group) in enumerate(ALL_WALKS):
            r = walk(version=version, suite=suite, group=group, seed=i, measure=False)
            assert r.completed, (suite, r.error)
            walk_mod.CLIENT_ADDR = ("10.0.0.1", 40000 + i)
            try:
                frames = capture_frames(r)
            finally:
                walk_mod.CLIENT_ADDR = ("10.0.0.1", 50123)
            for frame in frames:
                w.write(frame, walk_mod.PCAP_EPOCH_NS + n * 1000)
                n += 1
            results.append(r)
    keylog.write_text("".join(r.keylog for r in results))
    fields = ["tcp.stream", "tls.record.content_type", "tls.handshake.type", "tls.handshake.random",
              "tls.handshake.ciphersuite", "http.request.method", "http.response.code", "tls.alert_message.desc",
              "_ws.malformed", "tls.handshake.extension.type", "http.content_length"]
    out = _run([tshark, "-r", str(pcap), "-o", f"tls.keylog_file:{keylog}", "-T", "fields", "-E", "separator=|",
                *sum((["-e", f] for f in fields), [])])
    per = defaultdict(lambda: defaultdict(list))
    for line in out.splitlines():
        cols = line.split("|")
        for name, value in zip(fields, cols, strict=True):
            if value:
                per[int(cols[0])][name] += value.split(",")
    assert sorted(per) == list(range(len(ALL_WALKS)))
    for i, r in enumerate(results):
        got, suite = per[i], lookup_suite(ALL_WALKS[i][1])
        assert not got["_ws.malformed"], ALL_WALKS[i]
        sent = [s.data[0] for s in r.steps if s.kind == "message" and s.sent and s.title != "ChangeCipherSpec"]
        assert [int(t) for t in got["tls.handshake.type"]] == sent, ALL_WALKS[i]  # every message, decrypted
        assert got["http.request.method"] == ["GET"] and got["http.response.code"] == ["200"], ALL_WALKS[i]
        assert got["tls.alert_message.desc"] == ["0", "0"], ALL_WALKS[i]  # both close_notify decrypted
        assert got["http.content_length"] == [str(len(walk_mod.RESPONSE.split(b"\r\n\r\n", 1)[1]))]
        # the same handshake fields as the walk shows
        hellos = [s for s in r.steps if s.title in ("ClientHello", "ServerHello")]
        randoms = [s.data[6:38].hex() for s in hellos]
        assert got["tls.handshake.random"] == randoms
        assert {int(c, 16) for c in got["tls.handshake.ciphersuite"]} == {suite.code}
        ch_exts = [int(f.value.split("(")[1].rstrip(")")) for f in hellos[0].spans if f.name == "extension type"]
        assert [int(x) for x in got["tls.handshake.extension.type"][:len(ch_exts)]] == ch_exts
    expert = _run([tshark, "-r", str(pcap), "-o", f"tls.keylog_file:{keylog}", "-q", "-z", "expert,warn"])
    assert "Malformed" not in expert and "Errors" not in expert


def test_shipped_captures_regenerate_byte_for_byte(tmp_path):
    from protolab.tls.samples import SAMPLES, regenerate

    written = regenerate(tmp_path)
    assert len(written) == 2 * len(SAMPLES)
    for path in written:
        shipped = REPO / "captures" / "tls" / path.name
        assert shipped.read_bytes() == path.read_bytes(), f"{path.name}: run python -m protolab.tls.samples"


def test_tour_stop_is_an_ecdhe_walk():
    from protolab.tls.tour import STOP

    report = STOP.run()
    assert report.ok and any("ECDHE" in line for line in report.lines)
    assert any("Finished" in line for line in report.lines)


@pytest.mark.parametrize("args, message", [
    (["--suite", "TLS_NULL_WITH_FOO"], "unknown cipher suite"),
    (["--version", "1.3", "--kx", "rsa"], "TLS 1.3 has no RSA key transport"),
    (["--kx", "rsa", "--tamper", "server-key-exchange"], "needs a TLS 1.2 ECDHE walk"),
    (["--tamper", "everything"], "unknown tamper target"),
    (["--version", "1.3", "--suite", "AES128-GCM-SHA256"], "not a TLS 1.3 one"),
    (["--group", "brainpool"], "unsupported group"),
    (["--cert", "/nonexistent.pem"], "--cert and --key go together"),
])
def test_walk_bad_input_is_one_line(cli, args, message):
    res = cli("tls", "walk", "--no-cost", *args)
    assert res.exit_code == 2
    assert res.stderr.startswith("error: ") and message in res.stderr and res.stderr.count("\n") == 1


def test_walk_cli_tamper_exits_1_and_shows_the_check(cli):
    res = cli("tls", "walk", "--tamper", "certificate", "--no-cost")
    assert res.exit_code == 1
    assert "✗ certificate check" in res.stdout and "attacker" in res.stdout
    assert "certificate signature does not verify" in res.stderr
    ok = cli("tls", "walk", "--kx", "rsa", "--no-cost")
    assert ok.exit_code == 0 and "handshake complete" in ok.stdout and "ClientKeyExchange" in ok.stdout


def test_walk_with_your_own_certificate(cli, shared, tmp_path):
    base = shared("tls/openssl")
    res = cli("tls", "walk", "--kx", "rsa", "--cert", str(base / "server.crt"), "--key", str(base / "server.key"),
              "--no-cost", "--json")
    assert res.exit_code == 0, res.stderr
    from cryptography.hazmat.primitives.serialization import Encoding

    from protolab.tls.kx import load_certificate

    cert_step = next(s for s in json.loads(res.stdout)["steps"] if s["title"] == "Certificate")
    der = load_certificate((base / "server.crt").read_bytes()).public_bytes(Encoding.DER)
    assert der.hex() in cert_step["data"]
    other = shared("tls/illustrated-tls12/server/server.key")
    res = cli("tls", "walk", "--cert", str(base / "server.crt"), "--key", str(other), "--no-cost")
    assert res.exit_code == 2 and "does not belong to the certificate" in res.stderr


def _pump(client, server) -> None:
    """Move bytes between two engines until both are connected (or one failed)."""
    client.start()
    for _ in range(10):
        for sender, receiver in ((client, server), (server, client)):
            data = sender.data_to_send()
            if data:
                receiver.receive(data)
        if (client.connected and server.connected) or client.failed or server.failed:
            return


@pytest.mark.parametrize("version, suite, group", [
    ("1.2", "TLS_RSA_WITH_AES_128_CBC_SHA", "x25519"),  # RSA encryption of the pre-master, CBC explicit IVs
    ("1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "secp256r1"),  # RSA-PSS signature over a P-256 share
    ("1.3", "TLS_AES_128_GCM_SHA256", "x25519"),
])
def test_without_a_seed_the_engines_use_the_os_csprng(version, suite, group):
    """connect/serve give no seed: every random value then comes from the OS, none repeats between two runs."""
    import random

    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config, make_rng
    from protolab.tls.kx import lab_identity
    from protolab.tls.server import TlsServer
    from protolab.tls.suites import lookup_group, lookup_suite

    assert isinstance(make_rng(None, "client"), random.SystemRandom)
    assert type(make_rng(3, "client")) is random.Random
    identity = lab_identity("rsa")
    runs = []
    for _ in range(2):
        common = dict(versions=[0x0304 if version == "1.3" else 0x0303], suites=[lookup_suite(suite)],
                      groups=[lookup_group(group)])
        client = TlsClient(Config(**common, anchors=[identity.cert]))
        server = TlsServer(Config(**common, identity=identity))
        assert isinstance(client.rng, random.SystemRandom) and isinstance(server.rng, random.SystemRandom)
        _pump(client, server)
        assert client.connected and server.connected, client.error or server.error
        runs.append((client, server))
    (c1, s1), (c2, s2) = runs
    assert c1.client_random != c2.client_random and s1.server_random != s2.server_random
    assert c1.keylog.text() != c2.keylog.text()
    fresh = {"client ephemeral private key", "server ephemeral private key", "pre_master_secret"}
    compared = 0
    for first, second in ((c1, c2), (s1, s2)):
        for name in fresh & first.secrets.keys():
            assert first.secrets[name] != second.secrets[name], name
            compared += 1
    assert compared >= 2  # RSA: the pre-master on both sides; ECDHE: one ephemeral key on each side


def test_tls13_downgrade_sentinel():
    """RFC 8446 4.1.3: a server that could do TLS 1.3 but negotiates 1.2 ends its random with DOWNGRD\\x01; a
    client that offered 1.3 and sees it aborts (someone stripped 1.3 from its ClientHello)."""
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.kx import lab_identity
    from protolab.tls.server import TlsServer
    from protolab.tls.suites import lookup_group, lookup_suite

    identity = lab_identity("rsa")
    suites = [lookup_suite("TLS_AES_128_GCM_SHA256"), lookup_suite("ECDHE-RSA-AES128-GCM-SHA256")]
    common = dict(suites=suites, groups=[lookup_group("x25519")], seed=2)

    def run(client_versions, server_versions):
        client = TlsClient(Config(versions=client_versions, anchors=[identity.cert], **common))
        server = TlsServer(Config(versions=server_versions, identity=identity, **common))
        _pump(client, server)
        return client, server

    client, server = run([0x0303], [0x0304, 0x0303])  # an old client: 1.2 is fine, with the sentinel
    assert client.connected and server.server_random.endswith(b"DOWNGRD\x01")
    client, server = run([0x0304, 0x0303], [0x0303])  # a 1.2-only server sets no sentinel
    assert client.connected and not server.server_random.endswith(b"DOWNGRD\x01")
    # an attacker strips TLS 1.3 from a 1.3-capable client's hello: the 1.3-capable server answers with 1.2
    # and the sentinel, and the client notices
    client = TlsClient(Config(versions=[0x0304, 0x0303], anchors=[identity.cert], **common))
    server = TlsServer(Config(versions=[0x0304, 0x0303], identity=identity, **common))
    client.start()
    stripped = TlsClient(Config(versions=[0x0303], anchors=[identity.cert], **common))
    stripped.start()
    server.receive(stripped.data_to_send())
    client.data_to_send()
    client.receive(server.data_to_send())
    assert client.failed and "downgrade sentinel" in client.error


def test_a_key_the_lab_cannot_sign_with_is_bad_input(cli, tmp_path):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509.oid import NameOID

    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=9)).sign(key, None))
    (tmp_path / "ed.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "ed.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    for command in (["walk", "--no-cost"], ["serve", "--port", "0", "--timeout", "0.1"]):
        res = cli("tls", *command, "--cert", str(tmp_path / "ed.crt"), "--key", str(tmp_path / "ed.key"))
        assert res.exit_code == 2 and "RSA or ECDSA on P-256/P-384 keys only" in res.stderr, res.stderr
        assert res.stderr.count("\n") == 1


def test_client_refuses_an_extension_it_did_not_offer():
    """The server answers with extended_master_secret; this client's record of its hello says it never offered
    it (as if someone added it on the way): unsupported_extension, not a silent EMS handshake."""
    from protolab.tls import extensions as x
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.kx import lab_identity
    from protolab.tls.server import TlsServer
    from protolab.tls.suites import lookup_group, lookup_suite

    identity = lab_identity("rsa")
    common = dict(suites=[lookup_suite("AES128-GCM-SHA256")], groups=[lookup_group("x25519")], seed=4)
    client = TlsClient(Config(anchors=[identity.cert], **common))
    server = TlsServer(Config(identity=identity, **common))
    client.start()
    client.offered.extensions = [e for e in client.offered.extensions if e.type != x.EXTENDED_MASTER_SECRET]
    server.receive(client.data_to_send())
    client.receive(server.data_to_send())
    assert client.failed and "did not offer: 23" in client.error
    assert client.data_to_send()[-2:] == bytes([2, 110])  # fatal unsupported_extension alert
