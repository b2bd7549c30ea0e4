"""Packages declare themselves: one folder and one line in kulisser.packages.INSTALLED.

A tiny package in tests/unit/tiny_package is installed by name into a fresh app and brings its
router, kind, job and subscriber; the installed packages bring every route the app had when
routes.py still listed them, each path still reaching the same endpoint.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import fastapi.routing as fr
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kulisser import events, packages
from kulisser.app import create_app
from kulisser.db import Database
from kulisser.jobs import runner
from kulisser.worklist import kinds
from tests.conftest import test_settings as settings_for

TINY = "tests.unit.tiny_package"
SRC = Path(packages.__file__).resolve().parent
BEFORE = Path(__file__).with_name("routes_before_packages.txt")
# Libraries that bring nothing to the app (no routes, tables, kinds or jobs) and are imported.
LIBRARIES = {"identity", "speech"}


def _app(names: tuple[str, ...]) -> FastAPI:
    return create_app(settings_for("sqlite://"), Database("sqlite://"), packages=names)


def _routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path, endpoint) of every route, in the order the app matches them."""
    found = []
    for ctx in fr.iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        endpoint = getattr(ctx, "endpoint", None)
        if endpoint is None:
            continue
        for method in sorted((getattr(ctx, "methods", None) or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, ctx.path, f"{endpoint.__module__}.{endpoint.__qualname__}"))
    return found


@pytest.fixture()
def tiny_registries() -> Iterator[None]:
    """Leave the process's kinds, tasks and subscribers as they were before the tiny package."""
    # Everything installed registers first: a registry saved before a package's first import
    # would lose that package's kinds for every later test in the process (modules load once).
    packages.setup(packages.INSTALLED)
    saved = (dict(kinds._REGISTRY), dict(runner._TASKS), dict(runner._PERIODIC),
             {k: list(v) for k, v in events._handlers.items()})
    yield
    kinds._REGISTRY.clear()
    kinds._REGISTRY.update(saved[0])
    runner._TASKS.clear()
    runner._TASKS.update(saved[1])
    runner._PERIODIC.clear()
    runner._PERIODIC.update(saved[2])
    events._handlers.clear()
    events._handlers.update(saved[3])
    for name in [n for n in sys.modules if n == TINY or n.startswith(TINY + ".")]:
        del sys.modules[name]


def test_adding_a_package_is_one_folder_and_one_line(tiny_registries: None) -> None:
    plain = _app(packages.INSTALLED)
    assert "/litet-paket" not in {path for _m, path, _e in _routes(plain)}
    assert "tests-tiny" not in {k.code for k in kinds.all_kinds()}
    assert "tests.tiny.hello" not in runner.registered()

    app = _app((*packages.INSTALLED, TINY))
    with TestClient(app) as client:
        page = client.get("/litet-paket")
    assert page.status_code == 200 and page.text == "Hej från det lilla paketet."
    assert kinds.get_kind("tests-tiny").label == "Litet ärende"
    assert "tests.tiny.hello" in runner.registered()
    from tests.unit.tiny_package import demo, subscribers

    assert subscribers.remember in events.handlers_for(subscribers.TinyHappened)
    assert packages.demo_seeders(packages.declared([TINY])) == [demo.seed]
    # Everything the installed packages brought is still there, in front of the new router.
    assert _routes(app)[:len(_routes(plain))] == _routes(plain)


def test_a_declared_subscribers_module_may_not_exist_yet() -> None:
    ahead = packages.Package(name=TINY, subscribers="not_written_yet")
    assert packages._subscriptions(ahead) is None


def test_a_declaration_that_names_nothing_stops_the_start() -> None:
    with pytest.raises(packages.PackageError, match="no_such_package"):
        packages.declared(["kulisser.no_such_package"])
    with pytest.raises(packages.PackageError, match="no PACKAGE"):
        packages.declared(["kulisser.identity"])  # a library, not an installed package
    wrong = packages.Package(name="kulisser.staff", routers=("no_such_views",))
    with pytest.raises(packages.PackageError, match="no_such_views"):
        packages.routers([wrong])


def test_every_package_folder_is_installed_and_declares_its_models() -> None:
    folders = {p.parent.name for p in SRC.glob("*/__init__.py")}
    installed = {name.removeprefix("kulisser.") for name in packages.INSTALLED}
    assert folders - LIBRARIES == installed
    for package in packages.declared():
        folder = SRC / package.name.removeprefix("kulisser.")
        assert (package.models == "models") == (folder / "models.py").exists(), package.name
        for relative in (*package.routers, *package.kinds, *package.jobs):
            assert (folder / f"{relative}.py").exists(), f"{package.name}.{relative}"


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", path) + "$")


def _sample(path: str) -> str:
    return re.sub(r"\{[^}/]+\}", "1", path)


def test_every_route_the_app_had_still_reaches_the_same_endpoint() -> None:
    before = [tuple(line.split(" ")) for line in BEFORE.read_text().splitlines()
              if line and not line.startswith("#")]
    now = _routes(_app(packages.INSTALLED))
    assert len(before) > 250
    # Routes added since the snapshot are welcome; none of the old ones may be lost.
    assert set(before) - set(now) == set()

    def first(routes: list[tuple[str, ...]], method: str, concrete: str) -> str:
        return next(endpoint for m, path, endpoint in routes
                    if m == method and _pattern(path).match(concrete))

    # A fixed path stays in front of the {param} path that would catch it (/diktat/kvalitet).
    for method, path, _endpoint in before:
        for concrete in {_sample(path), path}:
            assert first(now, method, concrete) == first(before, method, concrete), (method, concrete)
