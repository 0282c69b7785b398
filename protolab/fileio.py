"""Input and output files: the one reader and the one writer every command goes through.

Reading whole files (`read_bytes`, `read_text`): regular files only, checked before a byte is read and
opened with O_NONBLOCK, so a FIFO, a directory or /dev/zero is one BadInput at once, never a hang; at most
MAX_INPUT_BYTES are read (a bigger file is refused, not loaded). `-` is stdin where the caller allows it.

Streaming (`open_input`, used by the capture reader): a regular file, a pipe, or stdin for `-`.

Writing (`open_output`, `write_bytes`, `write_text`): the data goes to a temporary file in the target's
directory that is renamed over the target only once everything is written, so a failed or interrupted
run leaves the old file or a complete new one, never a stub. A target that exists and is not a regular
file (/dev/null, /dev/full, a FIFO) is written directly. Any write error, ENOSPC and EIO included, is a
BadInput naming the path. Secrets (key logs, private keys) are created 0600 whatever the umask and never
written through a symbolic link. `-` is stdout where the caller allows it.

`written` lists the files completed by this process (what an interrupted run can say it kept).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys
from collections.abc import Iterator
from typing import IO, BinaryIO

from protolab.errors import BadInput

STDIO = "-"
MAX_INPUT_BYTES = 16 << 20
MAX_INPUT_TEXT = "16 MiB"
_CHUNK = 1 << 20

written: list[str] = []

# (test, what it is) for everything that is not a regular file
_KINDS = ((stat.S_ISDIR, "is a directory"), (stat.S_ISFIFO, "is a FIFO (named pipe)"),
          (stat.S_ISCHR, "is a character device"), (stat.S_ISBLK, "is a block device"),
          (stat.S_ISSOCK, "is a socket"))


def is_stdio(path) -> bool:
    """True when `path` is `-` (stdin for an input, stdout for an output)."""
    return path is not None and os.fspath(path) == STDIO


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _kind(mode: int) -> str:
    return next((text for test, text in _KINDS if test(mode)), "is not a regular file")


# ---- reading -----------------------------------------------------------------------------------------

def read_bytes(path, what: str, *, stdin_ok: bool = False, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The whole content of an input file; BadInput "{what} {path}: {reason}" when it cannot be used."""
    if is_stdio(path):
        if not stdin_ok:
            raise BadInput(f"{what} -: this input must be a file, not stdin")
        return _capped(sys.stdin.buffer.read(limit + 1), what, path, limit)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise BadInput(f"{what} {path}: {_kind(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise BadInput(_too_big(what, path))
        # O_NONBLOCK: had the path been swapped for a FIFO since the stat, the open still returns at once
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        raise BadInput(f"{what} {path}: {_reason(exc)}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BadInput(f"{what} {path}: not a regular file")
        chunks, total = [], 0
        while chunk := os.read(fd, min(_CHUNK, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # a file growing while we read it
                raise BadInput(_too_big(what, path))
        return b"".join(chunks)
    except OSError as exc:
        raise BadInput(f"{what} {path}: {_reason(exc)}") from None
    finally:
        os.close(fd)


def read_text(path, what: str, *, stdin_ok: bool = False, encoding: str = "utf-8") -> str:
    data = read_bytes(path, what, stdin_ok=stdin_ok)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise BadInput(f"{what} {path}: not a text file") from None


def _capped(data: bytes, what: str, path, limit: int) -> bytes:
    if len(data) > limit:
        raise BadInput(_too_big(what, path))
    return data


def _too_big(what: str, path) -> str:
    return f"{what} {path}: larger than {MAX_INPUT_TEXT}, the most an input file may hold"


def open_input(path, what: str = "input") -> tuple[BinaryIO, int | None]:
    """A file to stream from and its size (None for a pipe or stdin): a regular file, a pipe (FIFO) or `-`.
    A named FIFO is opened without waiting for a writer: with none, it reads as empty (an error at once,
    not a hang); `<(gunzip -c x.gz)` has its writer already. Closing the returned file never closes
    stdin's descriptor."""
    if is_stdio(path):
        try:
            return os.fdopen(sys.stdin.fileno(), "rb", buffering=0, closefd=False), None
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):  # a stdin with no descriptor
            return sys.stdin.buffer, None
    try:
        st = os.stat(path)
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise BadInput(f"{path}: {_kind(st.st_mode)}, not a {what} file")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
        os.set_blocking(fd, True)  # from here a read waits for data, as a stream's reader expects
    except OSError as exc:
        raise BadInput(f"{path}: {_reason(exc)}") from None
    return os.fdopen(fd, "rb", buffering=0), st.st_size if stat.S_ISREG(st.st_mode) else None


# ---- writing -----------------------------------------------------------------------------------------

def check_output(path, *, secret: bool = False, stdout_ok: bool = False) -> None:
    """Refuse now what `open_output` would refuse later (no directory, a directory, a symlink for a secret):
    a command that works for minutes checks its outputs before it starts."""
    _target(path, secret, stdout_ok)


def _target(path, secret: bool, stdout_ok: bool) -> tuple[str, os.stat_result | None]:
    """(the path to write, its stat when it exists); BadInput when it cannot be written."""
    if is_stdio(path):
        if not stdout_ok:
            raise BadInput("cannot write -: this output must be a file, not stdout")
        return STDIO, None
    name = os.fspath(path)
    try:
        if secret:
            with contextlib.suppress(FileNotFoundError):
                if stat.S_ISLNK(os.lstat(name).st_mode):
                    raise BadInput(f"cannot write {name}: it is a symbolic link, and a file holding secrets is "
                                   "never written through one")
        else:
            name = os.path.realpath(name)  # through a symlink, as open() would, and the temp file beside its target
        try:
            st = os.stat(name)
        except FileNotFoundError:
            st = None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise BadInput(f"cannot write {path}: is a directory")
        parent = os.path.dirname(os.path.abspath(name))
        if not os.path.isdir(parent):
            raise BadInput(f"cannot write {path}: no such file or directory")
        if (st is None or stat.S_ISREG(st.st_mode)) and not os.access(parent, os.W_OK):
            raise BadInput(f"cannot write {path}: permission denied")
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {_reason(exc)}") from None
    return name, st


@contextlib.contextmanager
def open_output(path, *, text: bool = False, secret: bool = False, stdout_ok: bool = False) -> Iterator[IO]:
    """A file object for an output (binary, or UTF-8 text): written in full or not at all.

    An exception in the body (a write error, a bad input found late, Ctrl-C) discards the new content and
    leaves the old file as it was. Write errors come out as BadInput("cannot write PATH: reason").
    """
    name, st = _target(path, secret, stdout_ok)
    if name == STDIO:
        yield from _to_stdout(text)
        return
    if st is not None and not stat.S_ISREG(st.st_mode):
        yield from _direct(path, name, text, secret)
        return
    mode = 0o600 if secret else (stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
    directory, base = os.path.split(os.path.abspath(name))
    import tempfile  # here: the CLI's start-up does not pay for it

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {_reason(exc)}") from None
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600; a plain output gets what open() would have given it
        with os.fdopen(fd, "w" if text else "wb", **({"encoding": "utf-8"} if text else {})) as f:
            yield f
        os.replace(tmp, name)
    except OSError as exc:
        _discard(tmp)
        raise BadInput(f"cannot write {path}: {_reason(exc)}") from None
    except BaseException:
        _discard(tmp)
        raise
    written.append(os.fspath(path))


def _direct(path, name: str, text: bool, secret: bool):
    """An existing device or FIFO: written in place (no temp file can stand in for it)."""
    flags = os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY | (os.O_NOFOLLOW if secret else 0)
    try:
        fd = os.open(name, flags)  # O_NONBLOCK: a FIFO nobody reads fails (ENXIO) instead of waiting forever
        os.set_blocking(fd, True)
        with os.fdopen(fd, "w" if text else "wb", **({"encoding": "utf-8"} if text else {})) as f:
            yield f
    except OSError as exc:
        reason = "no process is reading it" if exc.errno == errno.ENXIO else _reason(exc)
        raise BadInput(f"cannot write {path}: {reason}") from None
    written.append(os.fspath(path))


def _to_stdout(text: bool):
    """stdout as an output file: flushed at the end; a closed pipe is left to the CLI (exit 0, silently)."""
    stream = sys.stdout if text else sys.stdout.buffer
    try:
        yield stream
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise BadInput(f"cannot write stdout: {_reason(exc)}") from None


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path, data: bytes, *, secret: bool = False, stdout_ok: bool = False) -> None:
    with open_output(path, secret=secret, stdout_ok=stdout_ok) as f:
        f.write(data)


def write_text(path, text: str, *, secret: bool = False, stdout_ok: bool = False) -> None:
    with open_output(path, text=True, secret=secret, stdout_ok=stdout_ok) as f:
        f.write(text)
