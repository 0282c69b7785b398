"""A progress bar for long work that stays silent when stdout is not a TTY."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from protolab.render.console import is_tty, stderr_console


@contextmanager
def progress(total: float | None, description: str, unit: str = "bytes") -> Iterator[Callable[[float], None]]:
    """Yield an `advance(amount)` function; draws a bar on a TTY, does nothing otherwise.

    unit "bytes" shows sizes (12.3/40.0 MB); anything else shows a plain count (120/400).
    """
    import sys

    if not is_tty(sys.stdout):
        yield lambda amount: None
        return
    from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    amount_column = DownloadColumn() if unit == "bytes" else MofNCompleteColumn()
    with Progress(TextColumn("{task.description}"), BarColumn(), amount_column, TimeRemainingColumn(),
                  console=stderr_console(), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda amount: bar.advance(task, amount)
