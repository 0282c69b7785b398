"""TOML input files (scenarios, topologies, beacon specs), read with one error convention:
anything wrong with the file is a BadInput naming the file, never a traceback."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from protolab.errors import BadInput

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


def read_text(path: str | Path, what: str) -> str:
    """A file's text; BadInput naming what it is (e.g. "scenario", "--spec") when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a text file"
        raise BadInput(f"{what} {path}: {reason.lower()}") from None


def parse(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{source}: not valid TOML: {exc}") from None


def read(path: str | Path, what: str) -> dict:
    return parse(read_text(path, what), str(path))


def shipped(package: str) -> dict[str, str]:
    """The .toml files shipped in a package directory: name (without .toml) -> text, sorted by name."""
    out = {}
    for entry in sorted(resources.files(package).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out[entry.name[:-5]] = entry.read_text(encoding="utf-8")
    return out
