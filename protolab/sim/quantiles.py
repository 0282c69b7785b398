"""Constant-memory quantiles: values go into fixed buckets, so memory does not grow with samples.

Bucket keys: ``int(seconds * 1e5)`` (10 us steps) below 100 ms; above, ``10_000 + whole ms over
100 ms`` (1 ms steps): see ``add``. A hot path may instead append raw seconds to
``samples`` and call ``flush()`` every few thousand (``FLUSH_EVERY``): the batch is sorted (a C
loop) and cut into buckets by bisection, at a fraction of the per-sample Python cost, with the
same buckets as ``add``. Every reader flushes first, so pending samples are never missed.
"""

from __future__ import annotations

from bisect import bisect_left
from math import floor

FLUSH_EVERY = 4096  # a hot path that appends to ``samples`` flushes at least this often


def _fine_bucket(seconds: float) -> int:
    return floor(seconds * 100_000.0)


class Quantiles:
    __slots__ = ("_buckets", "samples")

    def __init__(self) -> None:
        self._buckets: dict[int, int] = {}
        self.samples: list[float] = []  # raw seconds not bucketed yet (see flush)

    @property
    def buckets(self) -> dict[int, int]:
        self.flush()
        return self._buckets

    @property
    def n(self) -> int:
        return sum(self.buckets.values())

    @staticmethod
    def seconds(key: int) -> float:
        return key / 100_000 if key < 10_000 else (key - 10_000 + 100) / 1000

    def add(self, seconds: float) -> None:
        b = int(seconds * 100_000)
        if b >= 10_000:
            b = 10_000 + int(seconds * 1000) - 100
        buckets = self._buckets
        buckets[b] = buckets.get(b, 0) + 1

    def flush(self) -> None:
        """Bucket the pending ``samples`` exactly as ``add`` would, one at a time: sorted, a bucket
        is a run of samples, found by bisection (the bucket key is monotonic in the value)."""
        samples = self.samples
        if not samples:
            return
        samples.sort()
        buckets = self._buckets
        i, n = 0, len(samples)
        if samples[0] < 0:  # int() truncates towards zero, floor() does not: the plain way
            i = n
            for s in samples:
                self.add(s)
        while i < n:
            b = floor(samples[i] * 100_000.0)  # == int(s * 100_000) for s >= 0
            if b >= 10_000:  # the 1 ms buckets from here on (they are few): the plain way
                for s in samples[i:]:
                    self.add(s)
                break
            j = bisect_left(samples, b + 1, i + 1, n, key=_fine_bucket)
            buckets[b] = buckets.get(b, 0) + j - i
            i = j
        samples.clear()

    def merge(self, other: Quantiles) -> None:
        for b, c in other.buckets.items():
            self._buckets[b] = self._buckets.get(b, 0) + c

    def quantile_ms(self, q: float) -> float | None:
        """The q-quantile in milliseconds (the lower edge of its bucket), None without samples."""
        n = self.n
        if not n:
            return None
        buckets = self._buckets
        rank = max(1, int(q * n + 0.999999))
        seen = 0
        for b in sorted(buckets):
            seen += buckets[b]
            if seen >= rank:
                return round(self.seconds(b) * 1000, 3)
        return None  # pragma: no cover

    def max_ms(self) -> float | None:
        buckets = self.buckets
        return round(self.seconds(max(buckets)) * 1000, 3) if buckets else None
