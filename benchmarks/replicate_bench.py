"""Kernel speed of `protolab replicate`: events/s of the simulator against a bare heapq loop and SimPy.

Usage: python benchmarks/replicate_bench.py [--writes 1000000] [--simpy-writes 200000] [--rounds 3] [--no-memory]

The model: 3 nodes, asynchronous replication, one client writing at 10,000 writes/s next to the
primary, no faults, no Sentinels, history off (counts only). Per write the kernel runs 5 events:
the client's tick, the write reaching the primary, its reply reaching the client, and the
replication stream reaching each of the 2 replicas. Printed, from one run:
- protolab: kernel events / wall seconds of the run (and writes/s);
- bare heapq: a loop that only pops and pushes the same number of (time, seq, fn, arg, link)
  tuples, and the same loop calling a no-op callback per event (the floor any heap-based kernel
  in Python pays: it must dispatch each event). The loop keeps as many tuples on its heap as the
  model has in flight (sampled from protolab's heap during the run: about 20, mostly the two
  replication streams), since a pop costs about log2(heap size) tuple comparisons; the loop with
  a heap of 5 (this benchmark's first version) is printed too, for comparison with older numbers;
- SimPy 4 on the same model, two ways: timeouts with callbacks (the cheapest SimPy idiom) and the
  textbook one (a process per node reading a Store inbox), on --simpy-writes writes. SimPy counts
  events differently (a Store put and get are events too), so the comparison is per write. Both
  SimPy models do less per write than protolab (no history counts, no pending-write table for
  timeouts, no lag quantiles): the ratios flatter SimPy, if anything;
- peak memory (max RSS of a child process) for writes / 10 and writes without history, and for
  writes / 10 with the full history kept, to show that memory follows the history, not the writes.
Targets: protolab within 2x of the bare loop, at least 5x SimPy, flat memory without history.
SimPy is only needed here: `pip install simpy` (not a protolab dependency).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from heapq import heappop, heappush
from itertools import count


def protolab_run(writes: int, keep_history: bool = False) -> tuple[int, float, dict]:
    """Kernel events, wall seconds, and what the run produced (plus the heap's median size)."""
    from protolab.replication.scenario import ClientSpec, Scenario
    from protolab.replication.sim import Simulation

    sc = Scenario(mode="async", name="bench", nodes=3, settle=1.0,
                  clients=[ClientSpec("c1", near="n1", rate=10_000.0, writes=writes, keys=16, start=0.0)])
    sc.sentinel.count = 0
    sc.validate()
    sim = Simulation(sc, keep_history=keep_history)
    heap, sizes = sim.kernel.heap, []
    started = time.perf_counter()
    sim.run(lambda _n: sizes.append(len(heap)))  # called between the run's 50 slices: not timed work
    wall = time.perf_counter() - started
    replicas = [len(sim.nodes[n].log) for n in ("n2", "n3")]
    return sim.kernel.events, wall, {"counts": sim.history.counts, "replica_offsets": replicas,
                                     "heap": sorted(sizes)[len(sizes) // 2]}


def _noop(arg) -> None:
    pass


def bare_heapq(events: int, dispatch: bool, width: int = 5) -> float:
    """Wall seconds for ``events`` pops and pushes; ``dispatch`` also calls a no-op callback per event."""
    heap: list = []
    seq = count()
    for i in range(width):
        heappush(heap, (i * 1e-4, next(seq), _noop, None, None))
    started = time.perf_counter()
    if dispatch:
        for _ in range(events):
            t, _s, fn, arg, link = heappop(heap)
            fn(arg)
            heappush(heap, (t + 5e-4, next(seq), fn, arg, link))
    else:
        for _ in range(events):
            t, _s, fn, arg, link = heappop(heap)
            heappush(heap, (t + 5e-4, next(seq), fn, arg, link))
    return time.perf_counter() - started


def simpy_run(writes: int) -> tuple[int, float]:
    """SimPy, cheapest idiom: every message is a timeout whose callback is the handler."""
    import simpy

    env = simpy.Environment()
    rnd = random.Random(1).random
    events = [0]
    last: dict = {}
    logs: dict[str, list] = {"n1": [], "n2": [], "n3": []}

    def deliver(link: str, base: float, jitter: float, fn, msg) -> None:
        t = env.now + base + jitter * rnd()
        t = max(t, last.get(link, 0.0))  # FIFO per link, as protolab's network keeps
        last[link] = t
        env.timeout(t - env.now, msg).callbacks.append(fn)

    def on_reply(ev) -> None:
        events[0] += 1

    def on_stream(ev) -> None:
        events[0] += 1
        node, wid = ev.value
        logs[node].append(wid)

    def on_write(ev) -> None:
        events[0] += 1
        wid = ev.value
        logs["n1"].append(wid)
        for r in ("n2", "n3"):
            deliver("n1" + r, 5e-4, 2e-4, on_stream, (r, wid))
        deliver("n1c1", 5e-5, 2e-5, on_reply, wid)

    def client(env):
        for wid in range(writes):
            events[0] += 1
            deliver("c1n1", 5e-5, 2e-5, on_write, wid)
            yield env.timeout(1e-4)

    env.process(client(env))
    started = time.perf_counter()
    env.run()
    return events[0], time.perf_counter() - started


def simpy_store_run(writes: int) -> tuple[int, float]:
    """SimPy, textbook idiom: each node is a process reading its inbox (a Store); a message is a
    timeout whose callback puts it into the destination's inbox."""
    import simpy

    env = simpy.Environment()
    rnd = random.Random(1).random
    last: dict = {}
    inbox = {name: simpy.Store(env) for name in ("c1", "n1", "n2", "n3")}
    logs: dict[str, list] = {"n1": [], "n2": [], "n3": []}
    done = [0]

    def deliver(src: str, dst: str, base: float, jitter: float, msg) -> None:
        t = max(env.now + base + jitter * rnd(), last.get((src, dst), 0.0))
        last[(src, dst)] = t
        env.timeout(t - env.now, msg).callbacks.append(lambda ev: inbox[dst].put(ev.value))

    def primary(env):
        while True:
            wid = yield inbox["n1"].get()
            logs["n1"].append(wid)
            for r in ("n2", "n3"):
                deliver("n1", r, 5e-4, 2e-4, wid)
            deliver("n1", "c1", 5e-5, 2e-5, wid)

    def replica(env, name):
        while True:
            logs[name].append((yield inbox[name].get()))

    def replies(env):
        while True:
            yield inbox["c1"].get()
            done[0] += 1

    def client(env):
        for wid in range(writes):
            deliver("c1", "n1", 5e-5, 2e-5, wid)
            yield env.timeout(1e-4)

    for proc in (primary(env), replica(env, "n2"), replica(env, "n3"), replies(env), client(env)):
        env.process(proc)
    until = writes * 1e-4 + 1.0
    steps = 0
    started = time.perf_counter()
    while env.peek() < until:  # env.run(), stepping by hand to count SimPy's events
        env.step()
        steps += 1
    wall = time.perf_counter() - started
    assert done[0] == writes
    return steps, wall


def child(writes: int, keep: bool) -> None:
    events, wall, info = protolab_run(writes, keep)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"writes": writes, "keep": keep, "events": events, "wall": wall, "peak_mb": peak_kb / 1024,
                      **info}))


def measure_child(writes: int, keep: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(writes), "--keep", str(int(keep))],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=1_000_000)
    parser.add_argument("--simpy-writes", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, bool(args.keep))
        return 0

    best = {"protolab": 0.0, "bare": 0.0, "bare+dispatch": 0.0, "bare, heap of 5": 0.0}
    for _round in range(args.rounds):  # interleaved rounds, best of each: the machine may be shared
        events, wall, info = protolab_run(args.writes)
        width = info["heap"]
        best["protolab"] = max(best["protolab"], events / wall)
        best["bare"] = max(best["bare"], events / bare_heapq(events, dispatch=False, width=width))
        best["bare+dispatch"] = max(best["bare+dispatch"], events / bare_heapq(events, dispatch=True, width=width))
        best["bare, heap of 5"] = max(best["bare, heap of 5"], events / bare_heapq(events, dispatch=False, width=5))
    ours = best["protolab"]
    per_write = events / args.writes
    print(f"model: 3 nodes, async, {args.writes:,} writes, no faults; {events:,} kernel events "
          f"({per_write:.2f} per write); client {info['counts']}; replicas at {info['replica_offsets']}; "
          f"heap holds {width} events (median)")
    print(f"best of {args.rounds} interleaved rounds:")
    print(f"protolab kernel         {ours / 1e6:6.3f} M events/s  {ours / per_write / 1e3:7.1f} k writes/s")
    for name, label in (("bare", f"bare heapq, heap of {width}"), ("bare+dispatch", "  + callback per event"),
                        ("bare, heap of 5", "bare heapq, heap of 5")):
        print(f"{label:<23} {best[name] / 1e6:6.3f} M events/s  -> protolab {best[name] / ours:.2f}x slower"
              + (" (target <= 2x)" if name == "bare" else ""))
    try:
        import simpy
    except ModuleNotFoundError:
        print("SimPy                   not installed (pip install simpy) - skipped")
    else:
        for label, fn in (("SimPy callbacks", simpy_run), ("SimPy processes+Store", simpy_store_run)):
            sp_events, sp_wall = fn(args.simpy_writes)
            sp_writes = args.simpy_writes / sp_wall
            print(f"{label + ' ' + simpy.__version__:<23} {sp_events / sp_wall / 1e6:6.3f} M events/s  "
                  f"{sp_writes / 1e3:7.1f} k writes/s  -> protolab {ours / per_write / sp_writes:.1f}x faster "
                  "per write (target >= 5x)")
    if not args.no_memory:
        small = measure_child(args.writes // 10, False)
        big = measure_child(args.writes, False)
        kept = measure_child(args.writes // 10, True)
        print(f"peak memory, no history: {small['peak_mb']:.1f} MB at {small['writes']:,} writes, "
              f"{big['peak_mb']:.1f} MB at {big['writes']:,} writes")
        print(f"peak memory, full history kept: {kept['peak_mb']:.1f} MB at {kept['writes']:,} writes "
              f"(the history is what grows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
