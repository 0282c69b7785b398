"""Code -> name tables for the wire (display only; the lab's cipher suites and groups live in suites.py).

Kept as plain dicts so the codec, the help text and the views all read the same table.
"""

from __future__ import annotations

VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}

CONTENT_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data",
                 24: "heartbeat"}

HANDSHAKE_TYPES = {0: "hello_request", 1: "client_hello", 2: "server_hello", 4: "new_session_ticket",
                   5: "end_of_early_data", 8: "encrypted_extensions", 11: "certificate",
                   12: "server_key_exchange", 13: "certificate_request", 14: "server_hello_done",
                   15: "certificate_verify", 16: "client_key_exchange", 20: "finished", 24: "key_update",
                   254: "message_hash"}

SIGNATURE_SCHEMES = {
    0x0401: "rsa_pkcs1_sha256", 0x0501: "rsa_pkcs1_sha384", 0x0601: "rsa_pkcs1_sha512",
    0x0403: "ecdsa_secp256r1_sha256", 0x0503: "ecdsa_secp384r1_sha384", 0x0603: "ecdsa_secp521r1_sha512",
    0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
    0x0807: "ed25519", 0x0808: "ed448", 0x0809: "rsa_pss_pss_sha256", 0x080A: "rsa_pss_pss_sha384",
    0x080B: "rsa_pss_pss_sha512", 0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1", 0x0301: "rsa_sha224",
    0x0303: "ecdsa_sha224", 0x0402: "dsa_sha256", 0x0302: "dsa_sha224", 0x0202: "dsa_sha1",
    0x0502: "dsa_sha384", 0x0602: "dsa_sha512", 0x081A: "ecdsa_brainpoolP256r1tls13_sha256",
    0x081B: "ecdsa_brainpoolP384r1tls13_sha384", 0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
}

GROUPS = {0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1", 0x001D: "x25519", 0x001E: "x448",
          0x0100: "ffdhe2048", 0x0101: "ffdhe3072", 0x0102: "ffdhe4096", 0x0103: "ffdhe6144",
          0x0104: "ffdhe8192", 0x0016: "secp256k1"}

EC_POINT_FORMATS = {0: "uncompressed", 1: "ansiX962_compressed_prime", 2: "ansiX962_compressed_char2"}

PSK_MODES = {0: "psk_ke", 1: "psk_dhe_ke"}

ALERT_LEVELS = {1: "warning", 2: "fatal"}

ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
          40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate",
          44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown",
          47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
          51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
          86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation", 109: "missing_extension",
          110: "unsupported_extension", 112: "unrecognized_name", 116: "certificate_required",
          120: "no_application_protocol"}


def named(table: dict[int, str], width: int = 4):
    """A formatter `code -> "name (0x....)"` over one of the tables above."""

    def fmt(code: int) -> str:
        name = table.get(code)
        hexcode = f"0x{code:0{width}x}"
        return f"{name} ({hexcode})" if name else hexcode

    return fmt


def suite_name(code: int) -> str:
    """IANA name of a cipher suite (from the lab's registry when it knows it), else the hex code."""
    try:
        from protolab.tls.suites import SUITES
    except ImportError:  # registry not importable: show the number
        SUITES = {}  # noqa: N806
    if code == 0x00FF:
        return "TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00ff)"
    suite = SUITES.get(code)
    return f"{suite.name} (0x{code:04x})" if suite is not None else f"0x{code:04x}"
