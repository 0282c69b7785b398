"""SIGTERM handled like Ctrl-C: the one policy for ending a run from outside.

A plain command gets `Terminated` raised from the signal handler, as Python raises KeyboardInterrupt for
SIGINT, so every `finally` and every `except KeyboardInterrupt` runs the same for both (the CLI exits 143
instead of 130). An asyncio run is different: an exception raised between two bytecodes of the event loop
can leave asyncio's shutdown waiting forever, so there (`run_async`) SIGTERM cancels the main task, which
is what asyncio itself does on Ctrl-C, and `Terminated` is raised once the run has unwound.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Coroutine, Iterator


class Terminated(KeyboardInterrupt):
    """The process was sent SIGTERM (a KeyboardInterrupt, so cleanup code treats it as Ctrl-C)."""


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_terminated(_sig, _frame) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises Terminated; the previous handler comes back on the way out."""
    if not _main_thread():  # signal handlers can only be set from the main thread
        yield
        return
    old = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def run_async(main: Callable[[], Coroutine]) -> None:
    """asyncio.run(main()), SIGTERM cancelling the main task (cooperatively, as asyncio does for Ctrl-C);
    Terminated is raised after the run has unwound, whether or not the cancellation got through."""
    import asyncio  # here, not at the top: the CLI imports this module on every start

    if not _main_thread():
        asyncio.run(main())
        return
    seen: list[int] = []

    def note(sig, _frame) -> None:  # before the loop runs and after it stops: remember, raise nothing
        seen.append(sig)

    async def guarded() -> None:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()

        def cancel() -> None:
            seen.append(signal.SIGTERM)
            task.cancel()

        loop.add_signal_handler(signal.SIGTERM, cancel)
        try:
            if seen:  # came while the loop was starting
                raise asyncio.CancelledError
            await main()
        finally:
            # taken back here, not by the loop's close, which would leave SIGTERM at its default (kill)
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, note)

    old = signal.signal(signal.SIGTERM, note)
    try:
        asyncio.run(guarded())
    except asyncio.CancelledError:
        if not seen:
            raise
    finally:
        signal.signal(signal.SIGTERM, old)
    if seen:
        raise Terminated
