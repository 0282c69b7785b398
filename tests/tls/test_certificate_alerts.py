"""A refused certificate is answered with the alert that says why (RFC 8446 6.2), as OpenSSL does: unknown_ca
when no trust anchor vouches for it, certificate_expired out of its validity, bad_certificate otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from protolab.tls.certcheck import check_chain
from protolab.tls.kx import lab_identity


def _other_ca() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "some other CA")])
    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))


@pytest.mark.parametrize("trusted, host, years, alert", [
    (False, "localhost", 0, 48),  # self-signed, not among the anchors: unknown_ca
    (True, "localhost", 50, 45),  # pinned but expired: certificate_expired
    (True, "example.org", 0, 42),  # pinned, other name: bad_certificate
])
def test_refusals_name_their_reason(trusted, host, years, alert):
    leaf, other = lab_identity("rsa").cert, _other_ca()
    now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365 * years)
    res = check_chain([leaf.public_bytes(serialization.Encoding.DER)], host, [leaf if trusted else other], now)
    assert not res.ok and res.alert == alert, res.detail
