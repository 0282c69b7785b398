"""The reliability block diagram as Graphviz DOT (``--dot``) or as a self-drawn SVG (``--svg``),
single points of failure in red. Deterministic output.

DOT: groups are ellipses labelled all / any / k-of-n, components boxes, failure domains nested
clusters (host in rack in zone in region). SVG: a left-to-right tree from the service (groups by
depth, components in a column at the right, a component shared by several groups drawn once with
an edge from each), each component tagged with its domains; SPOF domains listed under the tree.
"""

from __future__ import annotations

from html import escape

from protolab.ha.topology import Topology

RED, GREY = "#c62828", "#555"
NL = "\\n"  # a line break inside a DOT label


def _q(s: str) -> str:
    return '"' + s.replace('"', '\\"') + '"'


def to_dot(topo: Topology, spofs: set[str]) -> str:
    out = [f"digraph {_q(topo.name)} {{", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for g in topo.groups.values():
        colour = f', color="{RED}", fontcolor="{RED}"' if g.name in spofs else ""
        label = _q(g.name + NL + g.kind)
        out.append(f"  {_q(g.name)} [shape=ellipse, label={label}{colour}];")
    children: dict[str | None, list[str]] = {}
    for d in topo.domains.values():
        children.setdefault(d.parent, []).append(d.name)
    placed: dict[str | None, list[str]] = {}
    for c in topo.components.values():
        placed.setdefault(c.domain, []).append(c.name)

    def component(name: str, indent: str) -> str:
        c = topo.components[name]
        style = f', style=filled, fillcolor="#ffcdd2", color="{RED}"' if name in spofs else ""
        label = _q(f"{name}{NL}A={c.availability:.6g}")
        return f"{indent}{_q(name)} [shape=box, label={label}{style}];"

    def cluster(domain: str, indent: str) -> None:
        d = topo.domains[domain]
        colour = RED if domain in spofs else GREY
        out.append(f"{indent}subgraph {_q('cluster_' + domain)} {{")
        out.append(f'{indent}  label={_q(f"{d.kind} {domain} A={d.availability:.6g}")}; color="{colour}"; '
                   f'fontcolor="{colour}";')
        for sub in children.get(domain, []):
            cluster(sub, indent + "  ")
        for name in placed.get(domain, []):
            out.append(component(name, indent + "  "))
        out.append(f"{indent}}}")

    for top in children.get(None, []):
        cluster(top, "  ")
    for name in placed.get(None, []):
        out.append(component(name, "  "))
    for g in topo.groups.values():
        for m in g.members:
            out.append(f"  {_q(g.name)} -> {_q(m)};")
    out.append("}")
    return "\n".join(out) + "\n"


def to_svg(topo: Topology, spofs: set[str], title: str) -> str:
    depth: dict[str, int] = {}
    order: list[str] = []  # components in first-visit order
    stack = [(topo.service, 0)]
    while stack:
        name, d = stack.pop()
        if name in topo.groups:
            if depth.get(name, -1) >= d:
                continue
            depth[name] = d
            stack.extend((m, d + 1) for m in reversed(topo.groups[name].members))
        elif name not in depth:
            depth[name] = -1
            order.append(name)
    levels = max((d for n, d in depth.items() if n in topo.groups), default=0) + 1
    row, col = 34, 170
    y: dict[str, float] = {c: 70 + i * row for i, c in enumerate(order)}
    # a group sits at the mean height of its members (deepest groups first)
    for g in sorted((n for n in depth if n in topo.groups), key=lambda n: -depth[n]):
        ys = [y[m] for m in topo.groups[g].members if m in y]
        y[g] = sum(ys) / len(ys) if ys else 70
    x = {n: 20 + (depth[n] if n in topo.groups else levels) * col for n in depth}
    height = int(90 + max(len(order), 1) * row + 20 * (1 + len(topo.domains) // 4))
    width = 40 + (levels + 1) * col + 260
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="11">', f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="20" y="24" font-size="14">{escape(title)}</text>']
    for g in topo.groups.values():
        if g.name not in x:
            continue
        for m in g.members:
            if m in x:
                out.append(f'<line x1="{x[g.name] + 120}" y1="{y[g.name]:.1f}" x2="{x[m]}" y2="{y[m]:.1f}" '
                           f'stroke="#999"/>')
    for name in depth:
        spof = name in spofs
        colour = RED if spof else "#333"
        if name in topo.groups:
            g = topo.groups[name]
            out.append(f'<ellipse cx="{x[name] + 60}" cy="{y[name]:.1f}" rx="60" ry="14" fill="#e3f2fd" '
                       f'stroke="{colour}"/><text x="{x[name] + 60}" y="{y[name] + 4:.1f}" text-anchor="middle" '
                       f'fill="{colour}">{escape(name)} ({escape(g.kind)})</text>')
        else:
            c = topo.components[name]
            chain = " < ".join(topo.domain_chain(name))
            out.append(f'<rect x="{x[name]}" y="{y[name] - 12:.1f}" width="130" height="24" rx="3" '
                       f'fill="{"#ffcdd2" if spof else "#f5f5f5"}" stroke="{colour}"/>'
                       f'<text x="{x[name] + 6}" y="{y[name] + 4:.1f}" fill="{colour}">{escape(name)}</text>'
                       f'<text x="{x[name] + 138}" y="{y[name] + 4:.1f}" fill="{GREY}">A={c.availability:.6g}'
                       f'{escape("  in " + chain) if chain else ""}</text>')
    bad = [d for d in topo.domains if d in spofs]
    base = 70 + len(order) * row
    out.append(f'<text x="20" y="{base}" fill="{RED}">single points of failure: '
               f'{escape(", ".join(sorted(spofs)) or "none")}</text>')
    if bad:
        out.append(f'<text x="20" y="{base + 16}" fill="{RED}">(domains among them: {escape(", ".join(bad))})</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
