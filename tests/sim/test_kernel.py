"""The discrete-event kernel: events run in time order, FIFO at equal times, and never in the past."""

from __future__ import annotations

from protolab.sim.kernel import Kernel


def test_kernel_runs_in_time_order_and_fifo_at_equal_times():
    k = Kernel(1)
    seen = []
    for t, tag in [(2.0, "c"), (1.0, "a"), (1.0, "b"), (3.0, "late")]:
        k.at(t, seen.append, tag)
    k.run(2.5)
    assert seen == ["a", "b", "c"]
    assert k.now == 2.5 and k.events == 3
    k.run(10)
    assert seen[-1] == "late"


def test_kernel_never_schedules_in_the_past():
    k = Kernel(1)
    k.at(5.0, lambda _: k.at(1.0, seen.append, "x"))
    seen = []
    k.run(10)
    assert seen == ["x"]
