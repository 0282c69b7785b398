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
    from protolab.tour import registered_stops, run_stops

    stops = registered_stops()
    if only:
        known = {s.name for s in stops}
        unknown = [name for name in only if name not in known]
        if unknown:
            raise BadInput(f"no tour stop named {', '.join(unknown)}; stops: {', '.join(sorted(known)) or 'none'}")
        stops = [s for s in stops if s.name in only]
    reports = run_stops(stops)
    output({"stops": reports, "ok": all(r.ok for r in reports)}, as_json, _view)
    failed = [r.name for r in reports if not r.ok]
    if failed:
        fail_check(f"tour stop(s) failed their checks: {', '.join(failed)}")


def _view(result):
    from rich.panel import Panel
    from rich.text import Text

    reports = result["stops"]
    if not reports:
        return Text("No lab has a tour stop yet.")
    panels = []
    for n, report in enumerate(reports, 1):
        mark = "[green]ok[/]" if report.ok else "[red]CHECK FAILED[/]"
        body = "\n".join(report.lines)
        panels.append(Panel(body, title=f"{n}/{len(reports)}  {report.title}",
                            subtitle=f"{mark}  {report.seconds:.2f} s", title_align="left"))
    return panels
