"""Shrinking a failing fault schedule: the smallest schedule found that still fails the same way.

Greedy, in the spirit of delta debugging: first drop whole faults (halves of the list, then one
fault at a time) while the run still fails; then shorten what is left (each timed fault's hold is
halved while it still fails). The seed stays the same, so each try is a deterministic replay and
the result is never longer than the original. The number of tries is bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_TRIES = 60
_SPAN = re.compile(r"^(?P<head>.*) from (?P<a>[\d.]+)s to (?P<b>[\d.]+)s$")
_HOLD = re.compile(r"^(?P<head>.* at [\d.]+s) for (?P<d>[\d.]+)s$")


def _shorter(text: str) -> str | None:
    """The same fault with half its hold time, or None when it has none (or is already short)."""
    m = _SPAN.match(text)
    if m:
        a, b = float(m["a"]), float(m["b"])
        if b - a < 0.2:
            return None
        return f"{m['head']} from {a:.3f}s to {a + (b - a) / 2:.3f}s"
    m = _HOLD.match(text)
    if m and float(m["d"]) >= 0.2:
        return f"{m['head']} for {float(m['d']) / 2:.3f}s"
    return None


def shrink(faults: list[str], fails: Callable[[list[str]], bool], max_tries: int = MAX_TRIES) -> tuple[list[str], int]:
    """(the smallest failing schedule found, tries used); ``fails(schedule)`` replays one run."""
    current = list(faults)
    tries = 0

    def attempt(candidate: list[str]) -> bool:
        nonlocal tries
        if tries >= max_tries:
            return False
        tries += 1
        return fails(candidate)

    if current and attempt([]):  # the failure needs no fault at all
        return [], tries
    chunk = len(current) // 2
    while chunk >= 1:
        i = 0
        while i < len(current):
            candidate = current[:i] + current[i + chunk:]
            if candidate and attempt(candidate):
                current = candidate
            else:
                i += chunk
        chunk //= 2
    changed = True
    while changed and tries < max_tries:
        changed = False
        for i, text in enumerate(current):
            short = _shorter(text)
            if short is not None and attempt(current[:i] + [short] + current[i + 1:]):
                current[i] = short
                changed = True
    return current, tries
