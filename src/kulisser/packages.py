"""The installed packages, and the collection of what each one declares in its ``__init__.py``.

A package's ``__init__.py`` sets ``PACKAGE = Package(name=__name__, ...)``: its routers (in the
order they must be included), the modules that register its tables, work-item kinds and job
tasks, its event subscribers and its demo seeding, as module names relative to the package.
``INSTALLED`` is the one central list: adding a package is adding its folder and one line here.
The app, the worker, ``kulisser check``, ``kulisser demo`` and Alembic collect the declarations.

This module imports no package of its own accord (every ``__init__.py`` imports it), and it is
the one place that imports project modules by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlalchemy import MetaData

# In this order: routers are included, kinds registered and demo data seeded package by package.
INSTALLED: tuple[str, ...] = (
    "kulisser.jobs",
    "kulisser.staff",
    "kulisser.worklist",
    "kulisser.patients",
    "kulisser.reception",
    "kulisser.audit",
    "kulisser.dictation",
    "kulisser.results",
    "kulisser.waitlist",
    "kulisser.referrals",
    "kulisser.letters",
    "kulisser.booking",
    "kulisser.records",
    "kulisser.access_rights",
    "kulisser.coding",
    "kulisser.stats",  # last of the domains: its demo counts every other one's work items
    "kulisser.web",
)


class PackageError(RuntimeError):
    """An installed package is missing or declares something that cannot be loaded."""


@dataclass(frozen=True, kw_only=True)
class Package:
    """What one package brings; every module name is relative to the package (``"views"``)."""

    name: str
    # Modules with a ``router``, included in this order (a fixed path before a {param} one).
    routers: tuple[str, ...] = ()
    # The module whose import registers the package's tables with Base.metadata.
    models: str | None = None
    # Modules whose import registers work-item kinds (kulisser.worklist.kinds.register).
    kinds: tuple[str, ...] = ()
    # Modules whose import registers job tasks and periodic tasks (kulisser.jobs.runner).
    jobs: tuple[str, ...] = ()
    # A module with ``SUBSCRIPTIONS`` for kulisser.events.install; a missing one is tolerated.
    subscribers: str | None = None
    # "module:function" that seeds the package's demo data (see kulisser.demo).
    demo: str | None = None

    def module(self, relative: str) -> ModuleType:
        """Import one of the package's modules by its relative name."""
        return _import(f"{self.name}.{relative}")


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            raise PackageError(f"{name} is declared but does not exist") from exc
        raise


def declared(names: Iterable[str] = INSTALLED) -> list[Package]:
    """The declaration of each named package, in order."""
    found = []
    for name in names:
        declaration = getattr(_import(name), "PACKAGE", None)
        if not isinstance(declaration, Package):
            raise PackageError(f"{name}/__init__.py declares no PACKAGE = Package(...)")
        if declaration.name != name:
            raise PackageError(f"{name} declares itself as {declaration.name}")
        found.append(declaration)
    return found


def load_models(packages: Sequence[Package]) -> MetaData:
    """Import every package's models and return the metadata that now knows all tables."""
    from kulisser.db import Base

    for package in packages:
        if package.models:
            package.module(package.models)
    return Base.metadata


def _subscriptions(package: Package) -> ModuleType | None:
    assert package.subscribers is not None
    name = f"{package.name}.{package.subscribers}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None  # declared ahead of its module: nothing to subscribe yet
        raise


def setup(names: Iterable[str] = INSTALLED) -> list[Package]:
    """Load the named packages: tables, kinds, jobs and subscribers registered; return them."""
    from kulisser import events

    packages = declared(names)
    load_models(packages)
    for package in packages:
        for relative in (*package.kinds, *package.jobs):
            package.module(relative)
    for package in packages:
        if package.subscribers and (module := _subscriptions(package)) is not None:
            events.install(module)
    return packages


def routers(packages: Sequence[Package]) -> list[APIRouter]:
    """Every declared router, package by package, each package's in its declared order."""
    return [package.module(relative).router for package in packages
            for relative in package.routers]


DemoSeed = Callable[..., Any]


def demo_seeders(packages: Sequence[Package]) -> list[DemoSeed]:
    """The demo seeding function of each package that has one, in package order."""
    seeders = []
    for package in packages:
        if package.demo:
            module, _, function = package.demo.partition(":")
            seeders.append(getattr(package.module(module), function or "seed"))
    return seeders
