"""Consoles that honour NO_COLOR and non-TTY output.

Built on each call (not at import) because tests and pipes swap sys.stdout.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from rich.console import Console


def _no_color() -> bool:
    # https://no-color.org: any non-empty value disables colour.
    return bool(os.environ.get("NO_COLOR"))


def is_tty(stream=None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich's own answer is SystemExit(1); the CLI's error funnel makes a closed pipe exit 0, silently
        raise BrokenPipeError


def stdout_console() -> Console:
    tty = is_tty(sys.stdout)
    return _Console(
        file=sys.stdout,
        force_terminal=tty,
        no_color=_no_color() or not tty,
        color_system="auto" if tty and not _no_color() else None,
        highlight=False,
        emoji=False,  # a BSSID like aa:cd:e5 must stay a BSSID, not become an emoji
        # Piped output is read by people later (less, files): do not squeeze it into 80 columns.
        width=None if tty else int(os.environ.get("COLUMNS", "120")),
        soft_wrap=not tty,
    )


def stderr_console() -> Console:
    tty = is_tty(sys.stderr)
    return _Console(
        file=sys.stderr,
        force_terminal=tty,
        no_color=_no_color() or not tty,
        color_system="auto" if tty and not _no_color() else None,
        highlight=False,
        emoji=False,  # a BSSID like aa:cd:e5 must stay a BSSID, not become an emoji
        soft_wrap=True,
    )


def print_renderables(rendered: Any) -> None:
    """Print what a view returned (one renderable or a list of them) on stdout."""
    console = stdout_console()
    for item in rendered if isinstance(rendered, (list, tuple)) else [rendered]:
        # Piped output soft-wraps lines (no hard breaks at COLUMNS), but a panel or a tree must wrap
        # its content or it would crop every line at the width.
        console.print(item, soft_wrap=console.soft_wrap and not _crops(item))


def _crops(item: Any) -> bool:
    from rich.panel import Panel
    from rich.tree import Tree

    return isinstance(item, (Panel, Tree))
