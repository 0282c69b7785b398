"""The operation history, recorded Jepsen-style: every operation is an ``invoke`` followed by
``ok`` (it happened), ``fail`` (it definitely did not happen) or ``info`` (unknown: it may have).

Each entry is a tuple ``(time, process, type, f, key, value, node, error, result)``; the index of
an entry is its position. ``f`` is ``write`` (or ``add``, multi-primary), ``read`` (the register at
``key``: the id of the last write to it, None when never written) or ``read-all`` (every write id a
node holds: the final reads). ``value`` is the operation's id, unique per operation (for a write it
is also the value written); completions repeat it, so a completion pairs with its invoke by value
even when one client has several operations in flight. ``result`` is what an ok read returned.
Everything the result table reports about writes is computed from this list.
With ``keep=False`` only the counts are kept (the benchmark's constant-memory mode).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

INVOKE, OK, FAIL, INFO = "invoke", "ok", "fail", "info"
FIELDS = ("time", "process", "type", "f", "key", "value", "node", "error", "result")
WRITE_FS = frozenset({"write", "add"})
READ, READ_ALL = "read", "read-all"


class History:
    __slots__ = ("keep", "ops", "counts", "add")

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.ops: list[tuple] = []
        self.counts = {INVOKE: 0, OK: 0, FAIL: 0, INFO: 0}
        self.add = self._make_add()

    def _make_add(self):
        """``add(time, process, type, f, key, value, node, error=None, result=None)``, a closure (hot path)."""
        counts, append, keep = self.counts, self.ops.append, self.keep

        def add(time: float, process: str, type_: str, f: str, key: int, value: int, node: str,
                error: str | None = None, result=None) -> None:
            counts[type_] += 1
            if keep:
                append((time, process, type_, f, key, value, node, error, result))

        return add

    def pairs(self) -> Iterator[tuple[tuple, tuple | None]]:
        """(invoke, completion or None) for every operation, in invoke order."""
        done = {op[5]: op for op in self.ops if op[2] != INVOKE}
        for op in self.ops:
            if op[2] == INVOKE:
                yield op, done.get(op[5])

    def write_jsonl(self, out: IO[str]) -> None:
        for index, op in enumerate(self.ops):
            entry = {"index": index}
            for name, value in zip(FIELDS, op, strict=True):
                if name == "time":
                    value = round(value, 6)
                if value is not None:
                    entry[name] = list(value) if isinstance(value, (tuple, frozenset)) else value
            out.write(json.dumps(entry, separators=(",", ":")) + "\n")


def read_jsonl(lines) -> list[tuple]:
    """Read a history written by ``write_jsonl`` back into entry tuples."""
    ops = []
    for line in lines:
        if line.strip():
            d = json.loads(line)
            result = d.get("result")
            ops.append(tuple(d.get(name) for name in FIELDS[:-1]) + (tuple(result) if isinstance(result, list)
                                                                    else result,))
    return ops
