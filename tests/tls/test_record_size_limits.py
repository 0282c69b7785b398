"""Record-size limits (RFC 5246 6.2, RFC 8446 5.2/5.4): a protected record longer than TLS 1.3 allows, or one
that decrypts to more than 2^14 bytes, is record_overflow; the largest legal record goes through."""

from __future__ import annotations

import pytest

from protolab.tls.records import APPLICATION_DATA, MAX_CIPHERTEXT_13, MAX_PLAINTEXT

from .test_key_update import _pair


@pytest.mark.parametrize("version", [0x0303, 0x0304])
def test_largest_plaintext_passes_one_more_byte_overflows(version):
    client, server = _pair(version)
    server.receive(client.write_prot.seal(APPLICATION_DATA, bytes(MAX_PLAINTEXT)).record)
    assert server.connected and server.received == [bytes(MAX_PLAINTEXT)]
    server.receive(client.write_prot.seal(APPLICATION_DATA, bytes(MAX_PLAINTEXT + 1)).record)
    assert server.failed and f"exceeds {MAX_PLAINTEXT}" in server.error
    assert [s.title for s in server.steps if s.kind == "alert"] == ["alert record_overflow"]


def test_tls13_ciphertext_limit():
    client, server = _pair(0x0304)
    record = client.write_prot.seal(APPLICATION_DATA, b"x", padding=MAX_CIPHERTEXT_13 - 17).record
    assert len(record) - 5 == MAX_CIPHERTEXT_13 + 1
    server.receive(record)
    assert server.failed and "exceeds the TLS 1.3 limit" in server.error
    assert [s.title for s in server.steps if s.kind == "alert"] == ["alert record_overflow"]
