"""`protolab tour`: a short guided demo of every lab, on embedded defaults."""

from __future__ import annotations

from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, fail_check, output

HELP = ("Run a short guided demo of every lab (no network, no server, no root).\n\n"
        "Example: protolab tour --only tls")


def tour(
    only: Annotated[list[str] | None, typer.Option("--only", help="Visit only this stop (repeatable).")] = None,
    as_json: JsonFlag = False,
) -> None:
    from protolab.errors import BadInput
    from protolab.render.tour import tour_view
    from protolab.tour import registered_stops, run_stops

    stops = registered_stops()
    if only:
        known = {s.name for s in stops}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise BadInput(f"no tour stop named {', '.join(unknown)}; stops: {', '.join(sorted(known)) or 'none'}")
        stops = [s for s in stops if s.name in only]
    reports = run_stops(stops)
    output({"stops": reports, "ok": all(r.ok for r in reports)}, as_json, tour_view)
    failed = [r.name for r in reports if not r.ok]
    if failed:
        fail_check(f"tour stop(s) failed their checks: {', '.join(failed)}")

