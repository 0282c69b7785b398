"""The view of `protolab check`: the verdict, what was checked, and for a failure the window where no
order explains the history (the last consistent prefix, the op that cannot be placed, the ops open
beside it, the states the prefix leaves)."""

from __future__ import annotations


def describe(op) -> str:
    """One op as a Jepsen user reads it: ``process 3 :cas [1 2] -> :ok``, ``process 1 :read -> 3``."""
    from protolab.replication.checkers.models import show

    if op.status == "ok" and op.result is not None and op.f in ("read", "txn"):
        what = f":{op.f} -> {show(op.result)}"
    else:
        what = f":{op.f} {show(op.value)}"
        what += f" -> :{op.status}" if op.ret is not None else " (:info: may take effect later, or never)"
    return f"process {op.process} {what}"


def summary_line(result) -> str:
    if result.verdict == "valid":
        return f"linearizable as a {result.model}"
    if result.verdict == "unknown":
        return f"undecided: {result.why}"
    f = result.failure
    blocked = f" at op {f.blocked.index} ({f.blocked.where})" if f.blocked is not None else ""
    return f"not linearizable as a {result.model}{blocked}"


def check_view(result):
    from rich.panel import Panel
    from rich.table import Table

    from protolab.replication.checkers.models import show

    colour = {"valid": "green", "invalid": "red", "unknown": "yellow"}[result.verdict]
    left_out = result.ops - result.checked
    lines = [
        f"[{colour}]{result.verdict}[/]: {summary_line(result)}",
        f"model {result.model}" + (f" from {show(result.initial)}" if result.initial is not None else "")
        + f", read as {result.format}",
        f"{result.ops} ops: {result.checked} searched ({result.optional} of them may or may not have taken "
        f"effect), {left_out} left out (failed, or reads nobody saw)",
        f"{result.partitions} partition(s), {result.steps:,} search steps, {result.seconds:.2f} s",
        *(f"note: {note}" for note in result.notes),
    ]
    out = [Panel("\n".join(lines), title="protolab check", title_align="left")]
    f = result.failure
    if f is None:
        return out
    table = Table(title=f"failing window{' on key ' + ', '.join(map(show, f.keys)) if f.keys else ''} "
                        f"({f.ops} ops in the partition)", title_justify="left")
    table.add_column("")
    table.add_column("op", justify="right")
    table.add_column("where")
    table.add_column("operation")
    skipped = f.prefix_length - len(f.prefix_tail)
    if skipped:
        table.add_row("prefix", "...", "", f"{skipped} earlier op(s) of the consistent prefix")
    for op in f.prefix_tail:
        table.add_row("prefix", str(op.index), op.where, describe(op))
    if f.blocked is not None:
        table.add_row("[red]cannot be placed[/]", str(f.blocked.index), f.blocked.where, describe(f.blocked))
    for op in f.open_ops:
        table.add_row("open beside it", str(op.index), op.where, describe(op))
    out.append(table)
    states = ", ".join(show(s) for s in f.states) or "-"
    out.append(f"states the prefix can leave: {states}")
    return out
