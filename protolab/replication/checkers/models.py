"""The data types a history can be checked against: what each operation does to the state.

A model turns each operation into a *payload* (``prepare``) and says what a payload does to a state
(``step``: the new state, or ``NO`` when the op cannot take effect there, e.g. a read of 3 from a
register holding 2). States are hashable, so the search can remember (ops linearized, state) pairs.

How an op's outcome counts, as Knossos counts it: ``:ok`` took effect once, within its invoke and
completion; ``:fail`` did not happen and is left out; ``:info`` (or no completion) may have taken effect
at any instant after its invoke, or never: such an op is *optional* in the search, and a read among them,
whose value nobody saw, constrains nothing and is left out. A read that returned ``nil`` read an empty
register (the initial value is ``nil`` unless ``--initial`` says otherwise).

    register      read, write
    cas-register  read, write, cas [old new]
    kv            read/write/cas on keys, as Jepsen's independent checker writes them ([key value]),
                  and :txn of [f key value] micro-ops; checked per key (an op's keys partition the
                  history: P-compositionality), a txn keeping its keys together
    set           add x, read #{...} (the whole set)
    counter       add n, read n
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from protolab.errors import BadInput, MalformedData
from protolab.replication.checkers.histories import Op

NO = object()  # the step's answer when an op cannot take effect in a state
READ, WRITE, CAS = "r", "w", "c"


@dataclass(frozen=True)
class Model:
    name: str
    fs: tuple[str, ...]  # the :f values it takes
    help: str
    prepare: Callable[[Op], tuple[tuple, object] | None]  # -> (keys, payload), None: the op is left out
    step: Callable[[object, object], object]  # (state, payload) -> state | NO
    initial: Callable[[object], object]  # the --initial value (None: not given) -> the initial state
    keyed: bool = False  # payloads name keys; check.py partitions the history by them


def show(value) -> str:
    """A value as EDN writes it (what Jepsen users read)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + " ".join(show(v) for v in value) + "]"
    if isinstance(value, frozenset):
        return "#{" + " ".join(sorted(show(v) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{show(k)} {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str) and not value.startswith(":"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def _bad(op: Op, what: str) -> MalformedData:
    return MalformedData(f"op {op.index} ({op.where}): {what}")


def _hashable(op: Op, value):
    try:
        hash(value)
    except TypeError:
        raise _bad(op, f"a value the model cannot hold ({show(value)})") from None
    return value


# ---- registers -------------------------------------------------------------------------------------

def _register_payload(op: Op, value, result, cas: bool):
    """(kind, a, b) for one register op, or None when it constrains nothing; value/result without key."""
    if op.status == "fail":
        return None
    if op.f == "read":
        return (READ, _hashable(op, result), None) if op.status == "ok" else None
    if op.f == "write":
        return WRITE, _hashable(op, value), None
    if not cas:
        raise _bad(op, f":{op.f} is not an operation of a plain register (read, write)")
    if not (isinstance(value, tuple) and len(value) == 2):
        raise _bad(op, f":cas takes [old new], got {show(value)}")
    return CAS, _hashable(op, value[0]), _hashable(op, value[1])


def register_step(state, p):
    kind, a, b = p
    if kind is WRITE:
        return a
    if state != a:
        return NO
    return state if kind is READ else b


def _prepare_register(cas: bool):
    def prepare(op: Op):
        if op.f not in ("read", "write", "cas"):
            raise _bad(op, f":{op.f} is not an operation of a register (read, write{', cas' if cas else ''})")
        payload = _register_payload(op, op.value, op.result, cas)
        return None if payload is None else ((), payload)

    return prepare


def _any_initial(value):
    return value


# ---- kv: registers by key --------------------------------------------------------------------------

def _keyed(op: Op, value) -> tuple:
    if not (isinstance(value, tuple) and len(value) == 2):
        raise _bad(op, f"a kv op's value is [key value], got {show(value)}")
    return value


def _prepare_kv(op: Op):
    if op.f == "txn":
        return _prepare_txn(op)
    if op.f not in ("read", "write", "cas"):
        raise _bad(op, f":{op.f} is not an operation of the kv model (read, write, cas, txn)")
    key, value = _keyed(op, op.value)
    result = _keyed(op, op.result)[1] if op.f == "read" and op.status == "ok" else None
    payload = _register_payload(op, value, result, cas=True)
    return None if payload is None else ((_hashable(op, key),), ((key, *payload),))


def _prepare_txn(op: Op):
    """A transaction's micro-ops [f key value]: an ok txn as completed (reads with what they read), an
    unknown one as invoked, its reads left out (nobody saw them)."""
    if op.status == "fail":
        return None
    micro = op.result if op.status == "ok" else op.value
    if not isinstance(micro, tuple) or not micro:
        raise _bad(op, f":txn takes a vector of [f key value] micro-ops, got {show(micro)}")
    out = []
    for m in micro:
        if not (isinstance(m, tuple) and len(m) == 3 and m[0] in (":read", ":write", "read", "write")):
            raise _bad(op, f"a :txn micro-op is [:read key value] or [:write key value], got {show(m)}")
        f, key, value = m
        if f.lstrip(":") == "read":
            if op.status == "ok":
                out.append((_hashable(op, key), READ, _hashable(op, value), None))
        else:
            out.append((_hashable(op, key), WRITE, _hashable(op, value), None))
    if not out:
        return None
    return tuple(dict.fromkeys(k for k, *_ in out)), tuple(out)


def useless_optional(payloads: list, optional: list[bool]) -> set[int]:
    """The optional register ops (writes, cas) that can never help: the value they leave is one no read
    and no cas expects, so after them only a write could let any op take effect again, and leaving them
    out (never taking effect) is as good. Repeated until nothing more goes (a cas left out expects
    nothing)."""
    out: set[int] = set()
    if not any(optional):
        return out
    while True:
        wanted = {p[1] for i, p in enumerate(payloads) if p[0] is not WRITE and i not in out}
        more = {i for i, p in enumerate(payloads) if optional[i] and i not in out
                and (p[2] if p[0] is CAS else p[1]) not in wanted and p[0] is not READ}
        more |= {i for i, p in enumerate(payloads) if optional[i] and p[0] is CAS and p[1] == p[2]}
        if not more - out:
            return out
        out |= more


def partition_model(model: Model, keys: tuple, payloads: list, initial) -> tuple[Callable, list, object]:
    """(step, payloads, initial state) for one partition. A kv partition of one key whose ops are plain
    reads, writes and cas is a register (the common case, and the fast one); one with transactions is a
    tuple of values in ``keys`` order."""
    start = model.initial(initial)
    if model.step is _set_step:
        return _set_step, _keyed_set_payloads(payloads), start
    if not model.keyed:
        return model.step, payloads, start
    if len(keys) == 1 and all(len(p) == 1 for p in payloads):
        return register_step, [p[0][1:] for p in payloads], start
    slots = {k: i for i, k in enumerate(keys)}
    return _multi_step, [tuple((slots[k], kind, a, b) for k, kind, a, b in p) for p in payloads], \
        (start,) * len(keys)


def _multi_step(state, micro):
    for slot, kind, a, b in micro:
        if kind is WRITE:
            state = (*state[:slot], a, *state[slot + 1:])
        elif state[slot] != a:
            return NO
        elif kind is CAS:
            state = (*state[:slot], b, *state[slot + 1:])
    return state


# ---- set and counter ------------------------------------------------------------------------------

def _prepare_set(op: Op):
    """add x; a read invoked with nil reads the whole set, one invoked with [key nil] (protolab's
    multi-primary reads) the elements added as [key x]."""
    if op.f not in ("add", "read"):
        raise _bad(op, f":{op.f} is not an operation of a set (add, read)")
    if op.status == "fail" or (op.f == "read" and op.status != "ok"):
        return None
    if op.f == "add":
        return (), ("a", _hashable(op, op.value))
    if isinstance(op.value, tuple) and len(op.value) == 2:
        key, items = _keyed(op, op.result)
        return (), ("k", key, _elements(op, items))
    return (), ("r", _elements(op, op.result))


def _elements(op: Op, items) -> frozenset:
    if not isinstance(items, (tuple, frozenset)):
        raise _bad(op, f"a set read returns the whole set, got {show(items)}")
    return frozenset(_hashable(op, v) for v in items)


def _set_step(state, p):
    kind = p[0]
    if kind == "a":
        return state | {p[1]}
    if kind == "r":
        return state if state == p[1] else NO
    if kind == "R":  # the whole set of a history whose adds are [key x]: the x's
        return state if {e[1] for e in state} == p[1] else NO
    return state if {e[1] for e in state if e[0] == p[1]} == p[2] else NO


def _keyed_set_payloads(payloads: list) -> list:
    """When some read names a key, adds are [key x] and a whole-set read reads the x's."""
    if not any(p[0] == "k" for p in payloads):
        return payloads
    for p in payloads:
        if p[0] == "a" and not (isinstance(p[1], tuple) and len(p[1]) == 2):
            raise MalformedData(f"a set read names a key, but an add is not [key element] ({show(p[1])})")
    return [("R", p[1]) if p[0] == "r" else p for p in payloads]


def _set_initial(value):
    if value is None:
        return frozenset()
    if not isinstance(value, (tuple, frozenset)):
        raise BadInput(f"--initial: a set starts as a collection such as #{{}} or [1 2], got {show(value)}")
    return frozenset(value)


def _prepare_counter(op: Op):
    if op.f not in ("add", "read"):
        raise _bad(op, f":{op.f} is not an operation of a counter (add, read)")
    if op.status == "fail" or (op.f == "read" and op.status != "ok"):
        return None
    n = op.value if op.f == "add" else op.result
    if not isinstance(n, int) or isinstance(n, bool):
        raise _bad(op, f"a counter {'adds' if op.f == 'add' else 'reads'} a whole number, got {show(n)}")
    return (), (op.f[0], n)


def _counter_step(state, p):
    if p[0] == "a":
        return state + p[1]
    return state if state == p[1] else NO


def _counter_initial(value):
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadInput(f"--initial: a counter starts at a whole number, got {show(value)}")
    return value


MODELS: dict[str, Model] = {m.name: m for m in (
    Model("register", ("read", "write"), "a read/write register", _prepare_register(False), register_step,
          _any_initial),
    Model("cas-register", ("read", "write", "cas"), "a register with compare-and-set",
          _prepare_register(True), register_step, _any_initial),
    Model("kv", ("read", "write", "cas", "txn"), "registers by key ([key value] ops, :txn micro-ops)",
          _prepare_kv, register_step, _any_initial, keyed=True),
    Model("set", ("add", "read"), "a set: add elements, read the whole set", _prepare_set, _set_step,
          _set_initial),
    Model("counter", ("add", "read"), "a counter: add amounts, read the total", _prepare_counter,
          _counter_step, _counter_initial),
)}


# ---- which model a history is written for ----------------------------------------------------------

def infer(ops: list[Op], keyed: bool = False) -> Model:
    """The model the history's operations belong to (``keyed``: the format names keys); MalformedData
    for an unknown :f or a mix."""
    known = {f for m in MODELS.values() for f in m.fs}
    first: dict[str, Op] = {}
    for op in ops:
        if op.f not in known:
            raise _bad(op, f"unknown :f :{op.f} (the models take :{', :'.join(sorted(known))})")
        first.setdefault(op.f, op)
    fs = set(first)
    if "add" in fs and fs & {"write", "cas", "txn"}:
        other = first[min(fs & {"write", "cas", "txn"})]
        raise MalformedData(f"mixed models: op {first['add'].index} ({first['add'].where}) is an :add of a set or "
                            f"counter, op {other.index} ({other.where}) a :{other.f} of a register")
    if "add" in fs:
        reads = [op.result for op in ops if op.f == "read" and op.status == "ok"]
        counted = reads and all(isinstance(r, int) and not isinstance(r, bool) for r in reads)
        return MODELS["counter" if counted else "set"]
    if "txn" in fs or keyed or _all_keyed(ops):
        return MODELS["kv"]
    return MODELS["cas-register" if "cas" in fs else "register"]


def _all_keyed(ops: list[Op]) -> bool:
    """Every read/write/cas names a key, as Jepsen's independent ops do: [key value], a cas [key [old new]]."""
    def keyed(op: Op) -> bool:
        v = op.value
        if not (isinstance(v, tuple) and len(v) == 2):
            return False
        if op.f == "cas":
            return isinstance(v[1], tuple) and len(v[1]) == 2
        if op.f == "read" and op.status == "ok":
            return isinstance(op.result, tuple) and len(op.result) == 2 and op.result[0] == v[0]
        return True

    register_ops = [op for op in ops if op.f in ("read", "write", "cas")]
    return bool(register_ops) and all(keyed(op) for op in register_ops) and any(op.f != "write"
                                                                                  for op in register_ops)
