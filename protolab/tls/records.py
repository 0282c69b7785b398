"""The record layer's framing: `type (1) | version (2) | length (2) | fragment`.

Records and handshake messages are independent framings: one record may carry several handshake messages
(a whole server flight), one message may span several records (a long certificate chain), and on TCP one
segment may hold half a record. `RecordBuffer` takes bytes as they arrive and hands back whole records;
`fragment` splits a payload into records of at most 2^14 bytes; `record_spans` annotates a record's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from protolab.annotate import FieldSpan
from protolab.errors import MalformedData
from protolab.tls.names import CONTENT_TYPES, VERSIONS, named

CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA = 20, 21, 22, 23
HEADER_LEN = 5
MAX_PLAINTEXT = 2 ** 14
MAX_CIPHERTEXT = 2 ** 14 + 2048  # RFC 5246 §6.2.3: longer is record_overflow
MAX_CIPHERTEXT_13 = 2 ** 14 + 256  # RFC 8446 5.2: a TLS 1.3 protected record; its plaintext at most 2^14 too
MAX_EMPTY_RECORDS = 32  # empty records in a row before the peer is cut off (OpenSSL's MAX_EMPTY_RECORDS)


@dataclass
class Record:
    content_type: int
    version: int
    fragment: bytes

    def encode(self) -> bytes:
        return bytes([self.content_type]) + self.version.to_bytes(2, "big") + \
            len(self.fragment).to_bytes(2, "big") + self.fragment

    @property
    def type_name(self) -> str:
        return CONTENT_TYPES.get(self.content_type, f"type_{self.content_type}")


def header_spans(record: Record, base: int = 0) -> list[FieldSpan]:
    return [FieldSpan(base, 1, "record type", f"{record.type_name} ({record.content_type})"),
            FieldSpan(base + 1, 2, "record version", named(VERSIONS)(record.version)),
            FieldSpan(base + 3, 2, "record length", str(len(record.fragment)))]


def record_spans(record: Record, inner: list[FieldSpan] | None = None, base: int = 0,
                 fragment_name: str = "fragment") -> list[FieldSpan]:
    """Header spans plus either `inner` (spans of the fragment, relative to it) or one fragment span."""
    spans = header_spans(record, base)
    if inner is None:
        if record.fragment:
            spans.append(FieldSpan(base + HEADER_LEN, len(record.fragment), fragment_name))
    else:
        spans += [FieldSpan(s.offset + base + HEADER_LEN, s.length, s.name, s.value) for s in inner]
    return spans


class RecordOverflow(MalformedData):
    """A record longer than TLS allows: the peer is told record_overflow (22), not decode_error."""


class RecordBuffer:
    """Bytes in (any chunking), whole records out. Garbage raises MalformedData with what was wrong."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def pop(self) -> Record | None:
        if len(self.buffer) < HEADER_LEN:
            return None
        ctype = self.buffer[0]
        if ctype not in CONTENT_TYPES:
            raise MalformedData(f"not a TLS record: content type {ctype} (0x{ctype:02x})"
                                f" at the start of {self.buffer[:8].hex()}")
        version = int.from_bytes(self.buffer[1:3], "big")
        if version >> 8 != 3:
            raise MalformedData(f"not a TLS record: version field 0x{version:04x}")
        length = int.from_bytes(self.buffer[3:5], "big")
        if length > MAX_CIPHERTEXT:
            raise RecordOverflow(f"record length {length} exceeds the limit {MAX_CIPHERTEXT} (record_overflow)")
        if len(self.buffer) < HEADER_LEN + length:
            return None
        record = Record(ctype, version, self.buffer[HEADER_LEN:HEADER_LEN + length])
        self.buffer = self.buffer[HEADER_LEN + length:]
        return record

    def pop_all(self) -> list[Record]:
        out = []
        while (record := self.pop()) is not None:
            out.append(record)
        return out


def split_records(data: bytes) -> tuple[list[Record], bytes]:
    """Whole records at the front of `data`, and the incomplete rest."""
    buf = RecordBuffer()
    buf.feed(data)
    records = buf.pop_all()
    return records, buf.buffer


def fragment(content_type: int, payload: bytes, version: int = 0x0303,
             max_len: int = MAX_PLAINTEXT) -> list[Record]:
    """Split a payload into records of at most max_len bytes (an empty payload gives one empty record)."""
    if not payload:
        return [Record(content_type, version, b"")]
    return [Record(content_type, version, payload[i:i + max_len]) for i in range(0, len(payload), max_len)]
