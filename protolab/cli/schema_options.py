"""Typer options made from schema declarations (``protolab.schema``).

A command says which record's flags it offers and where they go among its own parameters; each option's
names, help text, type and default come from the field that declares it. The command function takes the
values as ``**options`` (parameter name -> value). The options are computed again by ``refresh`` (the
Typer command is built from the function's signature each time the group is loaded).
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from protolab import schema

_SOURCE = "__schema_options__"


def _cli_type(opt: schema.Option):
    """The type Typer parses the option into: the flag's or kind's, an Enum for a field with choices."""
    declared = opt.flag.cli_type or opt.field.kind.cli_type
    if opt.field.choices is not None and declared is str and opt.flag.choice_menu:
        values = [str(c) for c in opt.field.choices]
        return enum.Enum(opt.field.name.title().replace("_", ""), [(v, v) for v in values], type=str)
    return declared


def _parameter(opt: schema.Option, help_text: str | None, with_default: bool) -> inspect.Parameter:
    typ = _cli_type(opt)
    default = opt.field.default if with_default else None
    annotation = typ if default is not None else typ | None
    option = typer.Option(opt.flag.names, help=help_text or opt.flag.help or opt.field.help)
    return inspect.Parameter(opt.param, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=Annotated[annotation, option])


def refresh(fn: Callable) -> Callable:
    """Rebuild ``fn.__signature__`` from its declarations (after a schema changed, e.g. in a test)."""
    source, after, help_texts, with_defaults = getattr(fn, _SOURCE)
    fn.__dict__.pop("__signature__", None)
    own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
           for p in inspect.signature(fn, eval_str=True).parameters.values()
           if p.kind is not inspect.Parameter.VAR_KEYWORD]
    at = 0 if after is None else next(i for i, p in enumerate(own) if p.name == after) + 1
    made = [_parameter(opt, help_texts.get(opt.param), with_defaults) for opt in source()]
    fn.__signature__ = inspect.Signature(own[:at] + made + own[at:])
    return fn


def with_options(source: Callable[[], list[schema.Option]], *, after: str | None = None,
                 help: dict[str, str] | None = None, defaults: bool = False):
    """Give a command the options ``source()`` lists, placed after its parameter ``after`` (None: first). Without
    ``defaults`` every option defaults to None (not given: the scenario's own value stays)."""
    def decorate(fn: Callable) -> Callable:
        setattr(fn, _SOURCE, (source, after, dict(help or {}), defaults))
        return refresh(fn)
    return decorate


def given(options: dict[str, Any]) -> dict[str, Any]:
    """The options that were given (not None, not an empty repeat)."""
    return {k: v for k, v in options.items() if v is not None and v != [] and v != ()}
