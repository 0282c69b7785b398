"""The TLS presentation language, as data: field kinds that both decode and encode.

Theory of operation: every TLS structure used by the lab (handshake messages,
extensions, their nested entries) is declared ONCE as a LAYOUT, a list of
(field name, kind). A kind knows how to read its value from a `Reader` and how
to write it back; the Reader records one FieldSpan per leaf field it consumes
(length prefixes get their own span), so decoding yields the typed value AND
the byte-level annotation the hex dump draws, with no overlaps and no gaps.
Encoding is the same table read the other way, which is what makes the
"decode then re-encode gives the same bytes" test meaningful.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields as dc_fields
from typing import Any

from protolab.annotate import FieldSpan
from protolab.errors import MalformedData


class Reader:
    """Cursor over `data[pos:end]` that records a FieldSpan for every field it takes."""

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None, base: int = 0,
                 spans: list[FieldSpan] | None = None, where: str = ""):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end
        self.base = base  # added to every span offset (the position of `data` in a larger buffer)
        self.spans = [] if spans is None else spans
        self.where = where

    @property
    def left(self) -> int:
        return self.end - self.pos

    def take(self, n: int, name: str, value: str = "") -> bytes:
        if n > self.left:
            where = f" in {self.where}" if self.where else ""
            raise MalformedData(f"truncated {name}{where}: needs {n} bytes, {self.left} left")
        chunk = self.data[self.pos:self.pos + n]
        if n:
            self.spans.append(FieldSpan(self.base + self.pos, n, name, value))
        self.pos += n
        return chunk

    def sub(self, n: int, name: str) -> Reader:
        """A reader over the next n bytes (a vector's content); this reader skips past them."""
        if n > self.left:
            where = f" in {self.where}" if self.where else ""
            raise MalformedData(f"{name} length {n} runs past its container{where} ({self.left} bytes left)")
        child = Reader(self.data, self.pos, self.pos + n, self.base, self.spans, self.where)
        self.pos += n
        return child

    def done(self, name: str) -> None:
        if self.left:
            raise MalformedData(f"{self.left} unexpected trailing bytes after {name}")


class Kind:
    """How one field is laid out on the wire."""

    def read(self, r: Reader, name: str) -> Any:
        raise NotImplementedError

    def write(self, value: Any) -> bytes:
        raise NotImplementedError


class Int(Kind):
    def __init__(self, size: int, fmt: Callable[[int], str] | None = None):
        self.size, self.fmt = size, fmt

    def read(self, r: Reader, name: str) -> int:
        if self.size > r.left:
            r.take(self.size, name)  # raises the "truncated" error
        value = int.from_bytes(r.data[r.pos:r.pos + self.size], "big")
        r.take(self.size, name, self.fmt(value) if self.fmt else str(value))
        return value

    def write(self, value: int) -> bytes:
        return int(value).to_bytes(self.size, "big")


class Fixed(Kind):
    """Opaque bytes of a fixed length (e.g. a 32-byte random)."""

    def __init__(self, size: int):
        self.size = size

    def read(self, r: Reader, name: str) -> bytes:
        return r.take(self.size, name)

    def write(self, value: bytes) -> bytes:
        if len(value) != self.size:
            raise ValueError(f"expected {self.size} bytes, got {len(value)}")
        return bytes(value)


class Opaque(Kind):
    """opaque x<..2^(8*lenlen)-1>: a length prefix then raw bytes."""

    def __init__(self, lenlen: int, fmt: Callable[[bytes], str] | None = None):
        self.lenlen, self.fmt = lenlen, fmt

    def read(self, r: Reader, name: str) -> bytes:
        n = Int(self.lenlen).read(r, f"{name} length")
        if n > r.left:
            raise MalformedData(f"{name} length {n} runs past its container ({r.left} bytes left)")
        return r.take(n, name, self.fmt(r.data[r.pos:r.pos + n]) if self.fmt else "")

    def write(self, value: bytes) -> bytes:
        return len(value).to_bytes(self.lenlen, "big") + bytes(value)


class Rest(Kind):
    """Everything left in the container (Finished verify_data, an unknown extension's body)."""

    def read(self, r: Reader, name: str) -> bytes:
        return r.take(r.left, name)

    def write(self, value: bytes) -> bytes:
        return bytes(value)


class Vector(Kind):
    """T x<..>: a length prefix in bytes, then elements of one kind until the length is used up."""

    def __init__(self, lenlen: int, elem: Kind, elem_name: str | None = None):
        self.lenlen, self.elem, self.elem_name = lenlen, elem, elem_name

    def read(self, r: Reader, name: str) -> list:
        n = Int(self.lenlen).read(r, f"{name} length")
        inner = r.sub(n, name)
        items = []
        while inner.left:
            items.append(self.elem.read(inner, f"{self.elem_name or name}[{len(items)}]"))
        return items

    def write(self, value: list) -> bytes:
        body = b"".join(self.elem.write(v) for v in value)
        return len(body).to_bytes(self.lenlen, "big") + body


class Struct(Kind):
    """A nested structure: a dataclass whose class attribute LAYOUT lists (field, kind)."""

    def __init__(self, cls: type):
        self.cls = cls

    def read(self, r: Reader, name: str) -> Any:
        return decode_layout(self.cls, r, prefix=f"{name}.")

    def write(self, value: Any) -> bytes:
        return encode_layout(value)


def decode_layout(cls: type, r: Reader, prefix: str = "") -> Any:
    """Read the fields of `cls.LAYOUT` in order and build a `cls`."""
    values = {}
    for fname, kind in cls.LAYOUT:
        values[fname] = kind.read(r, prefix + fname)
    names = {f.name for f in dc_fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})


def encode_layout(obj: Any) -> bytes:
    """The wire bytes of a LAYOUT dataclass."""
    return b"".join(kind.write(getattr(obj, fname)) for fname, kind in type(obj).LAYOUT)


def u8(fmt=None) -> Int:
    return Int(1, fmt)


def u16(fmt=None) -> Int:
    return Int(2, fmt)


def u24(fmt=None) -> Int:
    return Int(3, fmt)


def u32(fmt=None) -> Int:
    return Int(4, fmt)
