"""Registries of the TLS lab: cipher suites, key-exchange groups and signature schemes.

Every other module (PRF key-block split, record protection, engines, help texts) reads these tables
instead of branching on names. Values are facts from RFC 5246/5288/5289/7905/8422/8446 and the IANA
TLS registry; the OpenSSL names are what `openssl ciphers` prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from protolab.errors import BadInput

TLS12 = 0x0303
TLS13 = 0x0304
VERSION_NAMES = {0x0301: "TLS 1.0", 0x0302: "TLS 1.1", TLS12: "TLS 1.2", TLS13: "TLS 1.3"}


@dataclass(frozen=True)
class CipherSuite:
    """One cipher suite: what negotiates the key (kx), what authenticates the server, what protects records.

    key_len: bytes of each write key; iv_len: bytes of the fixed/implicit IV taken from the key block (TLS 1.2)
    or derived per direction (TLS 1.3); mac_len: HMAC key and tag length (0 for AEAD); record_iv_len: bytes of
    explicit nonce/IV carried in every TLS 1.2 record (GCM: 8, CBC: 16, ChaCha20: 0).
    """

    code: int
    name: str  # IANA name
    openssl: str  # OpenSSL name
    version: int  # TLS12 or TLS13
    kx: str | None  # "rsa" | "ecdhe" | None (TLS 1.3: always (EC)DHE, not part of the suite)
    auth: str | None  # "rsa" | "ecdsa" | None (TLS 1.3)
    cipher: str  # key into CIPHERS
    mac: str | None  # "sha1" | "sha256" | None for AEAD
    hash: str  # PRF / HKDF / transcript hash: "sha256" | "sha384"
    key_len: int
    iv_len: int
    mac_len: int
    record_iv_len: int

    @property
    def aead(self) -> bool:
        return self.mac is None

    @property
    def hex(self) -> str:
        return f"0x{self.code:04X}"


@dataclass(frozen=True)
class Cipher:
    """A bulk cipher: AEAD (tag_len > 0) or CBC block cipher (block_len > 0)."""

    name: str
    key_len: int
    tag_len: int
    block_len: int


CIPHERS = {
    "aes_128_gcm": Cipher("AES-128-GCM", 16, 16, 0),
    "aes_256_gcm": Cipher("AES-256-GCM", 32, 16, 0),
    "chacha20_poly1305": Cipher("ChaCha20-Poly1305", 32, 16, 0),
    "aes_128_cbc": Cipher("AES-128-CBC", 16, 0, 16),
    "aes_256_cbc": Cipher("AES-256-CBC", 32, 0, 16),
}
MAC_LEN = {"sha1": 20, "sha256": 32, "sha384": 48}
HASH_LEN = {"sha256": 32, "sha384": 48}


def _s12(code, name, openssl, kx, auth, cipher, mac, hash_):
    c = CIPHERS[cipher]
    if c.tag_len:  # AEAD: GCM has a 4-byte implicit salt + 8-byte explicit nonce, ChaCha20 a 12-byte IV (RFC 7905)
        iv_len, rec_iv = (12, 0) if cipher == "chacha20_poly1305" else (4, 8)
    else:  # CBC: RFC 5246 App. C lists a 16-byte IV in the key block, but TLS 1.2 sends an explicit IV per record
        iv_len, rec_iv = 16, 16
    return CipherSuite(code, name, openssl, TLS12, kx, auth, cipher, mac, hash_, c.key_len, iv_len,
                       MAC_LEN[mac] if mac else 0, rec_iv)


def _s13(code, name, cipher, hash_):
    return CipherSuite(code, name, name, TLS13, None, None, cipher, None, hash_, CIPHERS[cipher].key_len, 12, 0, 0)


_ALL = [
    _s12(0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", "rsa", "rsa", "aes_128_gcm", None, "sha256"),
    _s12(0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", "rsa", "rsa", "aes_256_gcm", None, "sha384"),
    _s12(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", "rsa", "rsa", "aes_128_cbc", "sha1", "sha256"),
    _s12(0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", "rsa", "rsa", "aes_128_cbc", "sha256", "sha256"),
    _s12(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ecdhe", "rsa",
         "aes_128_gcm", None, "sha256"),
    _s12(0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ecdhe", "rsa",
         "aes_256_gcm", None, "sha384"),
    _s12(0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "ecdhe", "ecdsa",
         "aes_128_gcm", None, "sha256"),
    _s12(0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", "ecdhe", "rsa", "aes_128_cbc",
         "sha1", "sha256"),
    _s12(0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "ecdhe", "rsa",
         "chacha20_poly1305", None, "sha256"),
    _s13(0x1301, "TLS_AES_128_GCM_SHA256", "aes_128_gcm", "sha256"),
    _s13(0x1302, "TLS_AES_256_GCM_SHA384", "aes_256_gcm", "sha384"),
    _s13(0x1303, "TLS_CHACHA20_POLY1305_SHA256", "chacha20_poly1305", "sha256"),
]

SUITES: dict[int, CipherSuite] = {s.code: s for s in _ALL}
_BY_NAME = {k.upper(): s for s in _ALL for k in (s.name, s.openssl, s.name.removeprefix("TLS_"), s.hex)}


def suite_by_code(code: int) -> CipherSuite:
    """The suite with this IANA code; BadInput when the lab does not implement it."""
    try:
        return SUITES[code]
    except KeyError:
        raise BadInput(f"unsupported cipher suite 0x{code:04X}") from None


def lookup_suite(name: str | int) -> CipherSuite:
    """Find a suite by code (int or '0xC02F'), IANA name (with or without TLS_) or OpenSSL name."""
    if isinstance(name, int):
        return suite_by_code(name)
    suite = _BY_NAME.get(name.strip().upper())
    if suite is None:
        known = ", ".join(s.openssl for s in _ALL)
        raise BadInput(f"unknown cipher suite {name!r} (known: {known})")
    return suite


def suites_for(version: int, kx: str | None = None) -> list[CipherSuite]:
    """The suites of one version (and key exchange), in registry order."""
    return [s for s in _ALL if s.version == version and (kx is None or s.kx == kx)]


@dataclass(frozen=True)
class Group:
    """A named group for (EC)DHE: code on the wire, public key length, OpenSSL name."""

    code: int
    name: str
    openssl: str
    public_len: int  # x25519 raw key, or an uncompressed point 04||X||Y
    field_len: int


GROUPS: dict[int, Group] = {g.code: g for g in [
    Group(0x001D, "x25519", "X25519", 32, 32),
    Group(0x0017, "secp256r1", "P-256", 65, 32),
    Group(0x0018, "secp384r1", "P-384", 97, 48),
]}
_GROUP_BY_NAME = {k.lower(): g for g in GROUPS.values() for k in (g.name, g.openssl, f"0x{g.code:04x}")}
_GROUP_BY_NAME["prime256v1"] = GROUPS[0x0017]


def lookup_group(name: str | int) -> Group:
    """Find a group by code or name (x25519, secp256r1/P-256/prime256v1, secp384r1/P-384)."""
    group = GROUPS.get(name) if isinstance(name, int) else _GROUP_BY_NAME.get(name.strip().lower())
    if group is None:
        raise BadInput(f"unsupported group {name!r} (known: {', '.join(g.name for g in GROUPS.values())})")
    return group


@dataclass(frozen=True)
class SignatureScheme:
    """A TLS SignatureScheme (RFC 8446 4.2.3): key type, padding and hash (and, for ECDSA, the curve it names)."""

    code: int
    name: str
    key: str  # "rsa" | "ecdsa"
    padding: str | None  # "pkcs1" | "pss" | None for ECDSA
    hash: str
    curve: int | None = None  # ECDSA: the group code of the key's curve (binding in TLS 1.3, a hint in 1.2)


SIGNATURE_SCHEMES: dict[int, SignatureScheme] = {s.code: s for s in [
    SignatureScheme(0x0401, "rsa_pkcs1_sha256", "rsa", "pkcs1", "sha256"),
    SignatureScheme(0x0501, "rsa_pkcs1_sha384", "rsa", "pkcs1", "sha384"),
    SignatureScheme(0x0804, "rsa_pss_rsae_sha256", "rsa", "pss", "sha256"),
    SignatureScheme(0x0601, "rsa_pkcs1_sha512", "rsa", "pkcs1", "sha512"),
    SignatureScheme(0x0804, "rsa_pss_rsae_sha256", "rsa", "pss", "sha256"),
    SignatureScheme(0x0805, "rsa_pss_rsae_sha384", "rsa", "pss", "sha384"),
    SignatureScheme(0x0806, "rsa_pss_rsae_sha512", "rsa", "pss", "sha512"),
    SignatureScheme(0x0403, "ecdsa_secp256r1_sha256", "ecdsa", None, "sha256", 0x0017),
    SignatureScheme(0x0503, "ecdsa_secp384r1_sha384", "ecdsa", None, "sha384", 0x0018),
]}
_SCHEME_BY_NAME = {s.name: s for s in SIGNATURE_SCHEMES.values()}


def lookup_scheme(name: str | int) -> SignatureScheme:
    """Find a signature scheme by code or name; BadInput when the lab does not implement it."""
    scheme = SIGNATURE_SCHEMES.get(name) if isinstance(name, int) else _SCHEME_BY_NAME.get(name.strip().lower())
    if scheme is None:
        label = f"0x{name:04X}" if isinstance(name, int) else repr(name)
        raise BadInput(f"unsupported signature scheme {label}")
    return scheme
