"""Node behaviours as small state machines: data nodes (primary/replica), sentinels, multi-primary
peers, Raft peers, and the clients that drive them. They talk only through the network."""
