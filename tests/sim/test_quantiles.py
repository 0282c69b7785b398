"""Latency quantiles in fixed buckets: 10 us steps below 100 ms, 1 ms steps above; the batched path
(append to samples, flush) buckets exactly as add() does; memory does not grow with the samples."""

from __future__ import annotations

import random

import pytest

from protolab.sim.quantiles import FLUSH_EVERY, Quantiles


def _added(values) -> Quantiles:
    q = Quantiles()
    for v in values:
        q.add(v)
    return q


def test_a_quantile_is_the_lower_edge_of_its_bucket_in_ms():
    q = _added([0.0012345, 0.0500049, 0.2507])   # 1.2345 ms, 50.0049 ms, 250.7 ms
    assert q.n == 3
    assert q.quantile_ms(0.0) == 1.23            # 10 us buckets below 100 ms
    assert q.quantile_ms(0.5) == 50.0
    assert q.quantile_ms(1.0) == q.max_ms() == 250.0   # 1 ms buckets above
    assert Quantiles().quantile_ms(0.5) is None and Quantiles().max_ms() is None


def test_the_median_of_one_to_a_hundred_ms():
    q = _added([ms / 1000 for ms in range(1, 101)])
    assert q.quantile_ms(0.5) == 50.0
    assert q.quantile_ms(0.99) == 99.0


@pytest.mark.parametrize("seed", range(5))
def test_flushing_appended_samples_buckets_exactly_as_add(seed):
    rng = random.Random(seed)
    values = [rng.choice([rng.expovariate(200), rng.uniform(0.09, 0.3), -rng.random() / 100, 0.1])
              for _ in range(3 * FLUSH_EVERY)]
    batched = Quantiles()
    for i, v in enumerate(values):
        batched.samples.append(v)
        if i % FLUSH_EVERY == 0:
            batched.flush()
    # readers flush first: the last, unflushed samples count
    assert batched.buckets == _added(values).buckets
    assert batched.samples == []


def test_merge_adds_the_counts_of_each_bucket():
    a, b = _added([0.001, 0.002]), _added([0.002, 0.5])
    a.merge(b)
    assert a.buckets == _added([0.001, 0.002, 0.002, 0.5]).buckets and a.n == 4


def test_memory_is_the_buckets_not_the_samples():
    rng = random.Random(1)
    q = Quantiles()
    for _ in range(200_000):
        q.samples.append(rng.uniform(0, 0.1))
        if len(q.samples) >= FLUSH_EVERY:
            q.flush()
    assert q.n == 200_000
    assert len(q.buckets) <= 10_001        # one per 10 us up to 100 ms, whatever the sample count
