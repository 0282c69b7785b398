"""The sans-I/O TLS client: TLS 1.2 (RSA key transport or ECDHE, extended master secret on/off) and TLS 1.3.

Theory of operation: `start()` queues the ClientHello; then each server flight fed to `receive()` moves the
state machine below (the TRANSITIONS table is the whole protocol flow, the handlers do the crypto):

  TLS 1.2   WAIT_SH -> WAIT_CERT -> [WAIT_SKE: ECDHE only] -> WAIT_SHD --(send CKE, CCS, Finished)-->
            WAIT_CCS (a NewSessionTicket may come first) -> WAIT_FIN --(check server Finished)--> CONNECTED
  TLS 1.3   WAIT_SH -> WAIT_EE -> WAIT_CERT -> WAIT_CV -> WAIT_FIN --(send Finished)--> CONNECTED
            (NewSessionTicket after the handshake: shown, not used)

Asymmetric work on the client: checking the certificate signature, the ServerKeyExchange / CertificateVerify
signature, and either encrypting the pre-master secret to the server's RSA key or an ECDHE key agreement.
Everything after that is symmetric: PRF / HKDF, record encryption, Finished HMACs.
"""

from __future__ import annotations

from protolab.tls import extensions as x
from protolab.tls import messages as m
from protolab.tls.engine import CCS, CONNECTED, Endpoint, TlsFailure
from protolab.tls.steps import ASYMMETRIC, NOTE, SYMMETRIC

CV_CONTEXT_SERVER = b" " * 64 + b"TLS 1.3, server CertificateVerify\x00"


class TlsClient(Endpoint):
    role = "client"
    TRANSITIONS = {
        "WAIT_SH": {m.SERVER_HELLO: "on_server_hello"},
        "WAIT_CERT": {m.CERTIFICATE: "on_certificate"},
        "WAIT_SKE": {m.SERVER_KEY_EXCHANGE: "on_server_key_exchange"},
        "WAIT_SHD": {m.SERVER_HELLO_DONE: "on_server_hello_done", m.CERTIFICATE_REQUEST: "on_certificate_request"},
        "WAIT_CCS": {CCS: "on_ccs", m.NEW_SESSION_TICKET: "on_ticket12"},
        "WAIT_FIN": {m.FINISHED: "on_finished"},
        "WAIT_EE": {m.ENCRYPTED_EXTENSIONS: "on_encrypted_extensions"},
        "WAIT_CERT_CR": {m.CERTIFICATE: "on_certificate", m.CERTIFICATE_REQUEST: "on_certificate_request"},
        "WAIT_CV": {m.CERTIFICATE_VERIFY: "on_certificate_verify"},
        CONNECTED: {m.NEW_SESSION_TICKET: "on_ticket13", m.KEY_UPDATE: "on_key_update",
                    m.HELLO_REQUEST: "refuse_renegotiation"},
    }

    # ---- ClientHello -------------------------------------------------------------------------------
    def start(self) -> None:
        """Queue the ClientHello."""
        from protolab.tls.kx import generate_ephemeral

        cfg = self.config
        self.client_random = self.rng.randbytes(32)
        offer13 = m.TLS13 in cfg.versions
        offer12 = m.TLS12 in cfg.versions
        exts = []
        if cfg.server_name and not _is_ip(cfg.server_name):
            exts.append(x.Extension(x.SERVER_NAME, [x.ServerNameEntry(0, cfg.server_name.encode())]))
        self.offered_groups = list(cfg.groups)
        if offer12 and any(s.auth == "ecdsa" for s in cfg.suites):  # 1.2: the ECDSA certificate's curve must be
            from protolab.tls.suites import GROUPS  # in supported_groups too (RFC 8422 5.1.1)

            self.offered_groups += [GROUPS[c] for c in (0x0017, 0x0018) if GROUPS[c] not in cfg.groups]
        exts.append(x.Extension(x.SUPPORTED_GROUPS, [g.code for g in self.offered_groups]))
        if offer12:
            exts.append(x.Extension(x.EC_POINT_FORMATS_EXT, [0]))
        exts.append(x.Extension(x.SIGNATURE_ALGORITHMS, list(cfg.signature_schemes)))
        if offer12:
            if cfg.etm and any(not s.aead for s in cfg.suites if s.version == m.TLS12):
                exts.append(x.Extension(x.ENCRYPT_THEN_MAC))  # only worth asking with a CBC suite on offer
            if cfg.ems:
                exts.append(x.Extension(x.EXTENDED_MASTER_SECRET))
            exts.append(x.Extension(x.RENEGOTIATION_INFO, b""))
            exts.append(x.Extension(x.SESSION_TICKET, b""))
        self.eph = None
        if offer13:
            exts.append(x.Extension(x.SUPPORTED_VERSIONS, sorted(cfg.versions, reverse=True)))
            self.eph = generate_ephemeral(cfg.groups[0], self.rng)
            exts.append(x.Extension(x.KEY_SHARE, [x.KeyShareEntry(cfg.groups[0].code, self.eph.public)]))
            exts.append(x.Extension(x.PSK_KEY_EXCHANGE_MODES, [1]))
        session_id = self.rng.randbytes(32) if offer13 else b""  # 1.3 middlebox compatibility mode
        hello = m.ClientHello(m.TLS12, self.client_random, session_id, [s.code for s in cfg.suites], [0], exts)
        self.offered = hello
        what = " + ".join(s.openssl for s in cfg.suites[:4]) + (" …" if len(cfg.suites) > 4 else "")
        self.send_handshake(hello, f"client random, offered suites ({what}), extensions")
        if self.eph is not None:
            self.secrets["client ephemeral private key"] = self.eph.private_bytes
        self.state = "WAIT_SH"

    # ---- ServerHello -------------------------------------------------------------------------------
    def on_server_hello(self, sh: m.ServerHello) -> str:
        from protolab.tls.suites import SUITES

        if isinstance(sh, m.HelloRetryRequest):
            return self._retry(sh)
        offered_types = {e.type for e in self.offered.extensions}
        extra = [e.type for e in sh.extensions or [] if e.type not in offered_types]  # TLS 1.2 may omit the block
        if extra:  # RFC 5246 7.4.1.4 / RFC 8446 4.2: a server may only answer extensions the client sent
            raise TlsFailure("ServerHello carries extension(s) the client did not offer: "
                             + ", ".join(str(t) for t in extra), 110, "ServerHello")
        sv = x.find(sh.extensions, x.SUPPORTED_VERSIONS)
        self.version = sv.value if sv is not None else sh.legacy_version
        if self.version not in self.config.versions:
            raise TlsFailure(f"server chose version 0x{self.version:04x}, not offered", 70, "version negotiation")
        if sh.cipher_suite not in self.offered.cipher_suites or sh.cipher_suite not in SUITES:
            raise TlsFailure(f"server chose cipher suite 0x{sh.cipher_suite:04x}, which was not offered", 47,
                             "suite negotiation")
        self.suite = SUITES[sh.cipher_suite]
        if self.suite.version != self.version:
            raise TlsFailure(f"{self.suite.name} is not a suite of this version", 47, "suite negotiation")
        self.server_random = sh.random
        self.server_hello = sh
        if sh.session_id != self.offered.session_id and self.version == m.TLS13:
            raise TlsFailure("ServerHello does not echo the ClientHello's session id", 47, "ServerHello")
        if self.version == m.TLS13:
            return self._hello13(sh)
        if m.TLS13 in self.config.versions and sh.random[-8:] == m.DOWNGRADE_TLS12:
            raise TlsFailure("the server's random carries the TLS 1.3 downgrade sentinel (DOWNGRD\\x01) but it chose "
                             "TLS 1.2: someone removed TLS 1.3 from the ClientHello", 47, "downgrade protection")
        self.ems = self.config.ems and x.find(sh.extensions, x.EXTENDED_MASTER_SECRET) is not None
        # RFC 7366 3: EtM only changes CBC records; an answer to an AEAD suite is ignored, as OpenSSL does
        self.etm = not self.suite.aead and x.find(sh.extensions, x.ENCRYPT_THEN_MAC) is not None
        self.note_negotiated12()
        return "WAIT_CERT"

    def _retry(self, hrr: m.HelloRetryRequest) -> str:
        """HelloRetryRequest: send a second ClientHello with a key share for the group the server wants."""
        from protolab.tls.keyschedule import transcript_hash
        from protolab.tls.kx import generate_ephemeral
        from protolab.tls.suites import SUITES

        ks, sv = x.find(hrr.extensions, x.KEY_SHARE), x.find(hrr.extensions, x.SUPPORTED_VERSIONS)
        group = next((g for g in self.offered_groups if ks is not None and g.code == ks.value), None)
        suite = SUITES.get(hrr.cipher_suite)
        if self.retried or sv is None or sv.value != m.TLS13 or m.TLS13 not in self.config.versions:
            raise TlsFailure("unexpected HelloRetryRequest", 10, "version negotiation")
        if group is None or group == self.eph.group or suite is None or suite.code not in self.offered.cipher_suites:
            raise TlsFailure("HelloRetryRequest asks for a group or suite that was not offered", 47,
                             "group negotiation")
        self.retried, self.version, self.suite = True, m.TLS13, suite
        # The transcript restarts as message_hash(ClientHello1) + HelloRetryRequest (RFC 8446 4.4.1).
        first = bytes(self.transcript[:self._last_len])
        digest = transcript_hash(suite.hash, first)
        self.transcript = bytearray(bytes([m.MESSAGE_HASH, 0, 0, len(digest)]) + digest) + \
            self.transcript[self._last_len:]
        self.step(NOTE, "HelloRetryRequest", detail=f"the server wants a key share for {group.name}: the first "
                  "ClientHello is replaced in the transcript by its hash, and a second one goes out")
        self.eph = generate_ephemeral(group, self.rng)
        self.secrets["client ephemeral private key"] = self.eph.private_bytes
        exts = [x.Extension(x.KEY_SHARE, [x.KeyShareEntry(group.code, self.eph.public)])
                if e.type == x.KEY_SHARE else e for e in self.offered.extensions]
        cookie = x.find(hrr.extensions, x.COOKIE)
        if cookie is not None:
            exts.append(x.Extension(x.COOKIE, cookie.value))
        hello = m.ClientHello(m.TLS12, self.client_random, self.offered.session_id, self.offered.cipher_suites,
                              [0], exts)
        self.offered = hello
        self.send_handshake(hello, f"second ClientHello, with a {group.name} key share")
        return "WAIT_SH"

    retried = False

    def _hello13(self, sh: m.ServerHello) -> str:
        share = x.find(sh.extensions, x.KEY_SHARE)
        if share is None or share.value.group != self.eph.group.code:
            raise TlsFailure("server key_share is missing or not for the group we sent", 47, "key share")
        self._handshake_keys13(share.value.key_exchange)
        return "WAIT_EE"

    # ---- certificates and signatures ---------------------------------------------------------------
    def on_certificate(self, cert) -> str:
        from protolab.tls.certcheck import check_chain

        chain = cert.certificate_list if self.version == m.TLS12 else [e.cert_data for e in cert.certificate_list]
        if not chain:
            raise TlsFailure("server sent an empty certificate list", 42, "certificate")
        from protolab.errors import MalformedData
        from protolab.tls.kx import parse_peer_certificate

        try:
            leaf = parse_peer_certificate(chain[0])
        except MalformedData as exc:
            raise TlsFailure(str(exc), 42, "certificate") from None
        self.server_cert = leaf
        self.server_chain = chain
        if self.config.verify:
            res = check_chain(chain, self.config.server_name, self.config.anchors)
            self.check("certificate chain", res.ok, f"{res.subject}: {res.detail}", ASYMMETRIC, res.alert,
                       "certificate check")
        else:
            self.step(NOTE, "certificate chain not checked (--insecure)",
                      detail=f"{leaf.subject.rfc4514_string()} issued by {leaf.issuer.rfc4514_string()}")
        if self.version == m.TLS13:
            return "WAIT_CV"
        return "WAIT_SKE" if self.suite.kx == "ecdhe" else "WAIT_SHD"

    cert_requested = False

    def on_certificate_request(self, msg) -> str:
        self.cert_requested = True
        body = msg.body if isinstance(msg, m.Unknown) else b""
        self.cert_request_context = body[1:1 + body[0]] if self.version == m.TLS13 and body else b""
        self.step(NOTE, "server asks for a client certificate", detail="the lab client answers with an empty one")
        return self.state if self.version == m.TLS12 else "WAIT_CERT_CR"

    def _verify_signature(self, title: str, scheme_code: int, data: bytes, signature: bytes) -> None:
        from protolab.tls.kx import verify
        from protolab.tls.suites import SIGNATURE_SCHEMES

        scheme = SIGNATURE_SCHEMES.get(scheme_code)
        if scheme is None or scheme_code not in self.config.signature_schemes:
            raise TlsFailure(f"server signed with scheme 0x{scheme_code:04x}, which was not offered", 47, title)
        ok = verify(scheme, self.server_cert.public_key(), data, signature)
        self.check(title, ok, f"{scheme.name} signature with the certificate's public key "
                              + ("verifies" if ok else "does NOT verify (altered in transit, or not the key owner)"),
                   ASYMMETRIC, 51, f"{title} signature")

    def on_server_key_exchange(self, ske: m.ServerKeyExchangeECDHE) -> str:
        group = next((g for g in self.offered_groups if g.code == ske.named_curve), None)
        if ske.curve_type != 3 or group is None:
            raise TlsFailure(f"server chose curve 0x{ske.named_curve:04x}, not offered", 47, "ServerKeyExchange")
        self.group = group
        self._verify_signature("ServerKeyExchange", ske.signature_scheme,
                               self.client_random + self.server_random + ske.params(), ske.signature)
        self.server_public = ske.public
        return "WAIT_SHD"

    def on_certificate_verify(self, cv: m.CertificateVerify) -> str:
        self._verify_signature("CertificateVerify", cv.signature_scheme, CV_CONTEXT_SERVER + self.hash_before(),
                               cv.signature)
        return "WAIT_FIN"

    def on_encrypted_extensions(self, ee: m.EncryptedExtensions) -> str:
        return "WAIT_CERT_CR"

    # ---- TLS 1.2 key exchange ----------------------------------------------------------------------
    def on_server_hello_done(self, _msg) -> str:
        from protolab.tls import kx

        if self.suite.kx == "rsa":
            pub = self.server_cert.public_key()
            from cryptography.hazmat.primitives.asymmetric import rsa

            if not isinstance(pub, rsa.RSAPublicKey):
                raise TlsFailure("RSA key exchange needs an RSA certificate", 43, "certificate")
            pms = kx.make_pre_master(self.rng)
            enc = kx.rsa_encrypt_pre_master(pub, pms, self.rng)
            from protolab.tls.keyschedule import Derivation

            self.derived("pre-master secret, encrypted to the server's RSA key", [
                Derivation("pre_master_secret", "client_version (0303) + 46 random bytes", {}, pms, "random bytes",
                           "random"),
                Derivation("encrypted pre-master", "RSAES-PKCS1-v1_5 encrypt with the certificate's public key",
                           {"pre_master_secret": pms}, enc, f"RSA-{pub.key_size} public-key encryption",
                           ASYMMETRIC)], ASYMMETRIC, "only the holder of the server's private key can open it")
            cke = m.ClientKeyExchangeRSA(enc)
            self.keylog.add("RSA", enc[:8], pms)  # as OpenSSL's client logs it
        else:
            eph = kx.generate_ephemeral(self.group, self.rng)
            self.secrets["client ephemeral private key"] = eph.private_bytes
            d = kx.ecdhe_derivation(eph, self.server_public, "client")
            self.derived(f"{self.group.name} ECDHE shared secret = pre-master secret", [d], ASYMMETRIC,
                         "client private key x server public share: the secret never travels")
            pms = d.output
            cke = m.ClientKeyExchangeECDHE(eph.public)
        if self.cert_requested:
            self.send_handshake(m.Certificate12([]), "no client certificate")
        self.send_handshake(cke)
        self._keys12(pms)
        self.send_change_cipher_spec()
        self._send_finished12()
        return "WAIT_CCS"

    def on_ccs(self) -> str:
        self.read_prot, self.pending_read = self.pending_read, None
        return "WAIT_FIN"

    def on_ticket12(self, msg) -> str:
        return "WAIT_CCS"

    def on_finished(self, fin: m.Finished) -> str:
        if self.version == m.TLS12:
            self._check_finished12(fin)
            return CONNECTED
        self._check_finished13(fin)
        self.ks.master(self.hash_now())
        self.derived("master secret and application traffic secrets", self.ks.derivations[self._ks_mark:],
                     SYMMETRIC, "HKDF over the hash of ClientHello..server Finished")
        self._ks_mark = len(self.ks.derivations)
        if self.offered.session_id:  # middlebox compatibility mode (RFC 8446 D.4): a dummy CCS first
            from protolab.tls.records import CHANGE_CIPHER_SPEC, Record

            ccs = Record(CHANGE_CIPHER_SPEC, m.TLS12, b"\x01").encode()
            self._out += ccs
            self.step(NOTE, "ChangeCipherSpec (TLS 1.3 compatibility, ignored by the server)", data=ccs, sent=True)
        if self.cert_requested:
            self.send_handshake(m.Certificate13(self.cert_request_context, []), "no client certificate")
        start = len(self.ks.derivations)
        vd = self.ks.verify_data("client", self.ks.client_handshake_traffic_secret, self.hash_now())
        self.derived("client Finished verify_data", self.ks.derivations[start:], SYMMETRIC)
        self._ks_mark = len(self.ks.derivations)
        self.send_handshake(m.Finished(vd), "encrypted with the client handshake key")
        self._install13("application", self.ks.client_application_traffic_secret,
                        self.ks.server_application_traffic_secret)
        self._log_application13()
        return CONNECTED

    def on_ticket13(self, msg) -> str:
        return CONNECTED


def _is_ip(name: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False
