"""TOML input files (scenarios, topologies, beacon specs), read with one error convention:
anything wrong with the file is a BadInput naming the file, never a traceback.

Files are read by protolab.fileio (regular files only, 16 MiB at most). Before tomllib sees a text, one
linear pass checks its shape: tomllib recurses once per nested array or inline table (1,000 of them in a
2 KB file raise RecursionError) and builds one table per part of a dotted key (a 100 KB key of 50,000
parts), so both are refused first, with the line where the limit was passed.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from protolab import fileio
from protolab.errors import BadInput

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


MAX_NESTING = 32      # arrays / inline tables inside each other (the shipped files need 3)
MAX_KEY_PARTS = 32    # parts of one dotted key, a.b.c
MAX_KEY_LENGTH = 1024  # characters of one key, quotes included

# What the shape check looks at: strings and comments (skipped whole, so a bracket or dot inside them does
# not count), the brackets, and the separators that end a key or a value. Everything else the regex skips.
_TOKENS = re.compile(r'''
      """(?:[^\\]|\\.)*?"""(?!")   # multi-line basic string
    | \'\'\'.*?\'\'\'(?!\')       # multi-line literal string
    | "(?:[^"\\\n]|\\.)*"?     # basic string (an unterminated one ends at the line end)
    | '[^'\n]*'?               # literal string
    | \#[^\n]*                # comment
    | [\[\]{}=,.\n]
''', re.S | re.X)


def check_shape(text: str, source: str) -> None:
    """BadInput when `text` nests deeper than MAX_NESTING or has a key past MAX_KEY_PARTS / MAX_KEY_LENGTH.
    Outside strings a value holds at most one dot (1.5, 07:32:00.5), so counting the dots since the last
    separator counts the parts of a key."""
    depth = dots = 0
    start = 0  # where the current key or value began
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise BadInput(f"{source}: line {_line(text, m.start())}: arrays or inline tables nested more "
                               f"than {MAX_NESTING} deep")
        elif token == ".":
            dots += 1
            if dots >= MAX_KEY_PARTS:
                raise BadInput(f"{source}: line {_line(text, m.start())}: a dotted key of more than "
                               f"{MAX_KEY_PARTS} parts")
            continue
        elif token == "=" and len(text[start:m.start()].strip()) > MAX_KEY_LENGTH:
            raise BadInput(f"{source}: line {_line(text, m.start())}: a key longer than {MAX_KEY_LENGTH} "
                           "characters")
        elif token in "]}":
            depth = max(depth - 1, 0)
        elif token[0] in "\"'#":
            continue
        dots, start = 0, m.end()


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def parse(text: str, source: str) -> dict:
    check_shape(text, source)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{source}: not valid TOML: {exc}") from None


def read(path: str | Path, what: str) -> dict:
    return parse(fileio.read_text(path, what), str(path))


def shipped(package: str) -> dict[str, str]:
    """The .toml files shipped in a package directory: name (without .toml) -> text, sorted by name."""
    out = {}
    for entry in sorted(resources.files(package).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out[entry.name[:-5]] = entry.read_text(encoding="utf-8")
    return out
