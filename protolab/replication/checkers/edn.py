"""A reader for EDN, the data notation Jepsen and Knossos write histories in.

Only what histories hold is kept apart: keywords become strings that keep their colon (``":invoke"``),
so they never equal a string value ``"invoke"``; vectors and lists become tuples and sets frozensets,
so any value can be a model state or a dict key; maps become dicts; ``nil``/``true``/``false`` are
None/True/False. A tagged element (``#jepsen.history.Op{...}``, ``#inst "..."``) reads as its value.
``#_`` discards the next element, ``;`` starts a comment, commas are whitespace.

Bad input is one ``MalformedData`` naming the line; nesting deeper than ``MAX_DEPTH`` is refused before
Python's own recursion limit could be met.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from protolab.errors import MalformedData

MAX_DEPTH = 64

_TOKEN = re.compile(r"""
    (?P<space>[\s,]+|;[^\n]*)
  | (?P<open>\#\{|[(\[{])
  | (?P<close>[)\]}])
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<discard>\#_)
  | (?P<tag>\#[A-Za-z][^\s,()\[\]{}"]*)
  | (?P<char>\\(?:newline|space|tab|return|formfeed|backspace|u[0-9a-fA-F]{4}|\S))
  | (?P<atom>[^\s,()\[\]{}"\\;]+)
""", re.VERBOSE)
_INT = re.compile(r"[+-]?\d+N?")
_FLOAT = re.compile(r"[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?M?")
_RATIO = re.compile(r"[+-]?\d+/\d+")
_CLOSER = {"(": ")", "[": "]", "{": "}", "#{": "}"}
_CHARS = {"newline": "\n", "space": " ", "tab": "\t", "return": "\r", "formfeed": "\f", "backspace": "\b"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "b": "\b", "f": "\f", "/": "/"}
_SYMBOLS = {"nil": None, "true": True, "false": False}
_END = object()


class _Reader:
    def __init__(self, text: str, first_line: int) -> None:
        self.text, self.pos, self.first_line = text, 0, first_line
        self._counted, self._lines = 0, 0  # newlines before _counted: line numbers cost O(text) in all

    def line(self, pos: int | None = None) -> int:
        pos = self.pos if pos is None else pos
        if pos < self._counted:
            return self.first_line + self.text.count("\n", 0, pos)
        self._lines += self.text.count("\n", self._counted, pos)
        self._counted = pos
        return self.first_line + self._lines

    def fail(self, what: str, pos: int | None = None):
        raise MalformedData(f"line {self.line(pos)}: {what}")

    def token(self):
        """(kind, text, start) of the next token that is not space, or None at the end."""
        text = self.text
        while self.pos < len(text):
            m = _TOKEN.match(text, self.pos)
            if m is None:
                self.fail(f"cannot read EDN at {text[self.pos:self.pos + 20]!r}")
            self.pos = m.end()
            if m.lastgroup != "space":
                return m.lastgroup, m.group(), m.start()
        return None

    def element(self, depth: int = 0, closer: str | None = None):
        """The next element; ``_END`` when the closer (or, at the top, the end of text) comes instead."""
        tok = self.token()
        if tok is None:
            if closer is not None:
                self.fail(f"unterminated collection: expected {closer!r} before the end")
            return _END
        kind, text, start = tok
        if kind == "close":
            if text != closer:
                self.fail(f"unexpected {text!r}", start)
            return _END
        if kind == "open":
            if depth >= MAX_DEPTH:
                self.fail(f"nested deeper than {MAX_DEPTH} levels", start)
            items = []
            end = _CLOSER[text]
            while (item := self.element(depth + 1, end)) is not _END:
                items.append(item)
            return self.collection(text, items, start)
        if kind == "discard":
            self.required(depth, closer, start)
            return self.element(depth, closer)
        if kind == "tag":
            return self.required(depth, closer, start)
        if kind == "string":
            return self.string(text[1:-1], start)
        if kind == "char":
            name = text[1:]
            if len(name) > 1 and name[0] == "u" and name not in _CHARS:
                return chr(int(name[1:], 16))
            return _CHARS.get(name, name)
        return self.atom(text, start)

    def required(self, depth: int, closer: str | None, start: int):
        """The element a tag or ``#_`` applies to (it must exist)."""
        value = self.element(depth, closer)
        if value is _END:
            self.fail("a tag or #_ with no element after it", start)
        return value

    def collection(self, opener: str, items: list, start: int):
        if opener == "{":
            if len(items) % 2:
                self.fail("a map with an odd number of elements", start)
            try:
                return dict(zip(items[::2], items[1::2], strict=True))
            except TypeError:
                self.fail("a map key that is itself a map", start)
        if opener == "#{":
            try:
                return frozenset(items)
            except TypeError:
                self.fail("a set holding a map", start)
        return tuple(items)

    def string(self, body: str, start: int) -> str:
        if "\\" not in body:
            return body
        out, i = [], 0
        while i < len(body):
            c = body[i]
            if c != "\\":
                out.append(c)
                i += 1
                continue
            e = body[i + 1]
            if e == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
                out.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
            elif e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
            else:
                self.fail(f"unknown string escape \\{e}", start)
        return "".join(out)

    def atom(self, text: str, start: int):
        if text in _SYMBOLS:
            return _SYMBOLS[text]
        if text[0] == ":":
            if len(text) == 1:
                self.fail("a keyword with no name", start)
            return text
        if text[0].isdigit() or (text[0] in "+-" and len(text) > 1 and text[1].isdigit()):
            if _INT.fullmatch(text):
                return int(text.rstrip("N"))
            if _FLOAT.fullmatch(text):
                return float(text.rstrip("M"))
            if _RATIO.fullmatch(text):
                num, den = text.split("/")
                if int(den) == 0:
                    self.fail(f"ratio {text} divides by zero", start)
                return int(num) / int(den)
            self.fail(f"not a number: {text!r}", start)
        return text  # a symbol: kept as its name


def read_all(text: str, first_line: int = 1) -> Iterator[tuple[object, int]]:
    """Every top-level element of ``text`` with the line it starts on."""
    reader = _Reader(text, first_line)
    while True:
        at = reader.pos
        value = reader.element()
        if value is _END:
            return
        yield value, reader.line(_skip_space(text, at))


def read_one(text: str, first_line: int = 1):
    """The single element ``text`` holds (MalformedData when it holds none or more than one)."""
    elements = iter(read_all(text, first_line))
    first = next(elements, None)
    if first is None:
        raise MalformedData(f"line {first_line}: no EDN value")
    if next(elements, None) is not None:
        raise MalformedData(f"line {first_line}: more than one EDN value")
    return first[0]


def _skip_space(text: str, pos: int) -> int:
    while (m := _TOKEN.match(text, pos)) is not None and m.lastgroup == "space":
        pos = m.end()
    return pos
