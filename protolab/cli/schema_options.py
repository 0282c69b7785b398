"""Typer options made from schema declarations (``protolab.schema``).

A command says which record's flags it offers and where they go among its own parameters; each option's
names, help text, type and default come from the field that declares it. The command function takes the
values as ``**options`` (parameter name -> value).

The options are worked out when Typer builds the command, not when the module is imported: `protolab
--help` imports every group's module and should not import the labs' models for it. ``inspect.signature``
(which Typer calls) follows a function's ``__wrapped__`` to an object whose ``__signature__`` is a property.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from protolab import schema


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


class _Options:
    """What ``inspect.signature`` finds behind a command: its own parameters and the declared options."""

    def __init__(self, fn: Callable, source: Callable[[], list[schema.Option]], after: str | None,
                 help_texts: dict[str, str], defaults: bool):
        self.fn, self.source, self.after, self.help_texts, self.defaults = fn, source, after, help_texts, defaults
        self.__globals__ = fn.__globals__  # typing.get_type_hints looks up the command's names through here

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
               for p in inspect.signature(self.fn, follow_wrapped=False, eval_str=True).parameters.values()
               if p.kind is not inspect.Parameter.VAR_KEYWORD]
        at = 0 if self.after is None else next(i for i, p in enumerate(own) if p.name == self.after) + 1
        made = [_parameter(opt, self.help_texts.get(opt.param), self.defaults) for opt in self.source()]
        return inspect.Signature(own[:at] + made + own[at:])


def with_options(source: Callable[[], list[schema.Option]], *, after: str | None = None,
                 help: dict[str, str] | None = None, defaults: bool = False):
    """Give a command the options ``source()`` lists, placed after its parameter ``after`` (None: first). Without
    ``defaults`` every option defaults to None (not given: the scenario's own value stays)."""
    def decorate(fn: Callable) -> Callable:
        fn.__wrapped__ = _Options(fn, source, after, dict(help or {}), defaults)
        return fn
    return decorate


def given(options: dict[str, Any]) -> dict[str, Any]:
    """The options that were given (not None, not an empty repeat)."""
    return {k: v for k, v in options.items() if v is not None and v != [] and v != ()}
