"""The linearizability search of `protolab check`: against an exhaustive enumeration on small random
histories, on generated histories with known verdicts (valid by construction, invalid by a corrupted
read), per model, and its limits (a deadline and a memo budget give `unknown`, never a guess)."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from protolab.replication.checkers.history_check import check_history
from protolab.replication.checkers.models import MODELS, NO
from protolab.replication.checkers.search import linearize
from protolab.replication.checkers.synthetic import corrupt, register_history, to_edn, to_json, to_log


def brute_force(ops, model: str, initial=None) -> bool:
    """Exhaustive: is there a subset of the optional ops and an order of the chosen ops, respecting real
    time (a before b when a returned before b was invoked), that the model accepts?"""
    m = MODELS[model]
    prepared = [(op, got[1]) for op in ops if (got := m.prepare(op)) is not None]
    required = [x for x in prepared if x[0].ret is not None]
    optional = [x for x in prepared if x[0].ret is None]
    for k in range(len(optional) + 1):
        for extra in itertools.combinations(optional, k):
            chosen = required + list(extra)
            for order in itertools.permutations(chosen):
                if not all(not (b[0].ret is not None and b[0].ret < a[0].call)
                           for i, a in enumerate(order) for b in order[i + 1:]):
                    continue
                state = m.initial(initial)
                for _op, payload in order:
                    state = m.step(state, payload)
                    if state is NO:
                        break
                else:
                    return True
    return False


def random_events(rng: random.Random, n: int, fs: tuple[str, ...], values: int = 3) -> list[dict]:
    """n ops by 3 processes with random overlaps and random outcomes (most ok, some fail, some info)."""
    events, open_ = [], {}
    while len(events) < 2 * n or open_:
        p = rng.randrange(3)
        if p in open_:
            f, value = open_.pop(p)
            kind = rng.choices(["ok", "fail", "info"], [8, 1, 1])[0]
            if f == "read" and kind == "ok":
                value = rng.choice([None, *range(values)])
            events.append({"process": p, "type": kind, "f": f, "value": value})
        elif len(events) < 2 * n:
            f = rng.choice(fs)
            value = {"read": None, "write": rng.randrange(values),
                     "cas": (rng.randrange(values), rng.randrange(values))}[f]
            open_[p] = (f, value)
            events.append({"process": p, "type": "invoke", "f": f, "value": value})
    return events


@pytest.mark.parametrize("model", ["register", "cas-register"])
def test_the_search_agrees_with_exhaustive_enumeration_on_random_small_histories(model):
    from protolab.replication.checkers.histories import read_history

    rng = random.Random(7)
    fs = ("read", "write") if model == "register" else ("read", "write", "cas")
    verdicts = []
    for _ in range(300):
        events = random_events(rng, rng.randint(2, 6), fs)
        history = read_history(to_edn([dict(e, time=0) for e in events]))
        expected = brute_force(history.ops, model)
        got = check_history(to_edn([dict(e, time=0) for e in events]), model=model).verdict
        assert got == ("valid" if expected else "invalid"), to_edn(events)
        verdicts.append(expected)
    assert 30 < sum(verdicts) < 270  # both verdicts well represented: the comparison can fail either way


@pytest.mark.parametrize(("ops", "keys", "model"), [(3000, 1, "cas-register"), (4000, 10, "kv"),
                                                    (1500, 1, "register")])
def test_generated_histories_are_valid_and_a_corrupted_read_makes_them_invalid(ops, keys, model):
    events = register_history(ops, processes=5, keys=keys, seed=3, cas=model != "register", crash=0.0)
    result = check_history(to_edn(events))
    assert (result.verdict, result.model, result.ops) == ("valid", model, ops)
    assert result.partitions == keys
    bad, at = corrupt(events, seed=4)
    result = check_history(to_edn(bad))
    assert result.verdict == "invalid"
    failure = result.failure
    assert failure.blocked is not None and failure.blocked.f == "read"
    got = failure.blocked.result[1] if keys > 1 else failure.blocked.result
    assert got == 999_999  # the corrupted read is the op that cannot be placed
    assert failure.prefix_length > 0 and failure.states
    assert failure.keys == ([] if keys == 1 else [bad[at]["value"][0]])


def test_crashed_ops_may_take_effect_or_not_in_a_generated_history():
    events = register_history(2000, processes=5, seed=9, crash=0.05)
    assert sum(e["type"] == "info" for e in events) > 50
    result = check_history(to_log(events))
    assert result.verdict == "valid" and result.optional > 20


def test_every_format_of_one_history_gives_the_same_verdict():
    events = register_history(500, seed=5, crash=0.02)
    bad, _at = corrupt(events, seed=1)
    for writer in (to_edn, to_log, to_json):
        assert check_history(writer(events)).verdict == "valid"
        assert check_history(writer(bad)).verdict == "invalid"


def _ops_text(lines: list[str]) -> str:
    return "[" + "\n".join(lines) + "]"


def test_set_and_counter_models():
    ok_set = _ops_text(["{:process 0 :type :invoke :f :add :value 1}", "{:process 1 :type :invoke :f :read}",
                        "{:process 0 :type :ok :f :add :value 1}", "{:process 1 :type :ok :f :read :value #{1}}",
                        "{:process 0 :type :invoke :f :add :value 2}", "{:process 0 :type :ok :f :add :value 2}",
                        "{:process 1 :type :invoke :f :read}", "{:process 1 :type :ok :f :read :value #{1 2}}"])
    assert check_history(ok_set).verdict == "valid" and check_history(ok_set).model == "set"
    lost = ok_set.replace("#{1 2}", "#{2}")  # 1 was read, then it is gone: no order explains that
    assert check_history(lost).verdict == "invalid"
    counter = _ops_text(["{:process 0 :type :invoke :f :add :value 3}", "{:process 1 :type :invoke :f :read}",
                         "{:process 1 :type :ok :f :read :value 3}", "{:process 0 :type :ok :f :add :value 3}",
                         "{:process 0 :type :invoke :f :add :value 2}", "{:process 0 :type :info :f :add}",
                         "{:process 1 :type :invoke :f :read}", "{:process 1 :type :ok :f :read :value 5}"])
    result = check_history(counter)
    assert (result.model, result.verdict) == ("counter", "valid")  # the :info add took effect
    assert check_history(counter.replace(":value 5}", ":value 4}")).verdict == "invalid"
    assert check_history(counter, initial=1).verdict == "invalid"  # from 1 the first read of 3 is wrong


def test_txn_keeps_its_keys_in_one_partition_and_the_initial_value_counts():
    history = _ops_text([
        "{:process 0 :type :invoke :f :txn :value [[:write :x 1] [:write :y 1]]}",
        "{:process 0 :type :ok :f :txn :value [[:write :x 1] [:write :y 1]]}",
        "{:process 1 :type :invoke :f :txn :value [[:read :x nil] [:read :y nil]]}",
        "{:process 1 :type :ok :f :txn :value [[:read :x 1] [:read :y 0]]}",
    ])
    result = check_history(history)
    assert (result.model, result.partitions, result.verdict) == ("kv", 1, "invalid")  # a torn read
    assert check_history(history.replace("[:read :y 0]", "[:read :y 1]")).verdict == "valid"
    reads_zero = history.replace("[:read :x 1] [:read :y 0]", "[:read :x 0] [:read :y 0]")
    assert check_history(reads_zero).verdict == "invalid"  # written before: 0 is stale


def test_a_deadline_or_a_memo_budget_gives_unknown_with_why():
    events = register_history(3000, processes=8, seed=2, crash=0.1, overlap=6.0)
    bad, _at = corrupt(events, seed=3)
    started = time.monotonic()
    result = check_history(to_log(bad), time_limit=0.3)
    assert result.verdict == "unknown" and "time limit" in result.why and time.monotonic() - started < 5
    result = check_history(to_log(bad), memo_bytes=64 << 10)
    assert result.verdict == "unknown" and "memo over" in result.why


def test_linearize_reports_a_valid_order_and_the_deepest_dead_end():
    # write 1 [0, 3], read 1 [1, 2]: valid only with the write first
    w, r = ("w", 1, None), ("r", 1, None)
    step = MODELS["register"].step
    out = linearize([0, 1], [3, 2], [w, r], step, None)
    assert out.status == "valid" and out.order == [0, 1]
    out = linearize([0, 4], [3, 5], [("r", 1, None), w], step, None)  # the read returns before the write starts
    assert out.status == "invalid" and out.blocked == 0 and out.order == [] and out.states == [None]


def _edn(*ops: str) -> str:
    return "[" + "\n ".join("{" + op + "}" for op in ops) + "]"


@pytest.mark.parametrize(("history", "verdict"), [
    # a failed write did not happen: reading its value is impossible
    (_edn(":process 0 :type :invoke :f :read", ":process 1 :type :invoke :f :write :value 3",
          ":process 1 :type :fail :f :write :value 3 :error [:unavailable nil]",
          ":process 0 :type :ok :f :read :value 3"), "invalid"),
    # a crashed (:info) write may have happened, even long after the crash
    (_edn(":process 1 :type :invoke :f :write :value 3", ":process 1 :type :info :f :write :value 3",
          ":process 0 :type :invoke :f :read", ":process 0 :type :ok :f :read :value nil",
          ":process 0 :type :invoke :f :read", ":process 0 :type :ok :f :read :value 3"), "valid"),
    # ... but once it has been seen it cannot be unseen
    (_edn(":process 1 :type :invoke :f :write :value 3", ":process 1 :type :info :f :write :value 3",
          ":process 0 :type :invoke :f :read", ":process 0 :type :ok :f :read :value 3",
          ":process 0 :type :invoke :f :read", ":process 0 :type :ok :f :read :value nil"), "invalid"),
    # a read concurrent with a write may see either value; one after it only the new one
    (_edn(":process 0 :type :invoke :f :write :value 1", ":process 0 :type :ok :f :write :value 1",
          ":process 1 :type :invoke :f :write :value 2", ":process 2 :type :invoke :f :read",
          ":process 2 :type :ok :f :read :value 1", ":process 1 :type :ok :f :write :value 2"), "valid"),
    (_edn(":process 0 :type :invoke :f :write :value 1", ":process 0 :type :ok :f :write :value 1",
          ":process 1 :type :invoke :f :write :value 2", ":process 1 :type :ok :f :write :value 2",
          ":process 2 :type :invoke :f :read", ":process 2 :type :ok :f :read :value 1"), "invalid"),
    # an ok cas needs the old value; a failed one is left out
    (_edn(":process 0 :type :invoke :f :write :value 1", ":process 0 :type :ok :f :write :value 1",
          ":process 1 :type :invoke :f :cas :value [2 3]", ":process 1 :type :ok :f :cas :value [2 3]"), "invalid"),
    (_edn(":process 0 :type :invoke :f :write :value 1", ":process 0 :type :ok :f :write :value 1",
          ":process 1 :type :invoke :f :cas :value [1 3]", ":process 1 :type :fail :f :cas :value [1 3]",
          ":process 1 :type :invoke :f :read", ":process 1 :type :ok :f :read :value 1"), "valid"),
    # two crashed cas ops chain: nil -> 1 (a write) -> 2 -> 3, seen at the end
    (_edn(":process 0 :type :invoke :f :write :value 1", ":process 1 :type :invoke :f :cas :value [2 3]",
          ":process 2 :type :invoke :f :cas :value [1 2]", ":process 0 :type :ok :f :write :value 1",
          ":process 1 :type :info :f :cas :value :timed-out", ":process 2 :type :info :f :cas :value :timed-out",
          ":process :nemesis :type :info :f :start", ":process 3 :type :invoke :f :read",
          ":process 3 :type :ok :f :read :value 3"), "valid"),
])
def test_hand_made_edn_histories_get_the_verdict_knossos_gives(history, verdict):
    assert check_history(history, model="cas-register").verdict == verdict
