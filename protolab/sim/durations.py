"""Durations as people write them (2s, 1500ms, 0.5m, a bare number of seconds), read into seconds.

Shared by every simulated lab, so ``--duration 90s`` means the same to the replication simulator as to
the HA models. A bad value is a ``BadInput`` (one ``error:`` line, exit 2), never a traceback.
"""

from __future__ import annotations

import math
import re

from protolab.errors import BadInput

_DURATION = re.compile(r"^([+-]?\d+(?:\.\d+)?)(ms|s|m)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


def parse_duration(text, what: str = "duration", signed: bool = False) -> float:
    if isinstance(text, bool):
        raise BadInput(f"{what}: expected a duration such as 2s or 1500ms, got {text!r}")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        m = _DURATION.match(str(text).strip())
        if not m:
            raise BadInput(f"{what}: expected a duration such as 2s or 1500ms, got {text!r}")
        value = float(m.group(1)) * _UNITS[m.group(2)]
    if not math.isfinite(value):
        raise BadInput(f"{what}: expected a finite duration such as 2s or 1500ms, got {text!r}")
    if value < 0 and not signed:
        raise BadInput(f"{what}: must not be negative, got {text!r}")
    return value
