"""The view of `protolab tour`: one panel per stop, its lines and whether its checks held."""

from __future__ import annotations


def tour_view(result):
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


