"""The replication lab: a deterministic simulator of replication, failover and split brain.

Map of the package (data flows top to bottom):

    scenario.py   Scenario (mode, nodes, clients, links, Sentinel/Raft/replication options, faults),
                  loaded from TOML (shipped ones in scenarios/) or built from flags (cli_support.py)
    faults.py     the fault grammar shared by --fault and scenario files
    sim.py        builds the cluster, applies faults on schedule, runs the kernel
      kernel.py   one heap of (time, seq, fn, arg, link) tuples, seeded random source
      network.py  links: latency, jitter, loss, FIFO, partitions; faults purge messages in flight
      nodes/      behaviours: primary.py (Redis-like primary/replica), sentinel.py, raft.py, peer.py
                  (multi-primary: lww / vv / crdt), client.py (writers recording the history)
    history.py    the Jepsen-style history (invoke / ok / fail / info), JSON lines
    metrics.py    RunResult (result.py) computed from the history and final node states
    svg.py        the message ladder; explain.py, tour.py, runner.py (simulate, compare)

What a backend must provide for ``metrics.analyze`` (the simulator does; a live backend can):
``scenario``, ``history``, ``events`` (time, source, kind, detail), ``roles`` (time, node, role,
term), ``nodes`` (name -> object with ``up``, ``role``, ``final_items()``, ``conflicts()``, ``lag``),
``current_writer()``, ``end`` and ``kernel.events``.
"""
