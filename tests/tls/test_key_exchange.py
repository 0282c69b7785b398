"""Key exchange and signatures: RSA key transport, ECDHE on the three groups, the five signature schemes, the
registries (suites, groups, schemes), NSS key logs,
the seeded lab identity; everything seeded is reproducible."""

import random
import subprocess

import pytest
from cryptography import x509

from protolab.errors import BadInput, MalformedData
from protolab.tls import kx
from protolab.tls.suites import GROUPS, SIGNATURE_SCHEMES, lookup_group


@pytest.fixture(scope="module")
def rsa_identity():
    return kx.lab_identity("rsa", 0)


def test_rsa_key_transport(rsa_identity):
    key = rsa_identity.key
    pms = kx.make_pre_master(random.Random(1))
    assert len(pms) == 48 and pms[:2] == b"\x03\x03"
    enc = kx.rsa_encrypt_pre_master(key.public_key(), pms, random.Random(2))
    assert enc == kx.rsa_encrypt_pre_master(key.public_key(), pms, random.Random(2))  # seeded padding
    assert enc != kx.rsa_encrypt_pre_master(key.public_key(), pms, random.Random(3))
    assert kx.rsa_decrypt_pre_master(key, enc) == pms
    other = kx.seeded_rsa_key(5, bits=1024)
    assert kx.rsa_decrypt_pre_master(other, enc) is None  # wrong key: nothing usable


@pytest.mark.parametrize("name", ["x25519", "secp256r1", "secp384r1"])
def test_ecdhe_both_sides_agree(name):
    group = lookup_group(name)
    a = kx.generate_ephemeral(group, random.Random(1))
    b = kx.generate_ephemeral(group, random.Random(2))
    assert len(a.public) == group.public_len
    assert kx.generate_ephemeral(group, random.Random(1)).public == a.public  # seeded
    secret = kx.shared_secret(a, b.public)
    assert secret == kx.shared_secret(b, a.public) and len(secret) == group.field_len
    d = kx.ecdhe_derivation(a, b.public, "client")
    assert d.kind == "asymmetric" and d.output == secret
    with pytest.raises(MalformedData):
        kx.shared_secret(a, b.public[:-1])
    with pytest.raises(MalformedData):
        kx.decode_public(group, b"\x04" + bytes(group.public_len - 1) if name != "x25519" else bytes(31))


def test_x25519_low_order_point_rejected():
    a = kx.generate_ephemeral(GROUPS[0x001D], random.Random(1))
    with pytest.raises(MalformedData, match="key agreement failed"):
        kx.shared_secret(a, bytes(32))


@pytest.mark.parametrize("code", sorted(SIGNATURE_SCHEMES))
def test_signature_schemes(code, rsa_identity):
    scheme = SIGNATURE_SCHEMES[code]
    key = rsa_identity.key if scheme.key == "rsa" else kx.seeded_ec_key(0, scheme.curve)
    data = b"server key exchange params"
    sig = kx.sign(scheme, key, data, random.Random(4))
    assert sig == kx.sign(scheme, key, data, random.Random(4))  # reproducible: seeded salt / RFC 6979
    pub = key.public_key()
    assert kx.verify(scheme, pub, data, kx.sign(scheme, key, data, random.SystemRandom()))  # OS randomness
    assert kx.verify(scheme, pub, data, sig)
    assert not kx.verify(scheme, pub, data + b"!", sig)
    assert not kx.verify(scheme, pub, data, sig[:-1] + bytes([sig[-1] ^ 1]))


def test_sign_with_wrong_key_type(rsa_identity):
    with pytest.raises(BadInput):
        kx.sign(SIGNATURE_SCHEMES[0x0403], rsa_identity.key, b"x", random.Random(0))


def test_seeded_rsa_key_is_reproducible():
    a, b = kx.seeded_rsa_key(9, bits=1024), kx.seeded_rsa_key(9, bits=1024)
    assert a.private_numbers() == b.private_numbers()
    assert a.key_size == 1024
    assert kx.seeded_rsa_key(10, bits=1024).public_key().public_numbers().n != a.public_key().public_numbers().n


def test_lab_identity_certificate(rsa_identity, tmp_path, tool):
    cert = rsa_identity.cert
    assert rsa_identity.kind == "rsa" and rsa_identity.key.key_size == 2048
    assert cert.subject == cert.issuer
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    cert.verify_directly_issued_by(cert)  # self-signed signature checks out
    assert kx.load_identity(rsa_identity.cert_pem, rsa_identity.key_pem).cert == cert
    ecdsa = kx.lab_identity("ecdsa", 0)
    ecdsa.cert.verify_directly_issued_by(ecdsa.cert)
    # openssl agrees key and certificate belong together
    (tmp_path / "c.pem").write_bytes(rsa_identity.cert_pem)
    out = subprocess.run([tool("openssl"), "x509", "-in", str(tmp_path / "c.pem"), "-noout", "-subject"],
                         capture_output=True, text=True, check=True)
    assert "CN=localhost" in out.stdout.replace(" ", "")
    with pytest.raises(BadInput, match="does not belong"):
        kx.load_identity(rsa_identity.cert_pem, ecdsa.key_pem)
    with pytest.raises(BadInput):
        kx.load_private_key(b"garbage")


def test_registries_lookup():
    from protolab.tls.suites import SUITES, lookup_scheme, lookup_suite, suites_for

    assert lookup_suite("ECDHE-RSA-AES128-GCM-SHA256") is lookup_suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") \
        is lookup_suite("ecdhe_rsa_with_aes_128_gcm_sha256") is lookup_suite("0xC02F") is lookup_suite(0xC02F)
    assert lookup_suite("TLS_CHACHA20_POLY1305_SHA256").version == 0x0304
    assert len(SUITES) == 12 and len(suites_for(0x0303, "rsa")) == 4 and len(suites_for(0x0304)) == 3
    cbc = lookup_suite("ECDHE-RSA-AES128-SHA")
    assert (cbc.mac, cbc.mac_len, cbc.key_len, cbc.record_iv_len, cbc.hash) == ("sha1", 20, 16, 16, "sha256")
    gcm = lookup_suite("AES256-GCM-SHA384")
    assert (gcm.aead, gcm.key_len, gcm.iv_len, gcm.record_iv_len, gcm.hash) == (True, 32, 4, 8, "sha384")
    assert lookup_group("P-256") is lookup_group("prime256v1") is lookup_group(0x0017)
    assert lookup_scheme("rsa_pss_rsae_sha256").code == 0x0804
    for bad in (lambda: lookup_suite("RC4-MD5"), lambda: lookup_suite(0x0005), lambda: lookup_group("x448"),
                lambda: lookup_scheme(0x0807)):
        with pytest.raises(BadInput):
            bad()


def test_keylog_read_write(tmp_path):
    from protolab.tls.keylog import parse_keylog, read_keylog, tls12_line, tls13_lines

    cr = bytes(range(32))
    text = "# comment\n" + tls12_line(cr, b"\x01" * 48) + "RSA 0011223344556677 " + "02" * 48 + "\nnot a line\n"
    text += tls13_lines(cr, {"client_handshake_traffic_secret": b"\x03" * 32,
                             "server_application_traffic_secret": b"\x04" * 32})
    log = parse_keylog(text)
    assert log.skipped == 1 and log.master_secret(cr) == b"\x01" * 48
    assert log.rsa_pre_master(bytes.fromhex("0011223344556677") + b"rest") == b"\x02" * 48
    assert log.secrets_for(cr)["SERVER_TRAFFIC_SECRET_0"] == b"\x04" * 32
    log.write(tmp_path / "k.log")
    again = read_keylog(tmp_path / "k.log")
    assert again.entries == log.entries and again.text() == log.text()
    with pytest.raises(BadInput, match="no NSS key log lines"):
        parse_keylog("hello\n")
    (tmp_path / "bin").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(BadInput, match="not an NSS key log"):
        read_keylog(tmp_path / "bin")
    with pytest.raises(BadInput, match="key log .*: no such file or directory"):
        read_keylog(tmp_path / "missing")


CR = "ab" * 32


@pytest.mark.parametrize("line, problem", [
    (f"CLIENT_RANDOM {CR} {'11' * 47}", "CLIENT_RANDOM secret is 47 bytes, not 48"),
    (f"CLIENT_RANDOM {'ab' * 31} {'11' * 48}", "CLIENT_RANDOM client random is 31 bytes, not 32"),
    (f"CLIENT_RANDOM {CR} zz{'11' * 47}", "CLIENT_RANDOM fields are not hex"),
    (f"SERVER_TRAFFIC_SECRET_0 {CR} {'11' * 31}", "SERVER_TRAFFIC_SECRET_0 secret is 31 bytes, not 32 or 48"),
    (f"RSA {'00' * 7} {'11' * 48}", "RSA encrypted pre-master prefix is 7 bytes, not 8"),
    (f"CLIENT_RANDOM {CR}", "CLIENT_RANDOM takes 2 fields, got 1"),
], ids=["short-master", "short-random", "not-hex", "short-tls13-secret", "short-rsa-prefix", "missing-field"])
def test_keylog_line_with_bad_lengths_is_rejected_with_its_line_number(line, problem):
    # chosen behaviour: a line of a known label that cannot be right is an error (exit 2) naming the line,
    # not a warning-and-skip; lines of unknown labels and free text are still skipped (counted)
    from protolab.errors import BadInput
    from protolab.tls.keylog import parse_keylog

    good = f"# comment\nCLIENT_RANDOM {'cd' * 32} {'22' * 48}\nsomething else\n"
    with pytest.raises(BadInput, match=f"^k.log line 4: {problem}$"):
        parse_keylog(good + line + "\n", "k.log")
    log = parse_keylog(good + f"SERVER_TRAFFIC_SECRET_0 {CR} {'11' * 48}\nFUTURE_LABEL {CR} 1234\n", "k.log")
    assert log.skipped == 1 and len(log.entries) == 3
