"""TLS 1.2 key derivation (RFC 5246 section 5, 6.3, 7.4.9; RFC 7627) on `cryptography` HMAC.

Theory of operation:
    PRF(secret, label, seed) = P_hash(secret, label + seed), P_hash = HMAC chain A(i) = HMAC(secret, A(i-1))
    master_secret = PRF(pre_master, "master secret", client_random + server_random)[:48]
       or with EMS  PRF(pre_master, "extended master secret", Hash(handshake through ClientKeyExchange))[:48]
    key_block     = PRF(master, "key expansion", server_random + client_random)   <- randoms swapped!
                    split in order: client MAC key, server MAC key, client key, server key, client IV, server IV
    verify_data   = PRF(master, "client finished" | "server finished", Hash(handshake messages))[:12]
The hash is the suite's PRF hash (SHA-256 unless the suite says SHA-384).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protolab.tls.keyschedule import Derivation, hmac
from protolab.tls.suites import CipherSuite


def p_hash(hash_name: str, secret: bytes, seed: bytes, length: int) -> bytes:
    """P_hash(secret, seed) truncated to `length` bytes."""
    out = bytearray()
    a = seed
    while len(out) < length:
        a = hmac(hash_name, secret, a)
        out += hmac(hash_name, secret, a + seed)
    return bytes(out[:length])


def prf(hash_name: str, secret: bytes, label: bytes | str, seed: bytes, length: int) -> bytes:
    """The TLS 1.2 PRF."""
    if isinstance(label, str):
        label = label.encode()
    return p_hash(hash_name, secret, label + seed, length)


def master_secret(hash_name: str, pre_master: bytes, client_random: bytes, server_random: bytes) -> bytes:
    """Classic master secret (no EMS)."""
    return prf(hash_name, pre_master, "master secret", client_random + server_random, 48)


def extended_master_secret(hash_name: str, pre_master: bytes, session_hash: bytes) -> bytes:
    """RFC 7627 master secret bound to the handshake: session_hash = Hash(ClientHello..ClientKeyExchange)."""
    return prf(hash_name, pre_master, "extended master secret", session_hash, 48)


def finished_verify_data(hash_name: str, master: bytes, label: str, handshake_hash: bytes) -> bytes:
    """verify_data of a Finished message; label is "client finished" or "server finished"."""
    return prf(hash_name, master, label, handshake_hash, 12)


@dataclass(frozen=True)
class KeyBlock:
    """The key block split into the six pieces a TLS 1.2 connection uses (MAC keys empty for AEAD suites)."""

    raw: bytes
    client_mac_key: bytes
    server_mac_key: bytes
    client_key: bytes
    server_key: bytes
    client_iv: bytes
    server_iv: bytes


def key_block(suite: CipherSuite, master: bytes, client_random: bytes, server_random: bytes) -> KeyBlock:
    """Expand the master secret into MAC keys, write keys and IVs for `suite`."""
    sizes = [suite.mac_len, suite.mac_len, suite.key_len, suite.key_len, suite.iv_len, suite.iv_len]
    raw = prf(suite.hash, master, "key expansion", server_random + client_random, sum(sizes))
    parts, pos = [], 0
    for n in sizes:
        parts.append(raw[pos:pos + n])
        pos += n
    return KeyBlock(raw, *parts)


@dataclass
class Tls12Secrets:
    """Everything TLS 1.2 derives from a pre-master secret, with the derivations recorded."""

    suite: CipherSuite
    pre_master: bytes
    client_random: bytes
    server_random: bytes
    master: bytes
    keys: KeyBlock
    ems: bool
    derivations: list[Derivation] = field(default_factory=list)

    def finished(self, role: str, handshake_hash: bytes) -> bytes:
        """verify_data for role "client" or "server" over Hash(handshake messages), recorded."""
        label = f"{role} finished"
        out = finished_verify_data(self.suite.hash, self.master, label, handshake_hash)
        self.derivations.append(Derivation(
            f"{role} Finished verify_data", f'PRF(master_secret, "{label}", Hash(handshake messages))[:12]',
            {"master_secret": self.master, "handshake_hash": handshake_hash}, out, _prim(self.suite)))
        return out


_KEY_BLOCK_PARTS = {"client_mac_key": "client_write_MAC_key", "server_mac_key": "server_write_MAC_key",
                    "client_key": "client_write_key", "server_key": "server_write_key",
                    "client_iv": "client_write_IV", "server_iv": "server_write_IV"}


def _prim(suite: CipherSuite) -> str:
    return f"PRF-HMAC-{suite.hash.upper()}"


def derive_tls12(suite: CipherSuite, pre_master: bytes, client_random: bytes, server_random: bytes,
                 session_hash: bytes | None = None) -> Tls12Secrets:
    """Master secret (extended when `session_hash` is given) and key block, each step recorded."""
    prim = _prim(suite)
    if session_hash is not None:
        master = extended_master_secret(suite.hash, pre_master, session_hash)
        d_master = Derivation(
            "master_secret", 'PRF(pre_master_secret, "extended master secret", session_hash)[:48]',
            {"pre_master_secret": pre_master, "session_hash": session_hash}, master, prim)
    else:
        master = master_secret(suite.hash, pre_master, client_random, server_random)
        d_master = Derivation(
            "master_secret", 'PRF(pre_master_secret, "master secret", client_random + server_random)[:48]',
            {"pre_master_secret": pre_master, "client_random": client_random, "server_random": server_random},
            master, prim)
    return _expand(suite, pre_master, client_random, server_random, master, session_hash is not None, d_master)


def tls12_from_master(suite: CipherSuite, master: bytes, client_random: bytes, server_random: bytes,
                      ems: bool, source: str) -> Tls12Secrets:
    """Secrets from a master secret obtained elsewhere (e.g. a key log's CLIENT_RANDOM line)."""
    d_master = Derivation("master_secret", f"from the {source}", {"client_random": client_random}, master, source)
    return _expand(suite, b"", client_random, server_random, master, ems, d_master)


def _expand(suite, pre_master, client_random, server_random, master, ems, d_master) -> Tls12Secrets:
    prim = _prim(suite)
    keys = key_block(suite, master, client_random, server_random)
    derivs = [d_master, Derivation(
        "key_block", 'PRF(master_secret, "key expansion", server_random + client_random)',
        {"master_secret": master, "server_random": server_random, "client_random": client_random}, keys.raw, prim)]
    pos = 0
    for name, label in _KEY_BLOCK_PARTS.items():
        value = getattr(keys, name)
        if value:
            what = f"key_block[{pos}:{pos + len(value)}]"
            if name.endswith("_iv") and not suite.aead:  # RFC 5246 6.3: IVs only for implicit nonces
                what += " (unused: every TLS 1.2 CBC record carries its own explicit IV)"
            derivs.append(Derivation(label, what, {"key_block": keys.raw}, value, "split"))
        pos += len(value)
    return Tls12Secrets(suite, pre_master, client_random, server_random, master, keys, ems, derivs)
