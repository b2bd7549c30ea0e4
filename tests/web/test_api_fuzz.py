"""The API fuzzer finds no 500: Schemathesis against the app's own OpenAPI document.

Every operation of /api/v1 is called with generated input, valid and invalid (Schemathesis's
positive and negative modes), as the demo clinic's manager with a bearer token, on a database
of its own (the fuzzer's rows never meet another test's). Hypothesis is derandomized, so every
run sends the same requests. `KULISSER_FUZZ_EXAMPLES` (default 12 per operation and mode) makes
it bigger; the figures are printed at the end (`-s`), and benchmarks/fuzz.py records them:

    KULISSER_FUZZ_EXAMPLES=100 pytest -p no:cacheprovider -m fuzz -s tests/web/test_api_fuzz.py
"""
from __future__ import annotations

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
from schemathesis.checks import not_a_server_error
from sqlalchemy import select

from kulisser import demo, migrate
from kulisser.app import create_app
from kulisser.db import Database
from kulisser.staff import service as staff
from kulisser.staff.models import User
from tests import conftest
from tests.conftest import backend, fresh_database_url

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("KULISSER_FUZZ_EXAMPLES", "12"))


class Tally:
    """What the fuzzer sent and got back, for the figures."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.operations: set[str] = set()
        self.server_errors: Counter[str] = Counter()
        self.started = self.cpu_started = 0.0

    def start(self) -> None:
        """Start the clocks (wall and this process's CPU)."""
        self.started, self.cpu_started = time.perf_counter(), time.process_time()

    def record(self, operation: str, status: int) -> None:
        """Count one answer."""
        self.operations.add(operation)
        self.statuses[status] += 1
        if status >= 500:
            self.server_errors[operation] += 1

    def figures(self) -> dict[str, Any]:
        """The figures as a dict (KULISSER_FUZZ_REPORT writes them as JSON for benchmarks/fuzz.py)."""
        return {"database": backend(), "examples": EXAMPLES, "operations": len(self.operations),
                "requests": sum(self.statuses.values()),
                "answers": dict(sorted(Counter(f"{s // 100}xx" for s in self.statuses.elements()).items())),
                "server_errors": dict(sorted(self.server_errors.items())),
                "wall_s": round(time.perf_counter() - self.started, 1),
                "cpu_s": round(time.process_time() - self.cpu_started, 1)}

    def summary(self) -> str:
        """The figures, one line each."""
        f = self.figures()
        lines = [f"database: {f['database']}; examples per operation and mode: {f['examples']}",
                 f"operations: {f['operations']}; requests: {f['requests']}; "
                 f"5xx: {sum(f['server_errors'].values())}; time: {f['wall_s']:.0f} s "
                 f"(CPU {f['cpu_s']:.0f} s)",
                 "answers: " + ", ".join(f"{k} {v}" for k, v in f["answers"].items())]
        lines += [f"  5xx from {op}: {n}" for op, n in f["server_errors"].items()]
        return "\n".join(lines)


TALLY = Tally()

# The results bulk import reads JSON lines, described as a string: send the string as it is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    """An app on a database of its own with a small demo clinic, and its manager's bearer token.

    The demo's rows have the small ids the fuzzer tries first, so generated requests reach real
    patients, items, referrals, slots and letters of the caller's unit, not only 404s.
    """
    url, drop = fresh_database_url(tmp_path_factory.mktemp("fuzzdb"), "fuzz")
    database = Database(url)
    migrate.upgrade(database.engine)
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
    TALLY.start()
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(scope="module")
def auth_headers(fuzz_app: tuple[FastAPI, str]) -> dict[str, str]:
    """The bearer token as a header."""
    return {"Authorization": f"Bearer {fuzz_app[1]}"}


@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                     suppress_health_check=list(hypothesis.HealthCheck))
def test_no_operation_answers_5xx(case: Any, auth_headers: dict[str, str]) -> None:
    """Every generated request, valid or not, gets an answer below 500."""
    response = case.call(headers=auth_headers)
    TALLY.record(f"{case.operation.method.upper()} {case.operation.path}", response.status_code)
    case.validate_response(response, checks=[not_a_server_error])


def test_every_operation_was_fuzzed_and_none_answered_5xx(
        api_schema: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """The figures (runs after the fuzz test, in file order); -s shows them."""
    if not TALLY.statuses:
        pytest.skip("the fuzz test above was not selected, so there is nothing to count")
    with capsys.disabled():
        print("\n== API fuzz\n" + TALLY.summary())
    if report := os.environ.get("KULISSER_FUZZ_REPORT"):
        Path(report).write_text(json.dumps(TALLY.figures(), indent=2))
    operations = {f"{op.method.upper()} {op.path}" for op in
                  (result.ok() for result in api_schema.get_all_operations())}
    assert len(operations) > 100
    assert TALLY.operations == operations
    assert TALLY.server_errors == {}
