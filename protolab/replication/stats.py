"""Constant-memory quantiles: values go into fixed buckets, so memory does not grow with samples."""

from __future__ import annotations


def _bucket(seconds: float) -> int:
    # 10 us steps below 10 ms, 100 us below 100 ms, 1 ms above: a bounded number of keys.
    us = int(seconds * 1e6)
    if us < 10_000:
        return us // 10 * 10
    if us < 100_000:
        return us // 100 * 100
    return us // 1000 * 1000


class Quantiles:
    __slots__ = ("buckets", "n", "max")

    def __init__(self) -> None:
        self.buckets: dict[int, int] = {}
        self.n = 0
        self.max = 0.0

    def add(self, seconds: float) -> None:
        b = _bucket(seconds)
        self.buckets[b] = self.buckets.get(b, 0) + 1
        self.n += 1
        if seconds > self.max:
            self.max = seconds

    def merge(self, other: Quantiles) -> None:
        for b, c in other.buckets.items():
            self.buckets[b] = self.buckets.get(b, 0) + c
        self.n += other.n
        self.max = max(self.max, other.max)

    def quantile_ms(self, q: float) -> float | None:
        """The q-quantile in milliseconds (bucket lower edge), None without samples."""
        if not self.n:
            return None
        rank = max(1, int(q * self.n + 0.999999))
        seen = 0
        for b in sorted(self.buckets):
            seen += self.buckets[b]
            if seen >= rank:
                return round(b / 1000, 3)
        return round(self.max * 1000, 3)

    def max_ms(self) -> float | None:
        return round(self.max * 1000, 3) if self.n else None
