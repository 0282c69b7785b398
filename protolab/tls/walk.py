"""The in-memory walk: a client engine and a server engine in one process, talking through the driver.

Theory of operation: the driver is the network. It starts the client, then moves each flight of bytes
from one engine to the other until both are CONNECTED (or one FAILED), then carries a request and a
reply as application data and both close_notify alerts. Every flight is kept, in order, so the same
conversation can be written as a TCP stream in a pcap (protolab.capture.tcpsynth) with the NSS key log
next to it, for Wireshark/tshark to decrypt. Each engine draws its randomness from
random.Random(f"{seed}-{role}") and the certificate is the seeded lab identity, so a seed gives the same
transcript byte for byte.

With `tamper`, the driver plays a man in the middle who changes ONE byte of one thing in flight; the walk
then shows which check catches it (TAMPER_TARGETS says what is changed and why).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from protolab.errors import BadInput
from protolab.tls import messages as m
from protolab.tls.engine import Config
from protolab.tls.records import APPLICATION_DATA, HANDSHAKE, split_records
from protolab.tls.steps import ASYMMETRIC, ATTACKER, CHECK, MESSAGE, NOTE, RECORD, SYMMETRIC, CostMeasure, KeyRole, Step

REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
_BODY = b"hello from the protolab walk\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(_BODY), _BODY)

# --tamper targets: what the attacker changes, and the check that should catch it.
TAMPER_TARGETS = {
    "certificate": "one byte of the server's certificate (its signature): the client's certificate check",
    "server-key-exchange": "one byte of the server's ECDHE public key in ServerKeyExchange (TLS 1.2 ECDHE): "
                           "the client's signature check",
    "finished": "one byte of the client's ClientHello (an offered signature scheme: a downgrade stand-in): "
                "the Finished check over the transcript (or, when keys depend on the transcript, the record tag)",
    "record": "one byte of the first encrypted application-data record: the record's integrity tag / MAC",
}

# Why a check other than the obvious one caught the attacker: (target, failed check) -> explanation.
WHY_THIS_CHECK = {
    ("finished", "record integrity"):
        "the altered ClientHello is an input of the keys themselves ({inputs}), so the two sides already hold "
        "different keys: the first encrypted message fails its integrity tag before any Finished can be "
        "compared. {hint}",
    ("certificate", "record integrity"):
        "TLS 1.3 encrypts the Certificate: an attacker can only flip ciphertext, and the record's AEAD tag "
        "catches that before the certificate check even runs.",
}

DEFAULT_SUITES = {(m.TLS12, "rsa"): "TLS_RSA_WITH_AES_128_GCM_SHA256",
                  (m.TLS12, "ecdhe"): "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                  (m.TLS13, "ecdhe"): "TLS_AES_128_GCM_SHA256"}

CLIENT_ADDR, SERVER_ADDR = ("10.0.0.1", 50123), ("10.0.0.2", 443)
PCAP_EPOCH_NS = 1_767_225_600 * 10**9  # 2026-01-01T00:00:00Z: fixed, so captures are reproducible


@dataclass
class Flight:
    sender: str
    data: bytes


@dataclass
class WalkResult:
    version: str
    suite: str
    kx: str
    group: str | None
    ems: bool | None
    seed: int
    steps: list[Step] = field(default_factory=list)
    flights: list[Flight] = field(default_factory=list)
    completed: bool = False
    error: str | None = None
    tamper: str | None = None
    caught_by: str | None = None
    why: str = ""  # when tampering is caught by another check than the target's own, why
    keys: list[KeyRole] = field(default_factory=list)
    cost: CostMeasure | None = None
    keylog: str = ""
    keylogs_agree: bool = False
    app_data: list[tuple[str, bytes]] = field(default_factory=list)
    etm: bool | None = field(default=None, metadata={"json_omit_none": True})  # None: not a CBC suite


def resolve(version: str = "1.2", kx: str | None = None, suite: str | None = None):
    """(version code, CipherSuite) from the options; BadInput on contradictions or unknown names."""
    from protolab.tls.suites import lookup_suite

    versions = {"1.2": m.TLS12, "1.3": m.TLS13}
    if version not in versions:
        raise BadInput(f"unsupported version {version!r} (1.2 or 1.3)")
    ver = versions[version]
    if kx not in (None, "rsa", "ecdhe"):
        raise BadInput(f"unknown key exchange {kx!r} (rsa or ecdhe)")
    if ver == m.TLS13 and kx == "rsa":
        raise BadInput("TLS 1.3 has no RSA key transport: every TLS 1.3 handshake is (EC)DHE")
    chosen = lookup_suite(suite) if suite else lookup_suite(DEFAULT_SUITES[(ver, kx or "ecdhe")])
    if suite and chosen.version != ver:
        raise BadInput(f"{chosen.name} is a TLS {'1.3' if chosen.version == m.TLS13 else '1.2'} suite, "
                       f"not a TLS {version} one")
    if kx and chosen.kx and chosen.kx != kx:
        raise BadInput(f"{chosen.name} uses {chosen.kx.upper()} key exchange, not {kx.upper()}")
    return ver, chosen


def walk(version: str = "1.2", kx: str | None = None, suite: str | None = None, group: str = "x25519",
         seed: int = 0, ems: bool = True, etm: bool = True, tamper: str | None = None, identity=None,
         measure: bool = True, request: bytes = REQUEST, response: bytes = RESPONSE) -> WalkResult:
    """Run both roles in memory and return every step (see the module docstring)."""
    from protolab.tls.client import TlsClient
    from protolab.tls.kx import lab_identity
    from protolab.tls.server import TlsServer
    from protolab.tls.suites import lookup_group

    if tamper is not None and tamper not in TAMPER_TARGETS:
        raise BadInput(f"unknown tamper target {tamper!r} (one of: {', '.join(TAMPER_TARGETS)})")
    ver, chosen = resolve(version, kx, suite)
    if tamper == "server-key-exchange" and chosen.kx != "ecdhe":
        raise BadInput("--tamper server-key-exchange needs a TLS 1.2 ECDHE walk: with RSA key transport there is "
                       "no ServerKeyExchange, and TLS 1.3 signs the transcript in CertificateVerify instead")
    grp = lookup_group(group)
    kind = "ecdsa" if chosen.auth == "ecdsa" else "rsa"
    identity = identity or lab_identity(kind)
    if ver == m.TLS12 and identity.kind != chosen.auth:
        raise BadInput(f"{chosen.name} needs an {chosen.auth.upper()} certificate, the one given is "
                       f"{identity.kind.upper()}")
    common = dict(versions=[ver], suites=[chosen], groups=[grp], ems=ems, etm=etm, seed=seed)
    client = TlsClient(Config(**common, server_name="localhost", anchors=[identity.cert]))
    server = TlsServer(Config(**common, identity=identity))
    result = WalkResult("TLS 1.3" if ver == m.TLS13 else "TLS 1.2", chosen.name, chosen.kx or "ecdhe",
                        grp.name if (chosen.kx != "rsa") else None, None, seed, tamper=tamper)
    wire = _Wire(client, server, result, tamper)
    client.start()
    wire.run(lambda: client.handshake_done and server.handshake_done)
    if client.connected and server.connected:
        client.send_data(request)
        wire.run(lambda: bool(server.received))
        if server.connected:
            server.send_data(response)
            wire.run(lambda: bool(client.received))
        if client.connected and server.connected:
            client.close()
            wire.run(lambda: client.state == "CLOSED" and server.state == "CLOSED")
    result.completed = client.handshake_done and server.handshake_done and not (client.error or server.error)
    result.error = client.error or server.error
    failed = next((s for s in result.steps if s.kind == CHECK and s.ok is False), None)
    if failed is not None:
        result.caught_by = f"{failed.who}: {failed.detail}"
        why = WHY_THIS_CHECK.get((tamper, failed.title), "")
        result.why = why.format(
            inputs="TLS 1.3: the handshake keys come from the hash of ClientHello..ServerHello" if ver == m.TLS13
            else "extended master secret: the master secret covers the hash of the handshake",
            hint="In TLS 1.3 every transcript change is caught this way." if ver == m.TLS13
            else "Run with --no-ems to see the Finished check itself catch it.")
    result.ems = client.ems if ver == m.TLS12 and client.suite else None
    result.etm = client.etm_state
    result.app_data = [("client", b"".join(server.received)), ("server", b"".join(client.received))]
    result.keylog = client.keylog.text()
    result.keylogs_agree = _non_rsa(client.keylog.text()) == _non_rsa(server.keylog.text())
    result.keys = key_table(client, server)
    if measure:
        result.cost = measure_cost(identity)
    return result


def _non_rsa(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if not line.startswith("RSA "))


class _Wire:
    """The network between the two engines (and the attacker on it, when tampering)."""

    def __init__(self, client, server, result: WalkResult, tamper: str | None):
        self.ends = {"client": client, "server": server}
        self.result, self.tamper, self.done_tamper = result, tamper, False
        self.seen = {"client": 0, "server": 0}
        self.unsent = {"client": [], "server": []}  # steps of each role since its last flight went out

    def _collect(self, role: str) -> list[Step]:
        engine = self.ends[role]
        new = engine.steps[self.seen[role]:]
        self.seen[role] = len(engine.steps)
        # A received message is the sender's message again: shown once, by its sender.
        self.result.steps += [s for s in new if not (s.kind == MESSAGE and s.sent is False)]
        self.unsent[role] += new
        return self.unsent[role]

    def run(self, until, max_rounds: int = 20) -> None:
        for _ in range(max_rounds):
            moved = False
            for role, peer in (("client", "server"), ("server", "client")):
                sender = self.ends[role]
                new = self._collect(role)
                data = sender.data_to_send()
                if not data:
                    continue
                self.unsent[role] = []
                moved = True
                if self.tamper and not self.done_tamper:
                    data = self._attack(role, data, new)
                self.result.flights.append(Flight(role, data))
                self.ends[peer].receive(data)
                self._collect(peer)
            if until() or not moved:
                break
        self._collect("client")
        self._collect("server")

    # ---- the attacker --------------------------------------------------------------------------------
    def _attack(self, sender: str, data: bytes, new_steps: list[Step]) -> bytes:
        pos, what = _find_target(self.tamper, sender, data, new_steps)
        if pos is None:
            return data
        self.done_tamper = True
        flipped = bytearray(data)
        flipped[pos] ^= 0x01
        self.result.steps.append(Step(ATTACKER, NOTE, f"attacker changes one byte of {what}",
                                      data=data[max(0, pos - 8):pos + 8], sent=None,
                                      detail=f"byte {pos} of the {sender}'s flight: 0x{data[pos]:02x} -> "
                                             f"0x{flipped[pos]:02x}"))
        return bytes(flipped)


def _find_target(target: str, sender: str, data: bytes, new_steps: list[Step]) -> tuple[int | None, str]:
    """Offset in a flight of the byte the attacker flips for `target` (None: not in this flight)."""
    records, _ = split_records(data)
    # Titles of the protected records of this flight, in order (one record per message or data chunk).
    protected = [s.title for s in new_steps if s.sent and s.protected and s.kind in (MESSAGE, RECORD)]
    offset, k = 0, 0
    for rec in records:
        start, length = offset + 5, len(rec.fragment)
        offset += 5 + length
        if rec.content_type == APPLICATION_DATA:
            title = protected[k] if k < len(protected) else "?"
            k += 1
            if target == "record" and sender == "client" and title == "application data":
                return start + length // 2, "the client's first application-data record (ciphertext)"
            if target == "certificate" and sender == "server" and title == "Certificate":
                return start + length // 2, "the encrypted record carrying the Certificate (TLS 1.3 encrypts it)"
            continue
        if rec.content_type != HANDSHAKE:
            continue
        raws, _ = m.split_handshakes(rec.fragment)
        pos = start
        for raw in raws:
            if target == "certificate" and sender == "server" and raw[0] == m.CERTIFICATE:
                return pos + len(raw) - 1, "the server's Certificate (last byte of its signature)"
            if target == "server-key-exchange" and sender == "server" and raw[0] == m.SERVER_KEY_EXCHANGE:
                return pos + 4 + 4 + raw[7] - 1, "the server's ECDHE public key in ServerKeyExchange"
            if target == "finished" and sender == "client" and raw[0] == m.CLIENT_HELLO:
                last = [s for s in m.decode_handshake(raw).spans if s.name.startswith("scheme[")][-1]
                return pos + last.offset + 1, "the ClientHello (the last offered signature scheme)"
            pos += len(raw)
    return None, ""


# ---- the closing table ----------------------------------------------------------------------------------
def key_table(client, server) -> list[KeyRole]:
    """Which keys exist, who knows them, what each protects, asymmetric or symmetric."""
    suite = client.suite or server.suite
    if suite is None:
        return []
    ident = server.config.identity
    bits = getattr(ident.key, "key_size", 0) or ident.key.curve.key_size
    kind = ident.kind.upper()
    private_use = {"rsa": "decrypts the pre-master secret: whoever gets this key later opens every recorded "
                          "session too (RSA key transport: no forward secrecy)",
                   "ecdhe": "signs the ServerKeyExchange (the server's ephemeral share): authentication only",
                   None: "signs the transcript in CertificateVerify: authentication only"}
    rows = [KeyRole(f"server {kind}-{bits} private key", "server only", private_use[suite.kx], ASYMMETRIC),
            KeyRole(f"server {kind} public key (certificate)", "everyone",
                    "encrypts the pre-master secret" if suite.kx == "rsa" else "verifies the server's signature",
                    ASYMMETRIC)]
    s = {**server.secrets, **client.secrets}
    if suite.kx != "rsa":
        rows += [KeyRole("client ephemeral ECDHE private key", "client only, then discarded",
                         "its half of the shared secret (forward secrecy)", ASYMMETRIC,
                         len(s.get("client ephemeral private key", b""))),
                 KeyRole("server ephemeral ECDHE private key", "server only, then discarded",
                         "its half of the shared secret (forward secrecy)", ASYMMETRIC,
                         len(s.get("server ephemeral private key", b"")))]
    if client.version == m.TLS12:
        pms = "travels encrypted to the server key" if suite.kx == "rsa" else "computed on both sides, never sent"
        rows += [KeyRole("pre-master secret", "client and server", f"input of the PRF ({pms})", SYMMETRIC,
                         len(s.get("pre_master_secret", s.get("(EC)DHE shared secret", b"")))),
                 KeyRole("master secret", "client and server", "the key block and both Finished messages",
                         SYMMETRIC, len(s.get("master_secret", b"")))]
        for name, what in (("client_write_key", "encrypts client -> server records"),
                           ("server_write_key", "encrypts server -> client records"),
                           ("client_write_MAC_key", "authenticates client -> server records (HMAC)"),
                           ("server_write_MAC_key", "authenticates server -> client records (HMAC)"),
                           ("client_write_IV", "implicit nonce part, client -> server"),
                           ("server_write_IV", "implicit nonce part, server -> client")):
            if name.endswith("_IV") and not suite.aead:
                what = "nothing: each TLS 1.2 CBC record carries its own explicit IV"
            if s.get(name):
                rows.append(KeyRole(name, "client and server", what, SYMMETRIC, len(s[name])))
    else:
        rows += [KeyRole("(EC)DHE shared secret", "client and server (never sent)", "input of the key schedule",
                         SYMMETRIC, len(s.get("(EC)DHE shared secret", b""))),
                 KeyRole("handshake traffic secrets", "client and server",
                         "derive the handshake write keys + ivs and the finished keys (one per direction)", SYMMETRIC,
                         len(s.get("client_handshake_traffic_secret", b""))),
                 KeyRole("application traffic secrets", "client and server",
                         "derive the application write keys + ivs (one per direction)", SYMMETRIC,
                         len(s.get("client_application_traffic_secret_0", b""))),
                 KeyRole("finished keys", "client and server", "HMAC of the transcript in each Finished",
                         SYMMETRIC, len(s.get("client finished_key", b"")))]
        for stage, what in (("handshake", "EncryptedExtensions .. Finished"), ("application", "application data")):
            for side, peer in (("client", "server"), ("server", "client")):
                key, iv = s.get(f"{side} {stage} write key"), s.get(f"{side} {stage} write iv")
                if key:
                    rows.append(KeyRole(f"{side} {stage} write key + iv", "client and server",
                                        f"encrypt {what}, {side} -> {peer} (nonce = iv XOR sequence number)",
                                        SYMMETRIC, len(key) + len(iv or b"")))
    return rows


def measure_cost(identity=None, budget: float = 0.25) -> CostMeasure:
    """Time one RSA private-key operation and AES-128-GCM per KB on this machine (why TLS is hybrid)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = identity.key if identity is not None and identity.kind == "rsa" else None
    if key is None:
        from protolab.tls.kx import lab_identity

        key = lab_identity("rsa").key
    assert isinstance(key, rsa.RSAPrivateKey)

    def per_op(fn, max_n: int) -> float:
        fn()  # warm-up
        n, start = 0, time.perf_counter()
        while n < max_n and time.perf_counter() - start < budget / 2:
            fn()
            n += 1
        return (time.perf_counter() - start) / n * 1e6

    rsa_us = per_op(lambda: key.sign(b"x" * 32, padding.PKCS1v15(), hashes.SHA256()), 200)
    aes = AESGCM(bytes(16))
    block = bytes(16 * 1024)
    nonce = bytes(12)
    aes_us = per_op(lambda: aes.encrypt(nonce, block, b""), 5000) / 16
    return CostMeasure(round(rsa_us, 1), round(aes_us, 3), key.key_size)


# ---- files ----------------------------------------------------------------------------------------------
def capture_frames(result: WalkResult) -> list[bytes]:
    """The walk's flights as Ethernet/IPv4/TCP frames (SYN .. FIN), deterministic for a seed."""
    from protolab.capture.tcpsynth import TcpFlow

    flow = TcpFlow(client=CLIENT_ADDR, server=SERVER_ADDR, seed=result.seed)
    frames = flow.handshake()
    for flight in result.flights:
        frames += flow.send(from_client=flight.sender == "client", payload=flight.data, ack=True)
    return frames + flow.close()


def write_pcap(result: WalkResult, path: str | Path) -> int:
    """Write the conversation as a classic pcap (Ethernet); returns the number of frames."""
    from protolab.capture.writer import LINKTYPE_ETHERNET, PcapWriter
    from protolab.fileio import open_output

    frames = capture_frames(result)
    with open_output(path, stdout_ok=True) as f, PcapWriter(f, linktype=LINKTYPE_ETHERNET) as w:
        for i, frame in enumerate(frames):
            w.write(frame, PCAP_EPOCH_NS + i * 1_000_000)
    return len(frames)


def write_keylog(result: WalkResult, path: str | Path) -> None:
    """The walk's key log (0600); a walk that failed before any secret leaves an existing key log as it was."""
    from protolab.fileio import write_text

    if result.keylog:
        write_text(path, result.keylog, secret=True)

