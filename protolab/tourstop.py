"""What a tour stop is: below the labs' stops (protolab.<lab>.tour define one each) and the tour that
finds and runs them by module name (protolab.tour), so a stop never imports the tour back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class StopReport:
    name: str
    title: str
    lines: list[str] = field(default_factory=list)
    ok: bool = True
    seconds: float = 0.0


@dataclass(frozen=True)
class TourStop:
    name: str
    title: str
    run: Callable[[], StopReport]
