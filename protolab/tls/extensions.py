"""Hello extensions: one registry entry per extension, with its layout in each message it may appear in.

An extension's body means different things in different messages (key_share is a list of shares in
ClientHello, one share in ServerHello, a bare group in HelloRetryRequest), so each registry record maps a
*context* to a field kind from protolab.tls.wire. An extension the registry does not know, or knows but not
in that context, is kept as raw bytes: it still decodes, re-encodes byte for byte and shows in the hex dump.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from protolab.tls.names import EC_POINT_FORMATS, GROUPS, PSK_MODES, SIGNATURE_SCHEMES, VERSIONS, named
from protolab.tls.wire import Int, Kind, Opaque, Reader, Rest, Struct, Vector, u8, u16, u32

# Contexts (RFC 8446 §4.2 "CH, SH, EE, CT, CR, NST, HRR").
CH, SH, HRR, EE, CT, CR, NST = "client_hello", "server_hello", "hello_retry_request", \
    "encrypted_extensions", "certificate", "certificate_request", "new_session_ticket"

SERVER_NAME, STATUS_REQUEST, SUPPORTED_GROUPS, EC_POINT_FORMATS_EXT, SIGNATURE_ALGORITHMS = 0, 5, 10, 11, 13
ALPN, PADDING, ENCRYPT_THEN_MAC, EXTENDED_MASTER_SECRET, RECORD_SIZE_LIMIT = 16, 21, 22, 23, 28
SESSION_TICKET, PRE_SHARED_KEY, EARLY_DATA, SUPPORTED_VERSIONS, COOKIE = 35, 41, 42, 43, 44
PSK_KEY_EXCHANGE_MODES, POST_HANDSHAKE_AUTH, SIGNATURE_ALGORITHMS_CERT, KEY_SHARE = 45, 49, 50, 51
RENEGOTIATION_INFO = 0xFF01


class Empty(Kind):
    """An extension whose presence is the whole message (extended_master_secret, encrypt_then_mac)."""

    def read(self, r: Reader, name: str) -> None:
        return None

    def write(self, value: Any) -> bytes:
        return b""


@dataclass
class ServerNameEntry:
    name_type: int
    host_name: bytes
    LAYOUT = [("name_type", u8(lambda v: "host_name (0)" if v == 0 else str(v))),
              ("host_name", Opaque(2, lambda b: b.decode("ascii", "replace")))]


@dataclass
class KeyShareEntry:
    group: int
    key_exchange: bytes
    LAYOUT = [("group", u16(named(GROUPS))), ("key_exchange", Opaque(2))]


@dataclass(frozen=True)
class ExtSpec:
    code: int
    name: str
    meaning: str
    kinds: dict[str, Kind] = field(default_factory=dict)


_versions = u16(named(VERSIONS))
_groups = Vector(2, u16(named(GROUPS)), "group")
_sigs = Vector(2, u16(named(SIGNATURE_SCHEMES)), "scheme")
_empty = Empty()

REGISTRY: dict[int, ExtSpec] = {s.code: s for s in [
    ExtSpec(SERVER_NAME, "server_name", "which host name the client wants (SNI), so one IP can serve many sites",
            {CH: Vector(2, Struct(ServerNameEntry), "name"), SH: _empty, EE: _empty}),
    ExtSpec(STATUS_REQUEST, "status_request", "client asks for a stapled OCSP response", {}),
    ExtSpec(SUPPORTED_GROUPS, "supported_groups", "elliptic curves / DH groups the client can do ECDHE with",
            {CH: _groups, EE: _groups}),
    ExtSpec(EC_POINT_FORMATS_EXT, "ec_point_formats", "how EC points are encoded (uncompressed only, in practice)",
            {CH: Vector(1, u8(named(EC_POINT_FORMATS, 2)), "format"),
             SH: Vector(1, u8(named(EC_POINT_FORMATS, 2)), "format")}),
    ExtSpec(SIGNATURE_ALGORITHMS, "signature_algorithms", "signature schemes the peer accepts in the handshake",
            {CH: _sigs, CR: _sigs}),
    ExtSpec(ALPN, "application_layer_protocol_negotiation", "application protocol (h2, http/1.1)",
            {CH: Vector(2, Opaque(1, lambda b: b.decode("ascii", "replace")), "protocol"),
             SH: Vector(2, Opaque(1, lambda b: b.decode("ascii", "replace")), "protocol"),
             EE: Vector(2, Opaque(1, lambda b: b.decode("ascii", "replace")), "protocol")}),
    ExtSpec(PADDING, "padding", "zero bytes that pad the ClientHello past buggy middlebox sizes", {CH: Rest()}),
    ExtSpec(ENCRYPT_THEN_MAC, "encrypt_then_mac", "CBC suites: MAC the ciphertext instead of the plaintext",
            {CH: _empty, SH: _empty}),
    ExtSpec(EXTENDED_MASTER_SECRET, "extended_master_secret",
            "bind the TLS 1.2 master secret to the whole handshake transcript (RFC 7627)", {CH: _empty, SH: _empty}),
    ExtSpec(RECORD_SIZE_LIMIT, "record_size_limit", "largest record the sender wants to receive",
            {CH: u16(), EE: u16(), SH: u16()}),
    ExtSpec(SESSION_TICKET, "session_ticket", "TLS 1.2 stateless resumption ticket (empty: 'I support it')",
            {CH: Rest(), SH: Rest()}),
    ExtSpec(PRE_SHARED_KEY, "pre_shared_key", "TLS 1.3 resumption / PSK offer", {}),
    ExtSpec(EARLY_DATA, "early_data", "TLS 1.3 0-RTT data", {CH: _empty, EE: _empty, NST: u32()}),
    ExtSpec(SUPPORTED_VERSIONS, "supported_versions", "the real version negotiation of TLS 1.3",
            {CH: Vector(1, _versions, "version"), SH: _versions, HRR: _versions}),
    ExtSpec(COOKIE, "cookie", "state a HelloRetryRequest asks the client to echo", {CH: Opaque(2), HRR: Opaque(2)}),
    ExtSpec(PSK_KEY_EXCHANGE_MODES, "psk_key_exchange_modes", "how a resumed TLS 1.3 session may use a PSK",
            {CH: Vector(1, u8(named(PSK_MODES, 2)), "mode")}),
    ExtSpec(POST_HANDSHAKE_AUTH, "post_handshake_auth", "client accepts a certificate request later",
            {CH: _empty}),
    ExtSpec(SIGNATURE_ALGORITHMS_CERT, "signature_algorithms_cert", "schemes accepted inside certificates",
            {CH: _sigs, CR: _sigs}),
    ExtSpec(KEY_SHARE, "key_share", "ephemeral (EC)DHE public keys: the TLS 1.3 key exchange",
            {CH: Vector(2, Struct(KeyShareEntry), "share"), SH: Struct(KeyShareEntry),
             HRR: u16(named(GROUPS))}),
    ExtSpec(RENEGOTIATION_INFO, "renegotiation_info", "secure renegotiation binding (RFC 5746)",
            {CH: Opaque(1), SH: Opaque(1)}),
]}


def ext_label(code: int) -> str:
    spec = REGISTRY.get(code)
    return f"{spec.name} ({code})" if spec else f"unknown ({code})"


@dataclass
class Extension:
    """One extension: its type code and its decoded value (raw bytes when unknown in that context)."""

    type: int
    value: Any = None

    @property
    def name(self) -> str:
        spec = REGISTRY.get(self.type)
        return spec.name if spec else f"ext_{self.type}"


def _kind(code: int, context: str) -> Kind:
    spec = REGISTRY.get(code)
    return spec.kinds.get(context, Rest()) if spec else Rest()


class ExtensionList(Kind):
    """Extension extensions<0..2^16-1>, decoded per context; `optional` for 1.2 hellos that may omit it."""

    def __init__(self, context: str, optional: bool = False):
        self.context, self.optional = context, optional

    def read(self, r: Reader, name: str) -> list[Extension] | None:
        if self.optional and r.left == 0:
            return None
        n = Int(2).read(r, f"{name} length")
        inner = r.sub(n, name)
        out = []
        while inner.left:
            code = Int(2, ext_label).read(inner, "extension type")
            ename = REGISTRY[code].name if code in REGISTRY else f"ext_{code}"
            length = Int(2).read(inner, "extension length")
            body = inner.sub(length, ename)
            value = _kind(code, self.context).read(body, ename)
            body.done(ename)
            out.append(Extension(code, value))
        return out

    def write(self, value: list[Extension] | None) -> bytes:
        if value is None:
            return b""
        body = b""
        for ext in value:
            data = _kind(ext.type, self.context).write(ext.value)
            body += ext.type.to_bytes(2, "big") + len(data).to_bytes(2, "big") + data
        return len(body).to_bytes(2, "big") + body


def find(exts: list[Extension] | None, code: int) -> Extension | None:
    """The extension with this code, or None."""
    for ext in exts or []:
        if ext.type == code:
            return ext
    return None
