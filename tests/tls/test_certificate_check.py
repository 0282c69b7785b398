"""The client's certificate check (`connect --ca`, the walk) against `openssl verify` on the same certificates:
path validation to an anchor, intermediates, names, dates, a pinned self-signed certificate, and the reasons
given when it fails (OpenSSL's: self-signed, unknown issuer, bad signature)."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from protolab.tls.certcheck import check_chain

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _cert(cn, key, issuer=None, issuer_key=None, ca=False, san="localhost", days=(-30, 365)):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer.subject if issuer else name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(NOW + dt.timedelta(days=days[0])).not_valid_after(NOW + dt.timedelta(days=days[1]))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if san:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    b = b.add_extension(ski, critical=False)
    if issuer is not None:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                            critical=False)
    return b.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki():
    k = {n: ec.generate_private_key(ec.SECP256R1()) for n in ("root", "inter", "leaf", "other", "self", "ee")}
    end_entity = _cert("not a CA", k["ee"], san="example.org")
    root = _cert("lab root", k["root"], ca=True, san=None)
    other = _cert("other root", k["other"], ca=True, san=None)
    inter = _cert("lab intermediate", k["inter"], root, k["root"], ca=True, san=None)
    leaf = _cert("localhost", k["leaf"], root, k["root"])
    self_signed = _cert("localhost", k["self"], ca=True)  # what `openssl req -x509` makes
    der = bytearray(self_signed.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 1  # last byte of the signature
    return {"root": root, "other": other, "inter": inter, "leaf": leaf, "self": self_signed,
            "tampered": x509.load_der_x509_certificate(bytes(der)),
            "via_inter": _cert("localhost", k["leaf"], inter, k["inter"]),
            "foreign": _cert("localhost", k["leaf"], other, k["other"]),
            "end_entity": end_entity, "by_end_entity": _cert("localhost", k["leaf"], end_entity, k["ee"]),
            "expired": _cert("localhost", k["leaf"], root, k["root"], days=(-400, -10))}


CASES = [  # (id, chain, anchors, host, ok, reason in our detail)
    ("to a root", ["leaf"], ["root"], "localhost", True, "chain verifies to a trusted root"),
    ("through an intermediate", ["via_inter", "inter"], ["root"], "localhost", True, "chain verifies"),
    ("intermediate missing", ["via_inter"], ["root"], "localhost", False, "unable to get the issuer certificate"),
    ("wrong name", ["leaf"], ["root"], "example.com", False, "path validation refuses it"),
    ("issuer is no CA", ["by_end_entity"], ["end_entity"], "localhost", False, "path validation refuses it"),
    ("unknown issuer", ["foreign"], ["root"], "localhost", False, "unable to get the issuer certificate"),
    ("expired", ["expired"], ["root"], "localhost", False, "path validation refuses it"),
    ("pinned self-signed", ["self"], ["self"], "localhost", True, "this very certificate is trusted"),
    ("pinned, wrong name", ["self"], ["self"], "example.com", False, "is not for example.com"),
    ("self-signed, not trusted", ["self"], ["root"], "localhost", False, "self-signed certificate"),
    ("altered", ["tampered"], ["self"], "localhost", False, "signature does not verify"),
]


@pytest.mark.parametrize("chain, anchors, host, ok, reason", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_certificate_check_agrees_with_openssl_verify(pki, tool, tmp_path, chain, anchors, host, ok, reason):
    certs = [pki[n] for n in chain]
    res = check_chain([c.public_bytes(serialization.Encoding.DER) for c in certs], host,
                      [pki[n] for n in anchors], now=NOW)
    assert res.ok is ok and reason in res.detail, res.detail

    def pem(name, items):
        path = tmp_path / name
        path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in items))
        return str(path)

    args = [tool("openssl"), "verify", "-attime", str(int(NOW.timestamp())), "-verify_hostname", host,
            "-CAfile", pem("ca.pem", [pki[n] for n in anchors])]
    if len(certs) > 1:
        args += ["-untrusted", pem("chain.pem", certs[1:])]
    out = subprocess.run(args + [pem("leaf.pem", certs[:1])], capture_output=True, text=True, timeout=10)
    assert (out.returncode == 0) is ok, out.stdout + out.stderr


def test_no_anchors_and_garbage(pki):
    der = pki["self"].public_bytes(serialization.Encoding.DER)
    assert "no trust anchors" in check_chain([der], "localhost", []).detail
    assert "does not parse" in check_chain([b"\x30\x03abc"], "localhost", [pki["root"]]).detail
    assert "sent no certificate" in check_chain([], "localhost", [pki["root"]]).detail
