"""protolab: see how protocols work, byte by byte and event by event."""

__version__ = "0.1.0"
