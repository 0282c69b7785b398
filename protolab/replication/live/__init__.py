"""The live backend: the simulator's scenarios on real Redis + Sentinel, on 127.0.0.1 only.

Map (data flows top to bottom):

    backend.py    run_local / run_external: the entry points the CLI and compare use
    procs.py      processes started (own session, temporary directory), recorded as they start
    state.py      the user's state directory and its records: a killed run's servers are cleaned
                  up by the next run (clean_stale) only when the record proves they are its own
    config.py     redis.conf / sentinel.conf from the scenario
    cluster.py    LocalCluster: places endpoints on hosts as the simulator does, starts servers
                  behind proxies, waits until Sentinels know everything; kill/stop/cont/restart
    proxy.py      TCP proxies: latency, partitions, delay, loss between hosts (NetState)
    owners.py     which endpoint a proxied connection comes from (/proc, registered sockets)
    conn.py       redis-py connections with retries off
    clients.py    the load: open-loop writers recording the simulator's history format
    observer.py   roles and Sentinel events, watched out of band
    nemesis.py    the scenario's faults done for real (SIGKILL, SIGSTOP/SIGCONT, restart, proxies)
    external.py   an existing Sentinel-managed deployment: discovery and the faults its API allows
    run.py        LiveRun: one run, and what ``metrics.analyze`` reads (the simulator's code)
    compare.py    simulator vs real servers over repeats: medians and differences
"""
