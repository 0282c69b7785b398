"""Options and output helpers shared by every command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout (bytes as hex).")]


def output(result: Any, as_json: bool, view: Callable[[Any], Any]) -> None:
    """Print `result` as JSON, or as the rich renderable(s) that `view(result)` returns."""
    if as_json:
        from protolab.render.jsonout import emit_json

        emit_json(result)
        return
    from protolab.render.console import print_renderables

    print_renderables(view(result))


def stdout_taken(as_json: bool, outputs: dict[str, Any]) -> bool:
    """True when an output file flag is `-`: that file goes to stdout and the command prints no view.
    Two outputs on stdout, or one with --json, are bad input (checked before any work)."""
    from protolab.errors import BadInput
    from protolab.fileio import is_stdio

    named = [flag for flag, path in outputs.items() if is_stdio(path)]
    if len(named) > 1:
        raise BadInput(f"{' and '.join(named)} both ask for stdout ('-'): only one output can go there")
    if named and as_json:
        raise BadInput(f"{named[0]} - writes to stdout, where --json would go too: choose one")
    return bool(named)


def fail_check(message: str) -> None:
    """A check ran and failed: exit 1 with one line on stderr (after the result was printed)."""
    from protolab.errors import CheckFailed

    raise CheckFailed(message)


def warn(message: str) -> None:
    """One warning line on stderr, never on stdout (stdout may be JSON)."""
    import sys

    sys.stderr.write(f"warning: {message}\n")


def group(help: str) -> typer.Typer:
    """A lab's command group, with the settings every group shares (plain help keeps start-up fast)."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None, add_completion=False,
                       pretty_exceptions_enable=False, context_settings={"help_option_names": ["-h", "--help"]})
