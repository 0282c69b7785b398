"""The replication lab: a deterministic simulator of replication, failover and split brain.

Map of the package (data flows top to bottom):

    scenario.py   Scenario (mode, nodes, clients, links, Sentinel/Raft/replication options, faults),
                  each field declared once (protolab.schema): TOML (shipped ones in scenarios/), checks,
                  and the flags of `replicate run` (protolab.cli.scenario_flags) come from the declarations
    faults.py     the fault grammar shared by --fault and scenario files
    families.py   FAMILIES: per replication family (primary, raft, peer, the sync channels) how its nodes
                  are built, who writes, the final state, promises, measures, scenario checks, live support
    sim.py        builds the cluster, applies faults on schedule, runs the kernel (protolab.sim.kernel)
      network.py  links: latency, jitter, loss, FIFO, partitions; faults purge messages in flight
      messages.py the message vocabulary: each type's payload fields and how the ladder draws it
      nodes/      behaviours: primary.py (Redis-like primary/replica), sentinel.py, raft.py, peer.py
                  (multi-primary: lww / vv / crdt), client.py (writers recording the history)
    history.py    the Jepsen-style history (invoke / ok / fail / info), JSON lines
    metrics.py    RunResult (result.py) computed from the history and final node states
    svg.py        the message ladder; explain.py, tour.py, runner.py (simulate, compare)

Sync channels, more modes of the same simulator (more records in ``families.py``):

    nodes/syncbase.py   a store that keeps its apply log (duplicates and reordering are read from it)
    nodes/broker.py     origin + producer, the broker (partitions, offsets), consumers (at-most/at-least-once,
                        idempotent); webhook.py (retry queue vs outbox, backoff + jitter, idempotency keys);
                        leaderless.py (N/W/R, read repair, sloppy quorum, hinted handoff); storage.py (nfs, dfs
                        with self-heal, object store behind a gateway)
    channel_metrics.py  lost / duplicated / reordered / stale reads / unreadable data, from history + states

Chaos (``protolab replicate chaos``), on top of the same simulator:

    nemesis.py    seeded random fault schedules in Jepsen's vocabulary, as fault-grammar strings
    chaos.py      many seeded runs (reads + final reads added), judged by checkers/, tallied
    checkers/     history-only checkers: durability, one leader per term, convergence, linearizability
    shrink.py     the smallest fault schedule that still fails; latency_svg.py, openmetrics.py (outputs)
    chaos_tour.py the tour stop (the 200-run acceptance script is benchmarks/chaos_bench.py)

What a backend must provide for ``metrics.analyze`` (the simulator does; a live backend can):
``scenario``, ``history``, ``events`` (time, source, kind, detail), ``roles`` (time, node, role,
term), ``nodes`` (name -> object with ``up``, ``role``, ``final_items()``, ``conflicts()``, ``lag``),
``current_writer()``, ``end`` and ``kernel.events``.
"""
