"""The configuration files of the servers a live run starts, built from the scenario.

Every server binds 127.0.0.1 on a private port and announces the public port of its proxy
(``replica-announce-port``, ``sentinel announce-port``), so every connection between servers is
made to a proxy, which is where partitions, delays and losses happen. Sentinels start knowing
each other and the replicas (``known-sentinel`` / ``known-replica``, the lines Sentinel itself
writes on a config rewrite): no 2-10 s discovery wait before a run.
"""

from __future__ import annotations

import hashlib
import math

MASTER_NAME = "protolab"


def sentinel_id(seed: int, name: str) -> str:
    return hashlib.sha1(f"protolab-{seed}-{name}".encode()).hexdigest()


def data_node(*, private: int, public: int, directory: str, scenario, master_public: int | None) -> str:
    rep = scenario.replication
    lines = [
        f"port {private}", "bind 127.0.0.1", "daemonize no", f'dir "{directory}"', 'save ""',
        "appendonly " + ("yes" if rep.persistence == "aof" else "no"), "appendfsync everysec",
        "replica-announce-ip 127.0.0.1", f"replica-announce-port {public}",
        "repl-diskless-sync yes", "repl-diskless-sync-delay 0",  # a resync must not wait 5 s
        "enable-debug-command local",
    ]
    if rep.min_replicas_to_write:
        lines += [f"min-replicas-to-write {rep.min_replicas_to_write}",
                  # Redis counts this lag in whole seconds
                  f"min-replicas-max-lag {max(1, math.ceil(rep.min_replicas_max_lag))}"]
    if master_public is not None:
        lines.append(f"replicaof 127.0.0.1 {master_public}")
    return "\n".join(lines) + "\n"


def sentinel(*, name: str, private: int, public: int, directory: str, scenario, master_public: int,
             replicas_public: list[int], peers: list[tuple[str, int]]) -> str:
    s = scenario.sentinel
    lines = [
        f"port {private}", "bind 127.0.0.1", "daemonize no", f'dir "{directory}"',
        f"sentinel myid {sentinel_id(scenario.seed, name)}",
        "sentinel announce-ip 127.0.0.1", f"sentinel announce-port {public}",
        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_public} {s.quorum}",
        f"sentinel down-after-milliseconds {MASTER_NAME} {round(s.down_after * 1000)}",
        f"sentinel failover-timeout {MASTER_NAME} {round(s.failover_timeout * 1000)}",
        f"sentinel parallel-syncs {MASTER_NAME} {s.parallel_syncs}",
    ]
    lines += [f"sentinel known-replica {MASTER_NAME} 127.0.0.1 {port}" for port in replicas_public]
    lines += [f"sentinel known-sentinel {MASTER_NAME} 127.0.0.1 {port} {sentinel_id(scenario.seed, peer)}"
              for peer, port in peers]
    return "\n".join(lines) + "\n"
