"""What the TLS client and server engines share: records in and out, the handshake state table, steps.

Theory of operation (the h11 habit: the protocol core never touches a socket)
---------------------------------------------------------------------------
An endpoint is a state machine fed with bytes. `receive(data)` buffers them, cuts whole records
(RecordBuffer), removes record protection when it is on, cuts whole handshake messages (any number per
record, any number of records per message), decodes each and looks it up in the subclass's TRANSITIONS
table: `state -> {message type -> handler name}` (the pseudo-type "CCS" stands for a TLS 1.2
ChangeCipherSpec record). A message the table does not expect in this state is an unexpected_message
failure. The handler does the crypto, queues the reply flight with `send_handshake`, records steps, and
returns the next state. What to send goes into an output buffer the driver drains with `data_to_send()`.

Every failure (a malformed message, a check that says no, a record that does not authenticate) becomes:
one CHECK step with ok=False saying which check caught it, a fatal alert queued for the peer, and the
state FAILED with `error` set. The engine never raises to its driver for protocol problems; a driver
reads `failed` / `error`. A fatal alert from the peer ends in FAILED too; close_notify in CLOSED.

The transcript is the concatenation of handshake messages as sent (headers included, record framing
excluded). Handlers see it with the current message appended; `hash_before()` is the hash without it
(what CertificateVerify and Finished cover), `hash_now()` with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from protolab.errors import MalformedData, ProtolabError
from protolab.tls import messages as m
from protolab.tls.keylog import UPDATED_LABELS, KeyLog
from protolab.tls.names import ALERTS
from protolab.tls.records import (
    ALERT,
    APPLICATION_DATA,
    CHANGE_CIPHER_SPEC,
    HANDSHAKE,
    MAX_CIPHERTEXT_13,
    MAX_EMPTY_RECORDS,
    MAX_PLAINTEXT,
    Record,
    RecordBuffer,
    RecordOverflow,
    fragment,
    header_spans,
)
from protolab.tls.steps import ALERT as ALERT_STEP
from protolab.tls.steps import ASYMMETRIC, CHECK, DERIVE, MESSAGE, NOTE, RECORD, SYMMETRIC, Step

CONNECTED, FAILED, CLOSED = "CONNECTED", "FAILED", "CLOSED"
CCS = "CCS"

DEFAULT_SIGNATURE_SCHEMES = [0x0804, 0x0805, 0x0806, 0x0403, 0x0503, 0x0401, 0x0501, 0x0601]


class TlsFailure(ProtolabError):
    """A protocol failure inside an engine: which check failed, and the alert it answers with."""

    def __init__(self, message: str, alert: int = 40, check: str = "handshake"):
        super().__init__(message)
        self.alert, self.check = alert, check


@dataclass
class Config:
    """What an endpoint offers (client) or accepts (server), in preference order."""

    versions: list[int] = field(default_factory=lambda: [m.TLS12])
    suites: list = field(default_factory=list)  # CipherSuite records (suites.py)
    groups: list = field(default_factory=list)  # Group records (suites.py)
    ems: bool = True  # offer / accept the extended master secret (RFC 7627)
    etm: bool = True  # offer / accept encrypt_then_mac for CBC suites (RFC 7366), on by default as in OpenSSL
    server_name: str | None = "localhost"  # client: SNI and the name the certificate must carry
    identity: object = None  # server: kx.Identity (key + certificate)
    anchors: list | None = None  # client: trusted certificates; None = system roots
    verify: bool = True  # client: check the certificate chain (False = --insecure)
    signature_schemes: list[int] = field(default_factory=lambda: list(DEFAULT_SIGNATURE_SCHEMES))
    seed: int | None = None  # None: the OS CSPRNG (real peers); an int: reproducible lab randomness


def make_rng(seed: int | None, role: str) -> random.Random:
    """Where an endpoint's randoms, ephemeral keys and pre-master secret come from.

    With a seed: Mersenne Twister seeded per role, so a walk is byte-for-byte reproducible (a lab, not a secret:
    anyone who knows the seed knows every key). Without: `random.SystemRandom` (os.urandom), and the kx module
    then lets `cryptography` draw key pairs, RSA padding and PSS salts itself.
    """
    return random.SystemRandom() if seed is None else random.Random(f"{seed}-{role}")


class Endpoint:
    """Shared machinery of TlsClient and TlsServer (see the module docstring)."""

    role = "endpoint"
    TRANSITIONS: dict[str, dict[object, str]] = {}

    def __init__(self, config: Config, rng: random.Random | None = None):
        self.config = config
        self.rng = rng or make_rng(config.seed, self.role)
        self.state = "START"
        self.records = RecordBuffer()
        self.hs_buffer = b""
        self.transcript = bytearray()
        self._last_len = 0  # transcript length before the message being handled
        self.read_prot = self.write_prot = None
        self.pending_read = self.pending_write = None
        self.app_secrets: dict[str, bytes] = {}  # TLS 1.3 "write"/"read" -> current application traffic secret
        self.generation = {"write": 0, "read": 0}  # N of application_traffic_secret_N (KeyUpdate counts up)
        self.empty_records = 0  # in a row: legal one by one, a way to keep us busy for ever when endless
        self.version: int | None = None
        self.suite = None
        self.ems = False
        self.etm = False  # encrypt-then-MAC negotiated (TLS 1.2 CBC suites only)
        self.client_random = self.server_random = b""
        self.steps: list[Step] = []
        self._out = bytearray()
        self.received: list[bytes] = []
        self.error: str | None = None
        self.handshake_done = False
        self.keylog = KeyLog()
        self.secrets: dict[str, bytes] = {}  # name -> value, for the closing table and tests
        self._ks_mark = 0  # TLS 1.3: derivations of self.ks already shown

    # ---- driver API --------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.state == CONNECTED

    @property
    def failed(self) -> bool:
        return self.state == FAILED

    def data_to_send(self) -> bytes:
        out, self._out = bytes(self._out), bytearray()
        return out

    def receive(self, data: bytes) -> None:
        """Bytes from the peer, in any chunking. Never raises for protocol problems (see `failed`)."""
        if self.state in (FAILED, CLOSED):
            return
        try:
            self.records.feed(data)
            while self.state not in (FAILED, CLOSED) and (record := self.records.pop()) is not None:
                self._on_record(record)
        except TlsFailure as exc:
            self.fail(str(exc), exc.alert, exc.check)
        except MalformedData as exc:
            self.fail(str(exc), 22 if isinstance(exc, RecordOverflow) else 50, "decode")
        except ProtolabError as exc:  # RecordAuthError (a CheckFailed) and friends from the crypto modules
            alert = 20 if type(exc).__name__ == "RecordAuthError" else 40
            self.fail(str(exc), alert, "record integrity" if alert == 20 else "handshake")

    def send_data(self, data: bytes) -> None:
        """Application data, protected with the current write keys (CONNECTED only)."""
        if self.state != CONNECTED:
            raise TlsFailure(f"cannot send application data in state {self.state}", 80)
        for chunk in [data[i:i + MAX_PLAINTEXT] for i in range(0, len(data), MAX_PLAINTEXT)] or [b""]:
            sealed = self.write_prot.seal(APPLICATION_DATA, chunk)
            self._out += sealed.record
            self.step(RECORD, "application data", data=sealed.record, spans=self._sealed_spans(sealed),
                      sent=True, protected=True, crypto=SYMMETRIC,
                      detail=f"{len(chunk)} bytes encrypted with the {self.role} write key "
                             f"(seq {sealed.seq}): {_preview(chunk)}")

    def eof(self) -> None:
        """The transport closed. Before the handshake finished that is a failure the driver should show."""
        if self.state not in (CONNECTED, CLOSED, FAILED):
            self.fail(f"the {'server' if self.role == 'client' else 'client'} closed the connection during the "
                      f"handshake (this side was in state {self.state})", 40, "connection")
        elif self.state == CONNECTED:
            self.state = CLOSED

    def close(self) -> None:
        """Send close_notify (once)."""
        if self.state in (CONNECTED,):
            self._send_alert(1, 0)
            self.state = CLOSED

    # ---- steps -------------------------------------------------------------------------------------
    def step(self, kind: str, title: str, **kw) -> Step:
        s = Step(self.role, kind, title, **kw)
        self.steps.append(s)
        return s

    def derived(self, title: str, derivations: list, crypto: str = SYMMETRIC, detail: str = "") -> None:
        for d in derivations:
            self.secrets[d.name] = d.output
        self.step(DERIVE, title, derivations=list(derivations), crypto=crypto, detail=detail)

    def check(self, title: str, ok: bool, detail: str, crypto: str | None = None, alert: int = 51,
              check: str | None = None) -> None:
        """Record a check; a failed one ends the handshake (TlsFailure)."""
        if ok:
            self.step(CHECK, title, ok=True, crypto=crypto, detail=detail)
            return
        raise TlsFailure(f"{title}: {detail}", alert, check or title)

    def fail(self, message: str, alert: int = 40, check: str = "handshake") -> None:
        if self.state == FAILED:
            return
        self.step(CHECK, check, ok=False, detail=message)
        self.error = message
        try:
            self._send_alert(2, alert)
        except Exception:  # noqa: BLE001 - the alert is a courtesy; the failure is already recorded
            pass
        self.state = FAILED

    # ---- transcript --------------------------------------------------------------------------------
    def hash_now(self) -> bytes:
        from protolab.tls.keyschedule import transcript_hash

        return transcript_hash(self.suite.hash, bytes(self.transcript))

    def hash_before(self) -> bytes:
        from protolab.tls.keyschedule import transcript_hash

        return transcript_hash(self.suite.hash, bytes(self.transcript[:self._last_len]))

    def context(self) -> m.Context:
        kx = self.suite.kx if self.suite is not None and self.suite.kx else "ecdhe"
        return m.Context(self.version or m.TLS12, kx)

    # ---- sending -----------------------------------------------------------------------------------
    def send_handshake(self, msg: object, note: str = "", transcript: bool = True) -> bytes:
        """Queue one handshake message; `transcript=False` for post-handshake messages (KeyUpdate), which
        the transcript does not cover."""
        raw = m.encode_handshake(msg)
        if transcript:
            self.transcript += raw
        decoded = m.decode_handshake(raw, self.context())  # our own bytes, through the same decoder
        protected = self.write_prot is not None
        if protected:
            self._out += self.write_prot.seal(HANDSHAKE, raw).record
        else:
            for record in fragment(HANDSHAKE, raw):
                self._out += record.encode()
        self.step(MESSAGE, decoded.name, data=raw, spans=decoded.spans, sent=True, protected=protected,
                  detail=note)
        return raw

    def send_change_cipher_spec(self) -> None:
        record = Record(CHANGE_CIPHER_SPEC, m.TLS12, b"\x01").encode()
        self._out += record
        self.write_prot, self.pending_write = self.pending_write, None
        self.step(MESSAGE, "ChangeCipherSpec", data=record, spans=header_spans(Record(20, m.TLS12, b"\x01")),
                  sent=True, detail="from now on this side encrypts with the new keys (sequence number 0)")

    def _send_alert(self, level: int, desc: int) -> None:
        payload = bytes([level, desc])
        if self.write_prot is not None:
            self._out += self.write_prot.seal(ALERT, payload).record
        else:
            self._out += Record(ALERT, m.TLS12, payload).encode()
        self.step(ALERT_STEP, f"alert {ALERTS.get(desc, desc)}", data=payload, sent=True,
                  protected=self.write_prot is not None,
                  detail=("fatal" if level == 2 else "warning") + f" alert {ALERTS.get(desc, desc)} sent")

    # ---- receiving ---------------------------------------------------------------------------------
    def _on_record(self, record: Record) -> None:
        if record.content_type == CHANGE_CIPHER_SPEC:
            self._on_ccs(record)
            return
        protected = self.read_prot is not None
        if protected and self.version == m.TLS13 and record.content_type == ALERT:
            protected = False  # a TLS 1.3 peer that failed before it had keys sends its alert in clear
        ctype, plain = record.content_type, record.fragment
        if protected and self.version == m.TLS13 and len(record.fragment) > MAX_CIPHERTEXT_13:
            raise TlsFailure(f"protected record of {len(record.fragment)} bytes exceeds the TLS 1.3 limit "
                             f"{MAX_CIPHERTEXT_13}", 22, "record layer")
        if protected:
            opened = self.read_prot.open(record.encode())
            ctype, plain = opened.content_type, opened.plaintext
            if len(plain) > MAX_PLAINTEXT:  # RFC 5246 6.2.1 / RFC 8446 5.4: record_overflow
                raise TlsFailure(f"decrypted record of {len(plain)} bytes exceeds {MAX_PLAINTEXT}", 22, "record layer")
            if ctype == APPLICATION_DATA:
                self.step(RECORD, "application data", data=record.encode(), spans=self._sealed_spans(opened),
                          sent=False, protected=True, crypto=SYMMETRIC,
                          detail=f"{len(plain)} bytes decrypted and authenticated with the peer's write key "
                                 f"(seq {opened.seq}): {_preview(plain)}")
        self.empty_records = self.empty_records + 1 if not plain else 0
        if self.empty_records > MAX_EMPTY_RECORDS:
            raise TlsFailure(f"more than {MAX_EMPTY_RECORDS} empty records in a row", 10, "record layer")
        if ctype == HANDSHAKE:
            self._on_handshake_bytes(plain, protected)
        elif ctype == ALERT:
            self._on_alert(plain, protected)
        elif ctype == APPLICATION_DATA:
            if not protected or self.state != CONNECTED:
                raise TlsFailure("application data before the handshake finished", 10, "record layer")
            self.received.append(plain)
        else:
            raise TlsFailure(f"unexpected record type {ctype}", 10, "record layer")

    def _on_ccs(self, record: Record) -> None:
        if record.fragment != b"\x01":
            raise TlsFailure("ChangeCipherSpec must be the single byte 01", 50, "record layer")
        if self.version == m.TLS13:  # middlebox compatibility (RFC 8446 D.4): ignored
            self.step(NOTE, "ChangeCipherSpec (TLS 1.3 compatibility, ignored)", data=record.encode(), sent=False)
            return
        handler = self.TRANSITIONS.get(self.state, {}).get(CCS)
        if handler is None:
            raise TlsFailure(f"unexpected ChangeCipherSpec in state {self.state}", 10, "handshake state")
        self.step(MESSAGE, "ChangeCipherSpec", data=record.encode(), spans=header_spans(record), sent=False,
                  detail="the peer encrypts from now on")
        self.state = getattr(self, handler)()
        self.handshake_done = self.handshake_done or self.state == CONNECTED

    def _on_alert(self, payload: bytes, protected: bool) -> None:
        if len(payload) != 2:
            raise TlsFailure("alert record is not 2 bytes", 50, "record layer")
        level, desc = payload
        name = ALERTS.get(desc, str(desc))
        self.step(ALERT_STEP, f"alert {name}", data=payload, sent=False, protected=protected,
                  detail=f"peer sent {'fatal' if level == 2 else 'warning'} alert {name}")
        if desc == 0:
            if self.state == CONNECTED:  # answer close_notify with close_notify (RFC 5246 7.2.1)
                self._send_alert(1, 0)
            self.state = CLOSED
        elif level == 2 or self.state != CONNECTED:
            self.error = f"peer sent alert {name}"
            self.state = FAILED

    def _on_handshake_bytes(self, data: bytes, protected: bool) -> None:
        self.hs_buffer += data
        raws, self.hs_buffer = m.split_handshakes(self.hs_buffer)
        for raw in raws:
            if self.state in (FAILED, CLOSED):
                return
            decoded = m.decode_handshake(raw, self.context())
            msg_type = raw[0]
            if msg_type == m.HELLO_REQUEST and self.role == "client" and self.state not in (CONNECTED, "START") \
                    and self.version != m.TLS13:  # RFC 5246 7.4.1.1: ignored while negotiating, never hashed
                self.step(NOTE, "HelloRequest ignored", data=raw, sent=False, detail="the handshake is under way")
                continue
            handler = self.TRANSITIONS.get(self.state, {}).get(msg_type)
            if handler is None:
                raise TlsFailure(f"unexpected {decoded.name} in state {self.state}", 10, "handshake state")
            if msg_type == m.KEY_UPDATE and (raw is not raws[-1] or self.hs_buffer):  # RFC 8446 5.1
                raise TlsFailure("KeyUpdate is not the last message of its record: handshake messages must not "
                                 "span a key change", 10, "record layer")
            post_handshake = self.state == CONNECTED  # KeyUpdate, NewSessionTicket, a renegotiation: not hashed
            self._last_len = len(self.transcript)
            if not post_handshake:
                self.transcript += raw
            self.step(MESSAGE, decoded.name, data=raw, spans=decoded.spans, sent=False, protected=protected)
            self.state = getattr(self, handler)(decoded.msg)
            self.handshake_done = self.handshake_done or self.state == CONNECTED

    # ---- key installation and Finished (shared by both roles) ---------------------------------------
    def _install13(self, stage: str, mine: bytes, theirs: bytes, write: bool = True, read: bool = True) -> None:
        """Derive record keys from traffic secrets and switch protection (TLS 1.3)."""
        from protolab.tls.protection import RecordProtection

        if write:
            wk = self.ks.traffic_keys(f"{self.role} {stage}", mine, self.suite.key_len)
            self.write_prot = RecordProtection(self.suite, wk.key, wk.iv, rng=self.rng)
        if read:
            peer = "server" if self.role == "client" else "client"
            rk = self.ks.traffic_keys(f"{peer} {stage}", theirs, self.suite.key_len)
            self.read_prot = RecordProtection(self.suite, rk.key, rk.iv, rng=self.rng)
        if stage == "application":
            self.app_secrets.update({k: v for k, v, on in (("write", mine, write), ("read", theirs, read)) if on})
        self.derived(f"{stage} traffic secrets and keys", self.ks.derivations[self._ks_mark:], SYMMETRIC,
                     "HKDF over the transcript hash")
        self._ks_mark = len(self.ks.derivations)

    # ---- KeyUpdate (TLS 1.3, RFC 8446 4.6.3 and 7.2) -------------------------------------------------
    def on_key_update(self, msg: m.KeyUpdate) -> str:
        """The peer's next message comes under its next secret; update_requested: answer with our own."""
        if self.version != m.TLS13:
            raise TlsFailure("KeyUpdate is a TLS 1.3 message", 10, "handshake state")
        if msg.request_update not in (0, 1):
            raise TlsFailure(f"KeyUpdate request_update is {msg.request_update}, not 0 or 1", 47, "KeyUpdate")
        self._next_keys("read")
        if msg.request_update == 1:
            self.send_key_update(False, "answering update_requested, before any more data (RFC 8446 4.6.3)")
        return CONNECTED

    def refuse_renegotiation(self, msg) -> str:
        """A HelloRequest (to a client) or a new ClientHello (to a server) after a TLS 1.2 handshake: the lab
        does not renegotiate and says so with a warning, as RFC 5246 7.4.1.1 and RFC 5746 4.2/4.4 ask; the
        connection goes on. In TLS 1.3 there is no renegotiation: unexpected_message."""
        name = "HelloRequest" if self.role == "client" else "ClientHello"
        if self.version == m.TLS13:
            raise TlsFailure(f"{name} after a TLS 1.3 handshake", 10, "handshake state")
        self._send_alert(1, 100)
        self.step(NOTE, "renegotiation refused", detail=f"{name} after the handshake: warning no_renegotiation sent, "
                  "the session goes on with its keys")
        return CONNECTED

    def send_key_update(self, request: bool = False, note: str = "") -> None:
        """Send KeyUpdate under the current write keys, then switch to the next ones (CONNECTED, TLS 1.3)."""
        if self.state != CONNECTED or self.version != m.TLS13:
            raise TlsFailure(f"KeyUpdate needs a connected TLS 1.3 session (state {self.state})", 80)
        self.send_handshake(m.KeyUpdate(int(request)), note or ("update_requested: the peer must update too"
                                                                if request else "update_not_requested"),
                            transcript=False)
        self._next_keys("write")

    def _next_keys(self, direction: str) -> None:
        from protolab.tls.protection import RecordProtection

        who = self.role if direction == "write" else ("server" if self.role == "client" else "client")
        self.generation[direction] += 1
        n = self.generation[direction]
        secret = self.ks.next_application_secret(who, self.app_secrets[direction], n)
        self.app_secrets[direction] = secret
        self.log_secret(UPDATED_LABELS[who], secret)  # as OpenSSL logs it
        keys = self.ks.traffic_keys(f"{who} application ({n})", secret, self.suite.key_len)
        setattr(self, f"{direction}_prot", RecordProtection(self.suite, keys.key, keys.iv, rng=self.rng))
        self.derived(f"{who} application traffic secret {n} and keys", self.ks.derivations[self._ks_mark:], SYMMETRIC,
                     f"KeyUpdate: the {who}'s records use these from now on (sequence number 0)")
        self._ks_mark = len(self.ks.derivations)

    def _handshake_keys13(self, peer_share: bytes) -> None:
        """TLS 1.3: (EC)DHE with the peer's key share, then the handshake secrets and keys (both roles alike)."""
        from protolab.tls.keyschedule import KeySchedule
        from protolab.tls.kx import ecdhe_derivation

        peer = "server" if self.role == "client" else "client"
        d = ecdhe_derivation(self.eph, peer_share, self.role)
        self.derived(f"{self.eph.group.name} ECDHE shared secret", [d], ASYMMETRIC,
                     f"{self.role} private key x {peer} public share: the secret never travels")
        self.ks = KeySchedule.for_suite(self.suite)
        self.ks.handshake(d.output, self.hash_now())
        client, server = self.ks.client_handshake_traffic_secret, self.ks.server_handshake_traffic_secret
        self._install13("handshake", *((client, server) if self.role == "client" else (server, client)))
        self.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", client)
        self.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", server)

    def _log_application13(self) -> None:
        self.log_secret("CLIENT_TRAFFIC_SECRET_0", self.ks.client_application_traffic_secret)
        self.log_secret("SERVER_TRAFFIC_SECRET_0", self.ks.server_application_traffic_secret)
        self.log_secret("EXPORTER_SECRET", self.ks.exporter_master_secret)

    def _keys12(self, pms: bytes) -> None:
        """TLS 1.2: pre-master secret -> master secret (with the session hash under EMS) -> key block; the
        new keys wait (pending) for each direction's ChangeCipherSpec."""
        from protolab.tls.prf import derive_tls12

        session_hash = self.hash_now() if self.ems else None
        self.tls12 = derive_tls12(self.suite, pms, self.client_random, self.server_random, session_hash)
        self.derived("master secret and key block", self.tls12.derivations, SYMMETRIC,
                     "PRF (HMAC) over the pre-master secret" + (" and the session hash (EMS)" if self.ems else ""))
        self.log_secret("CLIENT_RANDOM", self.tls12.master)
        self._pending12()

    def _pending12(self) -> None:
        from protolab.tls.protection import RecordProtection

        k = self.tls12.keys
        mine = (k.client_key, k.client_iv, k.client_mac_key)
        theirs = (k.server_key, k.server_iv, k.server_mac_key)
        if self.role == "server":
            mine, theirs = theirs, mine
        self.pending_write = RecordProtection(self.suite, *mine, rng=self.rng, etm=self.etm)
        self.pending_read = RecordProtection(self.suite, *theirs, rng=self.rng, etm=self.etm)

    def note_negotiated12(self) -> None:
        """The TLS 1.2 choices, as one note (encrypt-then-MAC is named for CBC suites, where it applies)."""
        etm = "" if self.suite.aead else f", encrypt-then-MAC {'on' if self.etm else 'off'}"
        self.step(NOTE, "negotiated", detail=f"TLS 1.2, {self.suite.name}, key exchange {self.suite.kx.upper()}, "
                                             f"extended master secret {'on' if self.ems else 'off'}{etm}")

    @property
    def etm_state(self) -> bool | None:
        """Encrypt-then-MAC as a result field: None where it does not apply (TLS 1.3, AEAD suites)."""
        if self.version != m.TLS12 or self.suite is None or self.suite.aead:
            return None
        return self.etm

    def _send_finished12(self) -> None:
        start = len(self.tls12.derivations)
        vd = self.tls12.finished(self.role, self.hash_now())
        self.derived(f"{self.role} Finished verify_data", self.tls12.derivations[start:], SYMMETRIC,
                     "PRF over the hash of every handshake message so far")
        self.send_handshake(m.Finished(vd), "encrypted under the new keys: proves the keys and transcript match")

    def _check_finished12(self, fin: m.Finished) -> None:
        from protolab.tls.keyschedule import verify_data_matches

        peer = "server" if self.role == "client" else "client"
        start = len(self.tls12.derivations)
        expected = self.tls12.finished(peer, self.hash_before())
        self.derived(f"expected {peer} Finished verify_data", self.tls12.derivations[start:], SYMMETRIC)
        ok = verify_data_matches(expected, fin.verify_data)
        self.check(f"{peer} Finished", ok, "verify_data matches: same keys, same transcript" if ok else
                   f"verify_data mismatch: expected {expected.hex()}, got {fin.verify_data.hex()} "
                   "(handshake altered or different keys)", SYMMETRIC, 51, "Finished check")

    def _check_finished13(self, fin: m.Finished) -> None:
        """TLS 1.3: the peer's Finished = HMAC(its finished_key, transcript hash up to the Finished)."""
        from protolab.tls.keyschedule import verify_data_matches

        peer = "server" if self.role == "client" else "client"
        secret = getattr(self.ks, f"{peer}_handshake_traffic_secret")
        start = len(self.ks.derivations)
        expected = self.ks.verify_data(peer, secret, self.hash_before())
        self.derived(f"expected {peer} Finished verify_data", self.ks.derivations[start:], SYMMETRIC)
        self._ks_mark = len(self.ks.derivations)
        ok = verify_data_matches(expected, fin.verify_data)
        self.check(f"{peer} Finished", ok, "verify_data matches: same keys, same transcript" if ok else
                   "verify_data mismatch (handshake altered or different keys)", SYMMETRIC, 51, "Finished check")

    # ---- helpers -----------------------------------------------------------------------------------
    def _sealed_spans(self, p) -> list:
        """Spans of a protected record: header, GCM explicit nonce or CBC IV, ciphertext, tag."""
        from protolab.annotate import FieldSpan

        rec = Record(p.record[0], int.from_bytes(p.record[1:3], "big"), p.record[5:])
        spans = header_spans(rec)
        frag_len, pos = len(rec.fragment), 5
        explicit = self.suite.record_iv_len if self.version == m.TLS12 else 0
        if explicit and self.suite.aead:  # GCM: the explicit half of the AEAD nonce
            spans.append(FieldSpan(pos, explicit, "explicit nonce", "sent in clear; after the implicit "
                                   "write IV from the key block it makes the AEAD nonce"))
        elif explicit:  # CBC: no nonce at all, this is the whole IV of the record (RFC 5246 6.2.3.2)
            spans.append(FieldSpan(pos, explicit, "IV", "sent in clear; the record's whole CBC IV, random per "
                                   "record"))
        pos += explicit
        etm = self.etm and not self.suite.aead
        tag = len(p.tag) if (self.suite.aead or etm) and p.tag else 0  # MAC-then-encrypt: the MAC is inside
        inner = ("encrypted data + padding" if etm else "encrypted data + MAC + padding" if not self.suite.aead
                 else "encrypted data" if self.version == m.TLS12 else "encrypted data + inner content type")
        spans.append(FieldSpan(pos, 5 + frag_len - pos - tag, inner))
        if tag:
            spans.append(FieldSpan(5 + frag_len - tag, tag, "authentication tag" if self.suite.aead else
                                   "MAC (encrypt-then-MAC: over IV + ciphertext, sent in clear)"))
        return spans

    def log_secret(self, label: str, secret: bytes) -> None:
        self.keylog.add(label, self.client_random, secret)


def _preview(data: bytes, n: int = 40) -> str:
    text = data[:n].decode("ascii", "replace").replace("\r", "\\r").replace("\n", "\\n")
    return f"'{text}" + ("…'" if len(data) > n else "'")
