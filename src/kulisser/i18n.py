"""The one translation function for user-facing strings (Swedish is the source language)."""

from __future__ import annotations


def _(text: str, **kwargs: object) -> str:
    """Translate a user-facing string; today Swedish only, formatted with kwargs."""
    return text.format(**kwargs) if kwargs else text
