"""The one exception hierarchy of protolab.

Core modules raise these; the CLI turns them into an exit code and ONE line on
stderr (the traceback only with --debug).

    ProtolabError          base, never raised directly
    ├── BadInput           the user gave us something we cannot use   -> exit 2
    │   └── MalformedData  a file or message that does not parse      -> exit 2
    ├── CheckFailed        a check ran and its answer was "no"        -> exit 1
    └── Undecided          a check ran out of time or memory          -> exit 3
"""

from __future__ import annotations


class ProtolabError(Exception):
    exit_code = 1


class BadInput(ProtolabError):
    """Bad arguments, missing files, files that are not what they claim to be."""

    exit_code = 2


class MalformedData(BadInput):
    """Bytes that do not parse as the format they should be in."""


class CheckFailed(ProtolabError):
    """A verification ran and failed (a MAC mismatch, an invariant violated)."""

    exit_code = 1


class Undecided(ProtolabError):
    """A verification that could not decide within its limits (a search out of time): neither yes nor no."""

    exit_code = 3
