"""Sending adapters named in the settings as "package.module:factory".

An operator installs another transport (an SMS gateway, the region's digital mailbox, an
electronic referral service) without changing Kulisser: a package of theirs offers a
callable that takes the Settings and returns the adapter, and KULISSER_SMS_ADAPTER,
KULISSER_MAILBOX_ADAPTER or KULISSER_REFERRAL_ADAPTER names it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kulisser.config import Settings


def resolve(spec: str) -> Callable[[Settings], Any]:
    """The factory that "module:attribute" names; ValueError says what is wrong with it."""
    module_name, sep, attribute = spec.strip().partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"adapter {spec!r}: write it as package.module:factory")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"adapter {spec!r}: module {module_name!r} cannot be imported ({exc})") from exc
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ValueError(f"adapter {spec!r}: {module_name!r} has no {attribute!r}")
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"adapter {spec!r}: {attribute!r} is not callable")
    factory: Callable[[Settings], Any] = target
    return factory


def build(spec: str, settings: Settings) -> Any:
    """Call the factory that spec names with the settings and return its adapter."""
    return resolve(spec)(settings)
