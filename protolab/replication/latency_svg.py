"""`chaos --svg`: operation latency over time with the fault periods shaded, as Jepsen's latency
plots draw them. One dot per operation at (invoke time, latency), log scale; colour by outcome
(ok, fail, info = unknown, drawn at the run's timeout line when it never completed); shape by
kind (circle: write, square: read). Each fault is a shaded band in its kind's colour, with a label.
Deterministic: the same run gives the same bytes."""

from __future__ import annotations

import math
from html import escape

from protolab.replication.history import READ, WRITE_FS

W, H, LEFT, TOP, BOTTOM = 900, 420, 70, 50, 50
OUTCOME_COLOURS = {"ok": "#2e7d32", "fail": "#c62828", "info": "#ef6c00"}
FAULT_COLOURS = {"crash": "#9e9e9e", "pause": "#f3d9a4", "partition": "#f8bbd0", "isolate": "#f48fb1",
                 "delay": "#bbdefb", "loss": "#d1c4e9", "skew": "#c8e6c9"}
MIN_MS = 0.01


def latency_plot(sim, title: str) -> str:
    end = sim.end
    points = []
    done = {op[5]: op for op in sim.history.ops if op[2] != "invoke"}
    for op in sim.history.ops:
        if op[2] != "invoke" or (op[3] not in WRITE_FS and op[3] != READ):
            continue
        d = done.get(op[5])
        outcome = d[2] if d is not None else "info"
        latency = (d[0] - op[0]) * 1000 if d is not None else None
        points.append((op[0], latency, outcome, op[3] == READ))
    finite = [p[1] for p in points if p[1] is not None] or [1.0]
    top_ms = max(max(finite) * 1.5, 10.0)
    lo, hi = math.log10(MIN_MS), math.log10(top_ms)
    pw, ph = W - LEFT - 20, H - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + pw * t / end if end else LEFT

    def y(ms: float | None) -> float:
        ms = top_ms if ms is None else max(ms, MIN_MS)
        return TOP + ph * (1 - (math.log10(ms) - lo) / (hi - lo))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="monospace" '
           f'font-size="11">', f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="20" font-size="14">{escape(title)}</text>']
    for i, (kind, what, start, stop) in enumerate(sim.fault_log):
        stop = end if stop is None else min(stop, end)
        width = max(x(stop) - x(start), 1.0)
        out.append(f'<rect x="{x(start):.1f}" y="{TOP}" width="{width:.1f}" height="{ph}" '
                   f'fill="{FAULT_COLOURS.get(kind, "#eee")}" opacity="0.55"><title>{escape(kind)} {escape(what)} '
                   f'{start:.3f}-{stop:.3f} s</title></rect>'
                   f'<text x="{x(start) + 2:.1f}" y="{TOP + 12 + 12 * (i % 4)}" fill="#555">'
                   f'{escape(kind)} {escape(what)[:24]}</text>')
    for t, ms, outcome, is_read in points:
        colour = OUTCOME_COLOURS.get(outcome, "#000")
        if is_read:
            out.append(f'<rect x="{x(t) - 1.5:.1f}" y="{y(ms) - 1.5:.1f}" width="3" height="3" fill="{colour}"/>')
        else:
            out.append(f'<circle cx="{x(t):.1f}" cy="{y(ms):.1f}" r="1.6" fill="{colour}"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{LEFT + pw}" y2="{TOP + ph}" stroke="#333"/>'
               f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + ph}" stroke="#333"/>')
    for e in range(math.ceil(lo), math.floor(hi) + 1):
        out.append(f'<text x="{LEFT - 6}" y="{y(10 ** e) + 4:.1f}" text-anchor="end">{10 ** e:g} ms</text>'
                   f'<line x1="{LEFT}" y1="{y(10 ** e):.1f}" x2="{LEFT + pw}" y2="{y(10 ** e):.1f}" stroke="#eee"/>')
    step = max(1, int(end // 10) or 1)
    for t in range(0, int(end) + 1, step):
        out.append(f'<text x="{x(t):.1f}" y="{TOP + ph + 16}" text-anchor="middle">{t}s</text>')
    legend = " ".join(f'<tspan fill="{c}">&#9679; {k}</tspan>' for k, c in OUTCOME_COLOURS.items())
    out.append(f'<text x="{LEFT}" y="{H - 12}">{legend} <tspan fill="#333">circle: write, square: read; '
               'shaded: faults; info at the top: never answered</tspan></text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
