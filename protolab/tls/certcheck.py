"""Server certificate checks for the client engine: is this chain for this name, and signed by someone trusted?

Two ways to trust, tried in order:
1. RFC 5280 path validation with `cryptography.x509.verification` (chain -> anchor, dates, name, key usage),
   against the given anchors (--ca, the walk's own certificate) or the system roots.
2. A pinned certificate: the server's certificate IS one of the anchors, byte for byte (the walk's own
   certificate, OpenSSL's `req -x509` ones, which path validation refuses as a leaf because they say CA:TRUE);
   then only its dates and name are checked.
Anything else fails, with the reason said the way OpenSSL's verify would (self-signed and not trusted,
issuer not among the anchors, a signature that does not verify, or what path validation objected to).
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
    alert: int = 42  # what a refusal tells the peer (RFC 8446 6.2): bad_certificate, or the more precise one below


UNKNOWN_CA, CERTIFICATE_EXPIRED = 48, 45  # no trust anchor for it (as OpenSSL says); not valid now


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
    import warnings

    paths = ssl.get_default_verify_paths()
    for path in (paths.cafile, paths.openssl_cafile):
        if path:
            try:
                with open(path, "rb") as f, warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # e.g. a root with a non-positive serial: still a root
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
    where = "the --ca certificates" if anchors is not None else "the system's trusted roots"
    anchors = system_roots() if anchors is None else anchors
    if not anchors:
        return CertResult(False, "no trust anchors (give --ca FILE, or --insecure)", subject, issuer)

    def result(ok: bool, detail: str, alert: int = 42) -> CertResult:
        return CertResult(ok, detail, subject, issuer, alert)

    policy_error = ""
    try:
        try:
            subject_name = IPAddress(ipaddress.ip_address(host or ""))
        except ValueError:
            subject_name = DNSName(host or "")
        verifier = PolicyBuilder().store(Store(anchors)).time(now.replace(tzinfo=None)) \
            .build_server_verifier(subject_name)
        verifier.verify(leaf, chain[1:])
        return result(True, f"chain verifies to a trusted root for {host}")
    except Exception as exc:  # VerificationError, ValueError for an empty/odd name: explained below
        policy_error = str(exc).split(" (encountered processing")[0]
    if any(anchor == leaf for anchor in anchors):  # pinned: this very certificate is trusted
        if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            return result(False, f"certificate not valid now (valid {leaf.not_valid_before_utc:%Y-%m-%d} .. "
                                 f"{leaf.not_valid_after_utc:%Y-%m-%d})", CERTIFICATE_EXPIRED)
        if host and not _name_matches(leaf, host):
            return result(False, f"certificate is not for {host} (not in its subjectAltName)")
        return result(True, "this very certificate is trusted (pinned, from " + where + ")"
                            + (f", valid for {host}" if host else ""))
    for anchor in (a for a in anchors + chain[1:] if a.subject == leaf.issuer):
        try:
            leaf.verify_directly_issued_by(anchor)
        except Exception:  # InvalidSignature, ValueError, TypeError: the signature does not verify
            return result(False, "certificate signature does not verify with the trusted key of "
                                 f"{anchor.subject.rfc4514_string()} (altered or forged certificate)")
        return result(False, f"signed by {anchor.subject.rfc4514_string()}, but path validation refuses it: "
                             f"{policy_error}")
    if leaf.issuer == leaf.subject:
        return result(False, f"self-signed certificate that is not among {where} "
                             "(trust it with --ca FILE, or skip the check with --insecure)", UNKNOWN_CA)
    return result(False, f"unable to get the issuer certificate: {issuer} is not among {where}"
                         + (" nor in the chain the server sent" if len(chain) > 1 else ""), UNKNOWN_CA)
