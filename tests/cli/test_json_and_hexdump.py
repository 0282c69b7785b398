"""JSON conversion and the annotated hex dump."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field

from protolab.annotate import FieldSpan, check_spans, spans_from_layout
from protolab.render.hexdump import annotated_hexdump, field_at_each_byte, hexdump_text
from protolab.render.jsonout import dumps, to_jsonable


class Color(enum.Enum):
    RED = "red"


@dataclass
class Inner:
    raw: bytes
    color: Color


@dataclass
class Outer:
    name: str
    inner: list[Inner]
    extra: dict = field(default_factory=dict)
    ratio: float = float("nan")


def test_json_bytes_as_hex_and_stable_keys():
    obj = Outer("x", [Inner(b"\x00\xff", Color.RED)], {1: (b"a", 2)})
    data = json.loads(dumps(obj))
    assert data == {"name": "x", "inner": [{"raw": "00ff", "color": "red"}], "extra": {"1": ["61", 2]},
                    "ratio": None}
    assert list(data) == ["name", "inner", "extra", "ratio"]


def test_json_rejects_unknown_types():
    import pytest

    with pytest.raises(TypeError):
        to_jsonable(object())


def test_spans_from_layout_and_checks():
    spans = spans_from_layout([("type", 1), ("version", 2), ("length", 2)], values={"type": "22"})
    assert [(s.offset, s.length, s.name) for s in spans] == [(0, 1, "type"), (1, 2, "version"), (3, 2, "length")]
    assert spans[0].value == "22"
    assert check_spans(5, spans) == []
    problems = check_spans(4, spans + [FieldSpan(2, 1, "inside")])
    assert any("overlaps" in p for p in problems) and any("runs past" in p for p in problems)


def test_hexdump_rows_and_innermost_owner():
    data = bytes(range(20))
    spans = [FieldSpan(0, 20, "record"), FieldSpan(5, 2, "length")]
    owner = field_at_each_byte(len(data), spans)
    assert owner[0] == 0 and owner[5] == 1 and owner[6] == 1 and owner[7] == 0
    text = hexdump_text(data, spans).plain
    lines = text.splitlines()
    assert lines[0].startswith("0000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f")
    assert lines[1].startswith("0010  10 11 12 13")
    assert len(lines) == 2


def test_annotated_hexdump_legend_lists_fields():
    from rich.console import Console

    console = Console(record=True, width=120, color_system=None)
    console.print(annotated_hexdump(b"\x16\x03\x03\x00\x05", spans_from_layout(
        [("content type", 1), ("version", 2), ("length", 2)]), title="record header"))
    out = console.export_text()
    assert "record header" in out and "content type" in out and "03 03" in out and "0003" in out
