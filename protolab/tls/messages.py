"""Handshake messages: each declared once as a LAYOUT (see wire.py), decoded with FieldSpan annotations.

A handshake message on the wire is `type (1) | length (3) | body`. Some bodies depend on what was
negotiated: Certificate and NewSessionTicket differ between TLS 1.2 and 1.3, ServerKeyExchange and
ClientKeyExchange depend on the key exchange (RSA key transport vs ECDHE). `Context` carries those two
facts; `CLASSES` maps (type, variant) -> message class. A type the lab does not model decodes as
`Unknown` (raw body), so a real peer's extra message is shown, not fatal to the codec.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protolab.annotate import FieldSpan
from protolab.errors import MalformedData
from protolab.tls.extensions import CH, CT, EE, HRR, NST, SH, Extension, ExtensionList
from protolab.tls.names import GROUPS, HANDSHAKE_TYPES, SIGNATURE_SCHEMES, VERSIONS, named, suite_name
from protolab.tls.wire import (
    Fixed,
    Int,
    Opaque,
    Reader,
    Rest,
    Struct,
    Vector,
    decode_layout,
    encode_layout,
    u8,
    u16,
    u24,
    u32,
)

TLS12, TLS13 = 0x0303, 0x0304

HELLO_REQUEST, CLIENT_HELLO, SERVER_HELLO, NEW_SESSION_TICKET, ENCRYPTED_EXTENSIONS = 0, 1, 2, 4, 8
CERTIFICATE, SERVER_KEY_EXCHANGE, CERTIFICATE_REQUEST, SERVER_HELLO_DONE = 11, 12, 13, 14
CERTIFICATE_VERIFY, CLIENT_KEY_EXCHANGE, FINISHED, KEY_UPDATE, MESSAGE_HASH = 15, 16, 20, 24, 254

# SHA-256("HelloRetryRequest"): a ServerHello with this random is a HelloRetryRequest (RFC 8446 §4.1.3).
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
DOWNGRADE_TLS12 = b"DOWNGRD\x01"  # last 8 bytes of a TLS 1.3 server's random when it negotiates 1.2 (RFC 8446 4.1.3)

_version = u16(named(VERSIONS))
_scheme = u16(named(SIGNATURE_SCHEMES))


@dataclass
class Context:
    """What the decoder must know about the connection: negotiated version and key exchange."""

    version: int = TLS12
    kx: str = "ecdhe"


@dataclass
class ClientHello:
    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suites: list[int]
    compression_methods: list[int]
    extensions: list[Extension] | None = field(default_factory=list)
    TYPE = CLIENT_HELLO
    LAYOUT = [("legacy_version", _version), ("random", Fixed(32)), ("session_id", Opaque(1)),
              ("cipher_suites", Vector(2, u16(suite_name), "cipher_suite")),
              ("compression_methods", Vector(1, u8(), "compression_method")),
              ("extensions", ExtensionList(CH, optional=True))]


@dataclass
class ServerHello:
    legacy_version: int
    random: bytes
    session_id: bytes
    cipher_suite: int
    compression_method: int
    extensions: list[Extension] | None = field(default_factory=list)
    TYPE = SERVER_HELLO
    LAYOUT = [("legacy_version", _version), ("random", Fixed(32)), ("session_id", Opaque(1)),
              ("cipher_suite", u16(suite_name)), ("compression_method", u8()),
              ("extensions", ExtensionList(SH, optional=True))]


@dataclass
class HelloRetryRequest(ServerHello):
    LAYOUT = ServerHello.LAYOUT[:-1] + [("extensions", ExtensionList(HRR))]


@dataclass
class Certificate12:
    certificate_list: list[bytes]
    TYPE = CERTIFICATE
    LAYOUT = [("certificate_list", Vector(3, Opaque(3), "certificate"))]


@dataclass
class CertificateEntry:
    cert_data: bytes
    extensions: list[Extension] = field(default_factory=list)
    LAYOUT = [("cert_data", Opaque(3)), ("extensions", ExtensionList(CT))]


@dataclass
class Certificate13:
    certificate_request_context: bytes
    certificate_list: list[CertificateEntry]
    TYPE = CERTIFICATE
    LAYOUT = [("certificate_request_context", Opaque(1)),
              ("certificate_list", Vector(3, Struct(CertificateEntry), "entry"))]


@dataclass
class ServerKeyExchangeECDHE:
    """ECDHE parameters (curve + server's ephemeral public key) signed with the certificate's key."""

    curve_type: int
    named_curve: int
    public: bytes
    signature_scheme: int
    signature: bytes
    TYPE = SERVER_KEY_EXCHANGE
    LAYOUT = [("curve_type", u8(lambda v: "named_curve (3)" if v == 3 else str(v))),
              ("named_curve", u16(named(GROUPS))),
              ("public", Opaque(1)), ("signature_scheme", _scheme), ("signature", Opaque(2))]

    def params(self) -> bytes:
        """The signed part: ServerECDHParams (signature input is client_random + server_random + this)."""
        return encode_layout(self)[:4 + len(self.public)]


@dataclass
class ServerHelloDone:
    TYPE = SERVER_HELLO_DONE
    LAYOUT = []


@dataclass
class ClientKeyExchangeRSA:
    """The pre-master secret, encrypted with the server certificate's RSA public key."""

    encrypted_pre_master: bytes
    TYPE = CLIENT_KEY_EXCHANGE
    LAYOUT = [("encrypted_pre_master", Opaque(2))]


@dataclass
class ClientKeyExchangeECDHE:
    """The client's ephemeral ECDHE public key."""

    public: bytes
    TYPE = CLIENT_KEY_EXCHANGE
    LAYOUT = [("public", Opaque(1))]


@dataclass
class Finished:
    verify_data: bytes
    TYPE = FINISHED
    LAYOUT = [("verify_data", Rest())]


@dataclass
class EncryptedExtensions:
    extensions: list[Extension] = field(default_factory=list)
    TYPE = ENCRYPTED_EXTENSIONS
    LAYOUT = [("extensions", ExtensionList(EE))]


@dataclass
class CertificateVerify:
    signature_scheme: int
    signature: bytes
    TYPE = CERTIFICATE_VERIFY
    LAYOUT = [("signature_scheme", _scheme), ("signature", Opaque(2))]


@dataclass
class NewSessionTicket12:
    lifetime_hint: int
    ticket: bytes
    TYPE = NEW_SESSION_TICKET
    LAYOUT = [("lifetime_hint", u32()), ("ticket", Opaque(2))]


@dataclass
class NewSessionTicket13:
    lifetime: int
    age_add: int
    nonce: bytes
    ticket: bytes
    extensions: list[Extension] = field(default_factory=list)
    TYPE = NEW_SESSION_TICKET
    LAYOUT = [("lifetime", u32()), ("age_add", u32()), ("nonce", Opaque(1)), ("ticket", Opaque(2)),
              ("extensions", ExtensionList(NST))]


@dataclass
class KeyUpdate:
    request_update: int
    TYPE = KEY_UPDATE
    LAYOUT = [("request_update", u8())]


@dataclass
class Unknown:
    """A handshake message the lab does not model (e.g. CertificateRequest): kept as raw bytes."""

    type: int
    body: bytes
    LAYOUT = [("body", Rest())]

    @property
    def TYPE(self) -> int:  # noqa: N802 - mirrors the class attribute of the modelled messages
        return self.type


# (type) -> class, or (type) -> {version or kx: class} where the body depends on the connection.
CLASSES: dict[int, object] = {
    CLIENT_HELLO: ClientHello, SERVER_HELLO: ServerHello, SERVER_HELLO_DONE: ServerHelloDone,
    ENCRYPTED_EXTENSIONS: EncryptedExtensions, CERTIFICATE_VERIFY: CertificateVerify, FINISHED: Finished,
    KEY_UPDATE: KeyUpdate,
    CERTIFICATE: {TLS12: Certificate12, TLS13: Certificate13},
    NEW_SESSION_TICKET: {TLS12: NewSessionTicket12, TLS13: NewSessionTicket13},
    SERVER_KEY_EXCHANGE: {"ecdhe": ServerKeyExchangeECDHE},
    CLIENT_KEY_EXCHANGE: {"rsa": ClientKeyExchangeRSA, "ecdhe": ClientKeyExchangeECDHE},
}


def class_for(msg_type: int, ctx: Context, body: bytes = b"") -> type | None:
    entry = CLASSES.get(msg_type)
    if isinstance(entry, dict):
        return entry.get(ctx.version) or entry.get(ctx.kx)
    if entry is ServerHello and body[2:34] == HRR_RANDOM:
        return HelloRetryRequest
    return entry


def type_name(msg_type: int) -> str:
    return HANDSHAKE_TYPES.get(msg_type, f"handshake_{msg_type}")


def message_name(msg: object) -> str:
    """Display name: 'ClientHello', 'Certificate', ... (version suffixes dropped)."""
    if isinstance(msg, Unknown):
        return type_name(msg.type)
    name = type(msg).__name__
    for suffix in ("12", "13", "ECDHE", "RSA"):
        name = name.removesuffix(suffix)
    return name


def encode_body(msg: object) -> bytes:
    return encode_layout(msg)


def encode_handshake(msg: object) -> bytes:
    """type | uint24 length | body."""
    body = encode_layout(msg)
    return bytes([msg.TYPE]) + len(body).to_bytes(3, "big") + body


@dataclass
class Decoded:
    """One decoded handshake message: the typed message, its exact bytes and their field annotations."""

    msg: object
    raw: bytes
    spans: list[FieldSpan]

    @property
    def name(self) -> str:
        return message_name(self.msg)


def decode_handshake(raw: bytes, ctx: Context | None = None, base: int = 0) -> Decoded:
    """Decode one complete handshake message (header included); spans are offset by `base`."""
    ctx = ctx or Context()
    r = Reader(raw, base=base, where="handshake message")
    msg_type = Int(1, lambda t: f"{type_name(t)} ({t})").read(r, "handshake type")
    length = u24().read(r, "handshake length")
    body = r.sub(length, type_name(msg_type))
    r.done(type_name(msg_type))
    cls = class_for(msg_type, ctx, raw[4:])
    body.where = type_name(msg_type)
    if cls is None:
        msg = Unknown(msg_type, Rest().read(body, "body"))
    else:
        msg = decode_layout(cls, body)
    body.done(type_name(msg_type))
    return Decoded(msg, bytes(raw), r.spans)


def split_handshakes(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete handshake messages at the front of `buffer`, and the incomplete rest (kept for later)."""
    out, pos = [], 0
    while len(buffer) - pos >= 4:
        length = int.from_bytes(buffer[pos + 1:pos + 4], "big")
        if len(buffer) - pos < 4 + length:
            break
        out.append(buffer[pos:pos + 4 + length])
        pos += 4 + length
    return out, buffer[pos:]


def ensure(cond: bool, message: str) -> None:
    """Raise MalformedData unless cond (used by engines for semantic checks on decoded messages)."""
    if not cond:
        raise MalformedData(message)
