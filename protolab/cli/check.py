"""`protolab check`: is a recorded history (Jepsen, Knossos, Porcupine, protolab) linearizable?"""

from __future__ import annotations

from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, output

HELP = ("Check a recorded history for linearizability against a model (register, cas-register, kv, set, "
        "counter).\n\n"
        "HISTORY is Jepsen/Knossos EDN (a vector or a stream of op maps), Jepsen log lines "
        "('INFO jepsen.util - 3 :invoke :read nil'), Jepsen ops as JSON, or protolab's own --history JSONL; "
        "'-' reads stdin. Completions pair with invokes by process; :fail ops did not happen; :info ops "
        "may have happened at any time after their invoke. The model is inferred from the ops unless "
        "--model names it. Exit codes: 0 valid, 1 invalid (the failing window is printed), 2 bad input, "
        "3 unknown (time or memory ran out).\n\n"
        "Example: protolab check history.edn --model cas-register --time-limit 10s")


def check(
    history: Annotated[str, typer.Argument(metavar="HISTORY", help="The history file ('-' for stdin).")],
    model: Annotated[str | None, typer.Option("--model", metavar="MODEL",
                                              help="register, cas-register, kv, set or counter "
                                                   "(default: inferred from the ops).")] = None,
    initial: Annotated[str | None, typer.Option("--initial", metavar="EDN",
                                                help="The initial value, in EDN (default nil; a set #{}, "
                                                     "a counter 0); for kv, of every key.")] = None,
    time_limit: Annotated[str, typer.Option("--time-limit", metavar="DURATION",
                                            help="Give up (verdict unknown, exit 3) after this long.")] = "30s",
    fmt: Annotated[str | None, typer.Option("--format", metavar="FORMAT",
                                            help="edn, log, json or jsonl (default: told from the "
                                                 "content).")] = None,
    as_json: JsonFlag = False,
) -> None:
    from protolab.errors import BadInput, CheckFailed, MalformedData, Undecided
    from protolab.fileio import read_text
    from protolab.render.check import check_view, summary_line
    from protolab.replication.checkers import edn
    from protolab.replication.checkers.histories import FORMATS
    from protolab.replication.checkers.history_check import check_history, model_named
    from protolab.sim.durations import parse_duration

    if model is not None:
        model_named(model)
    if fmt is not None and fmt not in FORMATS:
        raise BadInput(f"--format: no format named {fmt!r}; formats: {', '.join(FORMATS)}")
    limit = parse_duration(time_limit, "--time-limit")
    if limit <= 0:
        raise BadInput(f"--time-limit: must be more than 0, got {time_limit!r}")
    start = None
    if initial is not None:
        try:
            start = edn.read_one(initial)
        except MalformedData as exc:
            raise BadInput(f"--initial: {str(exc).split(': ', 1)[-1]}") from None
    text = read_text(history, "history", stdin_ok=True)
    try:
        result = check_history(text, model, start, limit, fmt)
    except MalformedData as exc:
        raise MalformedData(f"history {history}: {exc}") from None
    output(result, as_json, check_view)
    if result.verdict == "invalid":
        raise CheckFailed(summary_line(result))
    if result.verdict == "unknown":
        raise Undecided(summary_line(result))
