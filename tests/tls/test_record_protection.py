"""Record protection: known answers from The Illustrated TLS 1.2 (CBC+HMAC-SHA1), round trips for every suite,
sequence numbers, and every kind of tampering caught as RecordAuthError."""

import random

import pytest

from protolab.errors import CheckFailed, MalformedData
from protolab.tls import prf
from protolab.tls.keylog import read_keylog
from protolab.tls.protection import RecordAuthError, RecordProtection, split_header
from protolab.tls.suites import SUITES, TLS13, lookup_suite


@pytest.fixture
def illustrated12(shared):
    base = shared("tls/illustrated-tls12/captures")
    caps = {p.name: p.read_bytes() for p in (base / "caps").iterdir()}
    client_random, server_random = caps["clienthello"][11:43], caps["serverhello"][11:43]
    master = read_keylog(base / "keylog.txt").master_secret(client_random)
    suite = lookup_suite(0xC013)
    keys = prf.key_block(suite, master, client_random, server_random)
    return suite, keys, caps


def test_illustrated_tls12_cbc_records(illustrated12):
    suite, keys, caps = illustrated12
    client = RecordProtection(suite, keys.client_key, keys.client_iv, keys.client_mac_key)
    server = RecordProtection(suite, keys.server_key, keys.server_iv, keys.server_mac_key)
    fin = client.open(caps["clientfinished"])
    assert (fin.content_type, fin.plaintext) == (22, caps["clientfinishedplain"])
    assert client.open(caps["clientdata"]).plaintext == b"ping"
    alert = client.open(caps["clientalert"])
    assert (alert.content_type, alert.plaintext, alert.seq) == (21, b"\x01\x00", 2)
    assert server.open(caps["serverfinished"]).plaintext == caps["serverfinishedplain"][:16]
    assert server.open(caps["serverdata"]).plaintext == b"pong"
    # sealing with the record's own IV gives the captured bytes back
    again = RecordProtection(suite, keys.client_key, keys.client_iv, keys.client_mac_key, seq=1)
    assert again.seal(23, b"ping", explicit=caps["clientdata"][5:21]).record == caps["clientdata"]


def test_illustrated_tls12_wrong_sequence_or_tampering_fails(illustrated12):
    suite, keys, caps = illustrated12
    with pytest.raises(RecordAuthError, match="bad record MAC"):  # seq 0 instead of 1: the MAC covers seq
        RecordProtection(suite, keys.client_key, keys.client_iv, keys.client_mac_key).open(caps["clientdata"])
    bad = bytearray(caps["clientdata"])
    bad[30] ^= 1
    with pytest.raises(RecordAuthError):
        RecordProtection(suite, keys.client_key, keys.client_iv, keys.client_mac_key, seq=1).open(bytes(bad))


@pytest.mark.parametrize("code", sorted(SUITES))
def test_round_trip_and_tamper_every_suite(code):
    suite = SUITES[code]
    rng = random.Random(code)
    key, iv, mac_key = rng.randbytes(suite.key_len), rng.randbytes(suite.iv_len), rng.randbytes(suite.mac_len)
    tx = RecordProtection(suite, key, iv, mac_key, rng=random.Random(7))
    rx = RecordProtection(suite, key, iv, mac_key)
    msgs = [(22, b"\x14\x00\x00\x0c" + bytes(12)), (23, b"GET / HTTP/1.1\r\n\r\n" * 5), (21, b"\x01\x00")]
    records = [tx.seal(t, m, padding=3 if suite.version == TLS13 else 0) for t, m in msgs]
    for (t, m), rec in zip(msgs, records, strict=True):
        ctype, version, frag = split_header(rec.record)
        assert version == 0x0303 and ctype == (23 if suite.version == TLS13 else t)
        assert m not in frag  # encrypted
        got = rx.open(rec.record)
        assert (got.content_type, got.plaintext, got.seq) == (t, m, rec.seq)
    assert (tx.seq, rx.seq) == (3, 3)
    # the same key and seed give the same bytes
    again = RecordProtection(suite, key, iv, mac_key, rng=random.Random(7))
    assert [again.seal(t, m, padding=3 if suite.version == TLS13 else 0).record for t, m in msgs] == \
        [r.record for r in records]
    # one flipped bit anywhere after the header: caught
    for pos in (5, len(records[1].record) // 2, len(records[1].record) - 1):
        bad = bytearray(records[1].record)
        bad[pos] ^= 0x40
        with pytest.raises(RecordAuthError):
            RecordProtection(suite, key, iv, mac_key, seq=1).open(bytes(bad))
    # wrong key: caught, as a CheckFailed (exit 1)
    with pytest.raises(CheckFailed):
        RecordProtection(suite, bytes(suite.key_len), iv, mac_key).open(records[0].record)


def test_tls13_inner_type_and_padding():
    suite = lookup_suite("TLS_AES_256_GCM_SHA384")
    key, iv = bytes(range(32)), bytes(12)
    rec = RecordProtection(suite, key, iv).seal(22, b"hello", padding=10)
    assert len(rec.record) == 5 + 5 + 1 + 10 + 16
    opened = RecordProtection(suite, key, iv).open(rec.record)
    assert (opened.content_type, opened.plaintext, opened.padding) == (22, b"hello", 10)
    only_zeros = RecordProtection(suite, key, iv).seal(0, b"", padding=4)  # inner plaintext without a type
    with pytest.raises(RecordAuthError, match="no content type"):
        RecordProtection(suite, key, iv).open(only_zeros.record)


def test_malformed_records():
    suite = lookup_suite("AES128-GCM-SHA256")
    with pytest.raises(MalformedData):
        split_header(b"\x17\x03\x03\x00\x10abc")
    with pytest.raises(RecordAuthError, match="too short"):
        RecordProtection(suite, bytes(16), bytes(4)).open(b"\x17\x03\x03\x00\x03abc")
    cbc = lookup_suite("AES128-SHA")
    with pytest.raises(RecordAuthError, match="whole blocks"):
        RecordProtection(cbc, bytes(16), bytes(16), bytes(20)).open(b"\x17\x03\x03\x00\x11" + bytes(17))
