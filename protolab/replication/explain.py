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
    "events": (
        "Event-driven sync through a message broker (Kafka, RabbitMQ)",
        "The server that changes data publishes a change event; the others consume it and apply it. The "
        "broker keeps events in partitions, each in order, and each consumer group's offset per partition; "
        "consumer lag is how far a consumer's applied position trails the log's end (a broker outage or a slow "
        "consumer makes it grow). When the offset is committed decides what a crash costs: committed before "
        "applying (at-most-once), the events fetched but not applied are lost; committed after (at-least-once), "
        "the events applied since the last commit are delivered again and applied twice, unless the consumer "
        "is idempotent (it remembers event ids with its data and suppresses the repeat). Events of different "
        "partitions are consumed independently, so only one key's events stay in order (partition by key). "
        "Publishing after the local change is a dual write: events still in the producer's memory die with it "
        "(an outbox table written with the change fixes that).",
        "protolab replicate compare broker-consumer-crash --modes broker-at-most-once,broker-at-least-once,"
        "broker-idempotent"),
    "webhooks": (
        "API calls and webhooks between servers",
        "A server tells its peers about a change with an HTTP call. Calls time out (the peer is down, slow or "
        "paused) and are retried with exponential backoff and jitter, so retries of old changes land after "
        "newer calls: out-of-order delivery. A call whose reply came too late was applied anyway, and its "
        "retry applies it again unless it carries an idempotency key the receiver remembers. Pending "
        "deliveries kept in an in-memory retry queue die when the sender crashes (lost webhooks); an outbox "
        "written in the same transaction as the change survives the crash and is relayed after restart. After "
        "the last attempt a delivery is dead-lettered: given up. Calls that carry the change's version, applied "
        "only when newer than what the receiver holds (a conditional write), make late and repeated calls "
        "harmless ([webhook] versioned = true).",
        "protolab replicate compare webhook-faults --modes webhook-retry,webhook-outbox"),
    "leaderless": (
        "Leaderless quorum replication (Dynamo, Cassandra, Riak)",
        "There is no primary: any node coordinates a request and sends it to the N replicas of the key. A "
        "write succeeds once W replicas stored it, a read takes the newest of R answers (tunable per request, "
        "e.g. Cassandra's ONE, QUORUM, ALL). When R + W > N every read quorum overlaps every write quorum, so "
        "a read sees the last completed write; with R + W <= N (W = R = 1: fast) a read may be answered only "
        "by a replica that has not got it yet: a stale read. Read repair fixes the stale replicas a read "
        "touched. With a sloppy quorum, writes for unreachable replicas go to other nodes as hints (hinted "
        "handoff delivers them later): writes stay available during a partition, but the overlap is gone and "
        "stale reads return even with R + W > N. Concurrent writes are ordered by timestamp (last writer wins).",
        "protolab replicate compare quorum-lagging --modes quorum-one,quorum"),
    "shared-storage": (
        "Shared file and object storage (NFS, GlusterFS/Ceph, S3)",
        "Servers can also share state by keeping it off the servers. One NFS server that every server mounts "
        "is simple and immediately consistent, but a single point of failure: down, nothing is readable; its "
        "disk lost, everything is. A replicated distributed file system (GlusterFS, CephFS) keeps each file on "
        "several servers, acknowledges a write after k copies, and self-heals a server that returns by copying "
        "what it missed (reads served by it before that can be stale). An object store (S3) used as the "
        "central source stores each object in several zones before answering and is strongly consistent; "
        "the app servers become stateless, at the price of a network round trip per access and a dependency "
        "on the provider's availability.",
        "protolab replicate compare storage-server-loss --modes nfs,dfs,object-store"),
}
ALIASES = {"primary-replica": "master-slave", "multi-primary": "master-master", "raft": "distributed-db",
           "consensus": "distributed-db", "sentinel": "failover", "split": "split-brain",
           "distributed": "distributed-db", "broker": "events", "kafka": "events", "message-broker": "events",
           "event-driven": "events", "webhook": "webhooks", "api": "webhooks", "api-calls": "webhooks",
           "dynamo": "leaderless", "cassandra": "leaderless", "quorum-replication": "leaderless",
           "nfs": "shared-storage", "storage": "shared-storage", "object-store": "shared-storage",
           "s3": "shared-storage", "dfs": "shared-storage"}


CHANNEL_TOPICS = ("events", "webhooks", "leaderless", "shared-storage")  # the sync channels


def lookup(topic: str | None) -> dict:
    if topic is None:
        return {"topics": [{"name": k, "title": v[0]} for k, v in TOPICS.items() if k not in CHANNEL_TOPICS],
                "sync_channels": [{"name": k, "title": TOPICS[k][0]} for k in CHANNEL_TOPICS]}
    key = topic.strip().lower().replace(" ", "-").replace("_", "-")
    key = ALIASES.get(key, key)
    if key not in TOPICS:
        raise BadInput(f"no topic {topic!r}; topics: {', '.join(TOPICS)}")
    title, text, try_ = TOPICS[key]
    return {"topic": key, "title": title, "text": text, "try": try_}
