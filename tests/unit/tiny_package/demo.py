"""The tiny package's demo seeding (never run: the test only finds it)."""

from __future__ import annotations

from typing import Any


def seed(*_args: Any, **_kwargs: Any) -> None:
    """Seed nothing."""
