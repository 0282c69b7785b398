"""`protolab tls decode`: replay a captured TLS connection and open it with whatever keys we are given.

Theory of operation: the capture is reassembled into TCP byte streams (tcpstream.py); each direction is cut
into records (records.RecordBuffer) and the records of both directions are replayed in capture order by a
passive observer (`_Observer`) that plays neither role but follows both, as a middlebox holding keys would:

  ClientHello/ServerHello  -> randoms, version, suite (and in 1.3 the key shares); transcript starts
  TLS 1.2 ClientKeyExchange -> pre-master secret from the server RSA key, the key log's RSA line, or an
                               ephemeral private key + the peer's public share; else the key log's master
                               secret. Keys wait for each side's ChangeCipherSpec.
  TLS 1.3 ServerHello      -> handshake traffic secrets from an ephemeral private key (full key schedule) or
                               from the key log; application secrets after the server Finished. Each
                               direction has its own secrets: a log lacking one leaves that direction's
                               records unread ("no key", with a note naming the missing label), no failure.
  Finished (both)          -> verify_data recomputed from the transcript: the proof that the keys are right.
  application data         -> decrypted with the traffic keys (RecordProtection).

Checks that ran and failed (Finished mismatch, a record that does not authenticate, a bad signature) are
results, not exceptions: the CLI prints everything, then exits 1. Input we cannot use at all (not a
capture, no TLS in it, a server key that belongs to no certificate seen, a key log without any of the
connections) is BadInput. With the server key the result says, per connection, whether that key ALONE
opens the session: yes for RSA key transport, never for (EC)DHE, whose secret never crossed the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519

from protolab.errors import BadInput, MalformedData
from protolab.tls import kx
from protolab.tls.keylog import KeyLog
from protolab.tls.keyschedule import Derivation, KeySchedule, transcript_hash
from protolab.tls.messages import (
    CERTIFICATE,
    CERTIFICATE_VERIFY,
    CLIENT_HELLO,
    CLIENT_KEY_EXCHANGE,
    FINISHED,
    KEY_UPDATE,
    MESSAGE_HASH,
    SERVER_HELLO,
    SERVER_KEY_EXCHANGE,
    Context,
    HelloRetryRequest,
    Unknown,
    decode_handshake,
    split_handshakes,
)
from protolab.tls.names import ALERT_LEVELS, ALERTS
from protolab.tls.prf import Tls12Secrets, derive_tls12, tls12_from_master
from protolab.tls.protection import RecordAuthError, RecordProtection
from protolab.tls.records import ALERT, APPLICATION_DATA, CHANGE_CIPHER_SPEC, HANDSHAKE, RecordBuffer
from protolab.tls.suites import GROUPS, TLS12, TLS13, VERSION_NAMES, CipherSuite, lookup_scheme, suite_by_code
from protolab.tls.tcpstream import TcpConnection, reassemble

EXT_SUPPORTED_VERSIONS, EXT_KEY_SHARE, EXT_EMS, EXT_ETM = 43, 51, 23, 22
CV_SERVER_CONTEXT = b" " * 64 + b"TLS 1.3, server CertificateVerify\x00"
# TLS 1.3 key log labels per direction (each direction has its own traffic secret)
HANDSHAKE_LABELS = {"client": "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "server": "SERVER_HANDSHAKE_TRAFFIC_SECRET"}
APPLICATION_LABELS = {"client": "CLIENT_TRAFFIC_SECRET_0", "server": "SERVER_TRAFFIC_SECRET_0"}
_STAGE = {**dict.fromkeys(HANDSHAKE_LABELS.values(), "handshake"),
          **dict.fromkeys(APPLICATION_LABELS.values(), "application")}


@dataclass
class KeyMaterial:
    """What the user gave us to open sessions with."""

    keylog: KeyLog | None = None
    server_key: object | None = None  # private key (RSA opens RSA key transport)
    ephemeral: list = field(default_factory=list)  # (EC)DHE private keys of either side
    ephemeral_names: list[str] = field(default_factory=list)  # where each came from (for error messages)


@dataclass
class Seen:
    """One message or record as the observer saw it."""

    frame: int
    sender: str  # "client" | "server"
    what: str
    encrypted: bool = False
    note: str = ""
    data: bytes = b""  # handshake messages: the message's bytes (decrypted when it travelled encrypted)
    spans: list = field(default_factory=list)  # and its field annotations (FieldSpan), as the walk shows them


@dataclass
class Check:
    """A verification that ran: ok True/False (None: it could not run, with the reason)."""

    name: str
    ok: bool | None
    detail: str = ""


@dataclass
class AppRecord:
    frame: int
    sender: str
    seq: int
    length: int
    plaintext: bytes | None  # None when we had no key


@dataclass
class TlsConnection:
    """Everything decode learnt about one TLS connection."""

    index: int
    client: str
    server: str
    first_frame: int
    version: str | None = None
    suite: str | None = None
    kx: str | None = None
    group: str | None = None
    ems: bool | None = None
    client_random: bytes = b""
    server_random: bytes = b""
    server_certificate: str | None = None
    key_source: str | None = None
    master_secret: bytes | None = None
    secrets: dict[str, bytes] = field(default_factory=dict)
    messages: list[Seen] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    records: list[AppRecord] = field(default_factory=list)
    server_key_alone: str | None = None
    notes: list[str] = field(default_factory=list)
    status: str = "handshake only"
    etm: bool | None = field(default=None, metadata={"json_omit_none": True})  # None: not a TLS 1.2 CBC suite

    @property
    def failed(self) -> bool:
        return any(c.ok is False for c in self.checks)

    @property
    def decrypted_records(self) -> int:
        return sum(r.plaintext is not None for r in self.records)


@dataclass
class DecodeResult:
    capture: str
    packets: int
    tcp_connections: int
    connections: list[TlsConnection]
    forward_secrecy: list[str]
    warnings: list[str]

    @property
    def failed_checks(self) -> list[str]:
        return [f"connection {c.index}: {k.name}: {k.detail}" for c in self.connections for k in c.checks
                if k.ok is False]


def _group_of(private):
    if isinstance(private, x25519.X25519PrivateKey):
        return GROUPS[0x001D]
    return GROUPS[{"secp256r1": 0x0017, "secp384r1": 0x0018}[private.curve.name]]


def _public_of(private) -> bytes | None:
    """The public value an ephemeral private key puts on the wire (None for a group TLS here does not use)."""
    try:
        return kx.ephemeral_from_private(_group_of(private), private).public
    except (KeyError, AttributeError):
        return None


def _ext(msg, code: int):
    for ext in msg.extensions or []:
        if ext.type == code:
            return ext
    return None


class _Observer:
    """Follows one TLS connection record by record (see the module docstring)."""

    def __init__(self, conn: TcpConnection, keys: KeyMaterial):
        self.keys = keys
        self.r = TlsConnection(conn.index, f"{conn.client[0]}:{conn.client[1]}",
                               f"{conn.server[0]}:{conn.server[1]}", conn.first_frame)
        self.ctx = Context(TLS12, "ecdhe")
        self.version = TLS12
        self.suite: CipherSuite | None = None
        self.transcript = b""
        self.hs_buf = {"client": b"", "server": b""}
        self.prot: dict[str, RecordProtection | None] = {"client": None, "server": None}
        self.pending: dict[str, RecordProtection | None] = {"client": None, "server": None}
        self.encrypted = {"client": False, "server": False}
        self.finished = {"client": False, "server": False}
        self.cert = None
        self.cert_matches_key: bool | None = None
        self.server_public = b""  # ECDHE shares
        self.shares: set[bytes] = set()  # every (EC)DHE public value seen, either side (to check --ephemeral)
        self.group_code = -1
        self.client_shares: dict[int, bytes] = {}
        self.sec12: Tls12Secrets | None = None
        self.key_exchange_seen = False  # TLS 1.2: a ChangeCipherSpec without one ends an abbreviated handshake
        self.ks: KeySchedule | None = None
        self.app13: dict[str, bytes] = {}  # each side's current application traffic secret
        self.generation = {"client": 0, "server": 0}  # N of that secret (KeyUpdate counts up)
        self.unread = 0  # protected records we had no key for
        self.transcript_gap = False  # a handshake record went unread: later Finished cannot be recomputed
        self.stopped = False

    # -- plumbing --------------------------------------------------------------------------------------
    def note(self, text: str) -> None:
        if text not in self.r.notes:
            self.r.notes.append(text)

    def check(self, name: str, ok: bool | None, detail: str = "") -> None:
        self.r.checks.append(Check(name, ok, detail))

    def seen(self, frame: int, sender: str, what: str, encrypted: bool, note: str = "", data: bytes = b"",
             spans: list | None = None) -> None:
        self.r.messages.append(Seen(frame, sender, what, encrypted, note, data, spans or []))

    def _protection(self, key: bytes, iv: bytes, mac_key: bytes = b"") -> RecordProtection:
        return RecordProtection(self.suite, key, iv, mac_key, etm=bool(self.r.etm))

    # -- records ---------------------------------------------------------------------------------------
    def record(self, frame: int, sender: str, rec) -> None:
        if self.stopped:
            return
        ctype, data, encrypted = rec.content_type, rec.fragment, False
        if ctype == CHANGE_CIPHER_SPEC:
            self.seen(frame, sender, "ChangeCipherSpec", False)
            if self.version == TLS12:
                if not self.key_exchange_seen and self.suite is not None:
                    self._abbreviated12()
                self.encrypted[sender] = True
                self.prot[sender] = self.pending[sender]
            return
        # TLS 1.3 protects every record as application_data (23): an alert record is in clear, sent by a
        # peer that failed before it had keys (OpenSSL's client refusing the server's certificate)
        if self.encrypted[sender] and not (self.version == TLS13 and ctype == ALERT):
            prot = self.prot[sender]
            if prot is None:
                what = "application data" if self.finished[sender] else "encrypted record"
                self.seen(frame, sender, what, True, f"{len(data)} bytes, no key")
                self.unread += 1
                self.transcript_gap |= not self.finished[sender] and self.version == TLS13
                if self.finished[sender] or self.version == TLS12 and ctype == APPLICATION_DATA:
                    self.r.records.append(AppRecord(frame, sender, -1, len(data), None))
                return
            try:
                opened = prot.open(rec.encode())
            except RecordAuthError as exc:
                self.check(f"{sender} record (frame {frame}) authenticates", False, str(exc))
                self.prot[sender] = None
                return
            ctype, data, encrypted = opened.content_type, opened.plaintext, True
            seq = opened.seq
        else:
            seq = -1
        if ctype == HANDSHAKE:
            self.handshake_bytes(frame, sender, data, encrypted)
        elif ctype == APPLICATION_DATA:
            self.seen(frame, sender, "application data", encrypted, f"{len(data)} bytes")
            self.r.records.append(AppRecord(frame, sender, seq, len(data), data if encrypted else None))
        elif ctype == ALERT and len(data) == 2:
            level, desc = ALERT_LEVELS.get(data[0], str(data[0])), ALERTS.get(data[1], str(data[1]))
            self.seen(frame, sender, f"Alert({level}, {desc})", encrypted)
        else:
            self.seen(frame, sender, f"record type {ctype}", encrypted, f"{len(data)} bytes")

    def handshake_bytes(self, frame: int, sender: str, data: bytes, encrypted: bool) -> None:
        msgs, self.hs_buf[sender] = split_handshakes(self.hs_buf[sender] + data)
        for raw in msgs:
            if self.stopped:
                return
            try:
                decoded = decode_handshake(raw, self.ctx)
            except MalformedData as exc:
                self.seen(frame, sender, f"malformed handshake message type {raw[0]}", encrypted, str(exc))
                self.note(f"frame {frame}: {exc}")
                self.stopped = True
                return
            if raw[0] == CLIENT_HELLO and self.version == TLS12 and all(self.finished.values()):
                self._renegotiation12()
            before = self.transcript
            if not (self.finished["client"] and self.finished["server"]):
                self.transcript += raw
            self.seen(frame, sender, decoded.name, encrypted, data=raw, spans=decoded.spans)
            handler = self.HANDLERS.get(raw[0])
            if handler is None:
                continue
            if isinstance(decoded.msg, Unknown):  # a type whose layout depends on a version we did not learn
                self.note(f"frame {frame}: {decoded.name} is not modelled for this connection: not followed")
                continue
            if self.suite is None and raw[0] not in (CLIENT_HELLO, SERVER_HELLO):
                self.note(f"frame {frame}: {decoded.name} before a usable ServerHello: not followed")
                continue
            try:
                handler(self, sender, decoded.msg, before)
            except MalformedData as exc:
                # only the codec's and the crypto modules' own verdict on the bytes (a share of the wrong
                # shape...) means a damaged capture; anything else is a bug and surfaces as an internal error
                self.note(f"frame {frame}: {decoded.name} could not be followed ({exc})")
                self.stopped = True
                return

    # -- hellos ----------------------------------------------------------------------------------------
    def client_hello(self, sender, msg, before) -> None:
        self.r.client_random = msg.random
        share = _ext(msg, EXT_KEY_SHARE)
        for entry in share.value if share and isinstance(share.value, list) else []:
            self.client_shares[entry.group] = entry.key_exchange
            self.shares.add(entry.key_exchange)

    def server_hello(self, sender, msg, before) -> None:
        if isinstance(msg, HelloRetryRequest):
            # RFC 8446 4.4.1: the first ClientHello enters the transcript as message_hash(Hash(ClientHello1)),
            # followed by the HelloRetryRequest itself; the second ClientHello then goes on as usual.
            try:
                digest = transcript_hash(suite_by_code(msg.cipher_suite).hash, before)
            except BadInput as exc:
                self.note(f"{exc}: the handshake is shown, nothing is decrypted")
                self.stopped = True
                return
            self.transcript = bytes([MESSAGE_HASH, 0, 0, len(digest)]) + digest + self.transcript[len(before):]
            self.version = TLS13  # only TLS 1.3 retries: the CCS that may follow is the compatibility one
            self.note("HelloRetryRequest: the server asked for another key share; the first ClientHello stays in "
                      "the transcript only as its hash")
            return
        self.r.server_random = msg.random
        versions = _ext(msg, EXT_SUPPORTED_VERSIONS)
        self.version = versions.value if versions and isinstance(versions.value, int) else msg.legacy_version
        self.r.version = VERSION_NAMES.get(self.version, f"0x{self.version:04x}")
        try:
            self.suite = suite_by_code(msg.cipher_suite)
        except BadInput as exc:
            self.note(f"{exc}: the handshake is shown, nothing is decrypted")
            self.stopped = True
            return
        self.r.suite = self.suite.name
        self.ctx.version = self.version
        if self.version == TLS13:
            self.r.kx = "ecdhe"
            share = _ext(msg, EXT_KEY_SHARE)
            if share is not None:
                self.r.group = GROUPS[share.value.group].name if share.value.group in GROUPS else \
                    f"0x{share.value.group:04x}"
                self.server_public = share.value.key_exchange
                self.shares.add(self.server_public)
                self.group_code = share.value.group
            self.encrypted = {"client": True, "server": True}
            self.start13()
        else:
            self.r.kx = self.suite.kx
            self.ctx.kx = self.suite.kx
            self.r.ems = _ext(msg, EXT_EMS) is not None
            if not self.suite.aead:  # RFC 7366: the server's answer switches CBC records to encrypt-then-MAC
                self.r.etm = _ext(msg, EXT_ETM) is not None

    # -- certificates and signatures ---------------------------------------------------------------------
    def certificate(self, sender, msg, before) -> None:
        if sender != "server" or not msg.certificate_list:
            return
        first = msg.certificate_list[0]
        der = first if isinstance(first, bytes) else first.cert_data
        try:
            self.cert = kx.parse_peer_certificate(der)
        except MalformedData as exc:
            self.note(str(exc))
            return
        self.r.server_certificate = self.cert.subject.rfc4514_string()
        if self.keys.server_key is not None:
            self.cert_matches_key = kx.public_keys_match(self.keys.server_key, self.cert.public_key())
            if not self.cert_matches_key:
                self.note("the given server key does not belong to this server's certificate")

    def server_key_exchange(self, sender, msg, before) -> None:
        self.r.group = GROUPS[msg.named_curve].name if msg.named_curve in GROUPS else f"0x{msg.named_curve:04x}"
        self.group_code = msg.named_curve
        self.server_public = msg.public
        self.shares.add(msg.public)
        self._signature("ServerKeyExchange signature", msg.signature_scheme, msg.signature,
                        self.r.client_random + self.r.server_random + msg.params())

    def certificate_verify(self, sender, msg, before) -> None:
        if sender == "server":
            self._signature("CertificateVerify signature", msg.signature_scheme, msg.signature,
                            CV_SERVER_CONTEXT + transcript_hash(self.suite.hash, before))

    def _signature(self, name: str, scheme_code: int, signature: bytes, data: bytes) -> None:
        if self.cert is None:
            self.check(name, None, "no server certificate seen")
            return
        try:
            scheme = lookup_scheme(scheme_code)
        except BadInput as exc:
            self.check(name, None, str(exc))
            return
        ok = kx.verify(scheme, self.cert.public_key(), data, signature)
        self.check(name, ok, f"{scheme.name} with the certificate's public key")

    # -- TLS 1.2 key exchange --------------------------------------------------------------------------
    def client_key_exchange(self, sender, msg, before) -> None:
        self.key_exchange_seen = True
        suite, cr, sr = self.suite, self.r.client_random, self.r.server_random
        pms, source = None, None
        if suite.kx == "rsa":
            enc = msg.encrypted_pre_master
            if self.keys.server_key is not None and self.cert_matches_key:
                pms = kx.rsa_decrypt_pre_master(self.keys.server_key, enc)
                if pms is None:
                    self.check("pre-master secret decrypts", False, "PKCS#1 v1.5 padding or length wrong")
                else:
                    source = "server RSA key"
                    self.r.derivations.append(Derivation(
                        "pre_master_secret", "RSA-decrypt(server private key, encrypted pre-master)",
                        {"encrypted_pre_master": enc}, pms, "RSA PKCS#1 v1.5 decrypt", "asymmetric"))
            if pms is None and self.keys.keylog is not None:
                pms = self.keys.keylog.rsa_pre_master(enc)
                source = "key log (RSA line)" if pms else None
        else:
            self.shares.add(msg.public)
            pms, source = self._ecdhe_secret(msg.public, self.server_public)
        session_hash = transcript_hash(suite.hash, self.transcript) if self.r.ems else None
        logged = self.keys.keylog.master_secret(cr) if self.keys.keylog else None
        if pms is not None:
            self.sec12 = derive_tls12(suite, pms, cr, sr, session_hash)
            if logged is not None:
                self.check("key log master secret equals the recomputed one", logged == self.sec12.master)
        elif logged is not None:
            self.sec12 = tls12_from_master(suite, logged, cr, sr, bool(self.r.ems), "key log (CLIENT_RANDOM line)")
            source = "key log"
        if self.sec12 is None:
            if self.keys.keylog is not None:
                self.note("the key log has no CLIENT_RANDOM line for this connection's client random"
                          + (" and no RSA line for its encrypted pre-master" if suite.kx == "rsa" else ""))
            return
        self._install12(source)

    def _install12(self, source: str) -> None:
        """The new TLS 1.2 keys of both sides, each waiting for its sender's ChangeCipherSpec."""
        self.r.key_source = source
        self.r.master_secret = self.sec12.master
        self.r.derivations += self.sec12.derivations
        keys = self.sec12.keys
        self.pending["client"] = self._protection(keys.client_key, keys.client_iv, keys.client_mac_key)
        self.pending["server"] = self._protection(keys.server_key, keys.server_iv, keys.server_mac_key)

    def _abbreviated12(self) -> None:
        """A ChangeCipherSpec with no key exchange before it: an abbreviated handshake (resumption by session ID
        or ticket, RFC 5246 7.3 / RFC 5077) reuses the session's master secret with the new randoms; the key
        log has it under the new client random, as OpenSSL logs it."""
        logged = self.keys.keylog.master_secret(self.r.client_random) if self.keys.keylog else None
        if logged is None:
            self.note("abbreviated handshake (resumed session): the master secret comes from the first session; "
                      "the key log has no CLIENT_RANDOM line for this client random")
            return
        self.sec12 = tls12_from_master(self.suite, logged, self.r.client_random, self.r.server_random,
                                       bool(self.r.ems), "key log (CLIENT_RANDOM line)")
        self.note("abbreviated handshake: a resumed session, its master secret from the key log")
        self._install12("key log")

    def _renegotiation12(self) -> None:
        """A ClientHello after a finished TLS 1.2 handshake: a new handshake, carried under the current keys
        until each side's ChangeCipherSpec switches to the new ones (RFC 5246 7.4.1.2, RFC 5746)."""
        self.transcript = b""
        self.finished = {"client": False, "server": False}
        self.sec12 = None
        self.key_exchange_seen = False
        self.pending = {"client": None, "server": None}
        self.note("renegotiation: a second handshake under the first one's keys")

    def _ecdhe_secret(self, client_public: bytes, server_public: bytes) -> tuple[bytes | None, str | None]:
        """The (EC)DHE shared secret from any given ephemeral private key that matches one side's share."""
        for private in self.keys.ephemeral:
            if _public_of(private) is None:
                continue
            mine = kx.ephemeral_from_private(_group_of(private), private)
            for side, own, peer in (("client", client_public, server_public), ("server", server_public,
                                                                                 client_public)):
                if own and mine.public == own and peer:
                    d = kx.ecdhe_derivation(mine, peer, side)
                    self.r.derivations.append(d)
                    return d.output, f"{side} ephemeral private key"
        return None, None

    # -- TLS 1.3 key schedule --------------------------------------------------------------------------
    def start13(self) -> None:
        suite = self.suite
        hello_hash = transcript_hash(suite.hash, self.transcript)
        client_share = self.client_shares.get(self.group_code, b"")
        shared, source = self._ecdhe_secret(client_share, self.server_public)
        logged = self.keys.keylog.secrets_for(self.r.client_random) if self.keys.keylog else {}
        if shared is not None:
            self.ks = KeySchedule.for_suite(suite)
            self.ks.handshake(shared, hello_hash)
            c_hs, s_hs = self.ks.client_handshake_traffic_secret, self.ks.server_handshake_traffic_secret
            if "SERVER_HANDSHAKE_TRAFFIC_SECRET" in logged:
                self.check("key log handshake secrets equal the recomputed ones",
                           (logged.get("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), logged["SERVER_HANDSHAKE_TRAFFIC_SECRET"])
                           == (c_hs, s_hs))
        elif "SERVER_HANDSHAKE_TRAFFIC_SECRET" in logged or "CLIENT_HANDSHAKE_TRAFFIC_SECRET" in logged:
            # each direction has its own secret: a log that lacks one still opens the other direction
            c_hs, s_hs = logged.get("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), logged.get("SERVER_HANDSHAKE_TRAFFIC_SECRET")
            source = "key log"
            self.ks = KeySchedule.for_suite(suite)
            self.ks.derivations.clear()
            for name, value in (("client_handshake_traffic_secret", c_hs), ("server_handshake_traffic_secret", s_hs)):
                if value is not None:
                    self.ks.derivations.append(Derivation(name, "from the key log", {"client_random":
                                                                                      self.r.client_random}, value,
                                                          "key log"))
        else:
            self._missing(HANDSHAKE_LABELS, logged)
            return
        self.r.key_source = source
        self.hs13 = {side: s for side, s in (("client", c_hs), ("server", s_hs)) if s is not None}
        self.r.secrets.update({f"{side}_handshake_traffic_secret": s for side, s in self.hs13.items()})
        self.app13 = {side: logged[label] for side, label in APPLICATION_LABELS.items() if label in logged}
        self._missing(HANDSHAKE_LABELS, self.hs13)
        if shared is None:  # the client switches at its Finished, even when the server's went unread
            self.pending["client"] = self._application("client")
        for side in self.hs13:
            keys = self.ks.traffic_keys(f"{side} handshake", self.hs13[side], suite.key_len)
            self.prot[side] = self._protection(keys.key, keys.iv)

    def _application(self, side: str) -> RecordProtection | None:
        """The side's application-data protection, None without its secret (its records then stay unread)."""
        if side not in self.app13:
            return None
        self.r.secrets[f"{side}_application_traffic_secret"] = self.app13[side]
        keys = self.ks.traffic_keys(f"{side} application", self.app13[side], self.suite.key_len)
        return self._protection(keys.key, keys.iv)

    def _missing(self, labels: dict[str, str], known) -> None:
        """A note for each direction whose secret (key log label) we lack: its records stay unread ("no key")."""
        if self.keys.keylog is None:
            return
        if not self.keys.keylog.secrets_for(self.r.client_random):
            self.note("the key log has no line for this connection's client random")
            return
        for side, label in labels.items():
            if side not in known and label not in known:
                self.note(f"the key log has no {label} for this connection: {side} {_STAGE[label]} records "
                          "are not decrypted")

    def finished_msg(self, sender, msg, before) -> None:
        if self.transcript_gap:
            self.check(f"{sender} Finished verify_data", None, "not recomputable: handshake records of the other "
                       "side were not decrypted, so the transcript is incomplete")
            self.finished[sender] = True
            if self.version == TLS13:
                self._after_finished13(sender)
            return
        thash = transcript_hash(self.suite.hash, before)
        if self.version == TLS12:
            expected = self.sec12.finished(sender, thash)
            self.r.derivations.append(self.sec12.derivations[-1])
        else:
            expected = self.ks.verify_data(sender, self.hs13[sender], thash)
        ok = expected == msg.verify_data
        self.check(f"{sender} Finished verify_data", ok,
                   "recomputed value matches" if ok else f"expected {expected.hex()}, got {msg.verify_data.hex()}")
        self.finished[sender] = True
        if self.version == TLS13:
            self._after_finished13(sender)

    def _after_finished13(self, sender: str) -> None:
        if sender == "server":
            if self.ks is not None and self.ks.handshake_secret:
                self.ks.master(transcript_hash(self.suite.hash, self.transcript))
                computed = {"client": self.ks.client_application_traffic_secret,
                            "server": self.ks.server_application_traffic_secret}
                if self.app13:
                    self.check("key log traffic secrets equal the recomputed ones",
                               all(self.app13[k] == computed[k] for k in self.app13))
                self.app13 = computed
            self._missing(APPLICATION_LABELS, self.app13)
            self.prot["server"] = self._application("server")
            self.pending["client"] = self._application("client")
        else:
            self.prot["client"] = self.pending["client"]

    def key_update(self, sender, msg, before) -> None:
        """TLS 1.3 KeyUpdate: the sender's next records use application_traffic_secret_N+1 (RFC 8446 7.2)."""
        if self.version != TLS13 or not self.finished[sender] or sender not in self.app13:
            self.check(f"{sender} KeyUpdate", False, "a KeyUpdate belongs to TLS 1.3, after the sender's Finished "
                       "(RFC 8446 4.6.3)")
            return
        if msg.request_update not in (0, 1):
            self.check(f"{sender} KeyUpdate", False, f"request_update is {msg.request_update}, not 0 or 1")
            return
        n = self.generation[sender] = self.generation[sender] + 1
        secret = self.app13[sender] = self.ks.next_application_secret(sender, self.app13[sender], n)
        self.r.secrets[f"{sender}_application_traffic_secret_{n}"] = secret
        keys = self.ks.traffic_keys(f"{sender} application ({n})", secret, self.suite.key_len)
        self.prot[sender] = self._protection(keys.key, keys.iv)
        self.r.messages[-1].note = (f"{'update_requested' if msg.request_update else 'update_not_requested'}: "
                                    f"{sender} records from here on under application traffic secret {n}")

    HANDLERS = {CLIENT_HELLO: client_hello, SERVER_HELLO: server_hello, CERTIFICATE: certificate,
                SERVER_KEY_EXCHANGE: server_key_exchange, CLIENT_KEY_EXCHANGE: client_key_exchange,
                CERTIFICATE_VERIFY: certificate_verify, FINISHED: finished_msg, KEY_UPDATE: key_update}

    # -- result ----------------------------------------------------------------------------------------
    def finish(self) -> TlsConnection:
        r = self.r
        if self.ks is not None:  # TLS 1.3: the whole key schedule, in the order it ran
            r.derivations += self.ks.derivations
        if r.failed:
            r.status = "failed"
        elif r.key_source and (self.unread or not any(c.ok for c in r.checks if "Finished" in c.name)):
            r.status = "partly decrypted"  # a direction whose secret is missing (see the notes) stays unread
        elif r.key_source:
            r.status = "decrypted"
        elif r.suite and not r.key_source:
            r.status = "no key"
            self.note("no key opens this session: give --keylog, or --key (RSA key transport only), "
                      "or --ephemeral")
        if self.keys.server_key is not None and r.kx:
            r.server_key_alone = self._server_key_verdict()
        return r

    def _server_key_verdict(self) -> str:
        r = self.r
        if r.kx == "rsa":
            if not self.cert_matches_key:
                return "server key: not this server's key"
            fins = [c.ok for c in r.checks if "Finished" in c.name]
            if r.key_source == "server RSA key" and fins and all(fins):
                return (f"server key ALONE opens this RSA session: it decrypts the pre-master secret, both "
                        f"Finished verify, {r.decrypted_records} application records read")
            return "server key could not open this RSA session"
        return ("server key ALONE cannot open this ECDHE session: the shared secret never crossed the wire, "
                "only ephemeral public shares did (forward secrecy)")


def _is_tls(stream_start: bytes) -> bool:
    return len(stream_start) >= 6 and stream_start[0] == HANDSHAKE and stream_start[1] == 3 and \
        stream_start[5] == CLIENT_HELLO


def _replay(conn: TcpConnection, keys: KeyMaterial, shares: set[bytes]) -> TlsConnection | None:
    """Replay one TCP connection (None when it is not TLS); adds the (EC)DHE public values it saw to `shares`."""
    if not _is_tls(conn.to_server.data()[:6]):
        if _is_tls(conn.to_client.data()[:6]):
            conn.swap()
        else:
            return None
    obs = _Observer(conn, keys)
    events = []
    for sender, direction in (("client", conn.to_server), ("server", conn.to_client)):
        buf = RecordBuffer()
        chunks, gap = direction.chunks()
        try:
            for frame, data in chunks:
                buf.feed(data)
                events += [(frame, len(events), sender, rec) for rec in buf.pop_all()]
        except MalformedData as exc:
            obs.note(f"{sender} stream: {exc}; the rest of that direction is skipped")
        if gap is not None:
            obs.note(f"{sender} stream has a gap at byte {gap} (segments missing from the capture)")
        if buf.buffer:
            obs.note(f"{sender} stream ends inside a record ({len(buf.buffer)} bytes left over)")
    for frame, _, sender, rec in sorted(events, key=lambda e: (e[0], e[1])):
        obs.record(frame, sender, rec)
    shares |= obs.shares
    return obs.finish()


def decode_capture(path: str | Path, keys: KeyMaterial | None = None, progress=None) -> DecodeResult:
    """Find every TLS connection in a capture and open what the keys allow (see the module docstring).

    `progress(n_bytes)` is called as the file is read (for a progress bar)."""
    keys = keys or KeyMaterial()
    reasm = reassemble(path, progress)
    shares: set[bytes] = set()
    conns = [c for c in (_replay(tcp, keys, shares) for tcp in reasm.connections) if c is not None]
    if not conns:
        raise BadInput(f"no TLS connection found in {path} ({reasm.packets} packets, "
                       f"{len(reasm.connections)} TCP connections)")
    if keys.server_key is not None:
        matched = [c for c in conns if c.server_certificate and "does not belong" not in " ".join(c.notes)]
        seen = sorted({c.server_certificate for c in conns if c.server_certificate})
        if not matched and seen:
            raise BadInput("the server key (--key) does not belong to the certificate of any server in the "
                           f"capture ({'; '.join(seen)})")
    for i, private in enumerate(keys.ephemeral):
        if _public_of(private) not in shares:
            name = keys.ephemeral_names[i] if i < len(keys.ephemeral_names) else f"number {i + 1}"
            raise BadInput(f"the ephemeral key {name} (--ephemeral) matches no key share, ServerKeyExchange or "
                           "ClientKeyExchange public key in the capture")
    if keys.keylog is not None and not any(keys.keylog.secrets_for(c.client_random) or c.key_source
                                           for c in conns):
        randoms = ", ".join(c.client_random.hex()[:16] + "..." for c in conns)
        raise BadInput(f"the key log has no secrets for any connection in the capture (client randoms {randoms})")
    return DecodeResult(str(path), reasm.packets, len(reasm.connections), conns, _forward_secrecy(conns, keys),
                        reasm.warnings)


def _forward_secrecy(conns: list[TlsConnection], keys: KeyMaterial) -> list[str]:
    if keys.server_key is None:
        return []
    rsa_conns = [c for c in conns if c.kx == "rsa"]
    dhe = [c for c in conns if c.kx == "ecdhe"]
    lines = []
    if rsa_conns:
        opened = [c for c in rsa_conns if c.server_key_alone and "ALONE opens" in c.server_key_alone]
        lines.append(f"server key alone opened {len(opened)} of {len(rsa_conns)} RSA key-transport session(s): "
                     "no forward secrecy")
    if dhe:
        lines.append(f"server key alone opened 0 of {len(dhe)} ECDHE session(s): forward secrecy")
    return lines


def load_key_material(keylog_path=None, key_path=None, ephemeral_paths=()) -> KeyMaterial:
    """Read the key files named on the command line; BadInput with the file's name when one is unusable."""
    from protolab.fileio import read_bytes as read
    from protolab.tls.keylog import read_keylog

    keys = KeyMaterial()
    if keylog_path:
        keys.keylog = read_keylog(keylog_path)
    if key_path:
        keys.server_key = kx.load_private_key(read(key_path, "server key"), f"server key {key_path}")
        if not isinstance(keys.server_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise BadInput(f"server key {key_path} is not an RSA or ECDSA private key")
    for p in ephemeral_paths:
        key = kx.load_private_key(read(p, "ephemeral key"), f"ephemeral key {p}")
        if not isinstance(key, (x25519.X25519PrivateKey, ec.EllipticCurvePrivateKey)):
            raise BadInput(f"ephemeral key {p} is not an X25519 or EC private key")
        keys.ephemeral.append(key)
        keys.ephemeral_names.append(str(p))
    return keys
