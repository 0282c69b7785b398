"""Server certificate checks for the client engine: is this chain for this name, and signed by someone trusted?

Two ways to trust, tried in order:
1. RFC 5280 path validation with `cryptography.x509.verification` (chain -> anchor, dates, name, key usage),
   against the given anchors (--ca, the walk's own certificate) or the system roots.
2. A directly trusted (pinned) self-signed certificate, which path validation refuses as a leaf because it
   says CA:TRUE (the walk's certificate, OpenSSL's `req -x509` ones): the anchor's public key must verify
   the leaf's signature, the dates must hold and the name must be in the subjectAltName.
Either way the answer is a CertResult, never an exception: a failed check is shown as a step.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509


@dataclass
class CertResult:
    ok: bool
    detail: str
    subject: str = ""
    issuer: str = ""


def _name_matches(cert: x509.Certificate, host: str) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        ip = ipaddress.ip_address(host)
        return ip in san.get_values_for_type(x509.IPAddress)
    except ValueError:
        pass
    for name in san.get_values_for_type(x509.DNSName):
        name = name.lower()
        if name == host.lower() or (name.startswith("*.") and host.lower().partition(".")[2] == name[2:]):
            return True
    return False


def system_roots() -> list[x509.Certificate]:
    """The system's trusted roots (empty when none can be found)."""
    import ssl

    paths = ssl.get_default_verify_paths()
    for path in (paths.cafile, paths.openssl_cafile):
        if path:
            try:
                with open(path, "rb") as f:
                    return x509.load_pem_x509_certificates(f.read())
            except (OSError, ValueError):
                continue
    return []


def check_chain(chain_der: list[bytes], host: str | None, anchors: list[x509.Certificate] | None,
                now: _dt.datetime | None = None) -> CertResult:
    """Check a server's certificate chain (leaf first) for `host` against `anchors` (None: system roots)."""
    from cryptography.x509.verification import DNSName, IPAddress, PolicyBuilder, Store

    if not chain_der:
        return CertResult(False, "the server sent no certificate")
    try:
        chain = [x509.load_der_x509_certificate(der) for der in chain_der]
    except ValueError as exc:
        return CertResult(False, f"certificate does not parse: {exc}")
    leaf = chain[0]
    subject, issuer = leaf.subject.rfc4514_string(), leaf.issuer.rfc4514_string()
    now = now or _dt.datetime.now(_dt.timezone.utc)
    anchors = system_roots() if anchors is None else anchors
    if not anchors:
        return CertResult(False, "no trust anchors (give --ca FILE, or --insecure)", subject, issuer)
    policy_error = ""
    if host:
        try:
            try:
                subject_name = IPAddress(ipaddress.ip_address(host))
            except ValueError:
                subject_name = DNSName(host)
            verifier = PolicyBuilder().store(Store(anchors)).time(now.replace(tzinfo=None)) \
                .build_server_verifier(subject_name)
            verifier.verify(leaf, chain[1:])
            return CertResult(True, f"chain verifies to a trusted root for {host}", subject, issuer)
        except Exception as exc:  # VerificationError and friends: fall back to a pinned certificate
            policy_error = str(exc)
    for anchor in anchors:
        if anchor.subject != leaf.issuer:
            continue
        try:
            leaf.verify_directly_issued_by(anchor)
        except Exception:  # InvalidSignature, ValueError, TypeError: the signature does not verify
            return CertResult(False, "certificate signature does not verify with the trusted key of "
                                     f"{anchor.subject.rfc4514_string()} (altered or forged certificate)",
                              subject, issuer)
        if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            return CertResult(False, f"certificate not valid now (valid {leaf.not_valid_before_utc:%Y-%m-%d} .. "
                                     f"{leaf.not_valid_after_utc:%Y-%m-%d})", subject, issuer)
        if host and not _name_matches(leaf, host):
            return CertResult(False, f"certificate is not for {host}", subject, issuer)
        return CertResult(True, "signature verifies with a directly trusted certificate"
                                + (f", valid for {host}" if host else ""), subject, issuer)
    return CertResult(False, f"not trusted: {policy_error or 'issuer is not a trust anchor'}", subject, issuer)
