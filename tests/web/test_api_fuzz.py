"""The API fuzzer finds no 500: Schemathesis against the app's own OpenAPI document.

Every operation of /api/v1 is called with generated input, valid and invalid (Schemathesis's
positive and negative modes), as the demo clinic's manager with a bearer token, on a database
of its own (the fuzzer's rows never meet another test's); so is every HTML page, from an
OpenAPI document made here of the routes the API's document leaves out. Hypothesis is
derandomized, so every run sends the same requests. `KULISSER_FUZZ_EXAMPLES` (default 12 per
operation and mode) makes it bigger; the figures are printed at the end (`-s`), and
benchmarks/fuzz.py records them:

    KULISSER_FUZZ_EXAMPLES=100 pytest -p no:cacheprovider -m fuzz -s tests/web/test_api_fuzz.py
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from schemathesis.checks import not_a_server_error
from sqlalchemy import select

from kulisser import demo
from kulisser.app import create_app
from kulisser.db import Database
from kulisser.staff import service as staff
from kulisser.staff.models import User
from tests import conftest
from tests.conftest import backend, migrated_database_url

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("KULISSER_FUZZ_EXAMPLES", "12"))


class Tally:
    """What the fuzzer sent to one document (the API or the pages) and got back, for the figures."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.operations: set[str] = set()
        self.server_errors: Counter[str] = Counter()
        self.started = self.cpu_started = 0.0
        self.wall_s = self.cpu_s = 0.0

    def record(self, case: Any, status: int, wall_s: float, cpu_s: float) -> None:
        """Count one answer and the time it took."""
        operation = f"{case.operation.method.upper()} {case.operation.path}"
        self.operations.add(operation)
        self.statuses[status] += 1
        self.wall_s += wall_s
        self.cpu_s += cpu_s
        if status >= 500:
            self.server_errors[operation] += 1

    def figures(self) -> dict[str, Any]:
        """The figures as a dict (KULISSER_FUZZ_REPORT writes them as JSON for benchmarks/fuzz.py)."""
        classes = Counter(f"{status // 100}xx" for status in self.statuses.elements())
        return {"operations": len(self.operations), "requests": sum(self.statuses.values()),
                "answers": dict(sorted(classes.items())),
                "server_errors": dict(sorted(self.server_errors.items())),
                "wall_s": round(self.wall_s, 1), "cpu_s": round(self.cpu_s, 1)}

    def summary(self, name: str) -> str:
        """The figures, one line each."""
        f = self.figures()
        lines = [f"{name}: operations {f['operations']}; requests {f['requests']}; "
                 f"5xx {sum(f['server_errors'].values())}; requests' time {f['wall_s']:.0f} s "
                 f"(CPU {f['cpu_s']:.0f} s); " + ", ".join(f"{k} {v}" for k, v in f["answers"].items())]
        lines += [f"  5xx from {op}: {n}" for op, n in f["server_errors"].items()]
        return "\n".join(lines)


TALLIES = {"api": Tally(), "pages": Tally()}


def call(kind: str, case: Any, headers: dict[str, str]) -> None:
    """Send one generated request, count it, and fail on a 5xx."""
    wall, cpu = time.perf_counter(), time.process_time()
    response = case.call(headers=headers)
    TALLIES[kind].record(case, response.status_code, time.perf_counter() - wall,
                         time.process_time() - cpu)
    case.validate_response(response, checks=[not_a_server_error])


# The results bulk import reads JSON lines, described as a string: send the string as it is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    """An app on a database of its own with a small demo clinic, and its manager's bearer token.

    The demo's rows have the small ids the fuzzer tries first, so generated requests reach real
    patients, items, referrals, slots and letters of the caller's unit, not only 404s.
    """
    url, drop = migrated_database_url(tmp_path_factory.mktemp("fuzzdb"), "fuzz")
    database = Database(url)
    app = create_app(conftest.test_settings(url, data_dir=tmp_path_factory.mktemp("fuzzdata")),
                     database)
    with database.session() as session:
        demo.seed(session, patients=30, items=60)
        user = session.scalar(select(User).where(User.username == "chef"))
        assert user is not None
        token = staff.create_api_token(session, user=user, label="fuzz")
    yield app, token
    database.engine.dispose()
    drop()  # type: ignore[operator]


@pytest.fixture(scope="module")
def api_schema(fuzz_app: tuple[FastAPI, str]) -> Any:
    """The app's OpenAPI document as Schemathesis reads it, with a fixed seed."""
    app, token = fuzz_app
    config = schemathesis.Config()
    config.projects.default.generation.update(max_examples=EXAMPLES, deterministic=True,
                                              database="none")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=config,
                                            headers={"Authorization": f"Bearer {token}"})
    return schema


@pytest.fixture(scope="module")
def page_schema(fuzz_app: tuple[FastAPI, str]) -> Any:
    """The HTML pages (left out of the API's document) as an OpenAPI document of their own."""
    import fastapi.routing as fr

    app, _token = fuzz_app
    pages = []
    for ctx in fr.iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        if isinstance(ctx.original_route, APIRoute) and not ctx.include_in_schema:
            page = copy.copy(ctx.original_route)  # the routers are shared with the other tests
            page.include_in_schema = True
            pages.append(page)
    config = schemathesis.Config()
    config.projects.default.generation.update(max_examples=EXAMPLES, deterministic=True,
                                              database="none")
    schema = schemathesis.openapi.from_dict(get_openapi(title="Kulisser pages", version="0",
                                                        routes=pages), config=config)
    schema.app = app
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")
pages = schemathesis.pytest.from_fixture("page_schema")


@pytest.fixture(scope="module")
def auth_headers(fuzz_app: tuple[FastAPI, str]) -> dict[str, str]:
    """The bearer token as a header."""
    return {"Authorization": f"Bearer {fuzz_app[1]}"}


SETTINGS = hypothesis.settings(max_examples=EXAMPLES, derandomize=True, database=None,
                              deadline=None, suppress_health_check=list(hypothesis.HealthCheck))


@schema.parametrize()
@SETTINGS
def test_no_operation_answers_5xx(case: Any, auth_headers: dict[str, str]) -> None:
    """Every generated API request, valid or not, gets an answer below 500."""
    call("api", case, auth_headers)


@pages.parametrize()
@SETTINGS
def test_no_page_answers_5xx(case: Any, auth_headers: dict[str, str]) -> None:
    """Every generated request to an HTML page (bearer token: no CSRF) gets an answer below 500."""
    call("pages", case, auth_headers)


def _labels(schema: Any) -> set[str]:
    return {f"{op.method.upper()} {op.path}"
            for op in (result.ok() for result in schema.get_all_operations())}


def test_every_operation_was_fuzzed_and_none_answered_5xx(
        api_schema: Any, page_schema: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """The figures (runs after the fuzz tests, in file order); -s shows them."""
    if not all(t.statuses for t in TALLIES.values()):
        pytest.skip("the fuzz tests above were not both selected, so there is nothing to count")
    with capsys.disabled():
        print(f"\n== API fuzz on {backend()}, {EXAMPLES} examples per operation and mode")
        print("\n".join(tally.summary(kind) for kind, tally in TALLIES.items()))
    if report := os.environ.get("KULISSER_FUZZ_REPORT"):
        figures = {kind: tally.figures() for kind, tally in TALLIES.items()}
        Path(report).write_text(json.dumps({"database": backend(), "examples": EXAMPLES, **figures}))
    assert len(_labels(api_schema)) > 100 and len(_labels(page_schema)) > 100
    assert TALLIES["api"].operations == _labels(api_schema)
    assert TALLIES["pages"].operations == _labels(page_schema)
    assert all(not tally.server_errors for tally in TALLIES.values())
