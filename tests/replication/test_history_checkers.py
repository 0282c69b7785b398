"""Each history checker, on histories built by hand to pass and to violate it."""

from __future__ import annotations

from protolab.replication.checkers import Record, run_checkers
from protolab.replication.checkers.convergence import check_convergence
from protolab.replication.checkers.durability import check_durability
from protolab.replication.checkers.leaders import check_leaders
from protolab.replication.checkers.linearizable import INF, check_linearizable, linearize


def op(t, proc, type_, f, key, value, node="n1", error=None, result=None):
    return (t, proc, type_, f, key, value, node, error, result)


def write(t0, t1, value, key=0, outcome="ok", proc="c1"):
    return [op(t0, proc, "invoke", "write", key, value), op(t1, proc, outcome, "write", key, value)]


def read(t0, t1, opid, result, key=0, proc="c2"):
    return [op(t0, proc, "invoke", "read", key, opid), op(t1, proc, "ok", "read", key, opid, result=result)]


def read_all(t, opid, items, f="read-all", node="n1"):
    return [op(t, "c1", "invoke", f, None, opid, node), op(t + 0.01, "c1", "ok", f, None, opid, node,
                                                            result=tuple(items))]


# --- durability ------------------------------------------------------------------------------------
def test_durability_fails_when_an_acknowledged_write_is_missing_from_the_final_read():
    ops = write(0, 1, 1) + write(1, 2, 2) + write(2, 3, 3, outcome="info") + read_all(10, 100, [1])
    v = check_durability(Record(ops))
    assert v.status == "fail" and "1 of 2 acknowledged writes missing" in v.detail and "ids 2" in v.detail
    ok = write(0, 1, 1) + write(1, 2, 2) + write(2, 3, 3, outcome="info") + read_all(10, 100, [1, 2])
    assert check_durability(Record(ok)).status == "pass"  # an unknown write may be lost


def test_durability_fails_on_a_failed_write_that_shows_up_and_is_unknown_without_final_read():
    assert check_durability(Record(write(0, 1, 7, outcome="fail") + read_all(5, 9, [7]))).status == "fail"
    assert check_durability(Record(write(0, 1, 1))).status == "unknown"


# --- one leader per term -----------------------------------------------------------------------------
def test_leaders_fails_on_two_leaders_in_one_term_and_on_two_sentinels_elected_in_one_epoch():
    roles = [(0, "n1", "leader", 1), (5, "n2", "leader", 2), (6, "n3", "leader", 2)]
    v = check_leaders(Record([], roles=roles))
    assert v.status == "fail" and "term 2: n2, n3" in v.detail
    events = [(3, "s1", "+elected-leader", "epoch 1"), (3.1, "s2", "+elected-leader", "epoch 1")]
    assert check_leaders(Record([], events=events)).status == "fail"
    fine = [(0, "n1", "leader", 1), (5, "n2", "leader", 2), (9, "n1", "follower", 2)]
    assert check_leaders(Record([], roles=fine)).status == "pass"


# --- convergence ---------------------------------------------------------------------------------------
def test_convergence_fails_when_nodes_end_with_different_data():
    ops = read_all(30, 1, [1, 2, 3], "read-local", "n1") + read_all(30, 2, [1, 2], "read-local", "n2")
    v = check_convergence(Record(ops))
    assert v.status == "fail" and "n2 lacks 1 of 3" in v.detail
    same = read_all(30, 1, [1, 2], "read-local", "n1") + read_all(30, 2, [1, 2], "read-local", "n2")
    assert check_convergence(Record(same)).status == "pass"


# --- linearizability -------------------------------------------------------------------------------------
def test_linearize_textbook_cases():
    # w(1) then r -> 1 later: fine; a read after the write completed must not see the old value
    assert linearize([(0, 1, "w", 1), (2, 3, "r", 1)])[0] is True
    assert linearize([(0, 1, "w", 1), (2, 3, "r", None)])[0] is False
    # concurrent write and reads: one read sees new, a later read sees old -> not linearizable
    assert linearize([(0, 10, "w", 1), (1, 2, "r", 1), (3, 4, "r", None)])[0] is False
    assert linearize([(0, 10, "w", 1), (1, 2, "r", None), (3, 4, "r", 1)])[0] is True
    # an unknown write (never answered) may take effect late, after a read of the old value
    assert linearize([(0, 1, "w", 1), (2, INF, "w", 2), (3, 4, "r", 1), (5, 6, "r", 2)])[0] is True
    # ...but not go back: once 2 was read, reading 1 again needs a new write of 1
    assert linearize([(0, 1, "w", 1), (2, INF, "w", 2), (3, 4, "r", 2), (5, 6, "r", 1)])[0] is False


def test_linearizable_checker_catches_a_stale_read_after_failover_and_passes_a_clean_history():
    # c1 writes 1 then 2 (both acknowledged); after that a read returns 1: a lost update, as async failover makes
    bad = write(0, 1, 1) + write(2, 3, 2) + read(4, 5, 90, 1)
    v = check_linearizable(Record(bad))
    assert v.status == "fail" and "key 0" in v.detail and v.evidence
    good = write(0, 1, 1) + read(0.5, 1.5, 91, 1) + write(2, 3, 2) + read(2.5, 2.6, 92, 1) + read(4, 5, 93, 2)
    assert check_linearizable(Record(good)).status == "pass"
    # keys are independent registers: key 1 being fine does not hide key 0's violation
    assert check_linearizable(Record(bad + write(0, 1, 5, key=1) + read(2, 3, 94, 5, key=1))).status == "fail"


def test_linearizable_is_not_applicable_to_set_reads_and_unknown_without_reads():
    sets = write(0, 1, 1) + [op(2, "c2", "invoke", "read", 0, 9), op(3, "c2", "ok", "read", 0, 9, result=(1,))]
    assert check_linearizable(Record(sets)).status == "n/a"
    assert check_linearizable(Record(write(0, 1, 1))).status == "unknown"


def test_linearize_budget_gives_unknown_not_a_hang():
    # 30 concurrent writes and a read of a value nobody wrote: proving "no" means trying every order
    ops = [(0, 50, "w", i) for i in range(30)] + [(0, 50, "r", 999)]
    assert linearize(ops, budget=2000)[0] is None


def test_verdicts_are_held_to_the_promises_of_the_mode():
    bad = write(0, 1, 1) + write(2, 3, 2) + read(4, 5, 90, 1)
    verdicts = {v.name: v for v in run_checkers(Record(bad, promises=frozenset({"linearizable"})))}
    assert verdicts["linearizable"].violated and not verdicts["durability"].violated
    unpromised = {v.name: v for v in run_checkers(Record(bad))}
    assert unpromised["linearizable"].status == "fail" and not unpromised["linearizable"].violated
