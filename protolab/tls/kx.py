"""Key exchange and authentication primitives (the asymmetric half of TLS), on `cryptography`.

Theory of operation:
- RSA key transport (TLS 1.2 kx "rsa"): the client draws a 48-byte pre-master secret (client version + 46
  random bytes), encrypts it to the server's public key with PKCS#1 v1.5; only the private key opens it.
  Whoever holds that key later can open every recorded session: no forward secrecy.
- ECDHE (x25519, secp256r1, secp384r1): each side draws an ephemeral key pair, sends the public share, and
  both compute the same shared secret; the server signs its share (TLS 1.2 ServerKeyExchange) or the
  transcript (TLS 1.3 CertificateVerify) so the client knows who it talks to. The private shares are thrown
  away, so a recorded session stays closed even to the server key: forward secrecy.

Determinism (every random source takes a seed, `random.Random`): ephemeral private keys, the pre-master
secret, the PKCS#1 v1.5 encryption padding and the RSA-PSS salt are drawn from the seeded source (the latter
two are encoded here, RFC 8017 7.2.1 and 9.1.1, then the raw RSA operation is done on the key's numbers,
because `cryptography` draws them from the OS). ECDSA uses RFC 6979 deterministic nonces
(`cryptography`'s `deterministic_signing`). RSA PKCS#1 v1.5 signatures are deterministic by design.
`lab_identity()` builds the walk's default server key and self-signed certificate from a seed: RSA primes
come from a seeded Miller-Rabin search, the certificate is signed with PKCS#1 v1.5 (RSA) or RFC 6979 ECDSA,
with fixed dates and serial. This is a lab: Mersenne Twister is NOT a cryptographic source; never use these
keys outside it. Hence the other mode: an rng that is `random.SystemRandom` (what the engines use when no seed
is given, i.e. against real peers) means "really random": key pairs come from `cryptography`'s generators, the
PKCS#1 v1.5 padding and the PSS salt from OpenSSL (with its blinded RSA private operation), nothing from here.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import random
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, x25519
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

from protolab.errors import BadInput, MalformedData
from protolab.tls.keyschedule import Derivation, hash_algorithm
from protolab.tls.suites import GROUPS, TLS12, Group, SignatureScheme

_CURVES = {0x0017: ec.SECP256R1, 0x0018: ec.SECP384R1}


def is_os_random(rng: random.Random) -> bool:
    """True for the OS CSPRNG (random.SystemRandom): use the library's own randomness, not the seeded recipes."""
    return isinstance(rng, random.SystemRandom)


# ---- RSA key transport -------------------------------------------------------------------------------
def make_pre_master(rng: random.Random, version: int = TLS12) -> bytes:
    """48-byte pre-master secret: client_version (2 bytes) + 46 random bytes."""
    return version.to_bytes(2, "big") + rng.randbytes(46)



def _rsa_private_op(key: rsa.RSAPrivateKey, m: int) -> int:
    """m^d mod n with the CRT (the raw RSA private operation)."""
    pn = key.private_numbers()
    m1, m2 = pow(m, pn.dmp1, pn.p), pow(m, pn.dmq1, pn.q)
    return m2 + pn.q * ((pn.iqmp * (m1 - m2)) % pn.p)


def _byte_len(n: int) -> int:
    return (n.bit_length() + 7) // 8


def rsa_encrypt_pre_master(public_key: rsa.RSAPublicKey, pre_master: bytes, rng: random.Random) -> bytes:
    """RSAES-PKCS1-v1_5 encryption (RFC 8017 7.2.1) with the padding drawn from the seeded source."""
    if is_os_random(rng):
        return public_key.encrypt(pre_master, padding.PKCS1v15())
    pub = public_key.public_numbers()
    k = _byte_len(pub.n)
    ps = bytes(rng.randrange(1, 256) for _ in range(k - 3 - len(pre_master)))
    em = b"\x00\x02" + ps + b"\x00" + pre_master
    return pow(int.from_bytes(em, "big"), pub.e, pub.n).to_bytes(k, "big")


def rsa_decrypt_pre_master(private_key: rsa.RSAPrivateKey, encrypted: bytes) -> bytes | None:
    """Open an encrypted pre-master secret; None when the padding is wrong or the result is not 48 bytes.

    (A server must then go on with a random pre-master secret and fail at Finished, RFC 5246 7.4.7.1, so
    that the failure is no padding oracle; `cryptography` with OpenSSL >= 3.2 already answers a wrong
    padding with a pseudo-random message of some length, "implicit rejection".)
    """
    k = _byte_len(private_key.public_key().public_numbers().n)
    if len(encrypted) != k:
        return None
    try:
        pms = private_key.decrypt(encrypted, padding.PKCS1v15())
    except ValueError:
        return None
    return pms if len(pms) == 48 else None


# ---- ECDHE -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EphemeralKey:
    """One side's ephemeral (EC)DHE key pair and its public share as sent on the wire."""

    group: Group
    private: object  # X25519PrivateKey | EllipticCurvePrivateKey
    public: bytes  # x25519: 32 raw bytes; NIST curves: uncompressed point 04||X||Y
    private_bytes: bytes  # the scalar, for the walk's display and the key log of the ephemeral


def ephemeral_from_private(group: Group, private) -> EphemeralKey:
    """Wrap an existing private key (e.g. the Illustrated TLS captures' keys)."""
    if group.name == "x25519":
        pub = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    else:
        pub = private.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint)
        raw = private.private_numbers().private_value.to_bytes(group.field_len, "big")
    return EphemeralKey(group, private, pub, raw)


def generate_ephemeral(group: Group | int, rng: random.Random) -> EphemeralKey:
    """A key pair for `group`: private scalar from the seeded source, or from `cryptography` for the OS rng."""
    group = GROUPS[group] if isinstance(group, int) else group
    if is_os_random(rng):
        private = x25519.X25519PrivateKey.generate() if group.name == "x25519" else \
            ec.generate_private_key(_CURVES[group.code]())
        return ephemeral_from_private(group, private)
    if group.name == "x25519":
        return ephemeral_from_private(group, x25519.X25519PrivateKey.from_private_bytes(rng.randbytes(32)))
    curve = _CURVES[group.code]()
    order = _ORDERS[group.code]
    scalar = rng.randrange(1, order)
    return ephemeral_from_private(group, ec.derive_private_key(scalar, curve))


_ORDERS = {
    0x0017: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    0x0018: int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16),
}


def decode_public(group: Group | int, data: bytes):
    """The peer's public share as a key object; MalformedData when it is not a valid share for the group."""
    group = GROUPS[group] if isinstance(group, int) else group
    if len(data) != group.public_len:
        raise MalformedData(f"{group.name} public share must be {group.public_len} bytes, got {len(data)}")
    try:
        if group.name == "x25519":
            return x25519.X25519PublicKey.from_public_bytes(data)
        return ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[group.code](), data)
    except ValueError as exc:
        raise MalformedData(f"{group.name} public share is not a valid point: {exc}") from None


def shared_secret(me: EphemeralKey, peer_public: bytes) -> bytes:
    """The (EC)DHE shared secret: X25519 output, or the x coordinate of the shared point (RFC 8422 5.10)."""
    peer = decode_public(me.group, peer_public)
    try:
        if me.group.name == "x25519":
            return me.private.exchange(peer)
        return me.private.exchange(ec.ECDH(), peer)
    except ValueError as exc:  # e.g. an all-zero X25519 result from a low-order point
        raise MalformedData(f"{me.group.name} key agreement failed: {exc}") from None


def ecdhe_derivation(me: EphemeralKey, peer_public: bytes, who: str) -> Derivation:
    """The shared secret as a recorded (asymmetric) derivation."""
    out = shared_secret(me, peer_public)
    return Derivation("(EC)DHE shared secret", f"{me.group.name}({who} private key, peer public share)",
                      {f"{who} private key": me.private_bytes, "peer public share": peer_public}, out,
                      me.group.name.upper(), "asymmetric")


# ---- signatures --------------------------------------------------------------------------------------
def _mgf1(seed: bytes, length: int, hash_name: str) -> bytes:
    out, counter = b"", 0
    while len(out) < length:
        out += hashlib.new(hash_name, seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def _pss_sign(key: rsa.RSAPrivateKey, data: bytes, hash_name: str, rng: random.Random) -> bytes:
    """RSASSA-PSS (RFC 8017 8.1.1 / EMSA-PSS 9.1.1), salt length = hash length, MGF1 with the same hash."""
    n = key.public_key().public_numbers().n
    em_bits = n.bit_length() - 1
    em_len = (em_bits + 7) // 8
    h_len = hashlib.new(hash_name).digest_size
    m_hash = hashlib.new(hash_name, data).digest()
    salt = rng.randbytes(h_len)
    h = hashlib.new(hash_name, bytes(8) + m_hash + salt).digest()
    db = bytes(em_len - 2 * h_len - 2) + b"\x01" + salt
    masked = bytearray(a ^ b for a, b in zip(db, _mgf1(h, len(db), hash_name), strict=True))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    em = bytes(masked) + h + b"\xbc"
    return _rsa_private_op(key, int.from_bytes(em, "big")).to_bytes(_byte_len(n), "big")


def sign(scheme: SignatureScheme, key, data: bytes, rng: random.Random) -> bytes:
    """Sign `data` with `scheme` (RSA PKCS#1 v1.5, RSA-PSS with a seeded salt, or RFC 6979 ECDSA)."""
    algo = hash_algorithm(scheme.hash)
    if scheme.key == "rsa" and not isinstance(key, rsa.RSAPrivateKey) or \
            scheme.key == "ecdsa" and not isinstance(key, ec.EllipticCurvePrivateKey):
        raise BadInput(f"{scheme.name} needs an {scheme.key.upper()} key")
    if scheme.padding == "pss":
        if is_os_random(rng):  # salt from the OS, blinded private operation
            return key.sign(data, padding.PSS(padding.MGF1(algo), padding.PSS.DIGEST_LENGTH), algo)
        return _pss_sign(key, data, scheme.hash, rng)
    if scheme.padding == "pkcs1":
        return key.sign(data, padding.PKCS1v15(), algo)
    return key.sign(data, ec.ECDSA(algo, deterministic_signing=True))


def verify(scheme: SignatureScheme, public_key, data: bytes, signature: bytes) -> bool:
    """True when `signature` over `data` checks out under `public_key` with `scheme`."""
    algo = hash_algorithm(scheme.hash)
    try:
        if scheme.key == "rsa":
            if not isinstance(public_key, rsa.RSAPublicKey):
                return False
            pad = padding.PKCS1v15() if scheme.padding == "pkcs1" else \
                padding.PSS(padding.MGF1(algo), padding.PSS.DIGEST_LENGTH)
            public_key.verify(signature, data, pad, algo)
        else:
            if not isinstance(public_key, ec.EllipticCurvePublicKey):
                return False
            public_key.verify(signature, data, ec.ECDSA(algo))
    except InvalidSignature:
        return False
    return True


# ---- keys and certificates ---------------------------------------------------------------------------
def load_private_key(data: bytes, what: str = "key"):
    """A private key from PEM or DER (PKCS#1, PKCS#8, SEC1); BadInput when it is not one."""
    for loader in (serialization.load_pem_private_key, serialization.load_der_private_key):
        try:
            return loader(data, password=None)
        except (ValueError, TypeError):
            continue
    raise BadInput(f"{what} is not an unencrypted PEM/DER private key")


def load_certificate(data: bytes, what: str = "certificate") -> x509.Certificate:
    """A certificate from PEM or DER; BadInput otherwise."""
    for loader in (x509.load_pem_x509_certificate, x509.load_der_x509_certificate):
        try:
            return loader(data)
        except ValueError:
            continue
    raise BadInput(f"{what} is not a PEM/DER X.509 certificate")


def parse_peer_certificate(der: bytes, who: str = "server") -> x509.Certificate:
    """A DER certificate from the wire, parsed whole now: `cryptography` reads fields lazily, so a broken
    subject or key would otherwise raise later, wherever it is first read. MalformedData when it does not parse."""
    import warnings

    try:
        with warnings.catch_warnings():  # e.g. a non-positive serial: shown as the certificate is, not warned about
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            cert = x509.load_der_x509_certificate(der)
        cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(), cert.public_key(), cert.extensions
    except (ValueError, KeyError, x509.InvalidVersion, UnsupportedAlgorithm) as exc:  # KeyError: unknown string tag
        raise MalformedData(f"{who} certificate does not parse as X.509: {exc}") from None
    return cert


def public_keys_match(private_key, public_key) -> bool:
    """Does this private key belong to that public key (e.g. the server certificate's)?"""
    mine = private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    theirs = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return mine == theirs


def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * limit
    sieve[:2] = b"\x00\x00"
    for i in range(2, int(limit ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytes(len(range(i * i, limit, i)))
    return [i for i in range(3, limit) if sieve[i]]


_SMALL_PRIMES = _small_primes(1 << 16)
_WINDOW = 4096  # odd candidates sieved at once


def _probable_prime(n: int, rng: random.Random, rounds: int = 5) -> bool:
    """Miller-Rabin with bases from the seeded source (5 rounds: enough for random 1024-bit candidates,
    FIPS 186-4 table C.3)."""
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _seeded_prime(rng: random.Random, bits: int, e: int) -> int:
    """The first probable prime p >= a seeded odd start with gcd(e, p - 1) = 1: sieve a window of odd numbers
    by the primes below 2^16, then Miller-Rabin the survivors (about one in nine)."""
    while True:
        start = rng.getrandbits(bits) | (3 << (bits - 2)) | 1  # top two bits set: n gets exactly 2*bits bits
        alive = bytearray([1]) * _WINDOW  # alive[k] <=> start + 2k has no small factor
        for p in _SMALL_PRIMES:
            first = (-start * pow(2, -1, p)) % p  # smallest k with p | start + 2k
            alive[first::p] = bytes(len(range(first, _WINDOW, p)))
        for k in range(_WINDOW):
            cand = start + 2 * k
            if alive[k] and (cand - 1) % e and _probable_prime(cand, rng, 1) and _probable_prime(cand, rng):
                return cand


def seeded_rsa_key(seed: int, bits: int = 2048) -> rsa.RSAPrivateKey:
    """A deterministic RSA key: two primes from a Miller-Rabin search over a seeded source."""
    rng = random.Random(f"protolab-rsa-{seed}-{bits}")
    e = 65537
    p = _seeded_prime(rng, bits // 2, e)
    q = _seeded_prime(rng, bits // 2, e)
    while q == p:
        q = _seeded_prime(rng, bits // 2, e)
    p, q = max(p, q), min(p, q)
    d = pow(e, -1, (p - 1) * (q - 1))
    return rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p),
                                 rsa.RSAPublicNumbers(e, p * q)).private_key()


def seeded_ec_key(seed: int, group: int = 0x0017) -> ec.EllipticCurvePrivateKey:
    """A deterministic ECDSA key on P-256 (or P-384): scalar from a seeded source."""
    rng = random.Random(f"protolab-ec-{seed}-{group}")
    return ec.derive_private_key(rng.randrange(1, _ORDERS[group]), _CURVES[group]())


@dataclass(frozen=True)
class Identity:
    """A server identity: private key and certificate (objects, DER and PEM)."""

    key: object
    cert: x509.Certificate

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    @property
    def kind(self) -> str:
        return "rsa" if isinstance(self.key, rsa.RSAPrivateKey) else "ecdsa"

    @property
    def curve(self) -> int | None:
        """ECDSA: the group code of the key's curve (None for RSA, or a curve the lab does not know)."""
        curve = getattr(self.key, "curve", None)  # RSA, Ed25519...: no curve the lab signs on
        return next((code for code, cls in _CURVES.items() if isinstance(curve, cls)), None)


def load_identity(cert_data: bytes, key_data: bytes) -> Identity:
    """An identity from files (--cert/--key); BadInput when the key does not belong to the certificate."""
    cert = load_certificate(cert_data)
    key = load_private_key(key_data)
    if not public_keys_match(key, cert.public_key()):
        raise BadInput("the private key does not belong to the certificate")
    identity = Identity(key, cert)
    if not isinstance(key, rsa.RSAPrivateKey) and identity.curve is None:
        raise BadInput("the lab's server signs with RSA or ECDSA on P-256/P-384 keys only, not "
                       + getattr(getattr(key, "curve", None), "name", type(key).__name__))
    return identity


@lru_cache(maxsize=8)
def lab_identity(kind: str = "rsa", seed: int = 0, common_name: str = "localhost") -> Identity:
    """The walk's default server identity: seeded key + self-signed certificate, same seed -> same bytes."""
    if kind == "rsa":
        key = seeded_rsa_key(seed)
    elif kind == "ecdsa":
        key = seeded_ec_key(seed)
    else:
        raise BadInput(f"unknown identity kind {kind!r} (rsa or ecdsa)")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "protolab TLS lab")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(0x1AB0000 + seed)
               .not_valid_before(_dt.datetime(2026, 1, 1, tzinfo=_dt.UTC))
               .not_valid_after(_dt.datetime(2036, 1, 1, tzinfo=_dt.UTC))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name),
                                                           x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                              critical=False)
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True))
    if kind == "rsa":
        cert = builder.sign(key, hashes.SHA256())  # PKCS#1 v1.5: deterministic
    else:
        cert = builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)  # RFC 6979
    return Identity(key, cert)
