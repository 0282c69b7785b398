"""`protolab replicate explain`: short texts on each topic, as a registry the CLI and tests read."""

from __future__ import annotations

from protolab.errors import BadInput

TOPICS = {
    "master-slave": (
        "Primary-replica (master-slave) replication",
        "One node, the primary, takes every write and streams it to read-only replicas. Asynchronous "
        "replication (Redis, MySQL default) answers the client before any replica has the write: fast, "
        "but when the primary dies the writes still in flight are gone, and the replica promoted in its "
        "place never had them. Semi-synchronous (WAIT 1, MySQL semi-sync) waits for one replica; "
        "synchronous waits for all of them: slower (a round trip to the farthest replica) and a dead "
        "replica stalls every write, but nothing acknowledged is lost on failover. Replicas serve reads "
        "only, so the single writer is the bottleneck.",
        "protolab replicate compare async-crash --modes async,semi-sync,sync"),
    "master-master": (
        "Multi-primary (master-master) replication",
        "Every node takes writes and replicates them to the others, so two clients can change the same "
        "key at the same time on different nodes. The conflict must be resolved: last-writer-wins keeps "
        "the higher timestamp and silently drops the other write (and a skewed clock picks the wrong "
        "'last'); version vectors detect that two versions are concurrent and keep both as siblings for "
        "the application to merge; CRDTs (counters, OR-sets) are data types whose merge never loses an "
        "update.",
        "protolab replicate run multi-primary-skew --strategy lww   (then vv, crdt)"),
    "distributed-db": (
        "Consensus-backed stores (distributed DB)",
        "etcd, Consul, ZooKeeper and distributed SQL keep a replicated log with Raft or Paxos: a leader "
        "appends each write and commits it once a majority of nodes stored it, then answers. A minority "
        "cannot commit anything, so a partition never produces two histories; when the leader dies the "
        "others elect a new one (terms number the leaderships, at most one leader per term). The price: "
        "a round trip to a majority per write and no writes without a majority.",
        "protolab replicate run raft-partition"),
    "failover": (
        "Automatic failover (Redis Sentinel)",
        "Sentinels ping the primary every second. After down-after-milliseconds without an answer one "
        "Sentinel considers it subjectively down (SDOWN); when a quorum agrees it is objectively down "
        "(ODOWN). The Sentinels elect a leader for a new epoch (it needs max(quorum, majority) votes), the "
        "leader promotes the replica with the lowest priority, then the largest replication offset, then "
        "the smallest run id, reconfigures the other replicas and tells clients the new address. With "
        "down-after 1000 ms that takes about 2-2.5 s; the old primary, when it returns, is made a replica.",
        "protolab replicate run async-crash"),
    "split-brain": (
        "Split brain",
        "A partition that leaves the old primary running with some clients, while the majority side "
        "promotes a new one, gives two primaries that both acknowledge writes. When the partition heals "
        "one side's writes must go: Redis makes the old primary a replica and its full resync discards "
        "everything written to it meanwhile. min-replicas-to-write makes an isolated primary refuse "
        "writes once it has not heard from enough replicas for min-replicas-max-lag seconds, shrinking "
        "the loss to that window. Consensus systems avoid it by needing a majority to commit.",
        "protolab replicate run sentinel-split-brain --min-replicas 1 --min-replicas-max-lag 2s"),
    "quorum": (
        "Quorums",
        "A quorum is the number of nodes that must agree before something counts. With N nodes, any two "
        "majorities (N/2 + 1) overlap, so two sides of a partition can never both decide: that is why "
        "Raft commits on a majority and why Sentinel needs a majority of Sentinels to authorise a "
        "failover, whatever its configured quorum (which only decides when the primary counts as down). "
        "Three nodes survive one failure, five survive two.",
        "protolab replicate run raft-partition"),
}
ALIASES = {"primary-replica": "master-slave", "multi-primary": "master-master", "raft": "distributed-db",
           "consensus": "distributed-db", "sentinel": "failover", "split": "split-brain",
           "distributed": "distributed-db"}


def lookup(topic: str | None) -> dict:
    if topic is None:
        return {"topics": [{"name": k, "title": v[0]} for k, v in TOPICS.items()]}
    key = topic.strip().lower().replace(" ", "-").replace("_", "-")
    key = ALIASES.get(key, key)
    if key not in TOPICS:
        raise BadInput(f"no topic {topic!r}; topics: {', '.join(TOPICS)}")
    title, text, try_ = TOPICS[key]
    return {"topic": key, "title": title, "text": text, "try": try_}
