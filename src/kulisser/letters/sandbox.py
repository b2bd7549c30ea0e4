"""The sandbox that fills a manager's letter text, with bounds on what one letter may cost.

Jinja's immutable sandbox keeps a text from reaching Python objects, but not from costing
time and memory: `{{ fornamn|center(5000000) }}`, `'%5000000s' % fornamn` or a loop over a
loop each make one letter a page of megabytes or a render of minutes. So a letter text is
limited to what letters need (merge fields, conditions, a few text filters), and a render
is bounded: no value, argument or result may exceed MAX_OUTPUT characters, the whole
output is counted as it is made, and MAX_SECONDS is checked at every step. Without loops,
macros or assignments every expression is evaluated at most once, so these bounds also
bound the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kulisser.i18n import _

MAX_OUTPUT = 100_000  # characters of one letter text, filled in (about 30 printed pages)
MAX_SECONDS = 1.0  # to fill one letter text (a normal one takes well under a millisecond)

# The statements a letter text may use: text, {{ fields }} and {% if %}.
ALLOWED_STATEMENTS = (nodes.Output, nodes.If)
# Filters that shape a value's text; any other is unknown in a letter.
FILTERS = ("upper", "lower", "capitalize", "title", "trim", "striptags", "e", "escape", "string",
           "length", "count", "wordcount", "first", "last", "default", "d", "abs", "int", "float",
           "round", "truncate", "replace", "center")
# Methods of a text value that may be called (the rest are refused).
STR_METHODS = frozenset({
    "upper", "lower", "capitalize", "title", "casefold", "swapcase", "strip", "lstrip", "rstrip",
    "startswith", "endswith", "count", "find", "rfind", "split", "rsplit", "splitlines",
    "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "replace", "center",
    "ljust", "rjust", "zfill", "removeprefix", "removesuffix"})


class RenderLimit(Exception):
    """A letter text went past a bound while being filled in; .message is Swedish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_deadline: ContextVar[float] = ContextVar("letter_render_deadline", default=float("inf"))


def too_long() -> RenderLimit:
    """The refusal of a letter whose text, filled in, is too long."""
    return RenderLimit(_("Brevet blir för långt: högst {max_output} tecken per brev när fälten är ifyllda.",
                         max_output=MAX_OUTPUT))


def _tick() -> None:
    if time.monotonic() > _deadline.get():
        raise RenderLimit(_("Brevet tar för lång tid att fylla i (högst {max_seconds:g} sekund).",
                            max_seconds=MAX_SECONDS))


def _size(value: object) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict) else 0


def _check_inputs(values: tuple[Any, ...]) -> None:
    """No argument may ask for more than a letter can hold: a width, a count, a text."""
    _tick()
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_OUTPUT:
            raise too_long()
        if _size(value) > MAX_OUTPUT:
            raise too_long()


def _checked(result: Any) -> Any:
    if _size(result) > MAX_OUTPUT:
        raise too_long()
    return result


def _replace_size(text: object, old: object, new: object) -> int:
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return 0
    return len(text) + text.count(old) * max(0, len(new) - len(old))


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    # A filter marked pass_context (or eval context, environment) gets that first; Jinja reads
    # the marker from the function it calls, so the wrapper carries it on.
    marker = getattr(func, "jinja_pass_arg", None)
    skip = 1 if marker is not None else 0

    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = args[skip:]
        _check_inputs((*values, *kwargs.values()))
        if name == "replace" and len(values) >= 3 and _replace_size(*values[:3]) > MAX_OUTPUT:
            raise too_long()
        return _checked(func(*args, **kwargs))

    if marker is not None:
        bounded.jinja_pass_arg = marker  # type: ignore[attr-defined]
    return bounded


class LetterSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every value, call and operator bounded (see the module)."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Multiply numbers only, never raise to a power, no %-formatting; bounded sums."""
        _tick()
        numbers = all(isinstance(v, int | float) for v in (left, right))
        if operator == "**" or (operator == "*" and not numbers):
            raise SecurityError(_("bara tal kan multipliceras i en brevmall"))
        if operator == "%" and not numbers:
            raise SecurityError(_("procentformatering (%) kan inte användas i en brevmall"))
        if operator == "+" and _size(left) + _size(right) > MAX_OUTPUT:
            raise too_long()
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call only a text value's harmless methods, with bounded arguments and result."""
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        if not isinstance(owner, str) or name not in STR_METHODS:
            raise SecurityError(_("{value}() kan inte anropas i en brevmall", value=name or 'det'))
        _check_inputs((owner, *args, *kwargs.values()))
        if name == "replace" and len(args) >= 2 and _replace_size(owner, *args[:2]) > MAX_OUTPUT:
            raise too_long()
        return _checked(__obj(*args, **kwargs))


def environment() -> LetterSandbox:
    """The letter sandbox: only the merge fields, the allowed filters, no globals."""
    env = LetterSandbox(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                        lstrip_blocks=True)
    # Only the merge fields: no range(), lipsum(), namespace() ... in a letter text.
    env.globals.clear()
    env.filters = {name: _bounded_filter(name, env.filters[name]) for name in FILTERS}
    return env


_TAGS = {"For": "for", "Macro": "macro", "CallBlock": "call", "Assign": "set", "AssignBlock": "set",
         "With": "with", "FilterBlock": "filter", "Block": "block", "Scope": "autoescape",
         "ScopedEvalContextModifier": "autoescape", "EvalContextModifier": "autoescape"}


def disallowed_statement(tree: nodes.Template) -> str | None:
    """The tag of the first statement a letter text may not use ("for", "macro" ...), or None."""
    for node in tree.find_all(nodes.Stmt):
        if not isinstance(node, ALLOWED_STATEMENTS):
            return _TAGS.get(type(node).__name__, type(node).__name__.lower())
    return None


def bounded(chunks: Iterator[str]) -> str:
    """Join a template's output as it is made, refusing it past MAX_OUTPUT or MAX_SECONDS."""
    token = _deadline.set(time.monotonic() + MAX_SECONDS)
    try:
        out: list[str] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise too_long()
            _tick()
            out.append(chunk)
        return "".join(out)
    finally:
        _deadline.reset(token)
