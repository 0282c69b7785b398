"""Record protection: encrypt and decrypt one TLS record, TLS 1.2 and TLS 1.3, on `cryptography` ciphers.

Theory of operation: one `RecordProtection` per direction holds the write key/IV and the 64-bit sequence
number (it restarts at 0 after ChangeCipherSpec in 1.2 and at every key change in 1.3; a new object is
made then). Each seal/open uses the current number and then increments it. Nonce and AAD per scheme:

  TLS 1.2 AES-GCM  (RFC 5288)  nonce = implicit 4-byte IV + 8-byte explicit nonce sent before the ciphertext
                               (here: the sequence number, as most stacks do); AAD = seq + type + version + length
  TLS 1.2 ChaCha20 (RFC 7905)  nonce = 12-byte IV XOR seq (left-padded); nothing explicit; same AAD
  TLS 1.2 CBC      (RFC 5246)  MAC-then-encrypt: HMAC(mac_key, seq + type + version + length + plaintext),
                               pad to the block (each pad byte = pad length), fresh explicit 16-byte IV in front
  TLS 1.2 CBC, EtM (RFC 7366)  encrypt-then-MAC: pad and encrypt the plaintext alone (IV in front), then
                               HMAC(mac_key, seq + type + version + length(IV + ciphertext) + IV + ciphertext)
                               goes after it in clear; the MAC is checked before anything is decrypted
  TLS 1.3          (RFC 8446)  inner plaintext = data + real type + zero padding, outer type application_data,
                               nonce = IV XOR seq, AAD = the record header (0x17 0x0303 length)

A failed tag, MAC or padding raises `RecordAuthError` (a CheckFailed: the integrity check ran and said no).
"""

from __future__ import annotations

import hmac as _hmac
import random
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from protolab.errors import CheckFailed, MalformedData
from protolab.tls.keyschedule import hmac
from protolab.tls.suites import CIPHERS, TLS12, TLS13, CipherSuite

APPLICATION_DATA = 23


class RecordAuthError(CheckFailed):
    """A protected record did not authenticate (AEAD tag, HMAC or CBC padding): tampered or wrong key."""


@dataclass(frozen=True)
class ProtectedRecord:
    """One record on both sides of the protection, with the values that went into it."""

    content_type: int  # the real type (TLS 1.3: the inner type)
    plaintext: bytes
    record: bytes  # the whole record as on the wire: 5-byte header + protected fragment
    seq: int
    nonce: bytes  # AEAD nonce, or the CBC explicit IV
    aad: bytes  # AEAD additional data, or the MAC header for CBC
    tag: bytes  # AEAD tag or HMAC value
    padding: int = 0  # TLS 1.3 zero padding / CBC padding length

    @property
    def fragment(self) -> bytes:
        return self.record[5:]


def _xor_seq(iv: bytes, seq: int) -> bytes:
    return bytes(a ^ b for a, b in zip(iv, seq.to_bytes(len(iv), "big"), strict=True))


def _header(ctype: int, version: int, length: int) -> bytes:
    return bytes([ctype]) + version.to_bytes(2, "big") + length.to_bytes(2, "big")


def split_header(record: bytes) -> tuple[int, int, bytes]:
    """(type, version, fragment) of one whole record; MalformedData when the length does not match."""
    if len(record) < 5 or int.from_bytes(record[3:5], "big") != len(record) - 5:
        raise MalformedData(f"not one whole TLS record ({len(record)} bytes)")
    return record[0], int.from_bytes(record[1:3], "big"), record[5:]


class RecordProtection:
    """Protect (seal) or unprotect (open) the records of ONE direction of a connection."""

    def __init__(self, suite: CipherSuite, key: bytes, iv: bytes, mac_key: bytes = b"", seq: int = 0,
                 rng: random.Random | None = None, etm: bool = False):
        self.suite = suite
        self.etm = etm and not suite.aead  # RFC 7366 applies to CBC suites only
        self.cipher = CIPHERS[suite.cipher]
        self.key, self.iv, self.mac_key, self.seq = key, iv, mac_key, seq
        self.rng = rng or random.Random(0)  # CBC explicit IVs: seeded, so walks are reproducible
        if self.cipher.tag_len:
            self._aead = ChaCha20Poly1305(key) if suite.cipher == "chacha20_poly1305" else AESGCM(key)

    # -- helpers ---------------------------------------------------------------------------------------
    def _aead_nonce(self, explicit: bytes = b"") -> bytes:
        if self.suite.version == TLS12 and self.suite.record_iv_len:
            return self.iv + explicit  # GCM: implicit salt + explicit nonce
        return _xor_seq(self.iv, self.seq)  # ChaCha20 in 1.2, every 1.3 suite

    def _mac(self, ctype: int, version: int, plaintext: bytes) -> tuple[bytes, bytes]:
        header = self.seq.to_bytes(8, "big") + _header(ctype, version, len(plaintext))
        return header, hmac(self.suite.mac, self.mac_key, header + plaintext)

    def _next(self, rec: ProtectedRecord) -> ProtectedRecord:
        self.seq += 1
        return rec

    # -- seal ------------------------------------------------------------------------------------------
    def seal(self, content_type: int, plaintext: bytes, padding: int = 0, version: int = TLS12,
             explicit: bytes | None = None) -> ProtectedRecord:
        """Protect one record: returns the whole wire record and the values used.

        `padding`: TLS 1.3 zero padding bytes; `explicit`: force the TLS 1.2 explicit GCM nonce / CBC IV
        (default: the sequence number for GCM, the seeded source for CBC).
        """
        if self.suite.version == TLS13:
            return self._seal13(content_type, plaintext, padding)
        if self.cipher.tag_len:
            if explicit is None:
                explicit = self.seq.to_bytes(8, "big") if self.suite.record_iv_len else b""
            nonce = self._aead_nonce(explicit)
            aad = self.seq.to_bytes(8, "big") + _header(content_type, version, len(plaintext))
            sealed = self._aead.encrypt(nonce, plaintext, aad)
            frag = explicit + sealed
            tag = sealed[-self.cipher.tag_len:]
            return self._next(ProtectedRecord(content_type, plaintext, _header(content_type, version, len(frag))
                                              + frag, self.seq, nonce, aad, tag))
        block = self.cipher.block_len
        iv = self.rng.randbytes(block) if explicit is None else explicit
        if self.etm:
            pad_len = block - 1 - len(plaintext) % block
            enc = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
            sealed = iv + enc.update(plaintext + bytes([pad_len]) * (pad_len + 1)) + enc.finalize()
            aad, mac = self._mac(content_type, version, sealed)
            frag = sealed + mac
            return self._next(ProtectedRecord(content_type, plaintext, _header(content_type, version, len(frag))
                                              + frag, self.seq, iv, aad, mac, pad_len))
        aad, mac = self._mac(content_type, version, plaintext)
        pad_len = (block - (len(plaintext) + len(mac) + 1) % block) % block
        data = plaintext + mac + bytes([pad_len]) * (pad_len + 1)
        enc = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
        frag = iv + enc.update(data) + enc.finalize()
        return self._next(ProtectedRecord(content_type, plaintext, _header(content_type, version, len(frag)) + frag,
                                          self.seq, iv, aad, mac, pad_len))

    def _seal13(self, content_type: int, plaintext: bytes, padding: int) -> ProtectedRecord:
        inner = plaintext + bytes([content_type]) + bytes(padding)
        aad = _header(APPLICATION_DATA, TLS12, len(inner) + self.cipher.tag_len)
        nonce = self._aead_nonce()
        sealed = self._aead.encrypt(nonce, inner, aad)
        return self._next(ProtectedRecord(content_type, plaintext, aad + sealed, self.seq, nonce, aad,
                                          sealed[-self.cipher.tag_len:], padding))

    # -- open ------------------------------------------------------------------------------------------
    def open(self, record: bytes) -> ProtectedRecord:
        """Unprotect one whole wire record; RecordAuthError when it does not authenticate."""
        ctype, version, frag = split_header(record)
        if self.suite.version == TLS13:
            return self._open13(record, frag)
        if self.cipher.tag_len:
            n_explicit = self.suite.record_iv_len
            if len(frag) < n_explicit + self.cipher.tag_len:
                raise RecordAuthError(f"record {self.seq}: too short for {self.cipher.name}")
            nonce = self._aead_nonce(frag[:n_explicit])
            body = frag[n_explicit:]
            plen = len(body) - self.cipher.tag_len
            aad = self.seq.to_bytes(8, "big") + _header(ctype, version, plen)
            try:
                plain = self._aead.decrypt(nonce, body, aad)
            except InvalidTag:
                raise RecordAuthError(f"record {self.seq}: {self.cipher.name} tag check failed "
                                      "(tampered record or wrong key)") from None
            return self._next(ProtectedRecord(ctype, plain, record, self.seq, nonce, aad, body[-self.cipher.tag_len:]))
        return self._open_cbc(ctype, version, record, frag)

    def _open_cbc(self, ctype: int, version: int, record: bytes, frag: bytes) -> ProtectedRecord:
        block, mac_len = self.cipher.block_len, self.suite.mac_len
        if self.etm:
            return self._open_etm(ctype, version, record, frag)
        if len(frag) < 2 * block or len(frag) % block or len(frag) - block < mac_len + 1:
            raise RecordAuthError(f"record {self.seq}: CBC fragment of {len(frag)} bytes is not whole blocks")
        iv = frag[:block]
        dec = Cipher(algorithms.AES(self.key), modes.CBC(iv)).decryptor()
        data = dec.update(frag[block:]) + dec.finalize()
        pad_len = data[-1]
        pad_ok = pad_len + 1 + mac_len <= len(data) and data[-pad_len - 1:] == bytes([pad_len]) * (pad_len + 1)
        cut = len(data) - pad_len - 1 if pad_ok else len(data) - 1
        plain, mac = data[:cut - mac_len], data[cut - mac_len:cut]
        aad, expected = self._mac(ctype, version, plain)
        if not (_hmac.compare_digest(mac, expected) and pad_ok):  # one error for both: no padding oracle
            raise RecordAuthError(f"record {self.seq}: bad record MAC (tampered record or wrong key)")
        return self._next(ProtectedRecord(ctype, plain, record, self.seq, iv, aad, mac, pad_len))

    def _open_etm(self, ctype: int, version: int, record: bytes, frag: bytes) -> ProtectedRecord:
        block, mac_len = self.cipher.block_len, self.suite.mac_len
        sealed, mac = frag[:-mac_len], frag[-mac_len:]
        if len(frag) < mac_len + 2 * block or len(sealed) % block:
            raise RecordAuthError(f"record {self.seq}: encrypt-then-MAC fragment of {len(frag)} bytes is not IV + "
                                  f"whole {block}-byte blocks + a {mac_len}-byte MAC")
        aad, expected = self._mac(ctype, version, sealed)
        if not _hmac.compare_digest(mac, expected):  # RFC 7366 3: the MAC first, nothing decrypted before it
            raise RecordAuthError(f"record {self.seq}: bad record MAC (tampered record or wrong key)")
        iv = sealed[:block]
        dec = Cipher(algorithms.AES(self.key), modes.CBC(iv)).decryptor()
        data = dec.update(sealed[block:]) + dec.finalize()
        pad_len = data[-1]
        if pad_len + 1 > len(data) or data[-pad_len - 1:] != bytes([pad_len]) * (pad_len + 1):
            raise RecordAuthError(f"record {self.seq}: bad CBC padding under a valid MAC (the sender padded wrongly)")
        return self._next(ProtectedRecord(ctype, data[:-pad_len - 1], record, self.seq, iv, aad, mac, pad_len))

    def _open13(self, record: bytes, frag: bytes) -> ProtectedRecord:
        nonce = self._aead_nonce()
        aad = record[:5]
        try:
            inner = self._aead.decrypt(nonce, frag, aad)
        except InvalidTag:
            raise RecordAuthError(f"record {self.seq}: {self.cipher.name} tag check failed "
                                  "(tampered record or wrong key)") from None
        stripped = inner.rstrip(b"\x00")
        if not stripped:
            raise RecordAuthError(f"record {self.seq}: inner plaintext has no content type")
        return self._next(ProtectedRecord(stripped[-1], stripped[:-1], record, self.seq, nonce, aad,
                                          frag[-self.cipher.tag_len:], len(inner) - len(stripped)))
