"""Views of the replication lab: a run, a comparison of modes or of backends (sim vs redis), chaos, explain."""

from __future__ import annotations


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}{unit}"
    return f"{value}{unit}"


def _short(value) -> str:
    """A number in at most 4 significant digits, for narrow table columns."""
    return "-" if value is None else f"{value:.4g}"


def _rto_text(rto_s, still_open: bool) -> str:
    """An outage no write ended (it outlasted the load) is a lower bound, not a recovery time."""
    if rto_s is None or not still_open:
        return _fmt(rto_s, " s")
    return f">= {rto_s:g} s, not recovered by the end of the load"


def run_view(r):
    from rich.table import Table

    timeline = Table(title=f"{r.scenario}: {r.mode}" + (f" ({r.strategy})" if r.strategy else "")
                     + f", seed {r.seed}", title_justify="left")
    for col in ("time s", "who", "event", "detail"):
        timeline.add_column(col, justify="right" if col == "time s" else "left")
    for e in r.timeline[:200]:
        timeline.add_row(f"{e.time:.3f}", e.source, e.kind, e.detail)
    if len(r.timeline) > 200:
        timeline.add_row("...", "", f"{len(r.timeline) - 200} more events", "(see --json)")
    w = r.writes
    table = Table(title="result (computed from the history and final node states)", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("writes invoked", w.invoked), ("acknowledged (ok)", w.ok), ("failed (not applied)", w.fail),
        ("unknown (info)", f"{w.info} ({r.unknown_survived} survived, {r.unknown_lost} lost)"),
        ("acknowledged writes lost (RPO)", r.acked_lost),
        ("RPO as time (span of lost writes)", _fmt(r.rpo_s, " s")),
        ("unavailability: longest (RTO)", _rto_text(r.rto_s, r.rto_open)),
        ("unavailability: total", _fmt(r.unavailable_s, " s")),
        ("failover time (fault -> new writer)", _fmt(r.failover_s, " s")),
        ("time with two primaries", _fmt(r.two_primaries_s, " s")),
        ("write latency p50 / p99", f"{_fmt(r.latency_ms.p50)} / {_fmt(r.latency_ms.p99)} ms"),
        ("replication lag p50 / p99 / max", f"{_fmt(r.lag_ms.p50)} / {_fmt(r.lag_ms.p99)} / {_fmt(r.lag_ms.max)} ms"),
        ("final divergence", "none" if r.divergence.converged else
         f"{r.divergence.nodes_differing} node(s), {r.divergence.items_differing} item(s)"),
    ]
    if r.max_leaders_per_term is not None:
        rows.append(("most leaders in one term", r.max_leaders_per_term))
    for c in r.conflicts:
        rows.append((f"conflicts: {c.resolution}", c.count))
    if r.channel is not None:
        rows += [(f"{r.channel.channel}: {name}", value) for name, value in r.channel.rows]
    for c in r.checks:
        rows.append((f"check: {c.name}", "pass" if c.ok else f"FAIL ({c.detail})"))
    for name, value in rows:
        table.add_row(name, str(value))
    return [timeline, table]


def compare_view(c):
    from rich.table import Table

    table = Table(title=f"{c.scenario}, seed {c.seed}: {'; '.join(c.faults) or 'no faults'}", title_justify="left")
    # Columns of the sync channels (duplicates, stale reads) only when some row has them.
    extra = [(title, attr) for title, attr in (("dups", "duplicates_applied"), ("stale", "stale_reads"))
             if any(getattr(row, attr) is not None for row in c.rows)]
    for col in ("mode", "p50 ms", "p99 ms", "acked", "lost", "unkn", "fail", "RTO s", "2 prim s",
                "ok %", "div", *(title for title, _ in extra)):
        # fold, never "…": a number cut short would be a wrong number
        table.add_column(col, justify="left" if col == "mode" else "right", no_wrap=col == "mode", overflow="fold")
    for row in c.rows:
        table.add_row(row.mode, _short(row.latency_p50_ms), _short(row.latency_p99_ms), str(row.acked),
                      str(row.acked_lost), str(row.unknown), str(row.failed),
                      (">=" if row.rto_open else "") + _short(row.rto_s),
                      _short(row.two_primaries_s), f"{row.ok_fraction * 100:.1f}", str(row.diverged_items),
                      *(_fmt(getattr(row, attr)) for _, attr in extra))
    table.caption = ("lost: acknowledged writes lost; unkn: outcome unknown; fail: failed; 2 prim s: time with two "
                     "primaries; div: items that differ between nodes at the end; >= RTO: the outage outlasted the load"
                     + ("; dups: duplicates applied; stale: stale reads" if extra else ""))
    return table


def scenarios_view(result):
    from rich.table import Table

    table = Table(title="shipped scenarios (protolab replicate run NAME)", title_justify="left")
    for col in ("name", "mode", "nodes", "faults", "what it shows"):
        table.add_column(col)
    for s in result["scenarios"]:
        table.add_row(s["name"], s["mode"], str(s["nodes"]), "\n".join(s["faults"]), s["description"])
    return table


def explain_view(result):
    from rich.text import Text

    if "topics" in result:
        lines = [f"{t['name']:<14} {t['title']}" for t in result["topics"]]
        if result.get("sync_channels"):
            lines += ["", "sync channels:"] + [f"{t['name']:<14} {t['title']}" for t in result["sync_channels"]]
        return Text("\n".join(lines))
    return Text(f"{result['title']}\n\n{result['text']}\n\nTry: {result['try']}")



def chaos_view(r):
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"chaos: {r.scenario} ({r.mode}), {r.runs} runs from seed {r.seed}, faults "
                        f"{','.join(r.kinds)}", title_justify="left")
    for col in ("checker", "promised", "pass", "fail", "unknown", "n/a", "first failing seed"):
        table.add_column(col, justify="left" if col in ("checker", "promised") else "right")
    for c in r.checkers:
        table.add_row(f"{c.name}: {c.meaning}", "yes" if c.promised else "no", str(c.passed), str(c.failed),
                      str(c.unknown), str(c.not_applicable), "-" if c.first_failure_seed is None
                      else str(c.first_failure_seed))
    parts: list = [table, Text(f"runs that broke a promise of {r.mode}: {r.failed_runs} of {r.runs}"
                               + ("" if r.failed_runs else "  (failures of unpromised properties are findings)"))]
    for f in r.failures:
        lines = [f"failure: seed {f.seed}, {f.checker}: {f.detail}",
                 f"  schedule ({len(f.faults)} faults): " + "; ".join(f.faults),
                 f"  shrunk to {len(f.shrunk)} in {f.shrink_runs} replays: " + ("; ".join(f.shrunk) or "(no fault)"),
                 f"  replay: {f.replay}"]
        parts.append(Text("\n".join(lines)))
    return parts



def backends_view(c):
    from rich.table import Table
    from rich.text import Text

    title = (f"{c.scenario} ({c.mode}), {c.repeat} run(s) per backend from seed {c.seed}: "
             f"{'; '.join(c.faults) or 'no faults'}")
    table = Table(title=title, title_justify="left")
    table.add_column("measure")
    table.add_column("unit")
    for b in c.backends:
        table.add_column(f"{'predicted (sim)' if b == 'sim' else 'measured (redis)'} median", justify="right")
    both = c.verdict is not None
    bound = f"±{c.tolerance * 100:g}%"
    if both:
        table.add_column("difference", justify="right")
        table.add_column("sim error", justify="right")
        table.add_column(f"verdict ({bound})")
    for row in c.rows:
        cells = [row.measure, row.unit] + [_fmt(row.medians[b]) for b in c.backends]
        if both:
            cells += [_fmt(row.difference), "-" if row.error_pct is None else f"{row.error_pct:+.1f}%",
                      row.verdict or ""]
        table.add_row(*cells)
    lines = []
    if both:
        judged = [row for row in c.rows if row.verdict is not None]
        missed = [row for row in judged if row.verdict == "disagree"]
        lines.append(f"verdict: {c.verdict} - {len(judged) - len(missed)} of {len(judged)} judged measures within "
                     f"{bound} of the measured median (where it is 0, only 0 agrees)")
        lines += [f"disagree: {row.measure}: predicted {_fmt(row.medians['sim'])}, measured "
                  f"{_fmt(row.medians['redis'])} {row.unit} ({row.why})" for row in missed]
    lines += [f"note: {n}" for n in c.notes]
    return [table, Text("\n".join(lines))] if lines else table


