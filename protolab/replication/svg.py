"""`--svg`: the run as a message ladder (a Lamport diagram, as Maelstrom draws them).

One vertical lane per process (clients, data nodes, Sentinels), time flowing down. Arrows are
messages (red and dashed when dropped), grey blocks are crashed periods, shaded bands are network
faults, dots are timeline events, and a thin bar beside each data node shows its role (dark green:
takes writes, light green: follows, orange: candidate, grey: down). Periodic noise (pings,
heartbeats, acks, gossip) is left out and bulk traffic (writes, replies, the replication
stream) is sampled evenly so the picture stays readable; the history file has every operation.
Output is deterministic: same run, same bytes.
"""

from __future__ import annotations

from html import escape

from protolab.replication.messages import BULK, VOCABULARY

PANEL = 140  # width of the lag panel of a broker run
MAX_BULK = 300
MAX_CONTROL = 700
LANE = 120
LEFT = 70
TOP = 60
ROLE_COLOURS = {"primary": "#2e7d32", "leader": "#2e7d32", "peer": "#2e7d32", "candidate": "#ef6c00",
                "origin": "#2e7d32", "server": "#2e7d32", "broker": "#1565c0", "consumer": "#a5d6a7",
                "receiver": "#a5d6a7", "brick": "#a5d6a7", "store": "#a5d6a7",
                "replica": "#a5d6a7", "follower": "#a5d6a7", "down": "#9e9e9e"}


def _sample(items: list, limit: int) -> list:
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def ladder(sim, result) -> str:
    lanes = [c.name for c in sim.clients] + list(sim.nodes) + [s.name for s in sim.sentinels] + [
        e.name for e in getattr(sim, "extras", [])]  # a sync channel's broker, gateway or mounts
    x = {name: LEFT + i * LANE for i, name in enumerate(lanes)}
    end = sim.end
    scale = max(20.0, min(200.0, 2400.0 / end)) if end > 0 else 100.0
    height = int(TOP + end * scale + 40)
    series = getattr(sim, "channel_series", None) or []  # a broker run: consumer lag and backlog over time
    panel = LEFT + LANE * len(lanes) + 20
    width = LEFT + LANE * len(lanes) + 160 + (PANEL + 40 if series else 0)

    def y(t: float) -> str:
        return f"{TOP + t * scale:.1f}"

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="monospace" font-size="11">',
           '<defs><marker id="a" markerWidth="8" markerHeight="6" refX="8" refY="3" orient="auto">'
           '<path d="M0,0 L8,3 L0,6 z" fill="#444"/></marker></defs>',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{LEFT}" y="20" font-size="14">{escape(result.scenario)}: {escape(result.mode)}, seed '
           f'{result.seed} - acked lost {result.acked_lost}, RTO {">= " if result.rto_open else ""}{result.rto_s}, two '
           'primaries '
           f'{result.two_primaries_s} s</text>']
    # network faults as bands, crashes and pauses as blocks on the lane
    for kind, what, start, stop in sim.fault_log:
        stop = end if stop is None else min(stop, end)
        if kind in ("crash", "pause") and what in x:
            fill = "#bbb" if kind == "crash" else "#f3d9a4"
            out.append(f'<rect x="{x[what] - 8}" y="{y(start)}" width="16" height="{(stop - start) * scale:.1f}" '
                       f'fill="{fill}"><title>{kind} {escape(what)}</title></rect>')
        elif kind not in ("crash", "pause"):
            out.append(f'<rect x="0" y="{y(start)}" width="{width}" height="{(stop - start) * scale:.1f}" '
                       f'fill="#fde2e2" opacity="0.5"/>'
                       f'<text x="4" y="{float(y(start)) + 12:.1f}" fill="#a33">{escape(kind)} {escape(what)}</text>')
    # each data node's role over time, as a band beside its lane (two green bands at once: two primaries)
    spans: dict[str, tuple[float, str]] = {}
    for t, node, role, _term in [*sim.roles, (end, None, None, None)]:
        for name, (since, was) in list(spans.items()):
            if node is None or name == node:
                out.append(f'<rect x="{x[name] - 14}" y="{y(since)}" width="5" height="{(t - since) * scale:.1f}" '
                           f'fill="{ROLE_COLOURS.get(was, "#ccc")}"><title>{escape(name)} {escape(was)}</title></rect>')
                del spans[name]
        if node is not None and node in x:
            spans[node] = (t, role)
    for name in lanes:
        out.append(f'<line x1="{x[name]}" y1="{TOP - 10}" x2="{x[name]}" y2="{height - 30}" stroke="#999"/>'
                   f'<text x="{x[name]}" y="{TOP - 16}" text-anchor="middle" font-weight="bold">{escape(name)}</text>')
    for t in range(int(end) + 1):
        out.append(f'<text x="{width - 40}" y="{y(t)}" fill="#666">{t}s</text>')
    trace = sim.net.trace or []
    bulk = [m for m in trace if VOCABULARY[m[4]].ladder == BULK]
    control = [m for m in trace if VOCABULARY[m[4]].ladder != BULK]
    for sent, arrives, src, dst, label, status in sorted(_sample(control, MAX_CONTROL) + _sample(bulk, MAX_BULK),
                                                         key=lambda m: (m[0], m[2], m[3])):
        if src not in x or dst not in x:
            continue
        if status == "dropped":
            x2 = (x[src] + x[dst]) / 2
            out.append(f'<line x1="{x[src]}" y1="{y(sent)}" x2="{x2:.1f}" y2="{y((sent + arrives) / 2)}" '
                       f'stroke="#d33" stroke-dasharray="4,3"><title>{escape(label)} dropped</title></line>')
        else:
            out.append(f'<line x1="{x[src]}" y1="{y(sent)}" x2="{x[dst]}" y2="{y(arrives)}" stroke="#444" '
                       f'stroke-width="0.7" marker-end="url(#a)"><title>{escape(label)} {sent:.4f}s</title></line>')
    for e in result.timeline:
        if e.source not in x:
            if e.source != "nemesis":
                continue
            px = 8
        else:
            px = x[e.source]
        out.append(f'<circle cx="{px}" cy="{y(e.time)}" r="3.5" fill="#1565c0"/>'
                   f'<text x="{px + 6}" y="{float(y(e.time)) - 3:.1f}" fill="#1565c0">'
                   f'{escape(e.kind)} {escape(e.detail)[:40]}</text>')
    if series:
        out.extend(_series_panel(series, panel, y))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _series_panel(series: list[list[float]], x0: int, y) -> list[str]:
    """Consumer lag (blue) and end-to-end backlog (orange), in events, against the same time axis."""
    top = max((max(p[1:]) for p in series), default=0) or 1
    out = [f'<text x="{x0}" y="{TOP - 30}" fill="#1565c0">consumer lag</text>'
           f'<text x="{x0}" y="{TOP - 16}" fill="#ef6c00">backlog (max {top:g} events)</text>',
           f'<line x1="{x0}" y1="{TOP - 10}" x2="{x0}" y2="{y(series[-1][0])}" stroke="#999"/>']
    for col, colour in ((2, "#ef6c00"), (1, "#1565c0")):
        points = " ".join(f"{x0 + p[col] / top * PANEL:.1f},{y(p[0])}" for p in series)
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
    return out
