"""Input schemas declared once: each field of a scenario, beacon spec or topology is one declaration.

A declaration (``field(...)`` on a dataclass attribute, or a ``Field`` in a table of a non-dataclass record)
says the field's type (a ``Kind``: how a TOML or flag value becomes the field's value and back), default,
range or choices, TOML key, CLI flag, hostapd key and help text. From it come, with no per-field code:
TOML reading (``read``) and writing (``toml_lines``), range and choice checks (``check``), the command-line
options (``protolab.cli.schema_options`` builds Typer options from ``flags``) and the README reference
tables (``reference_table``). Pure data and functions: no I/O, no printing.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import tomli_w

from protolab.errors import BadInput


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()  # a field with no default: the key must be given
_META = "protolab.schema"


def _same(value, what: str = ""):
    return value


@dataclass(frozen=True)
class Kind:
    """A value type: its name in the reference tables, and how values are read and written."""

    name: str
    read: Callable[[Any, str], Any]  # a TOML (or flag) value -> the field's value; BadInput naming `what`
    write: Callable[[Any], Any] = _same  # the field's value -> a TOML value
    cli_type: Any = str  # what Typer parses the flag's text into before ``read`` sees it
    show: Callable[[Any], str] | None = None  # a default as the reference tables show it; None: as TOML
    merge: Callable[[Any, Any], Any] | None = None  # (base value, given value) -> value; None: given replaces


def _whole(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{what}: expected a whole number, got {value!r}")
    return value


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"{what}: expected a number, got {value!r}")
    return float(value)


def _flag(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise BadInput(f"{what}: expected true or false, got {value!r}")
    return value


def _names(value, what: str) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise BadInput(f"{what}: expected a list of names")
    return list(value)


WHOLE = Kind("whole number", _whole, cli_type=int)
NUMBER = Kind("number", _number, cli_type=float)
TEXT = Kind("text", lambda value, what: str(value))
BOOL = Kind("true/false", _flag, cli_type=bool)
NAMES = Kind("list of names", _names)


@dataclass(frozen=True)
class Flag:
    """A command-line option for a field. ``to_field`` maps the option's value onto the field's (e.g.
    --replicas R sets nodes = R + 1); ``low``/``message`` check the option's own value first."""

    names: str  # "--replicas", or "--ht/--no-ht" for an on/off pair
    help: str = ""  # the option's help text; "" -> the field's
    to_field: Callable[[Any], Any] | None = None
    low: float | None = None
    message: str = ""  # "{flag}", "{value}", "{low}" are filled in
    cli_type: Any = None  # the type Typer parses into; None -> the kind's (list[...] for a repeatable flag)
    read: Callable[[Any, str], Any] | None = None  # the option's text -> the field's value; None -> the kind's
    choice_menu: bool = False  # --help lists the field's choices ([2.4|5|6]) and Typer refuses others

    @property
    def name(self) -> str:
        return self.names.split("/")[0]


@dataclass(frozen=True)
class Hostapd:
    """The hostapd.conf key(s) that set a field."""

    keys: str  # space-separated
    absent: str | None = None  # hostapd's own value when the key is not given; None: the spec's default stays
    by_hand: bool = False  # read by the reader's own code (several keys, or a translation of the value)


@dataclass(frozen=True)
class Field:
    kind: Kind
    help: str
    name: str = ""  # the attribute; filled in from the dataclass field
    default: Any = REQUIRED
    key: str = ""  # TOML key; "" -> the attribute name
    flag: Flag | None = None
    low: float | None = None  # inclusive bounds
    high: float | None = None
    above: float | None = None  # exclusive lower bound ("must be positive": above=0)
    choices: Iterable[str] | None = None  # a Mapping's keys, or a sequence
    message: str = ""  # the range/choice error; "{where}", "{label}", "{value}", "{choices}", bounds filled in
    hostapd: Hostapd | None = None
    leads: bool = False  # written before the other top-level keys (a file opens with its name)

    @property
    def toml_key(self) -> str:
        return self.key or self.name

    def bounds_text(self) -> str:
        if self.choices is not None:
            return ", ".join(str(c) for c in self.choices)
        parts = []
        if self.above is not None:
            parts.append(f"> {self.above:g}")
        if self.low is not None and self.high is not None:
            return f"{self.low:g}..{self.high:g}"
        if self.low is not None:
            parts.append(f">= {self.low:g}")
        if self.high is not None:
            parts.append(f"<= {self.high:g}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Table:
    """A TOML table (``many``: an array of tables) read into a record of type ``cls``."""

    cls: type
    key: str
    help: str = ""
    many: bool = False
    fields: tuple[Field, ...] = ()  # for records that are not schema dataclasses; else from the dataclass
    item_defaults: Callable[[int], dict] | None = None  # many: defaults of item number i (1-based)
    name: str = ""  # the attribute of the owner; filled in

    def declared(self) -> tuple[Field, ...]:
        return self.fields or declared(self.cls)


def field(default=REQUIRED, kind: Kind = TEXT, help: str = "", *, compare: bool = True, json_omit_none: bool = False,
          **declaration):
    """A dataclass attribute with its declaration (see ``Field``); ``json_omit_none``: left out of --json
    output while None (a field added later leaves the outputs of the specs that do not use it as they were)."""
    meta = {_META: Field(kind, help, default=default, **declaration), "json_omit_none": json_omit_none}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=meta, compare=compare)
    return dataclasses.field(default=dataclasses.MISSING if default is REQUIRED else default, metadata=meta,
                             compare=compare)


def table(cls: type, key: str, help: str = "", *, many: bool = False, fields: tuple[Field, ...] = (),
          item_defaults: Callable[[int], dict] | None = None):
    """A dataclass attribute holding a TOML table (or, ``many``, a list of them) of records of type ``cls``."""
    meta = {_META: Table(cls, key, help, many, fields, item_defaults)}
    return dataclasses.field(default_factory=list if many else cls, metadata=meta)


@functools.cache  # a class's declarations do not change; checks run for every scenario of a chaos campaign
def declared(cls) -> tuple[Field, ...]:
    """The scalar fields a schema dataclass declares, in order, with their names and defaults filled in."""
    out = []
    for f in dataclasses.fields(cls):
        meta = f.metadata.get(_META)
        if isinstance(meta, Field):
            default = f.default if f.default is not dataclasses.MISSING else (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else REQUIRED)
            out.append(dataclasses.replace(meta, name=f.name, default=default))
    return tuple(out)


@functools.cache
def tables(cls) -> tuple[Table, ...]:
    return tuple(dataclasses.replace(f.metadata[_META], name=f.name) for f in dataclasses.fields(cls)
                 if isinstance(f.metadata.get(_META), Table))


def top_keys(cls) -> set[str]:
    return {f.toml_key for f in declared(cls)} | {t.key for t in tables(cls)}


# --- reading --------------------------------------------------------------------------------------
def check_keys(data, allowed: set[str], where: str) -> dict:
    if not isinstance(data, dict):
        raise BadInput(f"{where}: expected a table")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BadInput(f"{where}: unknown key {unknown[0]!r}; keys: {', '.join(sorted(allowed))}")
    return data


def read_values(fields: Iterable[Field], data: dict, prefix: str) -> dict:
    """The declared keys present in ``data``, converted by their kinds: attribute -> value. Errors name
    ``prefix`` + the key (e.g. "run.toml: sentinel." + "count")."""
    return {f.name: f.kind.read(data[f.toml_key], prefix + f.toml_key) for f in fields if f.toml_key in data}


def _required(fields: Iterable[Field], values: dict, where: str) -> dict:
    missing = [f.toml_key for f in fields if f.default is REQUIRED and f.name not in values]
    if missing:
        raise BadInput(f"{where}: needs {' and '.join(missing)}")
    return values


def read_table(t: Table, data, source: str):
    """One table's record, or (``many``) the list of them."""
    fields = t.declared()
    keys = {f.toml_key for f in fields}
    if not t.many:
        where = f"{source}: [{t.key}]"
        return t.cls(**read_values(fields, check_keys(data, keys, where), f"{source}: {t.key}."))
    if not isinstance(data, list):
        raise BadInput(f"{source}: [[{t.key}]] must be an array of tables")
    items = []
    for i, d in enumerate(data, 1):
        where = f"{source}: [[{t.key}]] #{i}"
        values = {**(t.item_defaults(i) if t.item_defaults else {}),
                  **read_values(fields, check_keys(d, keys, where), f"{where}.")}
        items.append(t.cls(**_required(fields, values, where)))
    return items


def read(cls, data: dict, source: str, *, defaults: Mapping | None = None, skip: Iterable[str] = ()):
    """A record of a schema dataclass from a TOML document: keys checked, values converted, tables read.
    Tables named in ``skip`` are left at their defaults for the caller to read."""
    fields = declared(cls)
    values = _required(fields, {**(defaults or {}), **read_values(fields, data, f"{source}: ")}, source)
    for t in tables(cls):
        if t.key in data and t.key not in skip:
            values[t.name] = read_table(t, data[t.key], source)
    return cls(**values)


# --- checking -------------------------------------------------------------------------------------
def field_error(f: Field, value, where: str, label: str, item: str = "") -> str | None:
    """The range or choice error of one value, or None when it is allowed (``item``: the name of the
    array-table item it belongs to, for the message)."""
    if value is None:
        return None
    if f.choices is not None:
        ok = value in f.choices
    else:
        ok = ((f.low is None or value >= f.low) and (f.high is None or value <= f.high)
              and (f.above is None or value > f.above))
    if ok:
        return None
    message = f.message or ("{where}: unknown {label} {value!r}; choices: {choices}" if f.choices is not None
                            else "{where}: {label} must be {bounds}, got {value}")
    return message.format(where=where, label=label, value=value, low=f.low, high=f.high, bounds=f.bounds_text(),
                          choices=", ".join(str(c) for c in f.choices or ()), item=item)


def check(obj, where: str) -> None:
    """Every declared range and choice of a record and its tables; BadInput with the first problem (a
    table's field is labelled "table key", e.g. "sentinel count")."""
    for f in declared(type(obj)):
        problem = field_error(f, getattr(obj, f.name), where, f.toml_key)
        if problem:
            raise BadInput(problem)
    for t in tables(type(obj)):
        value = getattr(obj, t.name)
        for item in value if t.many else [value]:
            for f in t.declared():
                problem = field_error(f, getattr(item, f.name), where, f"{t.key} {f.toml_key}",
                                      getattr(item, "name", ""))
                if problem:
                    raise BadInput(problem)


# --- writing --------------------------------------------------------------------------------------
def literal(value) -> str:
    """One TOML value; arrays stay on one line (tomli-w would spread them over several)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return tomli_w.dumps({"v": value})[4:-1]


def _lines(fields: Iterable[Field], obj) -> list[str]:
    out = []
    for f in fields:
        value = getattr(obj, f.name)
        if value is not None:
            out.append(f"{f.toml_key} = {literal(f.kind.write(value))}")
    return out


def toml_lines(obj, *, custom: Mapping[str, Callable[[Any], list[str]]] | None = None) -> list[str]:
    """A record as TOML lines: its keys (leading ones first), then each table in declaration order;
    tables named in ``custom`` are written by the given function (lines of whole tables)."""
    fields = declared(type(obj))
    lines = _lines([f for f in fields if f.leads] + [f for f in fields if not f.leads], obj)
    for t in tables(type(obj)):
        if custom and t.key in custom:
            lines += custom[t.key](getattr(obj, t.name))
            continue
        value = getattr(obj, t.name)
        for item in value if t.many else [value]:
            lines += ["", f"[[{t.key}]]" if t.many else f"[{t.key}]"] + _lines(t.declared(), item)
    return lines


# --- the command line and the reference tables -----------------------------------------------------
@dataclass(frozen=True)
class Option:
    """A field offered as a command-line option: where it lives (``table``) and its declaration."""

    field: Field
    table: Table | None = None

    @property
    def flag(self) -> Flag:
        assert self.field.flag is not None
        return self.field.flag

    @property
    def param(self) -> str:
        """The Python parameter name of the option (the flag without dashes)."""
        return self.flag.name.lstrip("-").replace("-", "_")


def flags(cls) -> list[Option]:
    """Every field of a record and its tables that declares a CLI flag, in declaration order."""
    out = [Option(f) for f in declared(cls) if f.flag]
    for t in tables(cls):
        out += [Option(f, t) for f in t.declared() if f.flag]
    return out


def flag_value(opt: Option, value):
    """The field's value from an option's value (as Typer parsed it); BadInput naming the option."""
    flag, f = opt.flag, opt.field
    value = getattr(value, "value", value)  # a choice menu's Enum member
    if flag.low is not None and value < flag.low:
        raise BadInput(flag.message.format(flag=flag.name, value=value, low=flag.low))
    value = (flag.read or f.kind.read)(value, flag.name)
    return flag.to_field(value) if flag.to_field is not None else value


def apply_flag(opt: Option, obj, value) -> None:
    """Set the field an option names on a record (on every item of an array table)."""
    f = opt.field
    value = flag_value(opt, value)
    if opt.table is None:
        setattr(obj, f.name, value)
        return
    target = getattr(obj, opt.table.name)
    for item in target if opt.table.many else [target]:
        setattr(item, f.name, value)


def _hostapd_text(h: Hostapd | None) -> str:
    if h is None:
        return "-"
    keys = h.keys.split()
    return ", ".join(f"`{k}`" for k in keys) if len(keys) <= 3 else f"`{keys[0]}` ... ({len(keys)} keys)"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default_text(f: Field, t: Table | None) -> str:
    if f.default is REQUIRED:
        first = t.item_defaults(1) if t is not None and t.item_defaults else {}
        return f"{first[f.name]}, ..." if f.name in first else "required"
    if f.default is None or f.default in ((), [], {}, ""):
        return "-"
    return f.kind.show(f.default) if f.kind.show else literal(f.kind.write(f.default))


def reference_table(cls, *, tables_of: Iterable[Table] | None = None,
                    extra: Iterable[tuple[str, str, str, str, str]] = (), hostapd: bool = False) -> str:
    """A Markdown table of every declared key of a record and its tables (``tables_of``: instead of the
    record's own; ``extra``: rows for keys read by hand, as (key, type, default, allowed, meaning))."""
    table_list = tables(cls) if tables_of is None else list(tables_of)
    with_flags = any(f.flag for f in declared(cls)) or any(f.flag for t in table_list for f in t.declared())
    head = (["key", "type", "default", "allowed"] + (["flag"] if with_flags else [])
            + (["hostapd.conf"] if hostapd else []) + ["meaning"])
    rows = []

    def row(key: str, f: Field, t: Table | None = None):
        rows.append([f"`{key}`", f.kind.name, _default_text(f, t), f.bounds_text() or "-"]
                    + ([f"`{f.flag.names}`" if f.flag else "-"] if with_flags else [])
                    + ([_hostapd_text(f.hostapd)] if hostapd else []) + [f.help])

    for f in declared(cls):
        row(f.toml_key, f)
    for t in table_list:
        prefix = f"[[{t.key}]]." if t.many else f"[{t.key}]."
        for f in t.declared():
            row(prefix + f.toml_key, f, t)
    for key, kind, default, allowed, meaning in extra:
        rows.append([f"`{key}`", kind, default, allowed] + (["-"] if with_flags else []) + (["-"] if hostapd else [])
                    + [meaning])
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def fill_markers(text: str, name: str, content: str) -> str:
    """``text`` with what lies between <!-- generated:NAME --> and <!-- /generated:NAME --> replaced."""
    start, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise BadInput(f"no {start} ... {end} markers")
    return text[:i + len(start)] + "\n" + content + text[j:]
