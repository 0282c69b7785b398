"""RFC 8448 section 3 (simple 1-RTT): every secret, key, IV, Finished and protected record, byte for byte."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa, x25519

from protolab.tls import kx
from protolab.tls.keyschedule import KeySchedule, hkdf_label, transcript_hash
from protolab.tls.protection import RecordProtection
from protolab.tls.suites import lookup_scheme, lookup_suite

SUITE = lookup_suite("TLS_AES_128_GCM_SHA256")


@pytest.fixture
def rfc(shared):
    data = json.loads(shared("tls/vectors/rfc8448_simple_1rtt.json").read_text())
    steps = data["section3_steps"]

    def step(text, actor="server"):
        for s in steps:
            if s["step"] == text and s["actor"] == actor:
                return {k: bytes.fromhex(v) if k not in ("salt",) else v for k, v in s["values"].items()}
        raise KeyError(text)

    return data, step


@pytest.fixture
def schedule(rfc):
    _, step = rfc
    ch = step("construct a ClientHello handshake message", "client")["ClientHello"]
    sh = step("construct a ServerHello handshake message")["ServerHello"]
    server_flight = b"".join(
        step(f"construct a{n} handshake message")[key] for n, key in
        [("n EncryptedExtensions", "EncryptedExtensions"), (" Certificate", "Certificate"),
         (" CertificateVerify", "CertificateVerify"), (" Finished", "Finished")])
    client_fin = step("construct a Finished handshake message", "client")["Finished"]
    c_priv = step("create an ephemeral x25519 key pair", "client")["private key"]
    s_pub = step("create an ephemeral x25519 key pair")["public key"]
    me = kx.ephemeral_from_private(kx.GROUPS[0x001D], x25519.X25519PrivateKey.from_private_bytes(c_priv))
    ks = KeySchedule.for_suite(SUITE)
    ks.handshake(kx.shared_secret(me, s_pub), transcript_hash("sha256", ch + sh))
    ks.master(transcript_hash("sha256", ch + sh + server_flight))
    return ks, dict(ch=ch, sh=sh, flight=server_flight, client_fin=client_fin, me=me, s_pub=s_pub)


def test_ephemeral_keys_and_shared_secret(rfc, schedule):
    _, step = rfc
    ks, m = schedule
    assert m["me"].public == step("create an ephemeral x25519 key pair", "client")["public key"]
    s = step("create an ephemeral x25519 key pair")
    srv = kx.ephemeral_from_private(kx.GROUPS[0x001D], x25519.X25519PrivateKey.from_private_bytes(s["private key"]))
    assert srv.public == s["public key"]
    ikm = step('extract secret "handshake"')["IKM"]
    assert kx.shared_secret(srv, m["me"].public) == kx.shared_secret(m["me"], m["s_pub"]) == ikm


def test_every_secret(rfc, schedule):
    _, step = rfc
    ks, m = schedule
    assert ks.early_secret == step('extract secret "early"')["secret"]
    derived = step('derive secret for handshake "tls13 derived"')
    assert hkdf_label("derived", derived["hash"], 32) == derived["info"]
    assert ks.handshake_secret == step('extract secret "handshake"')["secret"]
    c_hs = step('derive secret "tls13 c hs traffic"')
    assert transcript_hash("sha256", m["ch"] + m["sh"]) == c_hs["hash"]
    assert hkdf_label("c hs traffic", c_hs["hash"], 32) == c_hs["info"]
    assert ks.client_handshake_traffic_secret == c_hs["expanded"]
    assert ks.server_handshake_traffic_secret == step('derive secret "tls13 s hs traffic"')["expanded"]
    h_sfin = transcript_hash("sha256", m["ch"] + m["sh"] + m["flight"])
    assert h_sfin == step('derive secret "tls13 c ap traffic"')["hash"]
    assert ks.master_secret == step('extract secret "master"')["secret"]
    assert ks.client_application_traffic_secret == step('derive secret "tls13 c ap traffic"')["expanded"]
    assert ks.server_application_traffic_secret == step('derive secret "tls13 s ap traffic"')["expanded"]
    assert ks.exporter_master_secret == step('derive secret "tls13 exp master"')["expanded"]
    res = step('derive secret "tls13 res master"', "client")
    assert transcript_hash("sha256", m["ch"] + m["sh"] + m["flight"] + m["client_fin"]) == res["hash"]
    assert ks.resumption(res["hash"]) == res["expanded"]
    ticket = step('generate resumption secret "tls13 resumption"')
    assert ks.ticket_psk(ticket["hash"]) == ticket["expanded"]
    # every derivation is recorded with inputs and output
    names = [d.name for d in ks.derivations]
    assert "handshake_secret" in names and "master_secret" in names
    assert all(d.output and d.inputs for d in ks.derivations)


def test_every_key_iv_and_finished(rfc, schedule):
    _, step = rfc
    ks, m = schedule
    cases = [("derive write traffic keys for handshake data", "server", ks.server_handshake_traffic_secret),
             ("derive read traffic keys for handshake data", "server", ks.client_handshake_traffic_secret),
             ("derive write traffic keys for application data", "server", ks.server_application_traffic_secret),
             ("derive write traffic keys for application data", "client", ks.client_application_traffic_secret)]
    for text, actor, secret in cases:
        want = step(text, actor)
        assert want["PRK"] == secret
        keys = ks.traffic_keys(actor, secret, SUITE.key_len)
        assert (keys.key, keys.iv) == (want["key expanded"], want["iv expanded"])
        assert hkdf_label("key", b"", 16) == want["key info"] and hkdf_label("iv", b"", 12) == want["iv info"]
    s_fin = step('calculate finished "tls13 finished"')
    h_before_sfin = transcript_hash("sha256", m["ch"] + m["sh"] + m["flight"][:-36])
    assert ks.finished_key("server", ks.server_handshake_traffic_secret) == s_fin["expanded"]
    assert ks.verify_data("server", ks.server_handshake_traffic_secret, h_before_sfin) == s_fin["finished"]
    c_fin = step('calculate finished "tls13 finished"', "client")
    h_sfin = transcript_hash("sha256", m["ch"] + m["sh"] + m["flight"])
    assert ks.verify_data("client", ks.client_handshake_traffic_secret, h_sfin) == c_fin["finished"]
    assert m["client_fin"][4:] == c_fin["finished"]


def _protector(ks, secret, seq=0):
    keys = ks.traffic_keys("t", secret, SUITE.key_len)
    return RecordProtection(SUITE, keys.key, keys.iv, seq=seq)


def test_protected_records_byte_for_byte(rfc, schedule):
    _, step = rfc
    ks, m = schedule
    # (step, actor, traffic secret, content type, sequence number, which occurrence of the step)
    s_hs, c_hs = ks.server_handshake_traffic_secret, ks.client_handshake_traffic_secret
    s_ap, c_ap = ks.server_application_traffic_secret, ks.client_application_traffic_secret
    records = [("send handshake record", "server", s_hs, 22, 0, 1),
               ("send handshake record", "client", c_hs, 22, 0, 1),
               ("send application_data record", "client", c_ap, 23, 0, 0),
               ("send application_data record", "server", s_ap, 23, 1, 0),
               ("send alert record", "client", c_ap, 21, 1, 0),
               ("send alert record", "server", s_ap, 21, 2, 0)]
    for text, actor, secret, ctype, seq, nth in records:
        matches = [s for s in rfc[0]["section3_steps"] if s["step"] == text and s["actor"] == actor]
        want = {k: bytes.fromhex(v) for k, v in matches[nth]["values"].items()}
        sealed = _protector(ks, secret, seq).seal(ctype, want["payload"])
        assert sealed.record == want["complete record"], (text, actor)
        opened = _protector(ks, secret, seq).open(want["complete record"])
        assert (opened.content_type, opened.plaintext) == (ctype, want["payload"])
    ticket = step("send handshake record")  # the first server "send handshake record" is the plaintext ServerHello
    assert ticket["complete record"][:1] == b"\x16"
    nst = [s for s in rfc[0]["section3_steps"] if s["step"] == "send handshake record" and s["actor"] == "server"][2]
    want = {k: bytes.fromhex(v) for k, v in nst["values"].items()}
    assert _protector(ks, s_ap, 0).seal(22, want["payload"]).record == want["complete record"]


def test_certificate_verify_signature(rfc, schedule):
    data, step = rfc
    ks, m = schedule
    k = {n: int(v, 16) for n, v in data["section2_server_rsa_key"].items()}
    key = rsa.RSAPrivateNumbers(k["prime1"], k["prime2"], k["private exponent"], k["exponent1"], k["exponent2"],
                                k["coefficient"], rsa.RSAPublicNumbers(k["public exponent"], k["modulus (public)"])
                                ).private_key()
    cv = step("construct a CertificateVerify handshake message")["CertificateVerify"]
    scheme = lookup_scheme(int.from_bytes(cv[4:6], "big"))
    signature = cv[8:]
    flight = m["flight"]
    cert_len = 4 + int.from_bytes(flight[flight.index(b"\x0b\x00") + 1:][:3], "big")
    through_cert = m["ch"] + m["sh"] + flight[:flight.index(b"\x0b\x00") + cert_len]
    content = b" " * 64 + b"TLS 1.3, server CertificateVerify\x00" + transcript_hash("sha256", through_cert)
    assert kx.verify(scheme, key.public_key(), content, signature)
    assert not kx.verify(scheme, key.public_key(), content + b"x", signature)
    import random
    mine = kx.sign(scheme, key, content, random.Random(1))
    assert kx.verify(scheme, key.public_key(), content, mine)
    assert mine == kx.sign(scheme, key, content, random.Random(1))  # seeded salt: reproducible


def test_rfc_records_through_the_wire_codec(rfc, schedule):
    """The RFC's wire records framed by records.py, opened, and their messages decoded by messages.py."""
    from protolab.tls.messages import Context, decode_handshake, split_handshakes
    from protolab.tls.records import split_records

    ks, m = schedule
    steps = rfc[0]["section3_steps"]
    server_records = [bytes.fromhex(s["values"]["complete record"]) for s in steps
                      if s["actor"] == "server" and s["step"] == "send handshake record"]
    wire = b"".join(server_records[:2])  # ServerHello (plain) + the encrypted flight
    records, rest = split_records(wire)
    assert rest == b"" and [r.content_type for r in records] == [22, 23]
    assert records[0].fragment == m["sh"]
    prot = _protector(ks, ks.server_handshake_traffic_secret)
    opened = prot.open(records[1].encode())
    msgs, left = split_handshakes(opened.plaintext)
    ctx = Context(version=0x0304)
    names = [decode_handshake(raw, ctx).name for raw in msgs]
    assert left == b"" and names == ["EncryptedExtensions", "Certificate", "CertificateVerify", "Finished"]
    assert b"".join(msgs) == m["flight"]


def test_client_engine_replays_the_rfc_handshake_byte_for_byte(rfc, schedule):
    """The sans-I/O client engine, given the RFC's ClientHello and ephemeral key, fed the RFC's server records:
    it checks the CertificateVerify and the server Finished, and what it sends (its Finished record, then
    application data and close_notify) is the RFC's records byte for byte; it opens the server's ones."""
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.messages import decode_handshake
    from protolab.tls.suites import lookup_group

    _, step = rfc
    ks, m = schedule
    steps = rfc[0]["section3_steps"]

    def records(text, actor):
        return [{k: bytes.fromhex(v) for k, v in s["values"].items()} for s in steps
                if s["step"] == text and s["actor"] == actor]

    x25519_group = lookup_group("x25519")
    # the RFC's certificate expired on 2026-07-30: its chain is not checked here, its signature is
    client = TlsClient(Config(versions=[0x0304], suites=[SUITE], groups=[x25519_group], verify=False, seed=0))
    client.client_random, client.offered = m["ch"][6:38], decode_handshake(m["ch"]).msg
    client.offered_groups, client.eph, client.state = [x25519_group], m["me"], "WAIT_SH"
    client.transcript += m["ch"]
    server_hs = records("send handshake record", "server")
    client.receive(server_hs[0]["complete record"] + server_hs[1]["complete record"])
    assert client.connected, client.error
    checks = {s.title: s.ok for s in client.steps if s.kind == "check"}
    assert checks == {"CertificateVerify": True, "server Finished": True}
    client_hs = records("send handshake record", "client")  # [0]: the ClientHello, [1]: the encrypted Finished
    assert client_hs[0]["payload"] == m["ch"]
    assert client.data_to_send() == client_hs[1]["complete record"]
    assert client.secrets["client_application_traffic_secret_0"] == ks.client_application_traffic_secret
    client.receive(server_hs[2]["complete record"])  # NewSessionTicket, under the server application key
    app = records("send application_data record", "client")[0]
    client.send_data(app["payload"])
    assert client.data_to_send() == app["complete record"]
    reply = records("send application_data record", "server")[0]
    client.receive(reply["complete record"])
    assert client.received == [reply["payload"]]
    client.close()
    assert client.data_to_send() == records("send alert record", "client")[0]["complete record"]
