"""A seeded discrete-event kernel: one heap, a simulated clock, no threads, no wall clock.

Theory of operation
-------------------
Every future happening is a tuple ``(time, seq, fn, arg, link)`` on one binary heap (``link`` is
what a message travels on, pushed by a lab's network, None for timers: a fault can then find the messages
in flight on a link). ``run`` pops the earliest tuple, sets ``now`` to its time and calls ``fn(arg)``;
the callback may schedule more tuples. ``seq`` is a strictly increasing counter, so two events at the
same instant run in the order they were scheduled: with the same seed and the same inputs the event trace is identical,
byte for byte. There are no event objects and no per-event bookkeeping beyond the tuple; the only
random source is ``kernel.rng`` (``random.Random(seed)``), shared by everything that needs chance.
Not even a counter: ``events`` (callbacks run) is worked out after each ``run`` from the heap's
length and ``seq`` (every push takes a number from it), so whatever takes tuples off the heap
without running them (the replication network's ``purge``) must add them to ``dropped``. Nor a test of the
time per event: ``run(until)`` first pushes a marker at ``until`` whose callback raises, which
ends the loop after every event due by then (events scheduled at exactly ``until`` after the
marker run right after it, in order), so the loop body is pop, set the clock, call.
"""

from __future__ import annotations

import random
from heapq import heapify, heappop, heappush
from itertools import count


class Kernel:
    __slots__ = ("now", "heap", "rng", "events", "dropped", "_seq")

    def __init__(self, seed: int = 0) -> None:
        self.now = 0.0
        self.heap: list[tuple] = []
        self.rng = random.Random(seed)
        self.events = 0  # callbacks run so far
        self.dropped = 0  # tuples taken off the heap without being run (see run)
        self._seq = count()

    def at(self, time: float, fn, arg=None) -> None:
        """Run ``fn(arg)`` at simulated ``time`` (never earlier than now)."""
        heappush(self.heap, (time if time > self.now else self.now, next(self._seq), fn, arg, None))

    def after(self, delay: float, fn, arg=None) -> None:
        heappush(self.heap, (self.now + delay, next(self._seq), fn, arg, None))

    def run(self, until: float) -> None:
        """Run every event due at or before ``until``; the clock ends at ``until``."""
        heap = self.heap
        pop = heappop
        seq = self._seq
        # run = queued before + pushed since - queued after - dropped since - the marker; a value
        # drawn from seq marks the pushes (its numbers only order ties, so drawing one changes nothing)
        base, first, dropped = len(heap), next(seq), self.dropped
        # A marker at ``until`` ends the loop by raising: it sorts after every event already due by
        # then, so the loop tests nothing per event (not even for an empty heap: the marker is there).
        heappush(heap, (until, next(seq), _end_of_run, None, None))
        stopped = False
        try:
            try:
                while True:
                    t, _seq, fn, arg, _link = pop(heap)
                    self.now = t
                    fn(arg)
            except _EndOfRun:
                stopped = True
            while heap and heap[0][0] <= until:  # scheduled at exactly ``until`` after the marker
                t, _seq, fn, arg, _link = pop(heap)
                self.now = t
                fn(arg)
        finally:
            if not stopped:  # a callback raised: take the marker off again
                heap[:] = [e for e in heap if e[2] is not _end_of_run]
                heapify(heap)
            pushed = next(seq) - first - 1
            self.events += base + pushed - len(heap) - (self.dropped - dropped) - 1
        if self.now < until:
            self.now = until


class _EndOfRun(Exception):
    """Raised by the marker ``Kernel.run`` puts on the heap at the end of its slice of time."""


def _end_of_run(_arg) -> None:
    raise _EndOfRun
