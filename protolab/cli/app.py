"""The root `protolab` app: it only composes the command groups.

Error convention (one place for every command): bad input -> exit 2 and ONE
line on stderr; a failed check -> exit 1; success -> 0. `--debug` anywhere on
the command line shows the traceback as well.
"""

from __future__ import annotations

import errno
import importlib
import io
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from protolab import __version__
from protolab.cli import check, tour
from protolab.errors import BadInput, ProtolabError
from protolab.signals import Terminated, sigterm_raises

try:  # Typer >= 0.29 vendors Click; its exceptions are the ones raised
    from typer._click import exceptions as click
    from typer.exceptions import Abort
except ImportError:  # pragma: no cover - older Typer uses Click itself
    from click import exceptions as click
    from click.exceptions import Abort


def _short_help(text: str, limit: int) -> str:
    """First sentence of a help text, cut at `limit` characters (as Click shortens command help)."""
    first = " ".join(text.split("\n\n")[0].split())
    first = first.split(". ")[0].rstrip(".")
    if len(first) <= limit:
        return first
    return first[: max(limit - 3, 1)].rsplit(" ", 1)[0].rstrip(",;:") + "..."


MAX_ERROR_CHARS = 500  # an error quoting a 100 KB key from a file is still one readable line


def _one_line(message: str) -> str:
    line = " ".join(str(message).split())
    if len(line) <= MAX_ERROR_CHARS:
        return line
    return f"{line[:MAX_ERROR_CHARS]}... ({len(line) - MAX_ERROR_CHARS} more characters)"


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143   # 128 + SIGTERM
STDOUT_ERRORS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _kept(how: str) -> str:
    """What an interrupted run leaves: the files it finished; the one it was writing is not there."""
    from protolab.fileio import written

    if written:
        return f"{how}: kept {', '.join(dict.fromkeys(written))} (complete); an output not finished was not written"
    return f"{how}: no file written (existing files are as they were)"


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush of what is still buffered neither fails
    nor prints "Exception ignored" (the recipe of Python's signal module documentation)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):  # a stdout with no descriptor
        pass


# The command groups, in the order `protolab --help` lists them. Each is loaded (imported and turned
# into a Click group) only when the command line names it: `protolab pcap info` never builds the
# other groups' commands, which would cost more start-up time than reading a small capture.
GROUPS = {
    "beacon": "protolab.cli.beacon",
    "tls": "protolab.cli.tls",
    "replicate": "protolab.cli.replicate",
    "pcap": "protolab.cli.pcap",
    "ha": "protolab.cli.ha",
}


class _PastTyper(Exception):
    """Carries Ctrl-C, SIGTERM and OS errors past Typer's main, which would turn them into a silent exit
    (130 for any interrupt, 1 for a closed pipe) before the handlers of ProtolabGroup.main see them."""

    def __init__(self, exc: BaseException):
        super().__init__()
        self.exc = exc


class ProtolabGroup(TyperGroup):
    """Loads command groups lazily, runs the command non-standalone and turns every failure into one
    stderr line + exit code."""

    def list_commands(self, ctx) -> list[str]:
        return [*super().list_commands(ctx), *GROUPS]

    def get_command(self, ctx, cmd_name: str):
        if cmd_name in GROUPS:
            from typer.main import get_command

            group = get_command(importlib.import_module(GROUPS[cmd_name]).app)
            group.name = cmd_name
            return group
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx, formatter) -> None:
        """The command list of `protolab --help`, from each group's help text, without building the
        groups' commands (that is most of the start-up time of --help)."""
        rows = []
        for name in self.list_commands(ctx):
            if name in GROUPS:
                rows.append((name, importlib.import_module(GROUPS[name]).app.info.help or ""))
            else:
                command = super().get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.help or ""))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, _short_help(text, limit)) for name, text in rows])

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra: Any):
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv
        if "protolab.fileio" in sys.modules:  # a second run in the same process (tests) starts a new list
            sys.modules["protolab.fileio"].written.clear()
        with sigterm_raises():
            code = self._run(argv, prog_name, complete_var, debug, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, OSError) as exc:
            raise _PastTyper(exc) from None

    def _run(self, argv, prog_name, complete_var, debug: bool, **extra: Any) -> int:
        try:
            try:
                rv = super().main(args=argv, prog_name=prog_name or "protolab", complete_var=complete_var,
                                  standalone_mode=False, **extra)
            except _PastTyper as passed:
                raise passed.exc from None
            code = rv if isinstance(rv, int) else 0
            sys.stdout.flush()  # here, so a full disk or a closed pipe meets the handlers below
        except click.NoArgsIsHelpError as exc:
            # `protolab beacon` alone: show the group's help, as --help would.
            sys.stdout.write(exc.ctx.get_help() + "\n")
            code = 0
        except click.UsageError as exc:
            hint = f" (try '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            code = self._report(f"{_one_line(exc.format_message())}{hint}", 2, debug)
        except click.ClickException as exc:
            code = self._report(_one_line(exc.format_message()), exc.exit_code, debug)
        except Abort:
            code = self._report("aborted", 130, debug)
        except ProtolabError as exc:
            code = self._report(_one_line(str(exc)) or type(exc).__name__, exc.exit_code, debug)
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            code = self._report(f"{exc.strerror}: {exc.filename}", BadInput.exit_code, debug)
        except Terminated:
            code = self._report(_kept("terminated (SIGTERM)"), EXIT_TERMINATED, debug)
        except KeyboardInterrupt:
            code = self._report(_kept("interrupted (Ctrl-C)"), EXIT_INTERRUPTED, debug)
        except BrokenPipeError:
            _drop_stdout()
            code = 0  # `protolab ... | head` closed the pipe: not an error
        except OSError as exc:
            if exc.errno not in STDOUT_ERRORS:
                code = self._internal(exc, debug)
            else:  # files are written by protolab.fileio, which names them: what is left is stdout
                _drop_stdout()
                code = self._report(f"cannot write stdout: {(exc.strerror or str(exc)).lower()}",
                                    BadInput.exit_code, debug)
        except Exception as exc:  # a bug: still one line, the traceback with --debug
            code = self._internal(exc, debug)
        return code

    def _internal(self, exc: Exception, debug: bool) -> int:
        return self._report(f"internal error: {type(exc).__name__}: {_one_line(str(exc))}"
                            " (run again with --debug for the traceback)", 1, debug)

    @staticmethod
    def _report(message: str, code: int, debug: bool) -> int:
        if debug:
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"error: {message}\n")
        sys.stderr.flush()
        return code


app = typer.Typer(
    cls=ProtolabGroup,
    name="protolab",
    help="A command-line protocol lab: see how protocols work, byte by byte and event by event.\n\n"
         "Example: protolab tour",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain Click help: keeps `protolab --help` from importing rich
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"protolab {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
) -> None:
    """A command-line protocol lab: see how protocols work, byte by byte and event by event."""


app.command(name="tour", help=tour.HELP)(tour.tour)
app.command(name="check", help=check.HELP)(check.check)


def main() -> None:
    app()
