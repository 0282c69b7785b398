"""The simulator's message vocabulary: every message type, its payload fields, how the ladder draws it.

A process sends ``self.send(other, WRITE, (client, wid, key))``; the network delivers the payload
to ``other.on_write`` (a type's handler is ``on_`` + its name) and, when tracing, records the type's
name as the ladder label. A payload is a plain tuple in the order of ``fields`` (a one-field type
sends the value itself): a named record per message would slow the kernel's hot path down.
``ladder`` says how ``svg.ladder`` draws a type: NOISE is periodic or background traffic, left out
(and not even traced); BULK is the data path, sampled evenly; CONTROL is drawn, up to its own cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOISE, BULK, CONTROL = "noise", "bulk", "control"


@dataclass(frozen=True, slots=True)
class Message:
    name: str
    fields: tuple[str, ...]
    ladder: str
    handler: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "handler", "on_" + self.name)


VOCABULARY: dict[str, Message] = {}


def _declare(name: str, fields: str, ladder: str) -> Message:
    if name in VOCABULARY:
        raise ValueError(f"message type {name!r} declared twice")
    message = VOCABULARY[name] = Message(name, tuple(fields.split()), ladder)
    return message


# --- clients and what every process may get -------------------------------------------------------
WRITE = _declare("write", "client wid key", BULK)
REPLY = _declare("reply", "wid status hint", BULK)  # hint: the node to try next, when there is one
READ = _declare("read", "client opid key direct", CONTROL)  # key None: everything; direct: any role answers
READ_REPLY = _declare("read_reply", "opid status result hint", CONTROL)
LINK_CLOSED = _declare("link_closed", "node", NOISE)  # the host of a process that died reset its connections
REFUSED = _declare("refused", "message payload", NOISE)  # a channel call reached a closed port
HEALTH = _declare("health", "supervisor", NOISE)
HEALTH_OK = _declare("health_ok", "name", NOISE)

# --- primary / replica and Sentinel --------------------------------------------------------------
STREAM = _declare("stream", "master offset wid time", BULK)
FULL_SYNC = _declare("full_sync", "master log", CONTROL)
SYNC_REQUEST = _declare("sync_request", "replica", CONTROL)
REPL_ACK = _declare("repl_ack", "name offset", NOISE)
PING = _declare("ping", "sentinel", NOISE)
PONG = _declare("pong", "name", NOISE)
INFO = _declare("info", "sentinel", NOISE)
INFO_REPLY = _declare("info_reply", "name role master link_up offset priority runid", NOISE)
HELLO = _declare("hello", "name master epoch", NOISE)
IS_MASTER_DOWN = _declare("is_master_down", "asker master epoch runid", CONTROL)
IS_MASTER_DOWN_REPLY = _declare("is_master_down_reply", "name isdown leader leader_epoch", CONTROL)
SLAVEOF = _declare("slaveof", "master", CONTROL)  # None: become the primary
GET_MASTER = _declare("get_master", "client", CONTROL)
MASTER_ADDR = _declare("master_addr", "name", CONTROL)

# --- Raft ----------------------------------------------------------------------------------------
REQUEST_VOTE = _declare("request_vote", "candidate term last_index last_term", CONTROL)
VOTE = _declare("vote", "name term granted", CONTROL)
APPEND = _declare("append", "leader term prev prev_term entries leader_commit", BULK)
APPEND_REPLY = _declare("append_reply", "name term ok index", NOISE)  # every heartbeat is answered

# --- multi-primary peers -------------------------------------------------------------------------
UPDATE = _declare("update", "key state time", BULK)
GOSSIP = _declare("gossip", "data", NOISE)

# --- broker --------------------------------------------------------------------------------------
PRODUCE = _declare("produce", "producer event", BULK)
PRODUCE_ACK = _declare("produce_ack", "wid", NOISE)
OFFSETS = _declare("offsets", "consumer", NOISE)
OFFSETS_REPLY = _declare("offsets_reply", "offsets", NOISE)
FETCH = _declare("fetch", "consumer partition offset", NOISE)  # polled, mostly empty
FETCHED = _declare("fetched", "partition offset events", NOISE)
COMMIT = _declare("commit", "consumer offsets", BULK)

# --- webhooks ------------------------------------------------------------------------------------
HOOK = _declare("hook", "sender delivery call wid key born idempotency_key seq", BULK)
HOOK_REPLY = _declare("hook_reply", "delivery call", BULK)

# --- leaderless quorums --------------------------------------------------------------------------
REPLICA_WRITE = _declare("replica_write", "coordinator op key version wid born hint_for", BULK)
REPLICA_ACK = _declare("replica_ack", "op name", BULK)
REPLICA_READ = _declare("replica_read", "coordinator op key", BULK)
REPLICA_VALUE = _declare("replica_value", "op name version value", BULK)
REPAIR = _declare("repair", "key version wid born", BULK)
HANDOFF = _declare("handoff", "holder hint", NOISE)
HANDOFF_DONE = _declare("handoff_done", "hint", NOISE)

# --- shared storage ------------------------------------------------------------------------------
STORE = _declare("store", "front op key wid", BULK)
STORED = _declare("stored", "op name", BULK)
LOAD = _declare("load", "front op key", NOISE)  # the ladder shows the writes to storage, not the reads
LOADED = _declare("loaded", "op name value", NOISE)
HEAL = _declare("heal", "key wid", NOISE)  # the self-heal daemon's background copies
