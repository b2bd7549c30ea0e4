"""No route or dependency does database or file work on the event loop (DESIGN rule 3c).

Every route and every dependency of the app is walked; an `async def` among them must not
reach the database session (through a dependency on it, or by naming it in its body) nor
open files. The same AST check runs over every `async def` under a router decorator in
src/, so a router not yet mounted is held to the rule too.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from kulisser.app import create_app
from kulisser.config import Settings
from kulisser.web.deps import get_db

SRC = Path(__file__).resolve().parents[2] / "src" / "kulisser"
# Names that stand for the request's database session, or for blocking file work.
DB_NAMES = {"db", "session", "Session", "sessions", "Database"}
BLOCKING_CALLS = {"open", "read_bytes", "read_text", "write_bytes", "write_text", "commit",
                  "execute", "scalar", "scalars", "flush", "rollback"}


def _calls(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name):
                yield func.id
            elif isinstance(func, ast.Attribute):
                yield func.attr


def blocking_uses(fn: ast.AsyncFunctionDef) -> list[str]:
    """What in an async function's body touches the database or files."""
    found = [f"name {n.id}" for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id in DB_NAMES]
    found += [f"attribute .{n.attr}" for n in ast.walk(fn)
              if isinstance(n, ast.Attribute) and n.attr in DB_NAMES]
    found += [f"call {c}()" for c in _calls(fn) if c in BLOCKING_CALLS]
    found += [f"parameter {a.arg}" for a in fn.args.args + fn.args.kwonlyargs
              if a.arg in DB_NAMES or a.arg == "ctx"]
    return found


def _function_ast(fn: Callable[..., Any]) -> ast.AsyncFunctionDef | None:
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    node = tree.body[0]
    return node if isinstance(node, ast.AsyncFunctionDef) else None


def _reaches_db(dependant: Dependant) -> bool:
    return any(d.call is get_db or _reaches_db(d) for d in dependant.dependencies)


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _api_routes(app: Any) -> list[Any]:
    """Every endpoint with its dependency tree, however this FastAPI version nests routers."""
    import fastapi.routing as fr

    contexts: Any = (fr.iter_route_contexts(app.routes)  # type: ignore[attr-defined]
                     if hasattr(fr, "iter_route_contexts") else app.routes)
    return [c for c in contexts if isinstance(getattr(c, "original_route", c), APIRoute)]


def _is_async(call: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)


def test_no_async_route_or_dependency_uses_the_database(tmp_path: Path) -> None:
    """Walk every mounted route and its dependency tree."""
    settings = Settings(mode="test", secret_key="k" * 40, database_url=f"sqlite:///{tmp_path}/x.db")
    app = create_app(settings)
    offenders: list[str] = []
    checked = 0
    for route in _api_routes(app):
        for dep in _walk(route.dependant):
            call = dep.call
            if call is None or not _is_async(call):
                continue
            checked += 1
            name = f"{route.path} {call.__module__}.{call.__qualname__}"
            if _reaches_db(dep):
                offenders.append(f"{name}: depends on the database session")
            node = _function_ast(call)
            if node is not None and (uses := blocking_uses(node)):
                offenders.append(f"{name}: {', '.join(uses)}")
    assert checked > 0, "the walk found no async dependency at all (the CSRF reader is one)"
    assert not offenders, "\n".join(sorted(set(offenders)))


def _decorated_by_router(fn: ast.AsyncFunctionDef) -> bool:
    for dec in fn.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute) and target.attr in {
                "get", "post", "put", "patch", "delete", "api_route"}:
            return True
    return False


def test_no_async_route_in_the_source_uses_the_database() -> None:
    """The same rule over every module: an async route may not name the session or ctx."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.AsyncFunctionDef) and _decorated_by_router(node)
                    and (uses := blocking_uses(node))):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}: {uses}")
    assert not offenders, "\n".join(offenders)


def test_the_check_sees_a_blocking_async_route() -> None:
    """The checker itself: the old `async def current()` shape is caught."""
    source = textwrap.dedent('''
        @router.post("/x")
        async def save(request, ctx=Depends(current)):
            form = await request.form()
            ctx.db.execute(text("select 1"))
    ''')
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.AsyncFunctionDef)
    assert _decorated_by_router(node)
    uses = blocking_uses(node)
    assert "attribute .db" in uses and "call execute()" in uses and "parameter ctx" in uses
