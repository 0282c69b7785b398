"""TLS 1.3 key schedule (RFC 8446 section 7) on `cryptography` HMAC/HKDF, every step recorded.

Theory of operation: three HKDF-Extract stages chain into each other, each salted with
Derive-Secret(previous, "derived", ""):

    0 (or PSK) -> Extract -> early_secret
    (EC)DHE    -> Extract -> handshake_secret -> c/s hs traffic   (transcript ClientHello..ServerHello)
    0          -> Extract -> master_secret    -> c/s ap traffic, exporter     (..server Finished)
                                              -> resumption                  (..client Finished)

A traffic secret gives the record key and IV (HKDF-Expand-Label "key"/"iv") and the Finished key
("finished"); verify_data = HMAC(finished_key, transcript hash).

`Derivation` is the record of one computed value with its inputs, shared by the TLS 1.2 PRF (prf.py) and
key exchange (kx.py), so a walk can show which secret came from what.
"""

from __future__ import annotations

import hashlib
import hmac as _hmac
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from protolab.tls.suites import HASH_LEN, CipherSuite


@dataclass(frozen=True)
class Derivation:
    """One derived value: what, by which formula, from which inputs, the output, and the kind of primitive."""

    name: str  # e.g. "master_secret", "client_handshake_traffic_secret"
    function: str  # the formula in the RFC's words
    inputs: dict[str, bytes | str]
    output: bytes
    primitive: str  # e.g. "HMAC-SHA256", "X25519", "RSA PKCS#1 v1.5 decrypt"
    kind: str = "symmetric"  # "symmetric" | "asymmetric" | "random" (drawn, not computed)


_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha1": hashes.SHA1}


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    """The `cryptography` hash object for "sha1" / "sha256" / "sha384" / "sha512"."""
    return _HASHES[name]()


def transcript_hash(hash_name: str, data: bytes) -> bytes:
    """Hash of the concatenated handshake messages (headers included, record headers excluded)."""
    h = hashes.Hash(hash_algorithm(hash_name))
    h.update(data)
    return h.finalize()


def hmac(hash_name: str, key: bytes, data: bytes) -> bytes:
    """HMAC on `cryptography`."""
    m = c_hmac.HMAC(key, hash_algorithm(hash_name))
    m.update(data)
    return m.finalize()


def hkdf_extract(hash_name: str, salt: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract (RFC 5869): HMAC(salt or zeros, ikm)."""
    return hmac(hash_name, salt or bytes(HASH_LEN[hash_name]), ikm)


def hkdf_label(label: str, context: bytes, length: int) -> bytes:
    """The HkdfLabel structure: uint16 length, opaque label<7..255> = "tls13 " + label, opaque context<0..255>."""
    full = b"tls13 " + label.encode()
    return length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context


def hkdf_expand_label(hash_name: str, secret: bytes, label: str, context: bytes, length: int) -> bytes:
    """HKDF-Expand-Label(secret, label, context, length)."""
    return HKDFExpand(hash_algorithm(hash_name), length, hkdf_label(label, context, length)).derive(secret)


def derive_secret(hash_name: str, secret: bytes, label: str, thash: bytes) -> bytes:
    """Derive-Secret(secret, label, messages) with the transcript hash already computed."""
    return hkdf_expand_label(hash_name, secret, label, thash, HASH_LEN[hash_name])


def empty_hash(hash_name: str) -> bytes:
    return getattr(hashlib, hash_name)(b"").digest()


def verify_data_matches(expected: bytes, received: bytes) -> bool:
    """Constant-time comparison of Finished verify_data."""
    return _hmac.compare_digest(expected, received)


@dataclass(frozen=True)
class TrafficKeys:
    """Record key and IV derived from one traffic secret."""

    secret: bytes
    key: bytes
    iv: bytes


@dataclass
class KeySchedule:
    """The TLS 1.3 key schedule of one connection; call the stages in order, read secrets and `derivations`.

    Example (RFC 8448):  ks = KeySchedule("sha256"); ks.handshake(ecdhe, h_ch_sh); ks.master(h_through_sfin)
    """

    hash_name: str = "sha256"
    psk: bytes | None = None
    derivations: list[Derivation] = field(default_factory=list)
    early_secret: bytes = b""
    handshake_secret: bytes = b""
    master_secret: bytes = b""
    client_handshake_traffic_secret: bytes = b""
    server_handshake_traffic_secret: bytes = b""
    client_application_traffic_secret: bytes = b""
    server_application_traffic_secret: bytes = b""
    exporter_master_secret: bytes = b""
    resumption_master_secret: bytes = b""

    def __post_init__(self):
        zeros = bytes(HASH_LEN[self.hash_name])
        ikm = self.psk or zeros
        self.early_secret = self._extract("early_secret", zeros, ikm, "PSK" if self.psk else "0")

    @classmethod
    def for_suite(cls, suite: CipherSuite, psk: bytes | None = None) -> KeySchedule:
        return cls(suite.hash, psk)

    @property
    def _hmac_name(self) -> str:
        return f"HMAC-{self.hash_name.upper()}"

    def _note(self, name, function, inputs, output) -> bytes:
        self.derivations.append(Derivation(name, function, inputs, output, self._hmac_name))
        return output

    def _extract(self, name: str, salt: bytes, ikm: bytes, ikm_name: str) -> bytes:
        out = hkdf_extract(self.hash_name, salt, ikm)
        return self._note(name, f"HKDF-Extract(salt, {ikm_name})", {"salt": salt, ikm_name: ikm}, out)

    def _derive(self, name: str, secret_name: str, secret: bytes, label: str, thash: bytes, msgs: str) -> bytes:
        out = derive_secret(self.hash_name, secret, label, thash)
        return self._note(name, f'Derive-Secret({secret_name}, "{label}", {msgs})',
                          {secret_name: secret, "transcript_hash": thash}, out)

    def _salt(self, secret_name: str, secret: bytes) -> bytes:
        return self._derive(f"derived({secret_name})", secret_name, secret, "derived",
                            empty_hash(self.hash_name), '""')

    def handshake(self, shared_secret: bytes, hello_hash: bytes) -> None:
        """Handshake stage: (EC)DHE shared secret + Hash(ClientHello..ServerHello)."""
        salt = self._salt("early_secret", self.early_secret)
        self.handshake_secret = self._extract("handshake_secret", salt, shared_secret, "(EC)DHE")
        self.client_handshake_traffic_secret = self._derive(
            "client_handshake_traffic_secret", "handshake_secret", self.handshake_secret, "c hs traffic",
            hello_hash, "ClientHello..ServerHello")
        self.server_handshake_traffic_secret = self._derive(
            "server_handshake_traffic_secret", "handshake_secret", self.handshake_secret, "s hs traffic",
            hello_hash, "ClientHello..ServerHello")

    def master(self, server_finished_hash: bytes) -> None:
        """Master stage: application traffic secrets and exporter, from Hash(ClientHello..server Finished)."""
        salt = self._salt("handshake_secret", self.handshake_secret)
        self.master_secret = self._extract("master_secret", salt, bytes(HASH_LEN[self.hash_name]), "0")
        span = "ClientHello..server Finished"
        self.client_application_traffic_secret = self._derive(
            "client_application_traffic_secret_0", "master_secret", self.master_secret, "c ap traffic",
            server_finished_hash, span)
        self.server_application_traffic_secret = self._derive(
            "server_application_traffic_secret_0", "master_secret", self.master_secret, "s ap traffic",
            server_finished_hash, span)
        self.exporter_master_secret = self._derive(
            "exporter_master_secret", "master_secret", self.master_secret, "exp master", server_finished_hash, span)

    def resumption(self, client_finished_hash: bytes) -> bytes:
        """resumption_master_secret from Hash(ClientHello..client Finished)."""
        self.resumption_master_secret = self._derive(
            "resumption_master_secret", "master_secret", self.master_secret, "res master", client_finished_hash,
            "ClientHello..client Finished")
        return self.resumption_master_secret

    def ticket_psk(self, nonce: bytes) -> bytes:
        """The PSK a NewSessionTicket with this nonce stands for."""
        out = hkdf_expand_label(self.hash_name, self.resumption_master_secret, "resumption", nonce,
                                HASH_LEN[self.hash_name])
        return self._note("ticket_psk", 'HKDF-Expand-Label(resumption_master_secret, "resumption", nonce)',
                          {"resumption_master_secret": self.resumption_master_secret, "ticket_nonce": nonce}, out)

    def next_application_secret(self, who: str, secret: bytes, generation: int) -> bytes:
        """KeyUpdate (RFC 8446 7.2): application_traffic_secret_N+1 = HKDF-Expand-Label(_N, "traffic upd", "",
        Hash.length); `generation` is N+1, the number of the secret made."""
        out = hkdf_expand_label(self.hash_name, secret, "traffic upd", b"", HASH_LEN[self.hash_name])
        return self._note(f"{who}_application_traffic_secret_{generation}",
                          f'HKDF-Expand-Label({who}_application_traffic_secret_{generation - 1}, "traffic upd", "", '
                          'Hash.length)', {"secret": secret}, out)

    def traffic_keys(self, who: str, secret: bytes, key_len: int, iv_len: int = 12) -> TrafficKeys:
        """Write key and IV of one traffic secret; `who` names it in the record (e.g. "server handshake")."""
        key = hkdf_expand_label(self.hash_name, secret, "key", b"", key_len)
        iv = hkdf_expand_label(self.hash_name, secret, "iv", b"", iv_len)
        self._note(f"{who} write key", 'HKDF-Expand-Label(secret, "key", "", key_len)', {"secret": secret}, key)
        self._note(f"{who} write iv", 'HKDF-Expand-Label(secret, "iv", "", 12)', {"secret": secret}, iv)
        return TrafficKeys(secret, key, iv)

    def finished_key(self, who: str, secret: bytes) -> bytes:
        """finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length)."""
        out = hkdf_expand_label(self.hash_name, secret, "finished", b"", HASH_LEN[self.hash_name])
        return self._note(f"{who} finished_key", 'HKDF-Expand-Label(traffic_secret, "finished", "", Hash.length)',
                          {"traffic_secret": secret}, out)

    def verify_data(self, who: str, secret: bytes, thash: bytes) -> bytes:
        """Finished verify_data = HMAC(finished_key, transcript hash) for the side whose traffic secret is given."""
        fkey = self.finished_key(who, secret)
        out = hmac(self.hash_name, fkey, thash)
        return self._note(f"{who} Finished verify_data", "HMAC(finished_key, Transcript-Hash)",
                          {"finished_key": fkey, "transcript_hash": thash}, out)
