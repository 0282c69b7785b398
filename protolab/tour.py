"""The guided tour: one short stop per lab, run in order.

Theory of operation: each lab owns a module `protolab.<lab>.tour` that defines
`STOP`, a TourStop (protolab.tourstop). The tour only knows the module names below; a lab that does
not exist yet (its module is missing) is simply not visited. A stop runs on
embedded defaults: no network, no server, no root, a few seconds at most. It
returns a StopReport (what it showed, in a few lines, and whether the checks it
ran passed) and never prints.
"""

from __future__ import annotations

import importlib

from protolab.tourstop import StopReport, TourStop

# Order of the tour. Each entry is a module that may define STOP.
STOP_MODULES = [
    "protolab.capture.tour",
    "protolab.wifi.tour",
    "protolab.tls.tour",
    "protolab.replication.tour",
    "protolab.replication.chaos_tour",
    "protolab.ha.tour",
]


def registered_stops(modules: list[str] | None = None) -> list[TourStop]:
    stops = []
    for name in modules if modules is not None else STOP_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # the lab has no stop yet; an import error inside a stop is a real bug
                continue
            raise
        stop = getattr(module, "STOP", None)
        if stop is not None:
            stops.append(stop)
    return stops


def run_stops(stops: list[TourStop]) -> list[StopReport]:
    import time

    reports = []
    for stop in stops:
        started = time.perf_counter()
        report = stop.run()
        report.seconds = round(time.perf_counter() - started, 3)
        reports.append(report)
    return reports
