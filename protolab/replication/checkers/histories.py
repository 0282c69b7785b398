"""Histories recorded by others (and by protolab), read into one list of operations.

Four formats, told apart by their first bytes (or named with ``--format``):

    edn     Jepsen / Knossos ``history.edn``: a vector or list of op maps, or a stream of them, e.g.
            ``{:process 0, :type :invoke, :f :cas, :value [1 2]}``
    log     Jepsen's text log, one op per line: ``INFO  jepsen.util - 3  :invoke  :read  nil`` (the
            format of Porcupine's ``test_data/jepsen``); other log lines are skipped
    json    Jepsen ops as JSON objects (an array, or one object a line); ``type``/``f`` with or
            without the keyword colon
    jsonl   protolab's own ``--history`` file (``replication/history.py``): ``key`` and ``result``
            fields, completions paired with invokes by their op id

A completion pairs with the open invoke of its process, as Jepsen does (protolab's format: of its
process and op id). Ops of processes that are not integers (``:nemesis``) are not client operations
and are left out, as Knossos leaves them out. A history that cannot be read as a whole (an unmatched
completion, a second invoke of a process with one open, a completion of another ``:f``) is one
``MalformedData`` naming the line (or the op's position in an EDN collection).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from protolab.errors import MalformedData
from protolab.replication.checkers import edn

FORMATS = ("edn", "log", "json", "jsonl")
_PARSED_CACHE = 65536  # distinct value texts remembered per log
TYPES = ("invoke", "ok", "fail", "info")
NEVER = None  # the return time of an op that never completed (or completed :info)

_LOG = re.compile(r"jepsen\.util(?:\s+-|:)\s+(\S+)[ \t]+:(invoke|ok|fail|info)[ \t]+:(\S+)"
                  r"(?:[ \t]+(.*?))?[ \t]*$", re.M)


@dataclass(slots=True)
class Op:
    """One client operation: its invoke and (when there was one) its completion."""

    index: int       # position among the history's client operations, in invoke order
    where: str       # where its invoke is in the file ("line 12", "op 5")
    process: object
    f: str           # without the keyword colon: read, write, cas, txn, add
    value: object    # what the invoke asked (a write's value, a cas's [old new])
    result: object   # what an ok completion returned (a read's value); None otherwise
    status: str      # ok | fail | info (info also when the completion never came)
    call: int        # position of the invoke among the history's events (real-time order)
    ret: int | None  # position of the completion; NEVER when it may still take effect


@dataclass(slots=True)
class _Event:
    where: str
    pair: object  # what pairs a completion with its invoke (the process; protolab: process and op id)
    process: object
    type: str
    f: str
    value: object


@dataclass
class History:
    ops: list[Op]
    format: str
    events: int      # client events read (invokes and completions)
    skipped: int     # events left out: non-client processes (nemesis), protolab's per-node reads
    keyed: bool = False  # the format names each op's key (protolab's): a kv history even without reads


def detect(text: str) -> str:
    """The format of a history's text (MalformedData when it is none of them)."""
    start = text.lstrip()
    if not start:
        raise MalformedData("the history is empty")
    if start.startswith(("{\"", "[]")) or (start[0] == "[" and start[1:].lstrip().startswith('{"')):
        if '"node"' in start[:4096] or '"result"' in start[:4096] or '"key"' in start[:4096]:
            return "jsonl"
        return "json"
    if _LOG.search(start[:65536]):
        return "log"
    if start[0] in "[({#;":
        return "edn"
    raise MalformedData("not a history protolab reads: expected EDN op maps, Jepsen log lines or JSON "
                        f"(it starts with {start[:30]!r})")


def read_history(text: str, fmt: str | None = None) -> History:
    fmt = fmt or detect(text)
    events, skipped = _READERS[fmt](text)
    keyed = fmt == "jsonl" and any(isinstance(ev.value, tuple) and ev.f in ("read", "write") for ev in events)
    return History(pair(events), fmt, len(events), skipped, keyed)


# ---- the readers: text -> events -----------------------------------------------------------------

def _edn_events(text: str) -> tuple[list[_Event], int]:
    top = list(edn.read_all(text))
    if len(top) == 1 and isinstance(top[0][0], tuple):  # one vector or list of op maps
        items = [(m, f"op {i}") for i, m in enumerate(top[0][0])]
    else:  # a stream of op maps, one per line (or however laid out)
        items = [(m, f"line {line}") for m, line in top]
    return _from_maps(items)


def _json_events(text: str) -> tuple[list[_Event], int]:
    return _from_maps(_json_items(text))


def _json_items(text: str) -> list[tuple[object, str]]:
    if text.lstrip().startswith("["):
        items = _json(text, 0)
        if not isinstance(items, tuple):
            raise MalformedData("line 1: a JSON history is an array of ops or one op object a line")
        return [(m, f"op {i}") for i, m in enumerate(items)]
    return [(_json(line, n), f"line {n}") for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _json(text: str, line: int):
    try:
        return _thaw(json.loads(text))
    except RecursionError:
        raise MalformedData(f"line {line or 1}: JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise MalformedData(f"line {line or exc.lineno}: not JSON ({exc.msg})") from None


def _line_of(exc: MalformedData, n: int) -> MalformedData:
    return MalformedData(f"line {n}: {str(exc).split(': ', 1)[-1]}")


def _log_events(text: str) -> tuple[list[_Event], int]:
    events, skipped = [], 0
    parsed: dict[str, object] = {}  # value text -> value: logs repeat a few texts (nil, [1 2]) thousands of times
    search = _LOG.search
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split(None, 6)  # the usual layout, "INFO jepsen.util - 3 :invoke :cas [1 2]", without the regex
        if len(parts) >= 6 and parts[1] == "jepsen.util" and parts[2] == "-" and parts[4][1:] in TYPES \
                and parts[5][:1] == ":":
            process, type_, f = parts[3], parts[4][1:], parts[5][1:]
            value = parts[6].rstrip() if len(parts) == 7 else None
        elif (m := search(line)) is not None:
            process, type_, f, value = m.groups()
        else:
            continue
        try:
            proc = int(process) if process.isdigit() else edn.read_one(process, n)
            if value is None:
                val = None
            elif value in parsed:
                val = parsed[value]
            else:
                val = edn.read_one(value, n)
                if len(parsed) < _PARSED_CACHE:
                    parsed[value] = val
        except MalformedData as exc:
            raise _line_of(exc, n) from None
        if not isinstance(proc, int) or isinstance(proc, bool):
            skipped += 1
            continue
        events.append(_Event(f"line {n}", proc, proc, type_, f, val))
    return events, skipped


def _jsonl_events(text: str) -> tuple[list[_Event], int]:
    """protolab's history: reads carry their op id in ``value`` and what they returned in ``result``."""
    events, skipped = [], 0
    for entry, where in _json_items(text):
        if not isinstance(entry, dict):
            raise MalformedData(f"{where}: not a history entry (a JSON object)")
        type_, f, process, opid = (entry.get(k) for k in ("type", "f", "process", "value"))
        if type_ not in TYPES or not isinstance(f, str) or process is None:
            raise MalformedData(f"{where}: an entry needs type (one of {', '.join(TYPES)}), f and process")
        key, result = entry.get("key"), entry.get("result")
        if f == "read-local":  # a node's own state, not an operation on the shared data
            skipped += 1
            continue
        if f == "read-all":  # every write id a node holds: a read of the whole set, when writes are adds
            f, value = "read-all", result
        elif f == "read":
            value = (key, result)
        elif key is not None:
            value = (key, opid)
        else:
            value = opid
        events.append(_Event(where, (process, opid), process, type_, f, value))
    if any(ev.f == "add" for ev in events):  # a set of adds: its final reads read the set
        for ev in events:
            if ev.f == "read-all":
                ev.f = "read"
    else:  # registers by key: a node's whole content is no register's value
        kept = [ev for ev in events if ev.f != "read-all"]
        skipped += len(events) - len(kept)
        events = kept
    return events, skipped


def _from_maps(items) -> tuple[list[_Event], int]:
    events, skipped = [], 0
    for m, where in items:
        if not isinstance(m, dict):
            raise MalformedData(f"{where}: not an op map (got {type(m).__name__})")
        get = {str(k).lstrip(":"): v for k, v in m.items()}.get
        type_, f, process = _name(get("type")), _name(get("f")), get("process")
        if type_ not in TYPES:
            raise MalformedData(f"{where}: :type must be one of :{', :'.join(TYPES)} (got {get('type')!r})")
        if not f:
            raise MalformedData(f"{where}: an op needs :f")
        if not isinstance(process, int) or isinstance(process, bool):
            if process is None:
                raise MalformedData(f"{where}: an op needs :process")
            skipped += 1  # :nemesis and other non-client processes
            continue
        events.append(_Event(where, process, process, type_, f, get("value")))
    return events, skipped


def _name(value) -> str | None:
    return value.lstrip(":") if isinstance(value, str) else None


def _thaw(value):
    """JSON arrays as tuples (hashable, as EDN vectors are), everywhere in a value."""
    if isinstance(value, list):
        return tuple(_thaw(v) for v in value)
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    return value


_READERS = {"edn": _edn_events, "log": _log_events, "json": _json_events, "jsonl": _jsonl_events}


# ---- pairing: events -> operations ---------------------------------------------------------------

def pair(events: list[_Event]) -> list[Op]:
    """Each completion with the open invoke of its process; invokes never completed stay :info."""
    open_: dict[object, tuple[int, int, _Event]] = {}  # pair -> (op index, event position, invoke)
    slots: list[Op | None] = []
    for pos, ev in enumerate(events):
        if ev.type == "invoke":
            if ev.pair in open_:
                raise MalformedData(f"{ev.where}: process {_show(ev.process)} invokes :{ev.f} while its :"
                                    f"{open_[ev.pair][2].f} at {open_[ev.pair][2].where} has not completed")
            open_[ev.pair] = (len(slots), pos, ev)
            slots.append(None)
            continue
        if ev.pair not in open_:
            raise MalformedData(f"{ev.where}: :{ev.type} completion of process {_show(ev.process)} with no open "
                                "invoke")
        index, call, inv = open_.pop(ev.pair)
        if ev.f != inv.f:
            raise MalformedData(f"{ev.where}: :{ev.type} :{ev.f} completes the :{inv.f} invoked at {inv.where}")
        done = ev.type == "ok"
        slots[index] = Op(index, inv.where, inv.process, inv.f, inv.value, ev.value if done else None, ev.type,
                          call, pos if ev.type != "info" else NEVER)
    for index, call, inv in open_.values():
        slots[index] = Op(index, inv.where, inv.process, inv.f, inv.value, None, "info", call, NEVER)
    return slots  # type: ignore[return-value]


def _show(process) -> str:
    return process if isinstance(process, str) else repr(process)
