"""Named scenarios shipped with protolab (TOML files, read with importlib.resources)."""
