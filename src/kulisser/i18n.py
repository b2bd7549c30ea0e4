"""The translation functions for user-facing strings (Swedish is the source language)."""

from __future__ import annotations


def _(text: str, **kwargs: object) -> str:
    """Translate a user-facing string; today Swedish only, formatted with kwargs."""
    return text.format(**kwargs) if kwargs else text


def N_(text: str) -> str:
    """Mark a module-level string for translation without translating it; `_()` it where shown."""
    # A constant is built at import time, before any request's language is known; it stays
    # the Swedish source here and goes through `_()` at the place that shows it.
    return text


def ngettext(singular: str, plural: str, n: int, **kwargs: object) -> str:
    """Translate a string whose noun follows a count: "{n} dag", "{n} dagar" ({n} is filled in)."""
    # Swedish (like English) has one plural form, used for every count but exactly one;
    # "-1 dag" reads as singular too, so the sign does not count.
    text = singular if abs(n) == 1 else plural
    return text.format(n=n, **kwargs)
