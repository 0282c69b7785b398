"""`protolab ha`: commands of the high-availability lab."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, group, output

app = group(
    "Where a design's single points of failure are, what its availability is, and how sessions and "
    "health checks behave behind a load balancer."
)


def _opt(help_: str, *names: str):
    return typer.Option(*names, help=help_)


def _check_dirs(*paths: Path | None) -> None:
    from protolab.errors import BadInput

    for path in paths:
        if path is not None and not path.parent.is_dir():
            raise BadInput(f"cannot write {path}: no directory {path.parent}")


@app.command()
def spof(
    topology: Annotated[str, typer.Argument(help="A shipped topology name or a TOML file.")],
    what_if: Annotated[list[str] | None, _opt("Compare with a changed design: 'replicas NAME=N', "
                                              "'availability NAME=0.999', 'mttr NAME=30m' (repeatable).",
                                              "--what-if")] = None,
    samples: Annotated[int, _opt("Monte Carlo samples (0: skip the cross-check).", "--samples")] = 200_000,
    seed: Annotated[int, _opt("Monte Carlo seed.", "--seed")] = 1,
    dot: Annotated[Path | None, _opt("Write the diagram as Graphviz DOT, SPOFs in red.", "--dot")] = None,
    svg: Annotated[Path | None, _opt("Write the diagram as SVG, SPOFs in red.", "--svg")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Find a design's single points of failure, its minimal cut sets and its exact availability.

    Example: protolab ha spof web-nfs-redis --what-if "replicas session-store=2"
    """
    from protolab.errors import BadInput
    from protolab.ha.spof import analyze
    from protolab.ha.topology import load
    from protolab.ha.topology import what_if as change

    if not 0 <= samples <= 10_000_000:
        raise BadInput(f"--samples must be between 0 and 10000000, got {samples}")
    _check_dirs(dot, svg)
    topo = load(topology)
    labels = list(what_if or [])
    result = analyze(topo, samples=samples, seed=seed, what_ifs=[change(topo, w) for w in labels],
                     what_if_labels=labels)
    names = {s.name for s in result.spofs}
    if dot is not None:
        from protolab.ha.diagram import to_dot

        dot.write_text(to_dot(topo, names), encoding="utf-8")
    if svg is not None:
        from protolab.ha.diagram import to_svg

        svg.write_text(to_svg(topo, names, f"{topo.name}: A = {result.exact.availability:.6f}, SPOFs in red"),
                       encoding="utf-8")
    output(result, as_json, _spof_view)


@app.command()
def topologies(as_json: JsonFlag = False) -> None:
    """List the example topologies shipped with protolab.

    Example: protolab ha topologies
    """
    from protolab.ha.topology import load, shipped

    rows = []
    for name in shipped():
        t = load(name)
        rows.append({"name": name, "components": len(t.components), "domains": len(t.domains),
                     "description": t.description})
    output({"topologies": rows}, as_json, _topologies_view)


# --- views ---------------------------------------------------------------------------------------
def _minutes(m: float) -> str:
    if m >= 120:
        return f"{m / 60:.1f} h"
    return f"{m:.1f} min" if m >= 1 else f"{m * 60:.1f} s"


def _spof_view(r):
    from rich.table import Table
    from rich.text import Text

    e = r.exact
    head = Text(f"{r.topology}: service {r.service!r}, {r.components} components, {r.domains} failure domains, "
                f"{r.groups} groups\nexact availability {e.availability:.9f} = {e.nines} nines, downtime "
                f"{_minutes(e.downtime_min_per_year)} per year (BDD of {r.bdd_nodes} nodes)")
    if r.monte_carlo is not None:
        mc = r.monte_carlo
        head.append(f"\nMonte Carlo, {mc.samples} samples, seed {mc.seed}: {mc.availability:.6f}, 99% interval "
                    f"[{mc.low:.6f}, {mc.high:.6f}]: the exact value is {'inside' if mc.exact_inside else 'OUTSIDE'}")
    spofs = Table(title="single points of failure (each knocked out alone takes the service down)",
                  title_justify="left")
    for col in ("name", "kind", "availability", "takes down"):
        spofs.add_column(col, justify="right" if col in ("availability", "takes down") else "left")
    for s in r.spofs:
        spofs.add_row(s.name, s.kind, f"{s.availability:.6g}", f"{s.takes_down} component(s)")
    if not r.spofs:
        spofs.add_row("none", "", "", "")
    cuts = Table(title=f"minimal cut sets up to 3 (by order: {r.cut_sets_by_order}), most likely first",
                 title_justify="left")
    cuts.add_column("members")
    cuts.add_column("P(all down)", justify="right")
    for c in r.cut_sets[:15]:
        cuts.add_row(", ".join(c.members), f"{c.probability:.3g}")
    if len(r.cut_sets) > 15:
        cuts.add_row(f"... {len(r.cut_sets) - 15} more (see --json)", "")
    parts = [head, spofs, cuts]
    if r.what_if:
        w = Table(title="what if", title_justify="left")
        for col in ("change", "availability", "nines", "downtime / year", "saved / year", "SPOFs"):
            w.add_column(col, justify="left" if col in ("change", "SPOFs") else "right")
        w.add_row("(as designed)", f"{e.availability:.9f}", str(e.nines), _minutes(e.downtime_min_per_year), "-",
                  ", ".join(s.name for s in r.spofs) or "none")
        for x in r.what_if:
            w.add_row(x.change, f"{x.exact.availability:.9f}", str(x.exact.nines),
                      _minutes(x.exact.downtime_min_per_year), _minutes(x.downtime_saved_min_per_year),
                      ", ".join(x.spofs) or "none")
        parts.append(w)
    return parts


def _topologies_view(result):
    from rich.table import Table

    table = Table(title="example topologies (protolab ha spof NAME)", title_justify="left")
    for col in ("name", "components", "domains", "what it shows"):
        table.add_column(col)
    for t in result["topologies"]:
        table.add_row(t["name"], str(t["components"]), str(t["domains"]), t["description"])
    return table
