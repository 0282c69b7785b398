"""The sans-I/O TLS server: TLS 1.2 (RSA key transport or ECDHE, extended master secret on/off) and TLS 1.3.

Theory of operation: the server waits for a ClientHello, picks version, suite and group from its own
preference list (Config) among what the client offers, then answers with its whole flight at once:

  TLS 1.2   WAIT_CH --(ServerHello, Certificate, [ServerKeyExchange: ECDHE], ServerHelloDone)-->
            WAIT_CKE -> WAIT_CCS -> WAIT_FIN --(check client Finished; send CCS, Finished)--> CONNECTED
  TLS 1.3   WAIT_CH --(ServerHello, [CCS], {EncryptedExtensions, Certificate, CertificateVerify, Finished})-->
            WAIT_FIN --(check client Finished)--> CONNECTED          ({...}: under the handshake keys)

Asymmetric work on the server: signing (ServerKeyExchange in 1.2 ECDHE, CertificateVerify in 1.3) and either
decrypting the RSA-encrypted pre-master secret or an ECDHE key agreement. HelloRetryRequest is not
implemented: the client must send a key share for a group the server accepts.
"""

from __future__ import annotations

from protolab.tls import extensions as x
from protolab.tls import messages as m
from protolab.tls.client import CV_CONTEXT_SERVER
from protolab.tls.engine import CCS, CONNECTED, Endpoint, TlsFailure
from protolab.tls.records import CHANGE_CIPHER_SPEC, Record
from protolab.tls.steps import ASYMMETRIC, NOTE, SYMMETRIC

# Signature schemes the server may sign with, by key (RSA, or the ECDSA key's curve) and version, preferred first.
# ECDSA schemes name their curve (binding in TLS 1.3), so a P-384 key signs with ecdsa_secp384r1_sha384.
SCHEME_PREFERENCE = {
    ("rsa", m.TLS13): [0x0804, 0x0805, 0x0806],
    ("rsa", m.TLS12): [0x0804, 0x0401, 0x0805, 0x0501, 0x0806, 0x0601],
    (0x0017, m.TLS13): [0x0403], (0x0017, m.TLS12): [0x0403],
    (0x0018, m.TLS13): [0x0503], (0x0018, m.TLS12): [0x0503],
}
# A TLS 1.2 client that sends no signature_algorithms (RFC 5246 7.4.1.4.1 says: assume SHA-1, which the lab
# does not sign with): take the SHA-256 scheme of the key type.
SCHEMES_WITHOUT_EXTENSION = [0x0401, 0x0403, 0x0503]


class TlsServer(Endpoint):
    role = "server"
    TRANSITIONS = {
        "WAIT_CH": {m.CLIENT_HELLO: "on_client_hello"},
        "WAIT_CKE": {m.CLIENT_KEY_EXCHANGE: "on_client_key_exchange"},
        "WAIT_CCS": {CCS: "on_ccs"},
        "WAIT_FIN": {m.FINISHED: "on_finished"},
        CONNECTED: {m.KEY_UPDATE: "on_key_update", m.CLIENT_HELLO: "refuse_renegotiation"},
    }

    def __init__(self, config, rng=None):
        super().__init__(config, rng)
        if config.identity is None:
            raise ValueError("a TlsServer needs config.identity (key + certificate)")
        self.state = "WAIT_CH"

    # ---- negotiation -------------------------------------------------------------------------------
    def _choose(self, ch: m.ClientHello) -> None:
        """Version, group, signature scheme and suite: the server's preference among what the client offers.

        A suite is only taken when the server can do all of it for this client: a TLS 1.2 ECDHE suite needs a
        group in the client's supported_groups and a signature scheme in its signature_algorithms (the
        ServerKeyExchange is signed); an ECDSA suite also needs the certificate's curve in supported_groups
        (RFC 8422 5.1: those are the curves the client can verify); TLS 1.3 always signs (CertificateVerify).
        """
        from protolab.tls.suites import GROUPS

        sv = x.find(ch.extensions, x.SUPPORTED_VERSIONS)
        theirs = sv.value if sv is not None else ([m.TLS12] if ch.legacy_version >= m.TLS12 else [])
        version = next((v for v in sorted(self.config.versions, reverse=True) if v in theirs), None)
        if version is None:
            raise TlsFailure("no protocol version in common (client offers "
                             + ", ".join(f"0x{v:04x}" for v in theirs) + ")", 70, "version negotiation")
        self.version = version
        ident = self.config.identity
        kind = ident.kind
        groups_ext = x.find(ch.extensions, x.SUPPORTED_GROUPS)
        their_groups = groups_ext.value if groups_ext is not None else [g.code for g in self.config.groups]
        sigs = x.find(ch.extensions, x.SIGNATURE_ALGORITHMS)
        offered_sigs = sigs.value if sigs is not None else SCHEMES_WITHOUT_EXTENSION
        prefs = SCHEME_PREFERENCE.get((ident.curve or kind, version), [])
        self.scheme_code = next((s for s in prefs if s in offered_sigs), None)
        key_name = kind.upper() + (f" {GROUPS[ident.curve].name}" if ident.curve else "")
        if version == m.TLS13 and self.scheme_code is None:
            raise TlsFailure(f"no signature scheme in common with the client for the server's {key_name} key",
                             40, "signature negotiation")
        share_ext = x.find(ch.extensions, x.KEY_SHARE)
        shares = {e.group: e.key_exchange for e in (share_ext.value if share_ext is not None else [])}
        if version == m.TLS13:
            self.group = next((g for g in self.config.groups if g.code in shares), None)
            self.retry_group = None
            if self.group is None:  # no usable share: ask for one (HelloRetryRequest), once
                self.retry_group = next((g for g in self.config.groups if g.code in their_groups), None)
                if self.retry_group is None or self.retried:
                    raise TlsFailure("no group in common with the client (server accepts "
                                     + ", ".join(g.name for g in self.config.groups) + ")", 40, "group negotiation")
            else:
                self.client_share = shares[self.group.code]
        else:
            self.group = next((g for g in self.config.groups if g.code in their_groups), None)
        why_not: list[str] = []
        for suite in self.config.suites:
            if suite.code not in ch.cipher_suites or suite.version != version:
                continue
            reason = self._cannot12(suite, kind, ident.curve, their_groups) if version == m.TLS12 else None
            if reason is None:
                self.suite = suite
                return
            if reason not in why_not:
                why_not.append(reason)
        from protolab.tls.suites import SUITES

        offered = [SUITES[c].openssl for c in ch.cipher_suites if c in SUITES and SUITES[c].version == version]
        raise TlsFailure("no cipher suite in common with the client (server accepts "
                         + ", ".join(s.openssl for s in self.config.suites) + f" with an {key_name} key; "
                         + ("; ".join(why_not) if why_not else "the client offers "
                            + (", ".join(offered) if offered else "none of the lab's suites for this version"))
                         + ")", 40, "suite negotiation")

    def _cannot12(self, suite, kind: str, curve: int | None, their_groups: list[int]) -> str | None:
        """Why this server cannot do this offered TLS 1.2 suite for this client (None: it can)."""
        from protolab.tls.suites import GROUPS

        if suite.auth != kind:
            return f"{suite.openssl} needs an {suite.auth.upper()} certificate"
        if suite.kx == "ecdhe" and self.group is None:
            return "no ECDHE group in common"
        if suite.kx == "ecdhe" and self.scheme_code is None:
            return "no signature scheme in common for the ServerKeyExchange"
        if suite.auth == "ecdsa" and curve not in their_groups:
            return f"the client's supported_groups lacks {GROUPS[curve].name}, the certificate's curve"
        return None

    def on_client_hello(self, ch: m.ClientHello) -> str:
        self.client_random = ch.random
        self.client_hello = ch
        self._choose(ch)
        if self.version == m.TLS13 and self.retry_group is not None:
            return self._retry(ch)
        self.server_random = self.rng.randbytes(32)
        if self.version == m.TLS12 and m.TLS13 in self.config.versions:  # RFC 8446 4.1.3 downgrade sentinel
            self.server_random = self.server_random[:24] + m.DOWNGRADE_TLS12
        if self.version == m.TLS13:
            return self._flight13(ch)
        self.ems = self.config.ems and x.find(ch.extensions, x.EXTENDED_MASTER_SECRET) is not None
        exts = []
        if x.find(ch.extensions, x.RENEGOTIATION_INFO) is not None or 0x00FF in ch.cipher_suites:
            exts.append(x.Extension(x.RENEGOTIATION_INFO, b""))
        # RFC 7366 3: answered only when the chosen suite is CBC (an AEAD suite MUST NOT get it)
        self.etm = self.config.etm and not self.suite.aead and x.find(ch.extensions, x.ENCRYPT_THEN_MAC) is not None
        if self.etm:
            exts.append(x.Extension(x.ENCRYPT_THEN_MAC))
        if self.ems:
            exts.append(x.Extension(x.EXTENDED_MASTER_SECRET))
        if self.suite.kx == "ecdhe" and x.find(ch.extensions, x.EC_POINT_FORMATS_EXT) is not None:
            exts.append(x.Extension(x.EC_POINT_FORMATS_EXT, [0]))
        sh = m.ServerHello(m.TLS12, self.server_random, self.rng.randbytes(32), self.suite.code, 0, exts)
        self.send_handshake(sh, f"server random, chosen suite {self.suite.name}")
        self.note_negotiated12()
        self.send_handshake(m.Certificate12([self.config.identity.cert_der]),
                            "the server's certificate: its public key and who vouches for it")
        if self.suite.kx == "ecdhe":
            self._send_server_key_exchange()
        self.send_handshake(m.ServerHelloDone())
        return "WAIT_CKE"

    def _sign(self, title: str, data: bytes) -> bytes:
        from protolab.tls.keyschedule import Derivation
        from protolab.tls.kx import sign
        from protolab.tls.suites import SIGNATURE_SCHEMES

        scheme = SIGNATURE_SCHEMES[self.scheme_code]
        key = self.config.identity.key
        sig = sign(scheme, key, data, self.rng)
        bits = key.key_size if self.config.identity.kind == "rsa" else key.curve.key_size
        self.derived(f"{title} signature", [Derivation(
            f"{title} signature", f"{scheme.name} sign with the server's private key", {"signed data": data}, sig,
            f"{self.config.identity.kind.upper()}-{bits} private-key signature", ASYMMETRIC)], ASYMMETRIC,
            "proves the holder of the certificate's private key sent this")
        return sig

    def _send_server_key_exchange(self) -> None:
        from protolab.tls.kx import generate_ephemeral

        self.eph = generate_ephemeral(self.group, self.rng)
        self.secrets["server ephemeral private key"] = self.eph.private_bytes
        ske = m.ServerKeyExchangeECDHE(3, self.group.code, self.eph.public, self.scheme_code, b"")
        ske.signature = self._sign("ServerKeyExchange", self.client_random + self.server_random + ske.params())
        self.send_handshake(ske, f"the server's ephemeral {self.group.name} public key, signed")

    # ---- TLS 1.2 -----------------------------------------------------------------------------------
    def on_client_key_exchange(self, cke) -> str:
        from protolab.tls import kx
        from protolab.tls.keyschedule import Derivation

        if self.suite.kx == "rsa":
            key = self.config.identity.key
            pms = kx.rsa_decrypt_pre_master(key, cke.encrypted_pre_master)
            good = pms is not None and pms[:2] == self.client_hello.legacy_version.to_bytes(2, "big")
            if not good:  # RFC 5246 7.4.7.1: carry on with a random secret; Finished will fail
                pms = kx.make_pre_master(self.rng)
            else:
                self.keylog.add("RSA", cke.encrypted_pre_master[:8], pms)
            self.derived("pre-master secret, decrypted with the server's RSA private key", [Derivation(
                "pre_master_secret", "RSAES-PKCS1-v1_5 decrypt with the server's private key",
                {"encrypted pre-master": cke.encrypted_pre_master}, pms, f"RSA-{key.key_size} private-key decryption",
                ASYMMETRIC)], ASYMMETRIC, "the private key opens what the client sealed" if good else
                "decryption failed: continuing with a random pre-master secret (no padding oracle)")
        else:
            d = kx.ecdhe_derivation(self.eph, cke.public, "server")
            self.derived(f"{self.group.name} ECDHE shared secret = pre-master secret", [d], ASYMMETRIC,
                         "server private key x client public share: the same secret as the client's")
            pms = d.output
        self._keys12(pms)
        return "WAIT_CCS"

    def on_ccs(self) -> str:
        self.read_prot, self.pending_read = self.pending_read, None
        return "WAIT_FIN"

    def on_finished(self, fin: m.Finished) -> str:
        if self.version == m.TLS12:
            self._check_finished12(fin)
            self.send_change_cipher_spec()
            self._send_finished12()
            return CONNECTED
        self._check_finished13(fin)
        self._install13("application", b"", self.ks.client_application_traffic_secret, write=False)
        return CONNECTED

    # ---- TLS 1.3 -----------------------------------------------------------------------------------
    retried = False

    def _retry(self, ch: m.ClientHello) -> str:
        """HelloRetryRequest: ask for a key share of a group both sides support (RFC 8446 4.1.4)."""
        from protolab.tls.keyschedule import transcript_hash

        self.retried = True
        digest = transcript_hash(self.suite.hash, bytes(self.transcript))
        self.transcript = bytearray(bytes([m.MESSAGE_HASH, 0, 0, len(digest)]) + digest)
        hrr = m.HelloRetryRequest(m.TLS12, m.HRR_RANDOM, ch.session_id, self.suite.code, 0, [
            x.Extension(x.SUPPORTED_VERSIONS, m.TLS13), x.Extension(x.KEY_SHARE, self.retry_group.code)])
        self.send_handshake(hrr, f"no usable key share: please send one for {self.retry_group.name}")
        if ch.session_id:  # middlebox compatibility: the CCS follows the server's first flight
            self._out += Record(CHANGE_CIPHER_SPEC, m.TLS12, b"\x01").encode()
            self.sent_compat_ccs = True
        return "WAIT_CH"

    sent_compat_ccs = False

    def _flight13(self, ch: m.ClientHello) -> str:
        from protolab.tls.kx import generate_ephemeral

        self.eph = generate_ephemeral(self.group, self.rng)
        self.secrets["server ephemeral private key"] = self.eph.private_bytes
        sh = m.ServerHello(m.TLS12, self.server_random, ch.session_id, self.suite.code, 0, [
            x.Extension(x.SUPPORTED_VERSIONS, m.TLS13),
            x.Extension(x.KEY_SHARE, x.KeyShareEntry(self.group.code, self.eph.public))])
        self.send_handshake(sh, f"server random, {self.suite.name}, the server's {self.group.name} key share")
        self.step(NOTE, "negotiated", detail=f"TLS 1.3, {self.suite.name}, ECDHE {self.group.name}")
        if ch.session_id and not self.sent_compat_ccs:  # middlebox compatibility mode (RFC 8446 D.4)
            self._out += Record(CHANGE_CIPHER_SPEC, m.TLS12, b"\x01").encode()
        self._handshake_keys13(self.client_share)
        self.send_handshake(m.EncryptedExtensions([]), "from here on, everything is encrypted")
        self.send_handshake(m.Certificate13(b"", [m.CertificateEntry(self.config.identity.cert_der, [])]))
        sig = self._sign("CertificateVerify", CV_CONTEXT_SERVER + self.hash_now())
        self.send_handshake(m.CertificateVerify(self.scheme_code, sig))
        start = len(self.ks.derivations)
        vd = self.ks.verify_data("server", self.ks.server_handshake_traffic_secret, self.hash_now())
        self.derived("server Finished verify_data", self.ks.derivations[start:], SYMMETRIC)
        self._ks_mark = len(self.ks.derivations)
        self.send_handshake(m.Finished(vd))
        self.ks.master(self.hash_now())
        self._install13("application", self.ks.server_application_traffic_secret, b"", read=False)
        self._log_application13()
        return "WAIT_FIN"
