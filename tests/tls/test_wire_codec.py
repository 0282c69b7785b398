"""The TLS wire codec against real bytes: the Illustrated TLS 1.2 / 1.3 records decode, annotate every byte
and re-encode byte for byte; framing survives any chunking; garbage gives one clear MalformedData."""

from __future__ import annotations

import pytest

from protolab.annotate import check_spans
from protolab.errors import MalformedData
from protolab.tls import extensions as ext
from protolab.tls.messages import TLS12, TLS13, Context, decode_handshake, encode_handshake, split_handshakes
from protolab.tls.records import HANDSHAKE, Record, RecordBuffer, fragment, record_spans, split_records

TLS12_RECORDS = ["clienthello", "serverhello", "servercert", "serverkeyexchange", "serverhellodone",
                 "clientkeyexchange"]
TLS12_PLAIN = {"clientfinishedplain": 16, "serverfinishedplain": 16}  # plaintext + CBC MAC/padding after 16
TLS13_RECORDS = ["clienthello", "serverhello"]
TLS13_PLAIN = ["serverextensions", "servercert", "servercertverify", "serverfinished", "serverticket1",
               "serverticket2", "clientfinished"]  # decrypted inner plaintext: message + content type byte


def _check_message(raw: bytes, ctx: Context) -> object:
    decoded = decode_handshake(raw, ctx)
    assert encode_handshake(decoded.msg) == raw
    assert check_spans(len(raw), decoded.spans) == []
    assert sum(s.length for s in decoded.spans) == len(raw)  # every byte annotated, once
    return decoded


def _caps(shared, version: str):
    return shared(f"tls/illustrated-{version}/captures/caps")


def test_tls12_records_roundtrip(shared):
    caps = _caps(shared, "tls12")
    names = []
    for name in TLS12_RECORDS:
        data = (caps / name).read_bytes()
        records, rest = split_records(data)
        assert rest == b"" and len(records) == 1
        assert records[0].encode() == data
        messages, left = split_handshakes(records[0].fragment)
        assert left == b""
        for raw in messages:
            names.append(_check_message(raw, Context(TLS12, "ecdhe")).name)
    assert names == ["ClientHello", "ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone",
                     "ClientKeyExchange"]
    for name, size in TLS12_PLAIN.items():
        decoded = _check_message((caps / name).read_bytes()[:size], Context(TLS12))
        assert decoded.name == "Finished" and len(decoded.msg.verify_data) == 12


def test_tls12_decoded_values(shared):
    caps = _caps(shared, "tls12")
    ch = decode_handshake(split_records((caps / "clienthello").read_bytes())[0][0].fragment).msg
    assert ch.random == bytes(range(32))
    assert 0xC013 in ch.cipher_suites
    assert ext.find(ch.extensions, ext.SERVER_NAME).value[0].host_name == b"example.ulfheim.net"
    ske = decode_handshake(split_records((caps / "serverkeyexchange").read_bytes())[0][0].fragment).msg
    assert (ske.curve_type, ske.named_curve, len(ske.public)) == (3, 0x1D, 32)
    assert ske.signature_scheme == 0x0401 and len(ske.signature) == 256
    assert ske.params() == bytes([3, 0, 0x1D, 32]) + ske.public
    cert = decode_handshake(split_records((caps / "servercert").read_bytes())[0][0].fragment).msg
    assert len(cert.certificate_list) == 1 and cert.certificate_list[0][:2] == b"\x30\x82"


def test_tls13_roundtrip_and_values(shared):
    caps = _caps(shared, "tls13")
    hello = {}
    for name in TLS13_RECORDS:
        data = (caps / name).read_bytes()
        records, _ = split_records(data)
        hello[name] = _check_message(records[0].fragment, Context(TLS13)).msg
    ks = ext.find(hello["clienthello"].extensions, ext.KEY_SHARE).value
    assert ks[0].group == 0x1D and len(ks[0].key_exchange) == 32
    assert ext.find(hello["clienthello"].extensions, ext.SUPPORTED_VERSIONS).value == [TLS13]
    assert ext.find(hello["serverhello"].extensions, ext.SUPPORTED_VERSIONS).value == TLS13
    assert ext.find(hello["serverhello"].extensions, ext.KEY_SHARE).value.group == 0x1D
    assert hello["serverhello"].cipher_suite == 0x1302
    names = [_check_message((caps / n).read_bytes()[:-1], Context(TLS13)).name for n in TLS13_PLAIN]
    assert names == ["EncryptedExtensions", "Certificate", "CertificateVerify", "Finished", "NewSessionTicket",
                     "NewSessionTicket", "Finished"]


def test_annotated_record_spans_cover_the_record(shared):
    data = (_caps(shared, "tls12") / "serverhello").read_bytes()
    record = split_records(data)[0][0]
    decoded = decode_handshake(record.fragment)
    spans = record_spans(record, decoded.spans)
    assert check_spans(len(data), spans) == [] and sum(s.length for s in spans) == len(data)
    assert spans[0].value == "handshake (22)" and spans[1].value == "TLS 1.2 (0x0303)"
    assert any(s.name == "cipher_suite" and "0xc013" in s.value for s in spans)


def test_framing_any_chunking_and_message_across_records(shared):
    caps = _caps(shared, "tls12")
    stream = b"".join((caps / n).read_bytes() for n in TLS12_RECORDS[1:5])  # the server's first flight
    for chunk in (1, 3, 7, 1000):
        buf, records = RecordBuffer(), []
        for i in range(0, len(stream), chunk):
            buf.feed(stream[i:i + chunk])
            records += buf.pop_all()
        assert b"".join(r.encode() for r in records) == stream
    # Several messages in one record and one message across records: the handshake layer does not care.
    payload = b"".join(split_records((caps / n).read_bytes())[0][0].fragment for n in TLS12_RECORDS[1:5])
    for size in (len(payload), 100, 17):
        joined = b"".join(r.fragment for r in fragment(HANDSHAKE, payload, max_len=size))
        messages, rest = split_handshakes(joined)
        assert len(messages) == 4 and rest == b""
    assert [len(r.fragment) for r in fragment(HANDSHAKE, bytes(40000))] == [16384, 16384, 7232]


@pytest.mark.parametrize("data, message", [
    (b"GET / HTTP/1.1\r\n", "not a TLS record: content type 71"),
    (bytes([22, 3, 3, 0x50, 0]), "exceeds the limit"),
    (bytes([22, 9, 9, 0, 1, 0]), "version field 0x0909"),
])
def test_garbage_records(data, message):
    buf = RecordBuffer()
    buf.feed(data)
    with pytest.raises(MalformedData, match=message):
        buf.pop()


def test_lying_lengths_in_messages(shared):
    raw = bytearray(split_records((_caps(shared, "tls12") / "clienthello").read_bytes())[0][0].fragment)
    raw[38] = 0xFF  # session_id length lies
    with pytest.raises(MalformedData, match="session_id length 255 runs past"):
        decode_handshake(bytes(raw))
    with pytest.raises(MalformedData, match="truncated"):
        decode_handshake(bytes([2, 0, 0, 3, 3, 3, 0]))
    with pytest.raises(MalformedData, match="trailing bytes"):
        decode_handshake(bytes([14, 0, 0, 1, 0]))


def test_build_and_decode_every_extension():
    from protolab.tls.messages import ClientHello

    exts = [ext.Extension(ext.SERVER_NAME, [ext.ServerNameEntry(0, b"localhost")]),
            ext.Extension(ext.SUPPORTED_GROUPS, [0x1D, 0x17, 0x18]),
            ext.Extension(ext.EC_POINT_FORMATS_EXT, [0]),
            ext.Extension(ext.SIGNATURE_ALGORITHMS, [0x0804, 0x0401]),
            ext.Extension(ext.EXTENDED_MASTER_SECRET), ext.Extension(ext.RENEGOTIATION_INFO, b""),
            ext.Extension(ext.SESSION_TICKET, b""), ext.Extension(ext.SUPPORTED_VERSIONS, [TLS13, TLS12]),
            ext.Extension(ext.KEY_SHARE, [ext.KeyShareEntry(0x1D, bytes(32))]),
            ext.Extension(ext.PSK_KEY_EXCHANGE_MODES, [1]), ext.Extension(0x1234, b"raw")]
    hello = ClientHello(TLS12, bytes(32), b"", [0x1301, 0xC02F], [0], exts)
    decoded = _check_message(encode_handshake(hello), Context())
    assert decoded.msg == hello
    assert {s.value for s in decoded.spans if s.name == "extension type"} >= {"key_share (51)", "unknown (4660)"}
    assert Record(22, TLS12, b"x").encode() == bytes([22, 3, 3, 0, 1]) + b"x"


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)),
                                                       max_size=4), kind=st.sampled_from(["random", "mutated"]))
def test_garbage_never_crashes_the_codec_or_an_engine(shared, data, flips, kind):
    """Random bytes and real messages with a few bytes changed: MalformedData or a clean decode, nothing else;
    an engine fed garbage ends FAILED with an error, never raises."""
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.suites import lookup_group, lookup_suite

    if kind == "mutated":
        caps = shared("tls/illustrated-tls12/captures/caps")
        raw = bytearray((caps / ("servercert" if len(data) % 2 else "clienthello")).read_bytes())
        for pos, value in flips:
            raw[pos % len(raw)] = value
        data = bytes(raw)
    for ctx in (Context(TLS12, "rsa"), Context(TLS13)):
        try:
            decode_handshake(data[5:], ctx)
        except MalformedData:
            pass
    client = TlsClient(Config(suites=[lookup_suite("AES128-GCM-SHA256")], groups=[lookup_group("x25519")], seed=0))
    client.start()
    client.receive(data)
    assert client.state in ("WAIT_SH", "WAIT_CERT", "FAILED")
    if client.state == "FAILED":
        assert client.error


@pytest.mark.parametrize("garbage, alert", [(b"\x16\x03\x03\xff\xff", 22),  # longer than 2^14 + 2048: record_overflow
                                            (b"\x63\x03\x03\x00\x01\x00", 50)])  # not a record type: decode_error
def test_engine_answers_garbage_with_the_right_alert(garbage, alert):
    from protolab.tls.client import TlsClient
    from protolab.tls.engine import Config
    from protolab.tls.suites import lookup_group, lookup_suite

    client = TlsClient(Config(suites=[lookup_suite("AES128-GCM-SHA256")], groups=[lookup_group("x25519")], seed=0))
    client.start()
    client.data_to_send()
    client.receive(garbage)
    assert client.failed and client.data_to_send() == bytes([21, 3, 3, 0, 2, 2, alert])


@pytest.mark.parametrize("suite, name, value", [
    ("TLS_RSA_WITH_AES_128_CBC_SHA256", "IV", "the record's whole CBC IV, random per record"),
    ("TLS_RSA_WITH_AES_128_GCM_SHA256", "explicit nonce", "makes the AEAD nonce"),
])
def test_record_annotation_names_cbc_iv_and_gcm_nonce_apart(suite, name, value):
    from protolab.tls.walk import walk

    result = walk(suite=suite, measure=False)
    spans = [f for s in result.steps if s.kind == "record" for f in s.spans]
    fields = {f.name: str(f.value) for f in spans if f.offset == 5 and f.length in (8, 16)}
    assert name in fields and value in fields[name], fields
    assert not any("part of the nonce" in str(f.value) for f in spans)
    if name == "IV":
        assert any(f.name == "encrypted data + padding" for f in spans)  # encrypt-then-MAC, the default
