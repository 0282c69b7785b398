"""Constant-memory quantiles: values go into fixed buckets, so memory does not grow with samples.

Bucket keys: ``int(seconds * 1e5)`` (10 us steps) below 100 ms; above, ``10_000 + whole ms over
100 ms`` (1 ms steps). ``bucket()`` is the mapping; hot paths may inline it.
"""

from __future__ import annotations


class Quantiles:
    __slots__ = ("buckets",)

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}

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
        buckets = self.buckets
        buckets[b] = buckets.get(b, 0) + 1

    def merge(self, other: Quantiles) -> None:
        for b, c in other.buckets.items():
            self.buckets[b] = self.buckets.get(b, 0) + c

    def quantile_ms(self, q: float) -> float | None:
        """The q-quantile in milliseconds (the lower edge of its bucket), None without samples."""
        n = self.n
        if not n:
            return None
        rank = max(1, int(q * n + 0.999999))
        seen = 0
        for b in sorted(self.buckets):
            seen += self.buckets[b]
            if seen >= rank:
                return round(self.seconds(b) * 1000, 3)
        return None  # pragma: no cover

    def max_ms(self) -> float | None:
        return round(self.seconds(max(self.buckets)) * 1000, 3) if self.buckets else None
