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
_ATOM_CACHE = 1 << 16  # distinct atoms remembered per text

_TOKEN = re.compile(r"""
    (?P<space>[\s,]+|;[^\n]*)
  | (?P<atom>[^\s,()\[\]{}"\\;\#][^\s,()\[\]{}"\\;]*)
  | (?P<open>\#\{|[(\[{])
  | (?P<close>[)\]}])
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<discard>\#_)
  | (?P<tag>\#[A-Za-z][^\s,()\[\]{}"]*)
  | (?P<char>\\(?:newline|space|tab|return|formfeed|backspace|u[0-9a-fA-F]{4}|\S))
  | (?P<bad>.)
""", re.VERBOSE | re.DOTALL)
_INT = re.compile(r"[+-]?\d+N?")
_FLOAT = re.compile(r"[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?M?")
_RATIO = re.compile(r"[+-]?\d+/\d+")
_CLOSER = {"(": ")", "[": "]", "{": "}", "#{": "}"}
_CHARS = {"newline": "\n", "space": " ", "tab": "\t", "return": "\r", "formfeed": "\f", "backspace": "\b"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "b": "\b", "f": "\f", "/": "/"}
_SYMBOLS = {"nil": None, "true": True, "false": False}


class _Lines:
    """Line numbers of positions asked for in increasing order, at O(text) cost in all."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text, self.first, self.pos, self.count = text, first_line, 0, 0

    def __call__(self, pos: int) -> int:
        if pos < self.pos:
            return self.first + self.text.count("\n", 0, pos)
        self.count += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.first + self.count


def read_all(text: str, first_line: int = 1) -> Iterator[tuple[object, int]]:
    """Every top-level element of ``text`` with the line it starts on.

    One pass over the tokens with an explicit stack of open collections (no recursion, and no method
    call per token): a frame is [opener, items, start, elements to discard, tags waiting for one]."""
    line = _Lines(text, first_line)

    def fail(what: str, pos: int):
        raise MalformedData(f"line {line(pos)}: {what}")

    atoms: dict = {}
    stack: list[list] = []
    top = [None, None, 0, 0, 0]  # the frame of the top level
    frame = top
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space":
            continue
        start = m.start()
        if frame is top and not top[3] and not top[4]:
            top[2] = start  # where the next top-level element starts
        if kind == "atom":  # keywords and numbers repeat: one object each (memory, and no re-parsing)
            word = m.group()
            value = atoms.get(word, atoms)
            if value is atoms:
                value = _atom(word, start, fail)
                if len(atoms) < _ATOM_CACHE:
                    atoms[word] = value
        elif kind == "open":
            if len(stack) >= MAX_DEPTH:
                fail(f"nested deeper than {MAX_DEPTH} levels", start)
            stack.append(frame)
            frame = [m.group(), [], start, 0, 0]
            continue
        elif kind == "close":
            if frame is top or m.group() != _CLOSER[frame[0]]:
                fail(f"unexpected {m.group()!r}", start)
            if frame[3] or frame[4]:
                fail("a tag or #_ with no element after it", start)
            value = _collection(frame[0], frame[1], frame[2], fail)
            start = frame[2]
            frame = stack.pop()
        elif kind == "string":
            value = _string(m.group()[1:-1], start, fail)
        elif kind == "discard":
            frame[3] += 1
            continue
        elif kind == "tag":
            frame[4] += 1
            continue
        elif kind == "char":
            name = m.group()[1:]
            value = chr(int(name[1:], 16)) if len(name) == 5 and name[0] == "u" else _CHARS.get(name, name)
        else:
            fail(f"cannot read EDN at {text[start:start + 20]!r}", start)
        # an element is complete: the tags before it read as it (their names are not kept), a #_ drops it
        frame[4] = 0
        if frame[3]:
            frame[3] -= 1
            continue
        if frame is top:
            yield value, line(top[2])
        else:
            frame[1].append(value)
    if frame is not top:
        fail(f"unterminated collection: expected {_CLOSER[frame[0]]!r} before the end", len(text))
    if top[3] or top[4]:
        fail("a tag or #_ with no element after it", len(text))


def _collection(opener: str, items: list, start: int, fail):
    if opener == "{":
        if len(items) % 2:
            fail("a map with an odd number of elements", start)
        try:
            return dict(zip(items[::2], items[1::2], strict=True))
        except TypeError:
            fail("a map key that is itself a map", start)
    if opener == "#{":
        try:
            return frozenset(items)
        except TypeError:
            fail("a set holding a map", start)
    return tuple(items)


def _string(body: str, start: int, fail) -> str:
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
            fail(f"unknown string escape \\{e}", start)
    return "".join(out)


def _atom(text: str, start: int, fail):
    if text[0] == ":":
        if len(text) == 1:
            fail("a keyword with no name", start)
        return text
    if text in _SYMBOLS:
        return _SYMBOLS[text]
    if text[0].isdigit() or (text[0] in "+-" and len(text) > 1 and text[1].isdigit()):
        if _INT.fullmatch(text):
            return int(text.rstrip("N"))
        if _FLOAT.fullmatch(text):
            return float(text.rstrip("M"))
        if _RATIO.fullmatch(text):
            num, den = text.split("/")
            if int(den) == 0:
                fail(f"ratio {text} divides by zero", start)
            return int(num) / int(den)
        fail(f"not a number: {text!r}", start)
    return text  # a symbol: kept as its name


def read_one(text: str, first_line: int = 1):
    """The single element ``text`` holds (MalformedData when it holds none or more than one)."""
    elements = iter(read_all(text, first_line))
    first = next(elements, None)
    if first is None:
        raise MalformedData(f"line {first_line}: no EDN value")
    if next(elements, None) is not None:
        raise MalformedData(f"line {first_line}: more than one EDN value")
    return first[0]
