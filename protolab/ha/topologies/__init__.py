"""Example topologies shipped with protolab (protolab ha spof NAME)."""
