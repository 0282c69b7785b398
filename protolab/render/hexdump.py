"""Annotated hex dumps: the bytes, and which field each byte belongs to.

Used by the beacon and TLS labs alike. Each row shows an offset, 16 bytes
coloured by field, and the ASCII column; a legend below lists every field with
its offset, length, bytes and name.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from protolab.annotate import FieldSpan

PALETTE = ["cyan", "magenta", "green", "yellow", "blue", "red", "bright_cyan", "bright_magenta",
            "bright_green", "bright_yellow", "bright_blue", "bright_red"]


def field_at_each_byte(data_len: int, spans: list[FieldSpan]) -> list[int | None]:
    """Index into spans of the innermost field covering each byte (None: unannotated)."""
    owner: list[int | None] = [None] * data_len
    # Wider spans first so nested (narrower) spans win.
    order = sorted(range(len(spans)), key=lambda i: -spans[i].length)
    for i in order:
        span = spans[i]
        for pos in range(max(span.offset, 0), min(span.end, data_len)):
            owner[pos] = i
    return owner


def hexdump_text(data: bytes, spans: list[FieldSpan] | None = None, width: int = 16) -> Text:
    spans = spans or []
    owner = field_at_each_byte(len(data), spans)
    text = Text()
    for row in range(0, len(data), width):
        chunk = data[row:row + width]
        text.append(f"{row:04x}  ", style="dim")
        for col, byte in enumerate(chunk):
            idx = owner[row + col]
            style = PALETTE[idx % len(PALETTE)] if idx is not None else "dim"
            text.append(f"{byte:02x}", style=style)
            text.append("  " if col == 7 else " ")
        pad = width - len(chunk)
        text.append("   " * pad + (" " if pad > 8 else ""))
        text.append(" " + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk) + "\n")
    return text


def legend_table(data: bytes, spans: list[FieldSpan], max_bytes: int = 16, value_title: str = "value") -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("offset", "len", "bytes", "field", value_title):
        table.add_column(col, overflow="fold")
    for i, span in enumerate(spans):
        raw = data[span.offset:span.end]
        shown = raw[:max_bytes].hex(" ") + (" …" if len(raw) > max_bytes else "")
        table.add_row(f"{span.offset:04x}", str(span.length), Text(shown, style=PALETTE[i % len(PALETTE)]),
                      Text(span.name), Text(span.value))  # Text: names and values are never markup
    return table


def annotated_hexdump(data: bytes, spans: list[FieldSpan] | None = None, title: str | None = None,
                      value_title: str = "value") -> Group:
    parts = []
    if title:
        parts.append(Text(title, style="bold"))
    parts.append(hexdump_text(data, spans))
    if spans:
        parts.append(legend_table(data, spans, value_title=value_title))
    return Group(*parts)
