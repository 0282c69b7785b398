"""The sync channels as a registry: family -> where its nodes live and how it is measured.

A channel family plugs into the simulator like the database families do: ``Simulation`` asks
``build(sim)`` for the nodes (and extra processes such as the broker) and the client class,
``target(sim, client)`` for where a client sends its operations, and ``metrics.analyze`` asks
``reference(sim)`` for the state acknowledged writes must be in and ``measure(sim, result)`` for
the channel's own numbers (``channel_metrics.py``), all computed from the history and the final
node states. The node modules are imported only when a run of that family is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Channel:
    family: str
    nodes: str  # module with build(sim) -> client class, and target(sim, client)
    title: str

    def module(self):
        return import_module(self.nodes)

    def build(self, sim):
        return self.module().build(sim)

    def target(self, sim, client):
        module = self.module()
        if hasattr(module, "target"):
            return module.target(sim, client)
        return sim.nodes[sim.scenario.node_names()[0]]

    def reference(self, sim):
        from protolab.replication import channel_metrics

        return channel_metrics.REFERENCE[self.family](sim)

    def measure(self, sim, result) -> None:
        from protolab.replication import channel_metrics

        channel_metrics.MEASURE[self.family](sim, result)


CHANNELS = {c.family: c for c in [
    Channel("broker", "protolab.replication.nodes.broker", "event-driven sync through a message broker"),
    Channel("webhook", "protolab.replication.nodes.webhook", "API calls and webhooks between servers"),
    Channel("leaderless", "protolab.replication.nodes.leaderless", "leaderless quorum replication"),
    Channel("storage", "protolab.replication.nodes.storage", "shared file and object storage"),
]}
