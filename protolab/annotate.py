"""Field annotations over a byte string: the data behind every annotated hex dump.

Labs describe their bytes as a list of FieldSpan (offset, length, name); the
renderer in protolab.render.hexdump draws them. Kept free of rich so the core
can produce annotations without importing any rendering code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpan:
    offset: int
    length: int
    name: str
    value: str = ""

    @property
    def end(self) -> int:
        return self.offset + self.length


def spans_from_layout(layout: list[tuple[str, int]], start: int = 0, values: dict[str, str] | None = None
                      ) -> list[FieldSpan]:
    """Consecutive fields from (name, length) pairs, e.g. a fixed header."""
    spans, offset = [], start
    for name, length in layout:
        spans.append(FieldSpan(offset, length, name, (values or {}).get(name, "")))
        offset += length
    return spans


def check_spans(data_len: int, spans: list[FieldSpan]) -> list[str]:
    """Problems with a span list: overlaps or spans past the data. Empty when fine."""
    problems = []
    last_end = 0
    for span in sorted(spans, key=lambda s: (s.offset, -s.length)):
        if span.offset < last_end:
            problems.append(f"{span.name} overlaps the previous field at offset {span.offset}")
        if span.end > data_len:
            problems.append(f"{span.name} runs past the data ({span.end} > {data_len})")
        last_end = max(last_end, span.end)
    return problems
