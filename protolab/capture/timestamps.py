"""Capture timestamps as dates, for every command and view: one rule for a timestamp too far out to be one.

A pcapng interface's if_tsresol says how many ticks make a second and if_tsoffset moves them; a wrong (or
fuzzed) one turns ordinary ticks into years far beyond 9999, which time.gmtime and datetime refuse
(OverflowError, OSError EOVERFLOW, ValueError). Such a timestamp is shown raw (`raw`: its nanoseconds
since 1970; `clock`: its seconds, short enough for a table cell), never raised on, and the result
carries OUT_OF_RANGE among its warnings.
"""

from __future__ import annotations

import datetime
import time

FIRST_SECOND = -62135596800   # 0001-01-01 00:00:00 UTC: the dates datetime and every view can show
LAST_SECOND = 253402300799    # 9999-12-31 23:59:59 UTC
OUT_OF_RANGE = ("timestamps outside the years 1..9999 (a wrong if_tsresol or if_tsoffset?): shown as raw times "
                "since 1970, not as dates")


def in_range(ns: int | None) -> bool:
    """True for None (no timestamp) and for a timestamp that is a date of the years 1..9999."""
    return ns is None or FIRST_SECOND <= ns // 1_000_000_000 <= LAST_SECOND


def utc_time(ns: int | None, digits: int = 9, suffix: str = "Z") -> str | None:
    """`ns` since the epoch as UTC 'YYYY-MM-DD HH:MM:SS.fff' with `digits` decimals (None when out of range)."""
    if ns is None or not in_range(ns):
        return None
    sec, frac = divmod(ns, 1_000_000_000)
    try:
        t = time.gmtime(sec)
    except (OverflowError, OSError, ValueError):  # a platform whose time_t is narrower than the years 1..9999
        return None
    # not strftime: its %Y writes the year 1 as "1" on glibc
    stamp = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    decimals = f".{frac:09d}"[:digits + 1] if digits else ""
    return f"{stamp}{decimals}{suffix}"


def raw(ns: int) -> str:
    return f"{ns} ns since 1970"


def clock(ns: int) -> str:
    """HH:MM:SS (UTC) of a timestamp; out of range, its raw seconds since 1970 in as few characters
    (1.70e+18 s: a table cell, not the place for 28 digits)."""
    if in_range(ns):
        try:  # through a float, as the survey views have always rounded it
            return datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc).strftime("%H:%M:%S")
        except (OverflowError, OSError, ValueError):  # 9999-12-31 23:59:59.9 rounds up into the year 10000
            pass
    from decimal import Decimal  # formats an int of any size; float() would overflow

    return f"{Decimal(ns // 1_000_000_000):.3g} s"
